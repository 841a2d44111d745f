"""`/storage/export_multipart` to a real S3 endpoint (moto's server on loopback)."""

from __future__ import annotations

import math
import os
import time
import uuid

import pytest

from .helpers import put


def start_export(api, s3, path: str, size: int, part_size: int, bucket: str, key: str):
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)
    parts = [
        {"part_number": n, "part_url": s3.generate_presigned_url(
            "upload_part", Params={"Bucket": bucket, "Key": key, "UploadId": upload["UploadId"],
                                   "PartNumber": n})}
        for n in range(1, math.ceil(size / part_size) + 1)
    ]
    complete = s3.generate_presigned_url(
        "complete_multipart_upload",
        Params={"Bucket": bucket, "Key": key, "UploadId": upload["UploadId"]})
    return api.post("/storage/export_multipart", json={
        "path": path, "parts_size": part_size, "upload_parts": parts,
        "complete_multipart_url": complete})


def wait(api, op_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        op = api.get(f"/storage/operations/{op_id}").json()
        if op["status"] != "RUNNING":
            return op
        time.sleep(0.1)
    raise AssertionError("the export did not finish")


def test_export_goes_running_to_ok_with_identical_bytes(api, s3):
    bucket = f"exports-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    data = os.urandom(12 * 1024 * 1024 + 5)
    put(api, "task/output.zip", data)
    response = start_export(api, s3, "task/output.zip", len(data), 5 * 1024 * 1024,
                            bucket, "results/output.zip")
    assert response.status_code == 200, response.text
    op = response.json()
    assert op["name"] == "export" and op["status"] == "RUNNING"
    assert op["start_time"] and isinstance(op["attributes"], dict)
    done = wait(api, op["id"])
    assert done["status"] == "OK", done["error_message"]
    assert done["end_time"] and done["attributes"]["parts_done"] == 3
    assert done["attributes"]["bytes_done"] == len(data)
    body = s3.get_object(Bucket=bucket, Key="results/output.zip")["Body"].read()
    assert body == data
    listed = api.get("/storage/operations").json()
    assert listed[0]["id"] == op["id"]


def test_export_to_missing_bucket_fails_with_message(api, s3):
    data = b"x" * 1000
    put(api, "task/small.bin", data)
    s3.create_bucket(Bucket="temporary-bucket")
    upload = s3.create_multipart_upload(Bucket="temporary-bucket", Key="k")
    url = s3.generate_presigned_url("upload_part", Params={
        "Bucket": "temporary-bucket", "Key": "k", "UploadId": upload["UploadId"],
        "PartNumber": 1})
    complete = s3.generate_presigned_url("complete_multipart_upload", Params={
        "Bucket": "temporary-bucket", "Key": "k", "UploadId": upload["UploadId"]})
    s3.abort_multipart_upload(Bucket="temporary-bucket", Key="k", UploadId=upload["UploadId"])
    s3.delete_bucket(Bucket="temporary-bucket")
    op = api.post("/storage/export_multipart", json={
        "path": "task/small.bin", "parts_size": 5 * 1024 * 1024,
        "upload_parts": [{"part_number": 1, "part_url": url}],
        "complete_multipart_url": complete}).json()
    done = wait(api, op["id"])
    assert done["status"] == "FAILED"
    assert "NoSuch" in done["error_message"]


@pytest.mark.parametrize("parts, status", [
    ([{"part_number": 1, "part_url": "http://127.0.0.1:1/p"}], 422),  # 2 parts needed
    ([], 422),
])
def test_export_request_checked_up_front(api, parts, status):
    put(api, "task/f.bin", b"y" * 100)
    response = api.post("/storage/export_multipart", json={
        "path": "task/f.bin", "parts_size": 60, "upload_parts": parts,
        "complete_multipart_url": "http://127.0.0.1:1/c"})
    assert response.status_code == status and response.json()["detail"]


def test_export_of_missing_file_and_unknown_operation(api):
    response = api.post("/storage/export_multipart", json={
        "path": "task/none.bin", "parts_size": 10,
        "upload_parts": [{"part_number": 1, "part_url": "http://127.0.0.1:1/p"}],
        "complete_multipart_url": "http://127.0.0.1:1/c"})
    assert response.status_code == 404
    assert api.get("/storage/operations/nope").status_code == 404


def test_operations_are_per_user(api, other_api, s3):
    s3.create_bucket(Bucket="per-user")
    put(api, "task/a.bin", b"z" * 10)
    op = start_export(api, s3, "task/a.bin", 10, 5 * 1024 * 1024, "per-user", "a.bin").json()
    assert other_api.get(f"/storage/operations/{op['id']}").status_code == 404
    assert other_api.get("/storage/operations").json() == []
    assert wait(api, op["id"])["status"] == "OK"
