"""ZipExplorer and the member previews against the real server and the demo archives.

Every preview is checked against the member's real bytes, read with `zipfile` from the
archive on disk, and against what it cost: the raw bytes fetched from the archive.
"""

from __future__ import annotations

import base64
import io
import zipfile

import pandas as pd
import pytest
import traitlets

from inductiva_widgets import ZipExplorer
from inductiva_widgets.storage import NotFoundError, StorageError, ValidationError, members
from inductiva_widgets.widgets import previews, zip_explorer
from inductiva_widgets.widgets._rpc import RpcWidget, rpc
from inductiva_widgets.widgets.previews import (
    HEAD_BYTES,
    TAIL_LINES,
    MemberPreviews,
    hexdump,
    member_kind,
)


def ok(reply: dict):
    assert "error" not in reply, reply
    return reply["result"]


def archive_on_disk(region, task):
    return zipfile.ZipFile(region / task / "output.zip")


def find_task(region, tasks, predicate):
    """The first task whose output.zip has a member matching `predicate(ZipInfo)`."""
    for task in tasks:
        if not (region / task / "output.zip").exists():
            continue
        with archive_on_disk(region, task) as zf:
            for info in zf.infolist():
                if predicate(info):
                    return task, info
    raise AssertionError("no demo archive has such a member")


def real(region, task, name) -> bytes:
    with archive_on_disk(region, task) as zf:
        return zf.read(name)


def test_member_list_with_sizes_and_methods(demo):
    client, region, tasks = demo
    for task in tasks[:-1]:
        explorer = ZipExplorer(f"{task}/output.zip", client=client)
        reply = ok(explorer.call("member_list"))
        assert reply["mode"] == "all" and reply["implied_prefix"] == "artifacts/"
        assert reply["archive_size"] == (region / task / "output.zip").stat().st_size
        with archive_on_disk(region, task) as zf:
            expected = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        got = {m["name"]: m for m in reply["members"]}
        assert set(got) == set(expected)
        for name, info in expected.items():
            assert got[name]["size"] == info.file_size
            assert got[name]["compressed_size"] == info.compress_size
            assert got[name]["compress_type"] == info.compress_type
            # The view shows the method's name from the reply; it keeps no table of its own.
            assert got[name]["method"] == {0: "stored", 8: "deflate", 12: "bzip2",
                                           14: "lzma"}[info.compress_type]
        assert explorer.member_count == len(expected)
        assert [m.name for m in explorer.members if not m.is_dir] == list(expected)
        assert explorer.error == ""


def test_text_head_load_more_and_tail_match_the_member(demo):
    client, region, tasks = demo
    task, info = max(((t, i) for t in tasks[:-1]
                      for i in archive_on_disk(region, t).infolist()
                      if i.filename == "artifacts/stdout.txt"), key=lambda p: p[1].file_size)
    data = real(region, task, info.filename)
    assert len(data) > 2 * HEAD_BYTES
    explorer = ZipExplorer(f"{task}/output.zip", client=client)

    head = explorer.preview("stdout.txt", "head")
    assert head["kind"] == "text" and head["log"] and head["offset"] == 0
    assert head["member"] == "artifacts/stdout.txt"
    assert HEAD_BYTES - 1000 < head["next_offset"] <= HEAD_BYTES
    assert head["text"].encode() == data[: head["next_offset"]]
    assert head["text"].endswith("\n")  # whole lines only
    assert not head["eof"] and head["at_start"]
    assert "storage.read_member(" in head["code"]

    # "Load more" until the end: the chunks rebuild the member, each raw byte fetched once.
    text, offset, fetched = head["text"], head["next_offset"], head["bytes_fetched"]
    while True:
        more = ok(explorer.call("preview", {"archive": explorer.path,
                                            "member": "artifacts/stdout.txt",
                                            "mode": "more", "offset": offset}))
        assert more["offset"] == offset
        text += more["text"]
        fetched += more["bytes_fetched"]
        offset = more["next_offset"]
        if more["eof"]:
            break
    assert text.encode() == data
    assert fetched <= info.compress_size

    tail = explorer.preview("stdout.txt")  # a log opens at its end
    assert tail["mode"] == "tail" and tail["eof"]
    lines = data.decode().splitlines(keepends=True)
    assert tail["text"] == "".join(lines[-TAIL_LINES:])
    assert tail["offset"] == len(data) - len(tail["text"].encode())
    assert tail["bytes_fetched"] <= tail["compressed_size"] == info.compress_size
    assert "storage.tail_member(" in tail["code"] and "'stdout.txt', lines=200" in tail["code"]

    earlier = explorer.preview("stdout.txt", "earlier", tail["offset"])
    assert earlier["next_offset"] == tail["offset"]
    assert earlier["text"].encode() == data[earlier["offset"]: tail["offset"]]
    assert earlier["offset"] == 0 or data[earlier["offset"] - 1: earlier["offset"]] == b"\n"


