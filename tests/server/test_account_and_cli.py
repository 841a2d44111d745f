"""The `/users/*` answers, and `inductiva-widgets serve` as a user runs it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx

from ..processes import read_until


def test_users_routes_answer_what_import_inductiva_reads(api):
    info = api.get("/users/info").json()
    assert info["tier"] and info["terms_and_conditions_decision"] == "accepted"
    costs = api.get("/users/costs", params={"start_year": 2026, "start_month": 11}).json()
    assert costs["costs"][0]["month"] == "2026-11"  # the client reads costs[0]
    assert set(costs["costs"][0]["components"]) == {"compute", "storage", "data_transfer",
                                                   "task_orchestration"}
    fees = api.get("/users/fees").json()
    assert fees["task_orchestration_fee"]["active"] is False
    assert api.get("/users/quotas").json() == {}
    assert api.get("/version").json()["version"]


def test_users_routes_need_a_key(server):
    for route in ("/users/info", "/users/costs", "/users/fees", "/users/quotas"):
        response = httpx.get(server.url + route)
        assert response.status_code == 401 and response.json()["detail"]


def _drive(process: subprocess.Popen, lines: list[str]) -> None:
    try:
        text = read_until(process, "Ctrl-C", lines)
        url = re.search(r"export INDUCTIVA_API_URL=(\S+)", text).group(1)
        key = re.search(r"export INDUCTIVA_API_KEY=(\S+)", text).group(1)
        assert "demo data" in text
        listing = httpx.get(f"{url}/storage/contents", params={"path": "/", "per_page": 100},
                            headers={"X-API-Key": key}).json()
        assert listing["total_files"] >= 6
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_serve_demo_prints_how_to_connect_and_stops_on_ctrl_c(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    lines = []
    with subprocess.Popen(
        [sys.executable, "-m", "inductiva_widgets", "serve", "--demo", "--port", "0",
         "--root", str(tmp_path / "root")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    ) as process:
        _drive(process, lines)
    assert process.returncode == 0, lines
    key = re.search(r"export INDUCTIVA_API_KEY=(\S+)", "".join(lines)).group(1)
    assert str(tmp_path / "root") in "".join(lines)
    # The generated key is kept: a second start serves the same storage with it.
    second = subprocess.run(
        [sys.executable, "-c",
         "from inductiva_widgets.server.config import ServerConfig;"
         f"c = ServerConfig(root={str(tmp_path / 'root')!r}); c.ensure_secrets();"
         "print(c.api_keys[0])"], capture_output=True, text=True, check=True)
    assert second.stdout.strip() == key


def test_serve_reports_a_busy_port(tmp_path, server):
    port = server.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "inductiva_widgets", "serve", "--port", port,
         "--root", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "cannot listen" in result.stderr
