"""Server-side request forgery: the address classifier, DNS rebinding, redirects, TLS, proxies.

The server runs for real (a thread of this process, over real HTTP) with private URLs
refused. "Victims" are real loopback services that record whether they were reached. Only
name resolution is scripted (`FakeDns`), since no DNS server can run here; `pretend_public`
lets a loopback alias stand in for a server on the internet, which the sandbox lacks.
"""

from __future__ import annotations

import os
import ssl
import time

import httpx
import pytest

from inductiva_widgets.server import exports, netguard, remote
from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import start_in_thread

from .dnsrebind import FakeDns, pretend_public, self_signed, serve
from .helpers import put

KEY = "ssrf-key"
PUBLIC = "2606:4700::1111"  # public, and unroutable here: a connect to it fails quickly
STAND_IN = "127.0.0.2"  # a loopback alias standing in for a public web server

CLASSIFIER_TABLE = [
    # IPv4 ranges that are not public
    ("0.0.0.0", False), ("0.1.2.3", False), ("10.1.2.3", False), ("100.64.0.1", False),
    ("100.127.255.254", False), ("127.0.0.1", False), ("127.255.255.254", False),
    ("169.254.169.254", False), ("172.16.0.1", False), ("172.31.255.255", False),
    ("192.0.0.1", False), ("192.0.0.9", False), ("192.0.0.170", False), ("192.0.2.1", False),
    ("192.88.99.1", False), ("192.168.1.1", False), ("198.18.0.1", False),
    ("198.19.255.255", False), ("198.51.100.7", False), ("203.0.113.9", False),
    ("224.0.0.1", False), ("239.255.255.250", False), ("240.0.0.1", False),
    ("255.255.255.255", False),
    # IPv6 ranges that are not public
    ("::", False), ("::1", False), ("::127.0.0.1", False), ("::8.8.8.8", False),
    ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("::ffff:169.254.169.254", False),
    ("64:ff9b::127.0.0.1", False), ("64:ff9b::10.0.0.1", False), ("64:ff9b:1::1", False),
    ("64:ff9b:1::8.8.8.8", False), ("2002:7f00:1::1", False), ("2002:c0a8:101::", False),
    ("2002:a9fe:a9fe::1", False), ("100::1", False), ("2001::1", False), ("2001:2::1", False),
    ("2001:db8::1", False), ("3fff::1", False), ("5f00::1", False), ("fc00::1", False),
    ("fd12:3456::1", False), ("fe80::1", False), ("fe80::1%1", False), ("fec0::1", False),
    ("ff02::1", False), ("ff0e::1", False), ("::ffff:0:127.0.0.1", False), ("1::1", False),
    # public addresses, including public IPv4 behind IPv6 forms that carry it
    ("8.8.8.8", True), ("1.1.1.1", True), ("93.184.216.34", True), ("100.63.255.255", True),
    ("100.128.0.1", True), ("172.32.0.1", True), ("192.0.3.1", True), ("198.20.0.1", True),
    ("223.255.255.254", True), ("2606:4700::1111", True), ("2001:4860:4860::8888", True),
    ("2a00:1450:4001::1", True), ("::ffff:8.8.8.8", True), ("64:ff9b::8.8.8.8", True),
    ("2002:808:808::1", True),
]


@pytest.mark.parametrize("address,public", CLASSIFIER_TABLE)
def test_classifier_table(address, public):
    # Through the guard's URL check (literal addresses: no DNS, no connection).
    host = f"[{address.replace('%', '%25')}]" if ":" in address else address
    if public:
        netguard.check_url_sync(f"http://{host}/", allow_private=False)
    else:
        with pytest.raises(netguard.ForbiddenUrl, match="private or local"):
            netguard.check_url_sync(f"http://{host}/", allow_private=False)


