"""Differential suite (issue 11): every seed call through `inductiva.storage` and through ours.

Each case runs through the unmodified reference client `inductiva[aws]==0.18.12` (its own
venv, as in tests/server/reference_client.py) and through `inductiva_widgets.storage`,
from the same starting remote state, and compares return values, stdout/stderr, exceptions,
local files, remote files, operations and S3 (see `differential/` for the fields and how
they are normalised). A subset also runs in a real IPython kernel and compares what it shows.

Intended differences are listed once, in `differential.INTENDED`, each with its reason (and
in the README section "Differences from inductiva.storage"); any other difference fails the
case with a readable diff. Set DIFFERENTIAL_REPORT=<file> to also get every difference
found, grouped by function, in that file.

Run: `.venv/bin/python -m pytest tests/storage/test_differential.py`
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from .differential import (
    BASE,
    CLIENTS,
    DEST,
    IN,
    INTENDED,
    PREP,
    REPO,
    WEB,
    Case,
    compare,
    normalise_text,
    ref_python,
    report,
    run_suite,
    split_progress,
)

pytestmark = [pytest.mark.inductiva_client, pytest.mark.timeout(1200)]

C = Case
MANY = ("many",)
Q = {"print_results": False}

LISTDIR = [
    C("listdir-root", "listdir", ("/",), kernel=True),
    C("listdir-root-quiet", "listdir", ("/",), Q),
    C("listdir-no-args", "listdir"),
    C("listdir-folder", "listdir", ("data",)),
    C("listdir-folder-slash", "listdir", ("data/",), Q),
    C("listdir-nested-folder", "listdir", ("data/sub",), Q),
    C("listdir-file", "listdir", ("data/a.txt",), Q),
    C("listdir-task-folder", "listdir", ("task1",)),
    C("listdir-max-0", "listdir", ("many",), {"max_results": 0, **Q}, state=MANY),
    C("listdir-max-1", "listdir", ("many",), {"max_results": 1, **Q}, state=MANY),
    C("listdir-max-10-printed", "listdir", ("many",), {"max_results": 10}, state=MANY),
    C("listdir-max-103", "listdir", ("many",), {"max_results": 103, **Q}, state=MANY),
    C("listdir-max-103-printed", "listdir", ("many",), {"max_results": 103}, state=MANY),
    C("listdir-max-250", "listdir", ("many",), {"max_results": 250, **Q}, state=MANY),
    C("listdir-max-none", "listdir", ("many",), {"max_results": None, **Q}, state=MANY),
    C("listdir-size-asc", "listdir", ("many",),
      {"max_results": None, "order_by": "size", "sort_order": "asc", **Q}, state=MANY),
    C("listdir-size-desc", "listdir", ("data",), {"order_by": "size", "sort_order": "desc"}),
    C("listdir-time-asc", "listdir", ("data",),
      {"order_by": "creation_time", "sort_order": "asc", **Q}),
    C("listdir-order-by-name", "listdir", ("many",),
      {"order_by": "name", "sort_order": "asc", "max_results": 5, **Q}, state=MANY),
    C("listdir-recursive-root", "listdir", ("/",), {"recursive": True}),
    C("listdir-recursive-folder", "listdir", ("data",), {"recursive": True, **Q}),
    C("listdir-region-all", "listdir", ("/",), {"region": "all", **Q}),
    C("listdir-other-region", "listdir", ("/",), {"region": "us-central1", **Q}),
    C("listdir-empty-storage", "listdir", ("/",), state=()),
    C("listdir-missing", "listdir", ("nope",), Q),
    C("listdir-invalid-path", "listdir", ("../up",), Q),
    C("listdir-bad-key", "listdir", ("/",), Q, key="bad"),
]

SPACE = [
    C("space-used", "get_space_used", kernel=True),
    C("space-used-empty-storage", "get_space_used", state=()),
    C("space-used-many-files", "get_space_used", state=BASE + MANY),
    C("space-used-bad-key", "get_space_used", key="bad"),
]

UPLOAD = [
    C("upload-file", "upload", (IN("single.txt"), "up"), inputs=("file",), kernel=True),
    C("upload-big-file", "upload", (IN("big.bin"), "up"), inputs=("bigfile",)),
    C("upload-folder", "upload", (IN("folder"), "up"), inputs=("folder",), kernel=True),
    C("upload-folder-local-trailing-slash", "upload", (IN("folder/"), "up"),
      inputs=("folder",)),
    C("upload-file-to-nested-dir", "upload", (IN("single.txt"), "a/b/c"), inputs=("file",)),
    C("upload-folder-to-nested-dir", "upload", (IN("folder"), "nested/deeper"),
      inputs=("folder",)),
    C("upload-odd-names", "upload", (IN("odd dir"), "odd"), inputs=("odd",)),
    C("upload-unicode-file", "upload", (IN("\u00fcn\u00ef.txt"), "uni"),
      inputs=("unicode_file",)),
    C("upload-to-dir-with-space", "upload", (IN("single.txt"), "my dir"), inputs=("file",)),
    C("upload-empty-file", "upload", (IN("empty.txt"), "up"), inputs=("empty_file",)),
    C("upload-empty-folder", "upload", (IN("emptydir"), "up"), inputs=("empty_folder",)),
    C("upload-into-existing-folder", "upload", (IN("folder"), "data"), inputs=("folder",)),
    C("upload-folder-to-dir-slash", "upload", (IN("folder"), "dir/"), inputs=("folder",)),
    C("upload-file-to-dir-slash", "upload", (IN("single.txt"), "dir/"), inputs=("file",)),
    C("upload-to-dotdot-dir", "upload", (IN("single.txt"), "x/../y"), inputs=("file",)),
    C("upload-to-root", "upload", (IN("single.txt"), "/"), inputs=("file",)),
    C("upload-to-leading-slash-dir", "upload", (IN("single.txt"), "/up"), inputs=("file",)),
    C("upload-to-invalid-dir", "upload", (IN("single.txt"), "../up"), inputs=("file",)),
    C("upload-missing-local-path", "upload", (IN("nope.txt"), "up")),
    C("upload-output-zip-file", "upload", (IN("outdir/output.zip"), "task9"),
      inputs=("output_zip",)),
    C("upload-folder-with-output-zip", "upload", (IN("outdir"), "task9"),
      inputs=("output_zip",)),
    C("upload-other-region", "upload", (IN("single.txt"), "up"), {"region": "us-central1"},
      inputs=("file",)),
    C("upload-bad-key", "upload", (IN("single.txt"), "up"), inputs=("file",), key="bad"),
]

DOWNLOAD = [
    C("download-file", "download", ("data/a.txt", "dl"), kernel=True),
    C("download-file-to-cwd", "download", ("data/a.txt",)),
    C("download-empty-file", "download", ("data/empty.txt", "dl")),
    C("download-unicode-file", "download", ("data/\u00fcn\u00efc\u00f8d\u00e9.txt", "dl")),
    C("download-file-with-space", "download", ("data/with space.txt", "dl")),
    C("download-folder", "download", ("data", "dl"), kernel=True),
    C("download-folder-slash", "download", ("data/", "dl")),
    C("download-nested-folder", "download", ("data/sub", "dl")),
    C("download-to-existing-dir", "download", ("data", "dl"),
      local={"dl/data/a.txt": b"old content\n", "dl/keep.txt": b"keep me\n"}),
    C("download-member-deflate", "download", ("task1/output.zip/stdout.txt", "dl"),
      kernel=True),
    C("download-member-stored", "download", ("task1/output.zip/raw.bin", "dl")),
    C("download-member-empty", "download", ("task1/output.zip/empty.txt", "dl")),
    C("download-member-subfolder", "download", ("task1/output.zip/sub/nested.txt", "dl")),
    C("download-member-bzip2", "download", ("task1/output.zip/bz.txt", "dl")),
    C("download-member-lzma", "download", ("task1/output.zip/xz.txt", "dl")),
    C("download-member-input-zip", "download", ("task1/input.zip/config.json", "dl")),
    C("download-member-input-subfolder", "download",
      ("task1/input.zip/mesh/grid.txt", "dl")),
    C("download-member-no-artifacts-entry", "download",
      ("task2/output.zip/stdout.txt", "dl")),
    C("download-member-plain-zip", "download", ("zips/plain.zip/a.txt", "dl"),
      state=("zips",)),
    C("download-member-plain-zip-subfolder", "download", ("zips/plain.zip/sub/b.txt", "dl"),
      state=("zips",)),
    C("download-member-missing", "download", ("task1/output.zip/nope.txt", "dl")),
    C("download-member-to-cwd", "download", ("task1/output.zip/stdout.txt",)),
    C("download-zip-decompressed", "download", ("task1/output.zip", "dl"), kernel=True),
    C("download-zip-packed", "download", ("task1/output.zip", "dl", False)),
    C("download-zip-no-artifacts-entry", "download", ("task2/output.zip", "dl")),
    C("download-zip-no-artifacts-entry-packed", "download",
      ("task2/output.zip", "dl"), {"decompress": False}),
    C("download-plain-zip", "download", ("zips/plain.zip", "dl"), state=("zips",)),
    C("download-zip-slip", "download", ("zips/slip.zip", "dl"), state=("zips",)),
    C("download-not-a-zip", "download", ("zips/notzip.zip", "dl"), state=("zips",)),
    C("download-not-a-zip-packed", "download", ("zips/notzip.zip", "dl", False),
      state=("zips",)),
    C("download-folder-file-then-zip", "download", ("mixed", "dl"), state=("mixed",)),
    C("download-folder-file-then-zip-packed", "download", ("mixed", "dl", False),
      state=("mixed",)),
    C("download-task-folder", "download", ("task1", "dl")),
    C("download-absolute-path", "download", ("/datasets/README.md", "dl"),
      state=("datasets",)),
    C("download-missing-file", "download", ("nope/x.txt", "dl")),
    C("download-missing-folder", "download", ("nope", "dl"), kernel=True),
    C("download-invalid-path", "download", ("../up", "dl")),
    C("download-bad-key", "download", ("data/a.txt", "dl"), key="bad"),
]

COPY = [
    C("copy-file", "copy", ("data/a.txt", "copies/a.txt"), kernel=True),
    C("copy-folder", "copy", ("data", "data2"), kernel=True),
    C("copy-file-into-folder", "copy", ("data/a.txt", "task1/")),
    C("copy-folder-into-folder", "copy", ("data/sub", "task2/")),
    C("copy-folder-slashes", "copy", ("data/", "data3/")),
    C("copy-over-existing-file", "copy", ("data/a.txt", "data/with space.txt")),
    C("copy-onto-itself", "copy", ("data/a.txt", "data/a.txt")),
    C("copy-zip", "copy", ("task1/output.zip", "backup/output.zip")),
    C("copy-missing-source", "copy", ("nope.txt", "x/nope.txt")),
    C("copy-invalid-source", "copy", ("../up", "x/y.txt")),
    C("copy-invalid-target", "copy", ("data/a.txt", "../up")),
    C("copy-to-root", "copy", ("data/a.txt", "/")),
    C("copy-bad-key", "copy", ("data/a.txt", "copies/a.txt"), key="bad"),
]

REMOVE = [
    C("remove-file", "remove", ("data/a.txt",), kernel=True),
    C("remove-folder", "remove", ("data",), kernel=True),
    C("remove-nested-folder", "remove", ("data/sub",)),
    C("remove-folder-slash", "remove", ("data/",)),
    C("remove-zip", "remove", ("task1/output.zip",)),
    C("remove-missing-folder", "remove", ("nope",), kernel=True),
    C("remove-missing-file", "remove", ("data/nope.txt",)),
    C("remove-invalid-path", "remove", ("../up",)),
    C("remove-root", "remove", ("/",)),
    C("remove-bad-key", "remove", ("data",), key="bad"),
]

ZIP_CONTENTS = [
    C("zip-contents-default", "get_zip_contents", ("task1/output.zip",), kernel=True),
    C("zip-contents-artifacts-recursive", "get_zip_contents",
      ("task1/output.zip", "artifacts", True)),
    C("zip-contents-artifacts-slash-flat", "get_zip_contents",
      ("task1/output.zip", "artifacts/", False)),
    C("zip-contents-subfolder", "get_zip_contents", ("task1/output.zip", "artifacts/sub")),
    C("zip-contents-whole-recursive", "get_zip_contents", ("task1/output.zip", "", True)),
    C("zip-contents-no-artifacts-entry", "get_zip_contents",
      ("task2/output.zip", "artifacts"), {"recursive": True}),
    C("zip-contents-input-zip", "get_zip_contents", ("task1/input.zip", "sim_dir", True)),
    C("zip-contents-missing-folder", "get_zip_contents", ("task1/output.zip", "nope")),
    C("zip-contents-missing-zip", "get_zip_contents", ("nope/output.zip",)),
    C("zip-contents-not-a-zip", "get_zip_contents", ("zips/notzip.zip",), state=("zips",)),
    C("zip-contents-plain-file", "get_zip_contents", ("data/a.txt",)),
    C("zip-contents-bad-key", "get_zip_contents", ("task1/output.zip",), key="bad"),
]

FILE_RANGE = [
    C("file-range-deflate", "get_file_range", ("task1/output.zip", "artifacts", "stdout.txt")),
    C("file-range-stored-slash", "get_file_range", ("task1/output.zip", "artifacts/",
                                                    "raw.bin")),
    C("file-range-subfolder", "get_file_range", ("task1/output.zip", "artifacts/sub",
                                                 "nested.txt")),
    C("file-range-bzip2", "get_file_range", ("task1/output.zip", "artifacts", "bz.txt")),
    C("file-range-empty-member", "get_file_range", ("task1/output.zip", "artifacts",
                                                    "empty.txt")),
    C("file-range-defaults", "get_file_range", ("task1/output.zip",)),
    C("file-range-keywords", "get_file_range", ("task1/input.zip",),
      {"zip_relative_path": "sim_dir", "filename": "config.json"}),
    C("file-range-missing-member", "get_file_range", ("task1/output.zip", "artifacts",
                                                      "nope.txt")),
    C("file-range-missing-zip", "get_file_range", ("nope/x.zip", "", "a.txt")),
    C("file-range-plain-zip", "get_file_range", ("zips/plain.zip", "", "a.txt"),
      state=("zips",)),
]

FROM_URL = [
    C("url-upload", "upload_from_url", (WEB("/files/data.bin"), "fetched"), settle=True),
    C("url-upload-named", "upload_from_url", (WEB("/files/data.bin"), "fetched", "named.bin"),
      settle=True),
    C("url-upload-quoted-name", "upload_from_url",
      (WEB("/files/my%20file%20%C3%BC.txt"), "fetched"), settle=True),
    C("url-upload-no-file-name", "upload_from_url", (WEB("/files/"), "fetched"), settle=True),
    C("url-upload-missing-page", "upload_from_url", (WEB("/missing.bin"), "fetched"),
      settle=True),
    C("url-upload-nested-dir", "upload_from_url", (WEB("/files/data.bin"), "a/b"),
      settle=True),
    C("url-upload-invalid-dir", "upload_from_url", (WEB("/files/data.bin"), "../up"),
      settle=True),
    C("url-upload-bad-key", "upload_from_url", (WEB("/files/data.bin"), "fetched"),
      key="bad"),
]

SIGNED = [
    C("signed-urls-download-file", "get_signed_urls", (["data/a.txt"], "download")),
    C("signed-urls-download-folder", "get_signed_urls", (["data"], "download")),
    C("signed-urls-upload", "get_signed_urls", (["up/new.txt", "up/b c.txt"], "upload")),
    C("signed-urls-empty", "get_signed_urls", ([], "upload")),
    C("signed-urls-missing", "get_signed_urls", (["nope.txt"], "download")),
    C("signed-urls-bad-operation", "get_signed_urls", (["data/a.txt"], "delete")),
    C("signed-urls-bad-key", "get_signed_urls", (["data/a.txt"], "download"), key="bad"),
]

EXP = ("exp",)
EXPORT = [
    C("export", "export", ("exp/blob.bin", DEST("AWS_S3"), PREP("bucket")), state=EXP,
      prep="bucket", settle=True),
    C("export-named-small-parts", "export", ("exp/blob.bin", DEST("AWS_S3"), PREP("bucket")),
      {"file_name": "renamed.bin", "part_size": 5}, state=EXP, prep="bucket", settle=True),
    C("export-missing-bucket", "export", ("exp/blob.bin", DEST("AWS_S3"), PREP("bucket")),
      state=EXP, prep="nobucket"),
    C("export-missing-file", "export", ("exp/nope.bin", DEST("AWS_S3"), PREP("bucket")),
      state=EXP, prep="bucket"),
    C("export-bad-destination", "export", ("exp/blob.bin", "gcs", PREP("bucket")), state=EXP,
      prep="bucket"),
    C("export-to-aws-s3", "export_to_aws_s3", ("exp/blob.bin", 5, "direct.bin",
                                               PREP("bucket")),
      state=EXP, prep="bucket", settle=True),
    C("export-to-aws-s3-missing-bucket", "export_to_aws_s3",
      ("exp/blob.bin", 5, "direct.bin", PREP("bucket")), state=EXP, prep="nobucket"),
    C("multipart-upload", "multipart_upload",
      ("exp/blob.bin", PREP("parts_size"), PREP("parts"), PREP("complete")), state=EXP,
      prep="multipart", settle=True),
    C("multipart-upload-missing-file", "multipart_upload",
      ("exp/nope.bin", PREP("parts_size"), PREP("parts"), PREP("complete")), state=EXP,
      prep="multipart", settle=True),
]

OPERATION = [
    C("operation-wait", "StorageOperation.wait", (PREP("op_id"), 0.2), state=EXP,
      prep="operation_ok", kernel=True),
    C("operation-refresh-then-wait", "StorageOperation._refresh+wait", (PREP("op_id"), 0.2),
      state=EXP, prep="operation_ok"),
    C("operation-refresh-then-wait-failed", "StorageOperation._refresh+wait",
      (PREP("op_id"), 0.2), state=EXP, prep="operation_failed"),
    C("operation-from-api-response", "StorageOperation.from_api_response", (PREP("op_id"),),
      state=EXP, prep="operation_ok"),
    C("operation-missing", "StorageOperation._refresh+wait", ("no-such-operation", 0.2),
      state=EXP),
]

CLASSES = [
    C("export-destination-members", "ExportDestination.members", state=()),
    C("export-destination-by-value", "ExportDestination", ("aws-s3",), state=()),
    C("export-destination-bad-value", "ExportDestination", ("gcs",), state=()),
    C("zip-file-info", "ZipFileInfo", ("a.txt", 1, 2, 3, None, 8), state=()),
    C("zip-archive-info", "ZipArchiveInfo", (10, []), state=()),
    C("zip-file-range", "ZipFileRange", (1, 5), state=()),
]

CASES = (LISTDIR + SPACE + UPLOAD + DOWNLOAD + COPY + REMOVE + ZIP_CONTENTS + FILE_RANGE
         + FROM_URL + SIGNED + EXPORT + OPERATION + CLASSES)
KERNEL_CASES = [c for c in CASES if c.kernel]

SEED_NAMES = ("copy", "download", "export", "export_to_aws_s3", "get_file_range",
              "get_signed_urls", "get_space_used", "get_zip_contents", "listdir",
              "multipart_upload", "remove", "upload", "upload_from_url", "ExportDestination",
              "StorageOperation", "ZipArchiveInfo", "ZipFileInfo", "ZipFileRange")


def _missing_client_message() -> str:
    return ("the inductiva==0.18.12 client venv is missing (set INDUCTIVA_CLIENT_PYTHON or "
            "run `make inductiva-client`)")


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, s3_endpoint):
    if ref_python() is None:
        if os.environ.get("CI"):
            pytest.fail(_missing_client_message())
        pytest.skip(_missing_client_message())
    tmp = tmp_path_factory.mktemp("differential")
    result = run_suite(CASES, tmp, s3_endpoint)
    text = (f"# Differences from inductiva.storage found by the differential suite\n\n"
            f"timings (s): { {k: round(v, 1) for k, v in result.seconds.items()} }\n"
            f"notes: {result.notes}\nkernel: {result.kernel_problem or 'ran'}\n\n"
            + report(result.all_differences()))
    rows = json.dumps([dataclasses.asdict(d) for d in result.all_differences()],
                      ensure_ascii=False, indent=1, default=str)
    (tmp / "report.md").write_text(text)
    (tmp / "report.json").write_text(rows)
    if os.environ.get("DIFFERENTIAL_REPORT"):
        target = Path(os.environ["DIFFERENTIAL_REPORT"])
        target.write_text(text)
        target.with_suffix(".json").write_text(rows)
    return result


# -- the cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_call_matches_reference(outcome, case):
    if case.id not in outcome.differences:
        pytest.skip("; ".join(outcome.notes))
    unlisted = [d for d in outcome.differences[case.id] if d.intended is None]
    if unlisted:
        pytest.fail(f"{len(unlisted)} difference(s) from inductiva.storage that INTENDED "
                    "does not list:\n" + "\n".join(d.render() for d in unlisted),
                    pytrace=False)


@pytest.mark.parametrize("case", KERNEL_CASES, ids=lambda c: c.id)
def test_kernel_display_matches_reference(outcome, case):
    if outcome.kernel_problem:
        if os.environ.get("CI"):
            pytest.fail(outcome.kernel_problem)
        pytest.skip(outcome.kernel_problem)
    unlisted = [d for d in outcome.kernel_differences[case.id] if d.intended is None]
    if unlisted:
        pytest.fail(f"the kernel shows {len(unlisted)} difference(s) INTENDED does not "
                    "list:\n" + "\n".join(d.render() for d in unlisted), pytrace=False)


def test_every_intended_difference_is_seen(outcome):
    """A registry entry that explains nothing any more is stale: remove it (and its README
    line), or fix the case that should show it."""
    used = {d.intended for d in outcome.all_differences() if d.intended}
    stale = [i.name for i in INTENDED if i.name not in used]
    assert not stale, f"INTENDED entries that no case shows: {stale}"


# -- the table and the registry ----------------------------------------------------------------


def test_case_table_covers_the_seed_api():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(CASES) >= 100
    assert len(KERNEL_CASES) >= 15
    assert set(SEED_NAMES) <= {c.function for c in CASES}
    assert set(CLIENTS) == {"ref", "ours"}


def test_intended_differences_have_reasons_and_are_in_the_readme():
    names = [i.name for i in INTENDED]
    assert len(names) == len(set(names))
    for entry in INTENDED:
        assert len(entry.reason) > 40 and entry.fields, entry.name
    readme = (REPO / "README.md").read_text()
    heading = "## Differences from inductiva.storage"
    assert heading in readme, f"README.md has no section {heading!r}"
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    missing = [name for name in names if name not in section]
    assert not missing, f"README section {heading!r} does not list: {missing}"


# -- normalisation (no server needed) ----------------------------------------------------------


def test_normalisation_of_per_run_values():
    subs = {"/tmp/x/ref/cases/c1": "<CASE>", "http://127.0.0.1:5555": "<API>"}
    text = ("wrote /tmp/x/ref/cases/c1/work/dl/a.txt from "
            "http://127.0.0.1:5555/blobs/u1/a.txt?user=u1&expires=99&signature=abc "
            "at 2024-05-01T12:00:00+00:00, Date: Mon, 04 Mar 2030 05:06:07 GMT, <o at "
            "0x7f12345678ab>")
    assert normalise_text(text, subs) == (
        "wrote <CASE>/work/dl/a.txt from <API>/blobs/u1/a.txt?<signed> at "
        "2024-05-01T12:00:00+00:00, Date: <http-date>, <o at 0x<addr>>")


def test_tqdm_redraws_reduce_to_the_final_state():
    stderr = ("Uploading content...\n"
              "\r  0%|          | 0.00/13.0 [00:00<?, ?B/s]"
              "\r100%|##########| 13.0/13.0 [00:00<00:00, 5.21kB/s]"
              "\r100%|##########| 13.0/13.0 [00:00<00:00, 4.98kB/s]\n"
              "Downloading 1 file(s): 0.00B [00:00, ?B/s]\rDownloading 1 file(s): 13.0B "
              "[00:01, 12.1B/s]\nContent uploaded successfully.\n")
    bars, text = split_progress(stderr)
    assert bars == [
        {"desc": "", "pct": "100%", "n/total": "13.0/13.0", "unit": "B/s"},
        {"desc": "Downloading 1 file(s)", "pct": None, "n/total": "13.0B", "unit": "B/s"},
    ]
    assert text == "Uploading content...\nContent uploaded successfully."


def test_a_difference_outside_the_registry_fails_readably():
    from .differential import Slot

    case = Case("demo", "copy", ("a/b", "c/d"))

    def slot(client, value):
        return Slot(case, client, "k", "k", "u", Path("/nowhere"),
                    record={"returned": True, "return": value, "stdout": "", "stderr": ""})

    diffs = compare(case, slot("ref", None), slot("ours", {"x": 1}), ("return",))
    assert [(d.field, d.intended) for d in diffs] == [("return", None)]
    rendered = diffs[0].render()
    assert "[demo] return" in rendered and "NOT LISTED" in rendered
    assert "reference: null" in rendered and 'ours:      {"x": 1}' in rendered
