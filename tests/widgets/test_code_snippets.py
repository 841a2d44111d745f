""""Show code" is written once, in Python: every snippet is valid code, and the views get
it in replies (the `code` call for an open dialog, `code` in each action's reply)."""

from __future__ import annotations

import ast

import pytest

from inductiva_widgets import StorageBrowser
from inductiva_widgets.widgets import code_snippets

ODD = "t/we'ird \"name\" ção.txt"


def ok(reply: dict):
    assert "error" not in reply, reply
    return reply["result"]


def calls(code: str) -> list[str]:
    """The functions a snippet calls, as `storage.x`; it must parse as Python."""
    tree = ast.parse(code)
    return [f"{n.func.value.id}.{n.func.attr}" for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name)]


@pytest.mark.parametrize("action, args, expected", [
    ("download", {"paths": [ODD, "a"], "folder": "d", "decompress": False},
     ["storage.download", "storage.download"]),
    ("upload", {"local_path": "", "folder": "in"}, ["storage.upload"]),
    ("upload_from_url", {"url": "https://x/y.csv", "folder": "data", "name": ""},
     ["storage.upload_from_url"]),
    ("export", {"path": ODD, "bucket": "", "file_name": "", "part_size": 64},
     ["storage.export", "operation.wait"]),
    ("delete", {"paths": [ODD]}, ["storage.remove"]),
    ("copy", {"paths": [ODD], "target": "backup/"}, ["storage.copy"]),
])
def test_every_action_has_valid_code(action, args, expected):
    code = code_snippets.for_action(action, args)
    assert code.startswith(code_snippets.HEADER)
    assert calls(code) == expected


def test_literals_and_arguments():
    assert code_snippets.download(["t/output.zip"], "downloads", True).endswith(
        "storage.download('t/output.zip', 'downloads', decompress=True)")
    assert code_snippets.copy(["a/b.txt"], "backup/").endswith(
        "storage.copy('a/b.txt', 'backup/b.txt')")
    assert code_snippets.copy(["a/b.txt"], "").endswith("'<folder>/b.txt')")
    assert "part_size=64)\noperation.wait()" in code_snippets.export("t/o.zip", "b", "", 64)
    assert code_snippets.remove(["x"], "us-east1").endswith(
        "storage.remove('x', region='us-east1')")
    assert ast.literal_eval(calls_arg(code_snippets.remove([ODD]))) == ODD
    with pytest.raises(ValueError, match="no code for action"):
        code_snippets.for_action("format_disk", {})


def calls_arg(code: str) -> str:
    call = next(n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call))
    return ast.unparse(call.args[0])


def test_the_view_asks_python_for_the_code(demo):
    client, _, tasks = demo
    browser = StorageBrowser(client=client, region="europe-west1")
    code = ok(browser.call("code", {"action": "delete", "args": {"paths": [tasks[0]]}}))["code"]
    assert code.endswith(f"storage.remove({tasks[0]!r}, region='europe-west1')")
    code = ok(browser.call("code", {"action": "download", "args": {
        "paths": [tasks[0]], "folder": "results", "decompress": True}}))["code"]
    assert code.endswith(f"storage.download({tasks[0]!r}, 'results', decompress=True)")
    error = browser.call("code", {"action": "nope", "args": {}})["error"]
    assert "no code for action" in error["message"]


def test_action_replies_carry_their_code(demo, tmp_path):
    client, _, tasks = demo
    browser = StorageBrowser(client=client)
    reply = ok(browser.call("copy", {"paths": ["datasets"], "target": "backup"}))
    assert reply["code"].endswith("storage.copy('datasets', 'backup/datasets')")
    reply = ok(browser.call("delete", {"paths": ["backup"]}))
    assert reply["code"].endswith("storage.remove('backup')")
    reply = ok(browser.call("start_download", {"paths": [f"{tasks[1]}/output.zip"],
                                               "folder": str(tmp_path / "d")}))
    assert calls(reply["code"]) == ["storage.download"]
    browser.queue.wait(timeout=30)
    # The transfer row's own code is the same generator's call.
    assert browser.transfers[0]["code"] == code_snippets.download_call(
        f"{tasks[1]}/output.zip", str(tmp_path / "d"), True)