def test_classifier_names_its_reasons():
    assert len(CLASSIFIER_TABLE) >= 40
    assert all((netguard.non_public_reason(a) is None) == public
               for a, public in CLASSIFIER_TABLE)
    assert "loopback" in netguard.non_public_reason("::ffff:127.0.0.1")
    assert "NAT64" in netguard.non_public_reason("64:ff9b::a00:1")
    assert "6to4" in netguard.non_public_reason("2002:a9fe:a9fe::1")


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    """The real server with private URLs refused and short connect timeouts."""
    monkeypatch.setattr(remote, "CONNECT_TIMEOUT", 2.0, raising=False)
    monkeypatch.setattr(exports, "CONNECT_TIMEOUT", 2.0, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
                 "http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    config = ServerConfig(root=tmp_path / "storage", api_keys=[KEY], allow_private_urls=False)
    with start_in_thread(config) as server, httpx.Client(
            base_url=server.url, headers={"X-API-Key": KEY}, timeout=30) as api:
        yield api


@pytest.fixture
def dns(monkeypatch):
    return FakeDns(monkeypatch)


@pytest.fixture
def victim():
    """An internal service on loopback that must never be reached."""
    with serve("127.0.0.1") as service:
        yield service


def fetch(api, url: str, path: str = "fetched/file.bin") -> httpx.Response:
    return api.post("/storage/input_remote", params={"url": url, "path": path})


def wait_op(api, op_id: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        op = api.get(f"/storage/operations/{op_id}").json()
        if op["status"] != "RUNNING" or time.monotonic() > deadline:
            return op
        time.sleep(0.05)


def export(api, part_url: str, complete_url: str) -> httpx.Response:
    put(api, "task/output.zip", b"z" * 1000)
    return api.post("/storage/export_multipart", json={
        "path": "task/output.zip", "parts_size": 5 * 1024 * 1024,
        "upload_parts": [{"part_number": 1, "part_url": part_url}],
        "complete_multipart_url": complete_url})


def test_rebinding_input_remote_never_reaches_loopback(guarded, dns, victim):
    # The first answer (public) is the one a check would see; later ones point inside.
    dns.add("rebind.example", [PUBLIC], ["127.0.0.1"])
    started = time.monotonic()
    response = fetch(guarded, f"http://rebind.example:{victim.port}/admin/secret")
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "rebind.example" in detail and PUBLIC in detail, detail
    assert victim.seen == []
    assert dns.calls["rebind.example"] == 1  # resolved once, connected to that answer
    assert time.monotonic() - started < 15


def test_rebinding_export_part_put_fails_the_operation(guarded, dns, victim):
    dns.add("parts.example", [PUBLIC], ["127.0.0.1"])
    dns.add("done.example", [PUBLIC], ["127.0.0.1"])
    response = export(guarded, f"http://parts.example:{victim.port}/b/k?partNumber=1",
                      f"http://done.example:{victim.port}/b/k?uploadId=u")
    assert response.status_code == 200, response.text  # the up-front check saw public answers
    op = wait_op(guarded, response.json()["id"])
    assert op["status"] == "FAILED", op
    message = op["error_message"]
    assert "part 1" in message and "parts.example" in message, message
    assert "127.0.0.1" in message and "private or local" in message, message
    assert victim.seen == []


def test_rebinding_export_completion_post_fails_the_operation(guarded, dns, victim,
                                                             monkeypatch):
    pretend_public(monkeypatch, STAND_IN)
    with serve(STAND_IN, victim.port) as s3_stand_in:
        # Parts go to a "public" S3 stand-in; the completion host rebinds to loopback.
        dns.add("parts.example", [PUBLIC], [STAND_IN])
        dns.add("done.example", [PUBLIC], ["127.0.0.1"])
        response = export(guarded, f"http://parts.example:{victim.port}/b/k?partNumber=1",
                          f"http://done.example:{victim.port}/b/k?uploadId=u")
        assert response.status_code == 200, response.text
        op = wait_op(guarded, response.json()["id"])
    assert [(s.method, s.host) for s in s3_stand_in.seen] == [
        ("PUT", f"parts.example:{victim.port}")]
    assert op["status"] == "FAILED", op
    message = op["error_message"]
    assert "completing the upload" in message and "done.example" in message, message
    assert "127.0.0.1" in message and "private or local" in message, message
    assert victim.seen == []


@pytest.mark.parametrize("inside", ["127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1",
                                    "2002:7f00:1::1", "192.0.0.170", "fd00::2"])
def test_name_with_one_private_address_among_public_ones_is_refused(guarded, dns, victim,
                                                                    inside):
    dns.add("mixed.example", [PUBLIC, "8.8.8.8", inside])
    response = fetch(guarded, f"http://mixed.example:{victim.port}/x")
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "mixed.example" in detail and "private or local" in detail, detail
    response = export(guarded, f"http://mixed.example:{victim.port}/p",
                      f"http://mixed.example:{victim.port}/c")
    assert response.status_code == 422 and "private or local" in response.json()["detail"]
    assert victim.seen == []


@pytest.mark.parametrize("form", [
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "0x7f000001", "2130706433",
    "127.1", "017700000001", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]", "localhost",
])
def test_literal_forms_of_loopback_are_refused(guarded, victim, form):
    response = fetch(guarded, f"http://{form}:{victim.port}/secret")
    assert response.status_code == 422, response.text
    assert "private or local" in response.json()["detail"], response.text
    response = export(guarded, f"http://{form}:{victim.port}/p", f"http://{form}:1/c")
    assert response.status_code == 422 and "private or local" in response.json()["detail"]
    assert victim.seen == []


@pytest.mark.parametrize("target", [
    "http://internal.example:{port}/secret", "http://[::ffff:127.0.0.1]:{port}/secret",
    "http://0x7f000001:{port}/secret", "http://2130706433:{port}/secret",
    "http://[::127.0.0.1]:{port}/secret", "http://[::1]:{port}/secret",
    "http://localhost:{port}/secret", "http://[64:ff9b::a00:1]:{port}/secret",
])
def test_redirect_hop_to_a_private_address_is_refused(guarded, dns, victim, monkeypatch,
                                                      target):
    pretend_public(monkeypatch, STAND_IN)
    dns.add("redirector.example", [STAND_IN])
    dns.add("internal.example", ["127.0.0.1"])
    location = target.format(port=victim.port)
    routes = {"/start": (302, {"Location": "/hop"}, b""),
              "/hop": (302, {"Location": location}, b"")}
    with serve(STAND_IN, victim.port, routes) as redirector:
        response = fetch(guarded, f"http://redirector.example:{victim.port}/start")
    assert [s.path for s in redirector.seen][:2] == ["/start", "/hop"]
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert f"redirected to {location}" in detail and "private or local" in detail, detail
    assert victim.seen == []


def test_public_name_connects_to_the_checked_address(guarded, dns, victim, monkeypatch):
    pretend_public(monkeypatch, STAND_IN)
    body = os.urandom(50_000)
    with serve(STAND_IN, victim.port, {"/data/field.bin?v=2": (200, {}, body)}) as site:
        # Checked answer: the "public" site; any later answer would be the victim.
        dns.add("files.example", [STAND_IN], ["127.0.0.1"])
        response = fetch(guarded, f"http://files.example:{victim.port}/data/field.bin?v=2")
        assert response.status_code == 200, response.text
    assert [(s.method, s.path, s.host) for s in site.seen] == [
        ("GET", "/data/field.bin?v=2", f"files.example:{victim.port}")]
    assert victim.seen == [] and dns.calls["files.example"] == 1
    stored = guarded.get("/storage/signed-urls", params={"paths": ["fetched/file.bin"],
                                                         "operation": "download"}).json()[0]
    assert httpx.get(stored).content == body


def test_environment_proxy_cannot_bypass_the_guard(guarded, dns, victim, monkeypatch):
    # A proxy on loopback would make every check moot: the server must connect directly.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{victim.port}")
    dns.add("files.example", [PUBLIC])
    response = fetch(guarded, f"http://files.example:{victim.port}/f")
    assert response.status_code == 422, response.text
    assert f"files.example ({PUBLIC})" in response.json()["detail"]  # tried directly
    assert victim.seen == []


def test_https_keeps_sni_host_and_certificate_check(guarded, dns, tmp_path, monkeypatch):
    pretend_public(monkeypatch, STAND_IN)
    cert, key = self_signed(tmp_path, "secure.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the server's CA bundle: trust our cert
    dns.add("secure.example", [STAND_IN])
    dns.add("impostor.example", [STAND_IN])
    with serve(STAND_IN, 0, {"/report.csv": (200, {}, b"a,b\n")}, tls=(cert, key)) as site:
        response = fetch(guarded, f"https://secure.example:{site.port}/report.csv")
        assert response.status_code == 200, response.text
        assert site.sni == ["secure.example"]
        assert [(s.path, s.host) for s in site.seen] == [
            ("/report.csv", f"secure.example:{site.port}")]
        # Same address, other name: the certificate is checked against the name, not the IP.
        response = fetch(guarded, f"https://impostor.example:{site.port}/report.csv")
        assert response.status_code == 422
        assert "CERTIFICATE_VERIFY_FAILED" in response.json()["detail"] or \
            "certificate" in response.json()["detail"].lower()
        assert len(site.seen) == 1


def test_blocking_transport_tls_and_refusals(dns, tmp_path, monkeypatch):
    # The transport the export worker threads use, with an explicit CA (no environment).
    pretend_public(monkeypatch, STAND_IN)
    cert, key = self_signed(tmp_path, "bucket.example")
    dns.add("bucket.example", [STAND_IN])
    context = ssl.create_default_context(cafile=str(cert))
    with serve(STAND_IN, 0, {"/k?partNumber=1": (200, {"ETag": '"e1"'}, b"")},
               tls=(cert, key)) as site, httpx.Client(
            transport=netguard.GuardedTransport(False, ssl_context=context),
            trust_env=False, timeout=5) as client:
        answer = client.put(f"https://bucket.example:{site.port}/k?partNumber=1", content=b"x")
        assert answer.headers["ETag"] == '"e1"'
        assert site.sni == ["bucket.example"]
        assert site.seen[0].host == f"bucket.example:{site.port}" and site.seen[0].body == b"x"
        with pytest.raises(netguard.ForbiddenUrl, match="127.0.0.1.*loopback"):
            client.get(f"https://127.0.0.1:{site.port}/k")
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            client.get(f"https://{STAND_IN}:{site.port}/k")  # the cert names no IP