def test_stored_text_members_are_read_at_their_offset(demo):
    client, region, tasks = demo
    task, info = find_task(region, tasks, lambda i: i.filename == "artifacts/output_files.txt")
    data = real(region, task, info.filename)
    explorer = ZipExplorer(f"{task}/output.zip", client=client)
    whole = explorer.preview("output_files.txt")
    assert whole["method"] == "stored" and whole["eof"] and not whole["log"]
    assert whole["text"].encode() == data
    assert whole["bytes_fetched"] == len(data)
    # A chunk from the middle costs only its own bytes.
    middle = explorer.preview("output_files.txt", "more", 100)
    assert middle["text"].encode() == data[100:]
    assert middle["bytes_fetched"] == len(data) - 100
    tail = explorer.preview("output_files.txt", "tail")
    assert tail["text"].encode() == data  # fewer lines than TAIL_LINES: all of it
    assert tail["bytes_fetched"] <= len(data)


def test_a_small_member_costs_far_less_than_its_archive(demo):
    client, region, tasks = demo
    task, big = find_task(region, tasks, lambda i: i.compress_type == zipfile.ZIP_STORED
                          and i.file_size >= 1024 * 1024)
    archive_size = (region / task / "output.zip").stat().st_size
    explorer = ZipExplorer(f"{task}/output.zip", client=client)
    for name in ("artifacts/stdout.txt", "artifacts/stderr.txt", "artifacts/output_files.txt"):
        info = next(m for m in explorer.members if m.name == name)
        reply = explorer.preview(name)
        assert reply["archive_size"] == archive_size
        assert reply["bytes_fetched"] <= info.compressed_size
        assert reply["bytes_fetched"] < archive_size / 20
    # The large stored binary: a hex dump of its first 512 bytes, and only those fetched.
    binary = explorer.preview(big.filename)
    data = real(region, task, big.filename)
    assert binary["kind"] == "binary" and binary["head_bytes"] == 512
    assert binary["hex"] == hexdump(data[:512])
    assert binary["bytes_fetched"] <= 4096  # at most the sniffed head
    assert binary["bytes_fetched"] < big.file_size / 100


def test_csv_preview_and_dataframe_equal_pandas(demo):
    client, region, tasks = demo
    task, info = find_task(region, tasks, lambda i: i.filename.endswith(".csv"))
    data = real(region, task, info.filename)
    expected = pd.read_csv(io.BytesIO(data))
    explorer = ZipExplorer(f"{task}/output.zip", client=client)

    reply = explorer.preview(info.filename)
    assert reply["kind"] == "csv" and reply["rows_shown"] == 50
    assert reply["columns"] == list(expected.columns)
    assert reply["dtypes"] == [str(t) for t in expected.dtypes]
    assert 50 < reply["rows_parsed"] < len(expected)
    head = pd.read_csv(io.BytesIO(data[: reply["head_bytes"]]))
    assert len(head) == reply["rows_parsed"]  # the partial last line was dropped
    assert reply["rows"][0] == [repr(float(v)) if isinstance(v, float) else str(v)
                                for v in head.iloc[0].tolist()]
    assert reply["bytes_fetched"] < info.compress_size
    assert "pd.read_csv(" in reply["code"]

    frame = explorer.dataframe(info.filename)
    pd.testing.assert_frame_equal(frame, expected)
    assert explorer.frames[info.filename] is frame
    assert explorer.last_frame_name == info.filename

    other = ZipExplorer(f"{task}/output.zip", client=client)
    answer = ok(other.call("member_frame", {"archive": other.path, "member": info.filename}))
    assert answer["shape"] == list(expected.shape)
    assert answer["python"] == f"explorer.frames[{info.filename!r}]"
    assert answer["bytes_fetched"] == info.compress_size
    pd.testing.assert_frame_equal(other.frames[info.filename], expected)
    assert other.last_frame_name == info.filename


