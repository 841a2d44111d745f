"""Hatch build hook: build the two front ends with npm.

- `js/` (the widgets' views, esbuild) into `inductiva_widgets/static/`, a package artifact;
- `labextension/` (the JupyterLab sidebar panel, a prebuilt federated extension) into
  `inductiva_widgets/labextension/`, which the wheel installs as shared data in
  `share/jupyter/labextensions/inductiva-widgets/` (pyproject's `shared-data`), for
  wheels and editable installs alike.

So `pip install .` and `pip install -e .` from a clean clone give working widgets and the
panel, with no `jupyter lab build` and no Node.js at the user's end. Both outputs are
gitignored. An sdist without the sources ships the prebuilt outputs (artifacts).
Set INDUCTIVA_WIDGETS_SKIP_JS=1 to skip both (they then need building by hand).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLES = ("storage_browser.js", "transfer_queue.js", "styles.css", "zip_explorer.js",
           "gather_view.js")
LABEXTENSION = "inductiva_widgets/labextension"


def _npm() -> str | None:
    return shutil.which("npm")


def npm_build(folder: Path, built: bool, output: Path | None = None) -> None:
    """`npm ci` when the lock changed since the last install, then `npm run build`.

    `built` says whether a previous output is there: without npm, that one is used.
    `output`, a folder the build owns whole: emptied for a second try if the first fails.
    """
    npm = _npm()
    if npm is None:
        if built:
            return
        raise RuntimeError(f"building {folder.name}/ needs Node.js and npm "
                           "(apt-get install nodejs npm), or set INDUCTIVA_WIDGETS_SKIP_JS=1")
    lock = folder / "node_modules" / ".package-lock.json"
    if not lock.is_file() or lock.stat().st_mtime < (folder / "package-lock.json").stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder, check=True)
    try:
        subprocess.run([npm, "run", "build"], cwd=folder, check=True)
    except subprocess.CalledProcessError:
        if output is None:
            raise
        # @jupyterlab/builder once failed on a clean clone with EEXIST creating its own
        # static/ folder; a second try from an empty output folder is the cheap remedy.
        shutil.rmtree(output, ignore_errors=True)
        subprocess.run([npm, "run", "build"], cwd=folder, check=True)


class JsBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        static = root / "inductiva_widgets" / "static"
        labext = root / LABEXTENSION
        build_data["artifacts"].append("inductiva_widgets/static/")
        if self.target_name == "sdist":
            # Wheels take the panel from shared-data, not as package files.
            build_data["artifacts"].append(f"{LABEXTENSION}/")
        if os.environ.get("INDUCTIVA_WIDGETS_SKIP_JS"):
            return
        if (root / "js").is_dir():  # an sdist without js/ ships its prebuilt bundle
            npm_build(root / "js", all((static / b).is_file() for b in BUNDLES))
        if (root / "labextension").is_dir():
            npm_build(root / "labextension", (labext / "package.json").is_file(), labext)
