"""The `inductiva-widgets` command."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

MISSING_SERVER = (
    "the bundled server needs the 'server' extra: pip install 'inductiva-widgets[server]'"
)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inductiva-widgets",
        description="Inductiva cloud storage in Jupyter, with a bundled offline storage server.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the bundled storage server",
                           description="Serve the Inductiva storage protocol from a local folder.")
    serve.add_argument("--root", type=Path, default=None,
                       help="folder that holds the storage (default: a per-user data folder)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    serve.add_argument("--api-key", action="append", default=[], dest="api_keys",
                       metavar="KEY", help="accepted API key, each with its own storage "
                       "(repeat for several; default: one generated key, kept in the root)")
    serve.add_argument("--demo", action="store_true",
                       help="seed demo task folders into the first key's storage if missing")
    serve.add_argument("--allow-private-urls", action="store_true",
                       help="let upload_from_url and exports reach private/loopback addresses")
    serve.add_argument("--public-url", default=None,
                       help="base URL put in signed URLs (default: the address the server "
                       "answers on; never the request's Host header)")
    serve.add_argument("--max-connections", type=_positive, default=None, metavar="N",
                       help="open connections at most (default: from the open-file limit)")
    serve.add_argument("--max-uploads-per-key", type=_positive, default=None, metavar="N",
                       help="uploads one key may run at once; more get 429 (default: 64)")
    serve.add_argument("--max-downloads-per-key", type=_positive, default=None, metavar="N",
                       help="downloads one key may run at once; more get 429 (default: 64)")
    from .lab import add_parser as add_lab

    add_lab(sub)
    return parser


def serve(args: argparse.Namespace) -> int:
    try:
        from .server.config import ServerConfig, default_root, user_id_for
        from .server.limits import Limits
        from .server.runner import bind, serve_forever, url_of
    except ImportError:
        print(f"error: {MISSING_SERVER}", file=sys.stderr)
        return 2
    config = ServerConfig(root=args.root or default_root(), api_keys=args.api_keys,
                          allow_private_urls=args.allow_private_urls,
                          public_url=args.public_url)
    config.ensure_secrets()
    chosen = {"max_connections": args.max_connections,
              "max_uploads_per_key": args.max_uploads_per_key,
              "max_downloads_per_key": args.max_downloads_per_key}
    limits = Limits(**{k: v for k, v in chosen.items() if v is not None})
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}; "
              "try another --port (0 picks a free one)", file=sys.stderr)
        return 2
    if args.demo:
        from .demo import seed_demo

        region_root = config.root / "users" / user_id_for(config.api_keys[0]) / config.regions[0]
        created = seed_demo(region_root)
        print(f"demo data: {len(created)} folder(s) created" if created
              else "demo data: already there")
    url = url_of(sock)
    print(f"Inductiva storage server (bundled) on {url}")
    print(f"  storage root: {config.root}")
    for key in config.api_keys:
        print(f"  API key: {key}")
    print("Point the client, the widgets or the inductiva package at it with:")
    print(f"  export INDUCTIVA_API_URL={url}")
    print(f"  export INDUCTIVA_API_KEY={config.api_keys[0]}")
    print("Press Ctrl-C to stop.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(config, sock, limits=limits)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "lab":
        from .lab import run

        return run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
