"""export() to a real S3 endpoint (moto's server on loopback)."""

from __future__ import annotations

import os

import pytest

import inductiva_widgets.storage as st
from inductiva_widgets.storage._export import MB, multipart_parts

from ..conftest import KEY
from ..server.helpers import region_root


@pytest.fixture
def big_file(server):
    data = os.urandom(11 * MB + 3)
    root = region_root(server, KEY)
    (root / "task").mkdir(parents=True)
    (root / "task/output.zip").write_bytes(data)
    return data


def test_export_round_trip(client, s3, big_file):
    s3.create_bucket(Bucket="results")
    op = st.export("task/output.zip", st.ExportDestination.AWS_S3, "results", part_size=5,
                   client=client)
    assert isinstance(op, st.StorageOperation) and op.id
    assert op.wait(poll_s=0.1, timeout=60) == "OK"
    assert op.attributes["parts_total"] == 3 and op.end_time is not None
    body = s3.get_object(Bucket="results", Key="output.zip")["Body"].read()
    assert body == big_file
    renamed = st.export_to_aws_s3("task/output.zip", 128, "runs/r1.zip", "results",
                                  client=client)
    assert renamed.wait(poll_s=0.1, timeout=60) == "OK"
    assert s3.head_object(Bucket="results", Key="runs/r1.zip")["ContentLength"] == len(big_file)


def test_missing_bucket_is_a_typed_error(client, s3, big_file):
    with pytest.raises(st.ExportError, match="does not exist"):
        st.export("task/output.zip", st.ExportDestination.AWS_S3, "no-such-bucket",
                  client=client)


def test_missing_region_and_credentials(client, s3, big_file, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(st.ExportError, match="AWS_DEFAULT_REGION"):
        st.export("task/output.zip", st.ExportDestination.AWS_S3, "b", client=client)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(st.ExportError, match="credentials"):
        st.export("task/output.zip", st.ExportDestination.AWS_S3, "b", client=client)


def test_only_files_export(client, s3, big_file):
    s3.create_bucket(Bucket="folders")
    with pytest.raises(st.ExportError, match="single file"):
        st.export("task", st.ExportDestination.AWS_S3, "folders", client=client)
    with pytest.raises(st.NotFoundError):
        st.export("task/none.zip", st.ExportDestination.AWS_S3, "folders", client=client)


@pytest.mark.parametrize("size, asked, expected", [
    (10, 128 * MB, (10, 1)),
    (0, 128 * MB, (1, 1)),
    (300 * MB, 128 * MB, (128 * MB, 3)),
    (12 * MB, 1 * MB, (5 * MB, 3)),  # parts are at least 5 MiB
    (2_000_000 * MB, 128 * MB, (200 * MB, 10_000)),  # never more than 10,000 parts
])
def test_part_sizes(size, asked, expected):
    part, count = multipart_parts(size, asked)
    assert (part, count) == expected
    assert count <= 10_000 and (count == 1 or part >= 5 * MB)
    assert part * count >= size
