""""Gather from all tasks" (or from the selected tasks) from the StorageBrowser and the
ZipExplorer, over real HTTP.

The pattern a member path becomes, the errors for what cannot be gathered, the `gather_view`
trait that the view shows in a panel (and Close empties), the task folders named by the
view (checked), and the selection a member preview offers to gather from.
"""

from __future__ import annotations

import shutil
import zipfile

import pytest

import inductiva_widgets.storage as st
from inductiva_widgets import GatherView, StorageBrowser, ZipExplorer
from inductiva_widgets.demo import seed_demo
from inductiva_widgets.server.config import ServerConfig, user_id_for
from inductiva_widgets.server.runner import start_in_thread
from inductiva_widgets.widgets.gather_entry import MAX_TASKS, task_pattern, task_sources

KEY = "gather-entry-key"
GAUGES = "artifacts/results/gauges.csv"


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    """The demo storage, with two tasks copied under runs/ and a non-task archive; the
    client, and the task folders at the root whose output.zip holds the gauges."""
    root = tmp_path_factory.mktemp("gather-entry")
    region = root / "users" / user_id_for(KEY) / "europe-west1"
    tasks = seed_demo(region, large_result_mb=1)
    with_gauges = []
    for task in sorted(tasks):
        archive = region / task / "output.zip"
        if archive.is_file():
            with zipfile.ZipFile(archive) as zf:
                if GAUGES in zf.namelist():
                    with_gauges.append(task)
    for task in with_gauges[:2]:
        shutil.copytree(region / task, region / "runs" / task)
    (region / "data").mkdir()
    with zipfile.ZipFile(region / "data" / "bundle.zip", "w") as zf:
        zf.writestr("notes.txt", "not a task\n")
    with start_in_thread(ServerConfig(root=root, api_keys=[KEY])) as server, \
            st.StorageClient(server.url, KEY) as client:
        yield client, with_gauges


def ok(reply: dict) -> dict:
    assert "error" not in reply, reply
    return reply["result"]


@pytest.mark.parametrize(("path", "pattern"), [
    ("t1/output.zip/artifacts/x.csv", "*/output.zip/artifacts/x.csv"),
    ("/t1/output.zip/artifacts/x.csv/", "*/output.zip/artifacts/x.csv"),
    ("runs/t1/output.zip/artifacts/x.csv", "runs/*/output.zip/artifacts/x.csv"),
    ("a/b/t1/input.zip/sim_dir/INPUT", "a/b/*/input.zip/sim_dir/INPUT"),
    # Folder names with glob characters match only themselves.
    ("run[1]/s*/t1/output.zip/x.csv", "run[[]1]/s[*]/*/output.zip/x.csv"),
])
def test_pattern_replaces_the_task_folder(path, pattern):
    assert task_pattern(path) == pattern


@pytest.mark.parametrize(("path", "words"), [
    ("data/bundle.zip/notes.txt", "data/bundle.zip is not a task archive"),
    ("output.zip/artifacts/x.csv", "output.zip is not a task archive"),
    ("t1/output.zip", "is not a member of an archive"),
    ("t1/output.zip/", "is not a member of an archive"),
    ("t1/stdout.txt", "is not a member of an archive"),
    ("t1/output.zip/artifacts/*.csv", "wildcard"),
])
def test_what_cannot_be_gathered_says_why(path, words):
    with pytest.raises(st.InvalidArgumentError, match=words.replace("*", r"\*")):
        task_pattern(path)


def test_malformed_paths_are_refused():
    with pytest.raises(st.InvalidPathError):
        task_pattern("t1/../output.zip/x.csv")
    with pytest.raises(st.InvalidPathError):
        task_pattern("")