def test_png_preview_is_a_data_url_of_the_member(demo):
    client, region, tasks = demo
    task, info = find_task(region, tasks, lambda i: i.filename.endswith(".png"))
    explorer = ZipExplorer(f"{task}/output.zip", client=client)
    reply = explorer.preview("plots/residuals.png")
    assert reply["kind"] == "image" and reply["mime"] == "image/png"
    prefix = "data:image/png;base64,"
    assert reply["data_url"].startswith(prefix)
    decoded = base64.b64decode(reply["data_url"][len(prefix):])
    assert decoded == real(region, task, info.filename)
    assert decoded.startswith(b"\x89PNG\r\n\x1a\n")
    assert reply["bytes_fetched"] == info.compress_size


def test_download_member_writes_the_member(demo, tmp_path):
    client, region, tasks = demo
    task, info = find_task(region, tasks, lambda i: i.filename.endswith(".csv"))
    explorer = ZipExplorer(f"{task}/output.zip", client=client)
    folder = tmp_path / "downloads"
    reply = ok(explorer.call("download_member", {"archive": explorer.path,
                                                 "member": info.filename,
                                                 "folder": str(folder)}))
    local = folder / task / "output" / info.filename
    assert reply["path"] == str(local.resolve())
    assert local.read_bytes() == real(region, task, info.filename)
    assert reply["size"] == info.file_size
    assert reply["bytes_fetched"] == info.compress_size
    assert "storage.download(" in reply["code"] and str(folder) in reply["code"]
    assert explorer.download_folder == str(folder)


def test_errors_are_words_in_the_view_and_typed_in_python(demo):
    client, region, tasks = demo
    explorer = ZipExplorer(f"{tasks[0]}/output.zip", client=client)
    reply = explorer.call("preview", {"archive": explorer.path, "member": "no/such.txt"})
    assert reply["error"]["type"] == "NotFoundError"
    assert "no/such.txt" in reply["error"]["message"]
    assert "not a file" in reply["error"]["message"]
    with pytest.raises(NotFoundError):
        explorer.preview("no/such.txt")
    with pytest.raises(NotFoundError):
        explorer.dataframe("artifacts")  # a folder is no file
    bad_mode = explorer.call("preview", {"archive": explorer.path, "member": "stdout.txt",
                                         "mode": "sideways"})
    assert bad_mode["error"]["type"] == "ValidationError"

    # Not a ZIP: the widget still builds (the view shows the words), Python raises.
    readme = next(p for p in (region / "datasets").iterdir() if p.suffix == ".md")
    not_zip = ZipExplorer(f"datasets/{readme.name}", client=client)
    assert "not a readable ZIP archive" in not_zip.error
    with pytest.raises(ValidationError):
        _ = not_zip.members
    listing = not_zip.call("member_list")
    assert listing["error"]["type"] == "ValidationError"
    assert "not a readable ZIP" in listing["error"]["message"]

    missing = ZipExplorer("nowhere/output.zip", client=client)
    assert "no such file" in missing.error
    with pytest.raises(NotFoundError):
        _ = missing.members

    with pytest.raises(StorageError):
        ZipExplorer("../escape.zip", client=client)


def test_bzip2_and_lzma_members_preview(demo):
    client, region, tasks = demo
    for method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        task, info = find_task(region, tasks, lambda i, m=method: i.compress_type == m)
        data = real(region, task, info.filename)
        explorer = ZipExplorer(f"{task}/output.zip", client=client)
        head = explorer.preview(info.filename, "head")
        assert head["method"] == {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}[method]
        assert head["text"].encode() == data[: head["next_offset"]]
        assert head["bytes_fetched"] <= info.compress_size
        tail = explorer.preview(info.filename, "tail")
        assert tail["text"] == "".join(data.decode().splitlines(keepends=True)[-TAIL_LINES:])
        assert tail["bytes_fetched"] == info.compress_size


