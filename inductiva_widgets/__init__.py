"""Inductiva cloud storage in Jupyter: a fast storage client, widgets and a bundled server."""

__version__ = "0.1.0"
