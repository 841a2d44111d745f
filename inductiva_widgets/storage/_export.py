"""Exports to AWS S3: the seed's multipart flow, with typed errors instead of prints.

boto3 presigns one URL per part and the completion; the storage server does the copying.
`AWS_ENDPOINT_URL` is honoured (boto3 reads it), so an S3-compatible endpoint works too.
"""

from __future__ import annotations

import math
import posixpath
from typing import Any

from . import paths
from ._client import StorageClient
from ._exceptions import ExportError, InvalidArgumentError, StorageError
from ._models import ExportDestination, StorageOperation

MB = 1024 * 1024
MIN_PART_SIZE = 5 * MB
MAX_PARTS = 10_000
PRESIGN_EXPIRY_S = 3600


def multipart_parts(size: int, part_size: int = 128 * MB) -> tuple[int, int]:
    """(part size, part count): parts of at least 5 MiB, at most 10,000 of them."""
    part_size = max(part_size, MIN_PART_SIZE)
    if size <= part_size:
        return max(size, 1), 1
    part_size = max(part_size, math.ceil(size / MAX_PARTS))
    return part_size, math.ceil(size / part_size)


def multipart_upload(client: StorageClient, path: str, parts_size: int,
                     upload_parts: list[dict[str, Any]], complete_multipart_url: str,
                     region: str | None = None) -> StorageOperation:
    """Ask the server to PUT the file's parts to presigned URLs; returns the operation."""
    reply = client.export_multipart({
        "path": path, "parts_size": parts_size, "upload_parts": upload_parts,
        "complete_multipart_url": complete_multipart_url,
    }, region)
    return StorageOperation.from_api_response(client, reply)


def _s3_client(bucket_name: str):
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
    except ImportError:
        raise ExportError("exports need boto3: pip install 'inductiva-widgets[aws]'") from None
    session = boto3.Session()
    region_name = session.region_name
    if not region_name:
        raise ExportError("no AWS region is set: run 'aws configure' or set "
                          "AWS_DEFAULT_REGION")
    if session.get_credentials() is None:
        raise ExportError("no AWS credentials found: run 'aws configure' or set "
                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    s3 = session.client("s3", region_name=region_name,
                        config=Config(region_name=region_name, signature_version="s3v4"))
    try:
        s3.head_bucket(Bucket=bucket_name)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise ExportError(f"the S3 bucket {bucket_name!r} does not exist; create it "
                              "first or check its name") from None
        if code in ("403", "AccessDenied", "Forbidden"):
            raise ExportError(f"no access to the S3 bucket {bucket_name!r} with these AWS "
                              "credentials") from None
        raise ExportError(f"cannot use the S3 bucket {bucket_name!r}: {exc}") from None
    except NoCredentialsError:
        raise ExportError("no AWS credentials found: run 'aws configure'") from None
    except BotoCoreError as exc:
        raise ExportError(f"cannot reach S3: {exc}") from None
    return s3, ClientError


def _file_size(client: StorageClient, path: str, region: str | None) -> int:
    listing = client.list_contents(path, per_page=2, region=region)
    contents = listing["contents"]
    if len(contents) != 1 or contents[0]["is_directory"] or \
            contents[0]["name"] != posixpath.basename(path):
        raise ExportError(f"{path!r} is not a single file; only files can be exported "
                          "(zip a folder first)")
    return int(contents[0]["size_bytes"] or 0)


def export_to_aws_s3(client: StorageClient, path_to_export: str, part_size: int,
                     filename: str, bucket_name: str,
                     region: str | None = None) -> StorageOperation:
    """Export one storage file to `s3://bucket_name/filename`; `part_size` is in MiB."""
    path = paths.normalize(path_to_export, allow_root=False)
    s3, client_error = _s3_client(bucket_name)
    size = _file_size(client, path, region)
    parts_size, count = multipart_parts(size, int(part_size * MB))
    try:
        upload_id = s3.create_multipart_upload(Bucket=bucket_name, Key=filename)["UploadId"]
    except client_error as exc:
        raise ExportError(f"S3 refused to start the upload: {exc}") from None
    try:
        parts = [{"part_number": n, "part_url": s3.generate_presigned_url(
            "upload_part", ExpiresIn=PRESIGN_EXPIRY_S,
            Params={"Bucket": bucket_name, "Key": filename, "UploadId": upload_id,
                    "PartNumber": n})} for n in range(1, count + 1)]
        complete = s3.generate_presigned_url(
            "complete_multipart_upload", HttpMethod="POST", ExpiresIn=PRESIGN_EXPIRY_S,
            Params={"Bucket": bucket_name, "Key": filename, "UploadId": upload_id})
        operation = multipart_upload(client, path, parts_size, parts, complete, region)
        print("Export is being done by inductiva server. You can close the terminal.")
        return operation
    except StorageError:
        # Nothing will complete this upload: do not leave its parts billed in the bucket.
        s3.abort_multipart_upload(Bucket=bucket_name, Key=filename, UploadId=upload_id)
        raise


def export(client: StorageClient, path_to_export: str, export_to: ExportDestination,
           bucket_name: str, file_name: str | None = None, part_size: int = 128,
           region: str | None = None) -> StorageOperation:
    """Export a storage file to `export_to`; returns the server-side operation."""
    try:
        destination = ExportDestination(export_to)
    except ValueError:
        destination = None
    if destination is not ExportDestination.AWS_S3:
        raise InvalidArgumentError(f"Unsupported export destination: {export_to}")
    file_name = file_name or posixpath.basename(path_to_export.rstrip("/"))
    print(f"Exporting {path_to_export} to {bucket_name}...")
    return export_to_aws_s3(client, path_to_export, part_size, file_name, bucket_name, region)
