"""The typed models of the views (js/src/models.js) mirror the Python traits: same names,
matching types. A trait added on one side only fails here."""

from __future__ import annotations

import re
from pathlib import Path

import anywidget
import pytest
import traitlets

from inductiva_widgets import StorageBrowser, TransferQueue, ZipExplorer
from inductiva_widgets.widgets.transfer_manager import Transfer

MODELS = Path(__file__).resolve().parents[2] / "js" / "src" / "models.js"


def typedef(name: str) -> dict[str, str]:
    """`@property {type} name` lines of the JSDoc `@typedef {object} <name>` block."""
    text = MODELS.read_text()
    block = re.search(rf"@typedef {{object}} {name}\n(.*?)\*/", text, re.S)
    assert block, f"no typedef {name} in {MODELS}"
    return dict((m[2], m[1]) for m in re.finditer(r"@property \{([^}]+)\} (\w+)", block[1]))


def js_type(trait: traitlets.TraitType) -> str:
    base = {traitlets.Unicode: "string", traitlets.Int: "number", traitlets.Float: "number",
            traitlets.Bool: "boolean"}
    for klass, name in base.items():
        if isinstance(trait, klass):
            return f"{name}|null" if trait.allow_none else name
    if isinstance(trait, anywidget.WidgetTrait):
        return "string|null"  # a child widget travels as "anywidget:<model id>"
    if isinstance(trait, traitlets.List):
        inner = trait._trait  # noqa: SLF001 - the element type
        return "Transfer[]" if isinstance(inner, traitlets.Dict) else f"{js_type(inner)}[]"
    raise AssertionError(f"no JS type for {trait!r}")


@pytest.mark.parametrize("widget, name", [(StorageBrowser, "StorageBrowserTraits"),
                                          (ZipExplorer, "ZipExplorerTraits"),
                                          (TransferQueue, "TransferQueueTraits")])
def test_each_view_model_mirrors_its_traits(widget, name):
    inherited = set(anywidget.AnyWidget.class_trait_names(sync=True))
    traits = {n: t for n, t in widget.class_traits(sync=True).items()
              if n not in inherited and not n.startswith("_")}
    declared = typedef(name)
    assert set(declared) == set(traits)
    for trait_name, trait in traits.items():
        assert declared[trait_name] == js_type(trait), trait_name


def test_transfer_rows_mirror_the_snapshot():
    snapshot = Transfer("x", "download", "a", "b", {}).snapshot()
    assert set(typedef("Transfer")) == set(snapshot)


@pytest.mark.parametrize("widget", [StorageBrowser, ZipExplorer, TransferQueue])
def test_every_trait_is_documented(widget):
    inherited = set(anywidget.AnyWidget.class_trait_names())
    missing = [n for n, t in widget.class_traits().items()
               if n not in inherited and not n.startswith("_") and not t.help]
    assert not missing, f"{widget.__name__} traits without help=: {missing}"