def test_browser_gathers_from_every_task_and_closes(storage):
    client, with_gauges = storage
    browser = StorageBrowser(client=client)
    assert browser.gather_view is None
    first = browser.gather(f"{with_gauges[0]}/output.zip/{GAUGES}")
    assert isinstance(first, GatherView) and browser.gather_view is first
    assert first.pattern == f"*/output.zip/{GAUGES}"
    # The trait travels as anywidget's widget reference, which the view renders.
    assert browser.get_state("gather_view")["gather_view"] == f"anywidget:{first.model_id}"

    summary = ok(first.call("run"))
    found = sorted(s["task"] for s in summary["status"] if s["status"] == "found")
    assert found == with_gauges and len(found) >= 6  # the sweep, at least
    assert ok(first.call("open_frame"))["python"] == "browser.gather_view.frame"

    # The view's button: a second gather replaces (and closes) the first.
    reply = ok(browser.call("open_gather", {"path": f"runs/{with_gauges[1]}/output.zip/{GAUGES}"}))
    assert reply["pattern"] == f"runs/*/output.zip/{GAUGES}"
    second = browser.gather_view
    assert second is not first and first.comm is None
    summary = ok(second.call("run"))
    assert sorted(s["task"] for s in summary["status"]) == [f"runs/{t}" for t in with_gauges[:2]]
    assert {s["status"] for s in summary["status"]} == {"found"}

    assert ok(browser.call("close_gather")) == {"closed": True}
    assert browser.gather_view is None and second.comm is None
    assert browser.get_state("gather_view")["gather_view"] is None
    assert second.frame is not None  # what was gathered stays readable from Python
    assert ok(browser.call("close_gather")) == {"closed": False}


def test_browser_refuses_in_words(storage):
    client, _ = storage
    browser = StorageBrowser(client=client)
    reply = browser.call("open_gather", {"path": "data/bundle.zip/notes.txt"})
    assert reply["error"]["type"] == "InvalidArgumentError"
    assert "data/bundle.zip is not a task archive" in reply["error"]["message"]
    assert browser.gather_view is None


def test_zip_explorer_gathers_a_member_by_its_short_name(storage):
    client, with_gauges = storage
    explorer = ZipExplorer(f"{with_gauges[0]}/output.zip", client=client)
    view = explorer.gather("results/gauges.csv")  # artifacts/ may be left out
    assert explorer.gather_view is view and view.pattern == f"*/output.zip/{GAUGES}"
    assert ok(explorer.call("open_gather", {"member": GAUGES}))["pattern"] == view.pattern
    assert view.comm is None and explorer.gather_view is not view
    explorer.close_gather()
    assert explorer.gather_view is None

    other = ZipExplorer("data/bundle.zip", client=client)
    reply = other.call("open_gather", {"member": "notes.txt"})
    assert reply["error"]["type"] == "InvalidArgumentError"
    assert "not a task archive" in reply["error"]["message"]
    missing = explorer.call("open_gather", {"member": "nope.csv"})
    assert missing["error"]["type"] == "NotFoundError"


# -- "Gather from the N selected tasks" ------------------------------------------------------


@pytest.mark.parametrize(("path", "tasks", "sources", "member"), [
    ("runs/t1/output.zip/x.csv", ["runs/t1", "/runs/t3/", "runs/t1"], ["runs/t1", "runs/t3"],
     "x.csv"),
    ("t1/input.zip/sim/INPUT", ["t2", "t1"], ["t2/input.zip", "t1/input.zip"], "sim/INPUT"),
    ("t1/output.zip/x.csv", ("t9",), ["t9"], "x.csv"),  # need not hold the member's own task
])
def test_task_sources_names_the_tasks_beside_the_member(path, tasks, sources, member):
    assert task_sources(path, tasks) == (sources, member)


@pytest.mark.parametrize(("tasks", "words"), [
    ("runs/t2", "must be a list"),
    (None, "must be a list"),
    (["runs/t2", 3], "must be a list"),
    ([["runs/t2"]], "must be a list"),
    ([], "is empty"),
    ([f"runs/t{i}" for i in range(MAX_TASKS + 1)], "at most 1,000"),
    (["runs/../t2"], r"tasks\[0\]: invalid task folder: '\.\.' segments"),
    (["runs/t2", ""], r"tasks\[1\]"),
    (["runs/" + "x" * 5000], "longer than 1024 characters"),
    (["runs/t2/output.zip"], "is an archive or inside one"),
    (["runs/t2.zip/sub"], "is an archive or inside one"),
    (["other/t2"], "is not beside runs/t1: the tasks must be folders in runs/"),
    (["runs/t2/deeper"], "is not beside runs/t1"),
    (["t2"], "is not beside runs/t1"),
])
def test_task_sources_refuses_hostile_lists_in_words(tasks, words):
    with pytest.raises(st.InvalidArgumentError, match=words) as caught:
        task_sources("runs/t1/output.zip/x.csv", tasks)
    assert len(str(caught.value)) < 200  # a hostile path is not echoed whole


