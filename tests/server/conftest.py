"""Fixtures of the server tests that drive the unmodified `inductiva` client."""

from .reference_client import file_server, moto_s3  # noqa: F401 - fixtures, by name
