"""Helpers for the SSRF tests: a scripted resolver, recording loopback services, a TLS cert.

The only simulated part is name resolution (no DNS server can run here): `FakeDns` answers
chosen names from a script whose answers change between calls, like a rebinding attacker's
DNS server; every other name goes to the real resolver.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from inductiva_widgets.server import netguard


class FakeDns:
    """Patches `socket.getaddrinfo`: scripted answers for some names, the real ones for others."""

    def __init__(self, monkeypatch) -> None:
        self._real = socket.getaddrinfo
        self._script: dict[str, list[list[str]]] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()
        monkeypatch.setattr(socket, "getaddrinfo", self._getaddrinfo)

    def add(self, name: str, *answers: list[str]) -> None:
        """Answer the n-th look-up of `name` with `answers[n]` (the last one repeats)."""
        self._script[name] = [list(a) for a in answers]
        self.calls[name] = 0

    def _getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self._script:
            return self._real(host, port, family, type, proto, flags)
        with self._lock:
            answers = self._script[name]
            answer = answers[min(self.calls[name], len(answers) - 1)]
            self.calls[name] += 1
        port = int(port or 0)
        infos = []
        for address in answer:
            if ":" in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                              (address, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                              (address, port)))
        return [info for info in infos if family in (0, socket.AF_UNSPEC, info[0])]


def pretend_public(monkeypatch, *addresses: str) -> None:
    """Count these loopback aliases as public: they stand in for web servers on the internet.

    The sandbox has no internet, and the guard (rightly) refuses every local address, so a
    "public" service the server may reach can only be a loopback alias the classifier is told
    about. Only the classifier's answer for exactly these addresses changes.
    """
    real = getattr(netguard, "non_public_reason", None)
    public = {ipaddress.ip_address(a) for a in addresses}

    def reason(address):
        if ipaddress.ip_address(str(address).split("%")[0]) in public:
            return None
        return real(address)

    monkeypatch.setattr(netguard, "non_public_reason", reason, raising=False)


@dataclass
class Seen:
    method: str
    path: str
    host: str | None
    body: bytes


@dataclass
class Recorder:
    """A loopback HTTP(S) service that records every request it gets."""

    address: str
    port: int
    routes: dict[str, tuple[int, dict[str, str], bytes]]
    seen: list[Seen] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"


@contextmanager
def serve(address: str = "127.0.0.1", port: int = 0,
          routes: dict[str, tuple[int, dict[str, str], bytes]] | None = None,
          tls: tuple[Path, Path] | None = None) -> Iterator[Recorder]:
    """Serve `{path_and_query: (status, headers, body)}` on `address`; other paths answer 200
    with an ETag (so an S3 client would think it worked). `tls` = (cert file, key file)."""
    recorder = Recorder(address, port, dict(routes or {}))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorder.seen.append(Seen(self.command, self.path, self.headers.get("Host"), body))
            status, headers, content = recorder.routes.get(
                self.path, (200, {"ETag": '"reached"'}, b"internal secret"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_PUT = do_POST = _answer  # noqa: N815 - the stdlib's names

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer((address, port), Handler)
    httpd.daemon_threads = True
    recorder.port = httpd.server_address[1]
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        context.sni_callback = lambda sock, name, ctx: recorder.sni.append(name)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        httpd.shutdown()
        httpd.server_close()


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for the DNS name `name`: (cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file
