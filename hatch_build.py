"""Hatch build hook: bundle the front end (js/) into inductiva_widgets/static/.

Runs for wheels and editable installs, so `pip install .` and `pip install -e .` from a
clean clone give working widgets. The bundle is gitignored; `artifacts` puts it in wheels.
Set INDUCTIVA_WIDGETS_SKIP_JS=1 to skip (the widgets then need a bundle built by hand).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLES = ("storage_browser.js", "transfer_queue.js", "styles.css", "zip_explorer.js")


class JsBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        js = root / "js"
        static = root / "inductiva_widgets" / "static"
        build_data["artifacts"].append("inductiva_widgets/static/")
        if os.environ.get("INDUCTIVA_WIDGETS_SKIP_JS") or not js.is_dir():
            return  # an sdist without js/ ships its prebuilt bundle
        npm = shutil.which("npm")
        if npm is None:
            if all((static / b).is_file() for b in BUNDLES):
                return
            raise RuntimeError("building the widgets' front end needs Node.js and npm "
                               "(apt-get install nodejs npm), or set "
                               "INDUCTIVA_WIDGETS_SKIP_JS=1")
        lock = js / "node_modules" / ".package-lock.json"
        if not lock.is_file() or lock.stat().st_mtime < (js / "package-lock.json").stat().st_mtime:
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=js, check=True)
        subprocess.run([npm, "run", "build"], cwd=js, check=True)