def test_selected_trait_accepts_short_names(demo):
    client, _, tasks = demo
    explorer = ZipExplorer(f"{tasks[0]}/output.zip", client=client)
    explorer.selected = "stdout.txt"
    assert explorer.selected == "artifacts/stdout.txt"
    explorer.selected = ""
    assert explorer.selected == ""
    assert explorer.resolve("artifacts/stderr.txt") == "artifacts/stderr.txt"


def test_huge_archives_are_sent_folder_by_folder(demo, monkeypatch):
    client, region, tasks = demo
    task, _ = find_task(region, tasks, lambda i: i.filename.endswith(".csv")
                        and i.filename.count("/") >= 2)
    monkeypatch.setattr(zip_explorer, "MAX_FLAT_MEMBERS", 3)
    explorer = ZipExplorer(f"{task}/output.zip", client=client)
    top = ok(explorer.call("member_list"))
    assert top["mode"] == "folder" and top["members"] == []
    assert [f["name"] for f in top["folders"]] == ["artifacts"]
    assert top["folders"][0]["count"] == explorer.member_count
    inner = ok(explorer.call("member_list", {"folder": "artifacts"}))
    assert {m["name"] for m in inner["members"]} >= {"artifacts/stdout.txt"}
    assert all(f["name"].startswith("artifacts/") and f["count"] > 0 for f in inner["folders"])


def test_the_helper_serves_any_archive_for_another_widget(demo):
    """What the StorageBrowser gets by holding a MemberPreviews and delegating to it."""
    client, region, tasks = demo

    class Host(RpcWidget):
        last_frame_name = traitlets.Unicode("")

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.previews = MemberPreviews(
                client=lambda: self.client, region=lambda: None,
                python_name=lambda: "host", on_frame=self.set_trait_last_frame,
                on_download_folder=lambda folder: None)

        def set_trait_last_frame(self, name):
            self.last_frame_name = name

        @rpc
        def preview(self, archive, member, mode="auto", offset=0):
            return self.previews.preview(archive, member, mode, offset)

        @rpc
        def member_frame(self, archive, member):
            return self.previews.member_frame(archive, member)

    host = Host(client=client)
    assert {"preview", "member_frame"} <= host._rpc_names()
    task, info = find_task(region, tasks, lambda i: i.filename.endswith(".png"))
    reply = ok(host.call("preview", {"archive": f"{task}/output.zip",
                                     "member": "plots/residuals.png"}))
    assert reply["kind"] == "image" and reply["archive_size"] > 0
    task, info = find_task(region, tasks, lambda i: i.filename.endswith(".csv"))
    frame = ok(host.call("member_frame", {"archive": f"{task}/output.zip",
                                          "member": info.filename}))
    assert frame["shape"][0] > 1000 and host.last_frame_name == info.filename
    assert frame["python"] == f"host.frames[{info.filename!r}]"
    assert host.previews.frames[info.filename].shape[0] > 1000
    # Another archive from a ZipExplorer works the same way.
    explorer = ZipExplorer(f"{tasks[0]}/output.zip", client=client)
    other = ok(explorer.call("preview", {"archive": f"{task}/output.zip",
                                         "member": info.filename}))
    assert other["kind"] == "csv"