def test_task_sources_checks_the_member_path_too():
    with pytest.raises(st.InvalidArgumentError, match="not a task archive"):
        task_sources("data/bundle.zip/notes.txt", ["data"])
    with pytest.raises(st.InvalidArgumentError, match="at the root"):
        task_sources("t1/output.zip/x.csv", ["runs/t2"])


def test_browser_gathers_from_the_selected_tasks_only(storage):
    client, with_gauges = storage
    browser = StorageBrowser(client=client)
    chosen = [with_gauges[3], with_gauges[1], with_gauges[4]]
    view = browser.gather(f"{with_gauges[1]}/output.zip/{GAUGES}", tasks=chosen)
    assert browser.gather_view is view and browser.gather_title == \
        "Gathered from 3 selected tasks"
    assert view.pattern == f"3 tasks · {GAUGES}"
    assert f"storage.gather({chosen!r}, member={GAUGES!r})" in view.code
    summary = ok(view.call("run"))
    assert [s["task"] for s in summary["status"]] == chosen
    assert sorted(view.frame["task"].unique()) == sorted(chosen)

    # All tasks again: the title says so.
    browser.gather(f"{with_gauges[0]}/output.zip/{GAUGES}")
    assert browser.gather_title == "Gathered from all tasks"

    # The view's call; what it sends is checked, and a refusal leaves no panel.
    reply = ok(browser.call("open_gather", {"path": f"runs/{with_gauges[0]}/output.zip/{GAUGES}",
                                            "tasks": [f"runs/{with_gauges[1]}"]}))
    assert reply["pattern"] == f"1 task · {GAUGES}"
    assert browser.gather_title == "Gathered from 1 selected task"
    browser.close_gather()
    for tasks in (["../x"], [f"runs/{with_gauges[0]}", "data"], "runs", [{"a": 1}]):
        bad = browser.call("open_gather", {"path": f"runs/{with_gauges[0]}/output.zip/{GAUGES}",
                                           "tasks": tasks})
        assert bad["error"]["type"] == "InvalidArgumentError", tasks
        assert browser.gather_view is None


def test_the_selection_is_offered_while_the_user_stays_beside_it(storage):
    client, with_gauges = storage
    browser = StorageBrowser(client=client)
    ok(browser.call("page", {"path": "/"}))  # the rows sent say which paths are folders
    chosen = with_gauges[:3]
    browser.selected = chosen
    browser.selected = [chosen[1]]  # the first click of the double click that opens it
    browser.path = f"{chosen[1]}/output.zip/artifacts/results"
    reply = ok(browser.call("preview", {"archive": f"{chosen[1]}/output.zip",
                                        "member": GAUGES}))
    assert reply["gather_selected"] == {"path": f"{chosen[1]}/output.zip/{GAUGES}",
                                        "tasks": chosen}
    # A task that was not selected is offered nothing; nor is another archive's member.
    other = ok(browser.call("preview", {"archive": f"{with_gauges[4]}/output.zip",
                                        "member": GAUGES}))
    assert "gather_selected" not in other
    # Selecting members inside the archive leaves the memory alone.
    browser.selected = [f"{chosen[1]}/output.zip/{GAUGES}", f"{chosen[1]}/output.zip/x"]
    assert browser._gather_tasks.tasks == chosen
    # Its offer is what `open_gather` takes.
    assert ok(browser.call("open_gather", reply["gather_selected"]))["pattern"] == \
        f"3 tasks · {GAUGES}"
    browser.close_gather()

    # Into runs/ (still under the root, the folders' parent), then two of its tasks.
    browser.path = "runs"
    assert browser._gather_tasks.tasks == chosen
    ok(browser.call("page", {"path": "runs"}))
    browser.selected = [f"runs/{t}" for t in with_gauges[:2]]
    assert browser._gather_tasks.tasks == [f"runs/{t}" for t in with_gauges[:2]]
    # Back at the root: outside runs/, forgotten.
    browser.path = "/"
    assert browser._gather_tasks.tasks == []
    # Files and folders together, or rows never sent, are no task selection.
    browser.selected = [chosen[0], "data/bundle.zip"]
    assert browser._gather_tasks.tasks == []
    browser.selected = ["never-listed-a", "never-listed-b"]
    assert browser._gather_tasks.tasks == []


def test_member_calls_are_written_once():
    for widget in (StorageBrowser, ZipExplorer):
        names = widget._rpc_names()
        assert {"member_frame", "download_member", "preview", "open_gather"} <= names
        assert "member_frame" not in vars(widget) and "download_member" not in vars(widget)
