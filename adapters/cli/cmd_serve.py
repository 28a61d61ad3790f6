"""`crmbot serve`: the HTTP app (/api/leads, /healthz, platform callbacks) + scheduler."""

from __future__ import annotations

import argparse

from adapters.cli._common import quiet_libraries, settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the HTTP app with every platform enabled in .env")
    p.add_argument("--host", default=None, help="default: CRMBOT_HOST or 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: CRMBOT_PORT or 8080")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from adapters.app import run_server

    quiet_libraries()
    s = settings()
    return run_server(s, args.host or s.host, args.port or s.port)