def test_kinds_and_dumps():
    assert member_kind("artifacts/stdout.txt") == "log"
    assert member_kind("a/run.log") == "log"
    assert member_kind("a/b.csv") == "csv" and member_kind("a/b.TSV") == "csv"
    assert member_kind("a/b.png") == "image" and member_kind("x.svg") == "image"
    assert member_kind("a/b.bin") == "binary"
    assert member_kind("a/notes.md") == "text"
    assert member_kind("a/unknown") is None
    assert member_kind("a/unknown", b"hello\nworld\n") == "text"
    assert member_kind("a/unknown", b"\x00\x01\x02") == "binary"
    assert member_kind("a/b.dat", b"# t x\n0,1\n") == "csv"
    assert member_kind("a/b.dat", b"0 1\n2 3\n") == "text"
    assert hexdump(b"ABC\x00") == "00000000  41 42 43 00" + " " * 39 + "|ABC.|"
    assert hexdump(bytes(range(16))).startswith("00000000  00 01 02 03 04 05 06 07  08 ")
    # Chunks never split a UTF-8 character.
    text = "é" * 10
    assert previews._utf8_cut(text.encode()[:5]) == 4
    assert members._last_lines(b"a\nb\nc\n", 2, True, 0) == (b"b\nc\n", 2)
    assert members._last_lines(b"partial\nb\nc\n", 5, False, 100) == (b"b\nc\n", 108)


def test_svg_dat_unicode_and_unknown_binaries(demo):
    client, region, _ = demo
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)' \
          b'</script><rect width="4" height="4"/></svg>'
    dat = b"x,y\n" + b"".join(f"{i},{i * i}\n".encode() for i in range(200))
    words = ("relat\u00f3rio \u2014 campanha de outono \u00e9 longa\n" * 4000).encode()
    blob = bytes(range(256)) * 64
    (region / "mine").mkdir()
    with zipfile.ZipFile(region / "mine" / "bundle.zip", "w") as zf:
        zf.writestr("figs/logo.svg", svg, zipfile.ZIP_DEFLATED)
        zf.writestr("data/table.dat", dat, zipfile.ZIP_DEFLATED)
        zf.writestr("notes/relat\u00f3rio.md", words, zipfile.ZIP_DEFLATED)
        zf.writestr("raw/state", blob, zipfile.ZIP_DEFLATED)
        zf.writestr("raw/empty.bin", b"", zipfile.ZIP_STORED)
    explorer = ZipExplorer("mine/bundle.zip", client=client)
    assert explorer.implied_prefix == "" and explorer.member_count == 5

    image = explorer.preview("figs/logo.svg")
    assert image["mime"] == "image/svg+xml"
    assert base64.b64decode(image["data_url"].split(",", 1)[1]) == svg  # shown via <img>

    table = explorer.preview("data/table.dat")
    assert table["kind"] == "csv" and table["columns"] == ["x", "y"] and table["complete"]
    assert table["rows"][3] == ["3", "9"] and table["rows_parsed"] == 200
    assert explorer.dataframe("data/table.dat").shape == (200, 2)

    # Chunks end on whole lines, so multi-byte characters are never cut.
    first = explorer.preview("notes/relat\u00f3rio.md")
    assert first["kind"] == "text" and "\ufffd" not in first["text"]
    more = explorer.preview("notes/relat\u00f3rio.md", "more", first["next_offset"])
    assert (first["text"] + more["text"]).encode() == words[: more["next_offset"]]

    unknown = explorer.preview("raw/state")
    assert unknown["kind"] == "binary" and unknown["hex"] == hexdump(blob[:512])
    assert unknown["bytes_fetched"] <= unknown["compressed_size"]
    empty = explorer.preview("raw/empty.bin")
    assert empty["bytes_fetched"] == 0 and empty["note"] == "This member is empty."


def test_large_images_and_large_compressed_logs_stay_cheap(demo, monkeypatch):
    client, _, tasks = demo
    monkeypatch.setattr(previews, "IMAGE_CAP", 1024)
    monkeypatch.setattr(previews, "AUTO_TAIL_MAX_COMPRESSED", 1024)
    explorer = ZipExplorer(f"{tasks[0]}/output.zip", client=client)
    image = explorer.preview("plots/residuals.png")
    assert image["too_large"] and image["data_url"] is None and image["bytes_fetched"] == 0
    assert "download the member" in image["note"]
    log = explorer.preview("stdout.txt")
    assert log["mode"] == "head" and "reading all of it" in log["note"]
    assert log["bytes_fetched"] < log["compressed_size"]


def test_unknown_arguments_are_refused(demo):
    client, _, tasks = demo
    with pytest.raises(TypeError, match=r"ZipExplorer got unexpected arguments: \['colour'\]"):
        ZipExplorer(f"{tasks[0]}/output.zip", client=client, colour="red")
