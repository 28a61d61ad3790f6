"""The `crmbot` command. Each sub-command lives in its own `cmd_*.py` module that exports
`register(sub)`: it adds its parser to the sub-parsers and sets `func(args) -> int`.
Modules are discovered automatically, so a new command is a one-file change.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from adapters.logging_setup import configure_logging, level_from
from crm_core.settings import get_settings


def _configured_level() -> int:
    """CRMBOT_LOG_LEVEL (environment or .env); INFO when unset or unreadable."""
    try:
        return level_from(get_settings().log_level)
    except Exception:  # broken settings are reported by the command that needs them
        return logging.INFO


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmbot", description="CRM 助手 / chat-bot-first CRM")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(logging.DEBUG if args.verbose else _configured_level())
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    rc: int = func(args)
    return rc


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
