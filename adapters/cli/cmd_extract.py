"""`crmbot extract --catalog FILE`: JSON Lines {"id","now","text"} on stdin → records on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="extract follow-up records from JSON Lines messages")
    p.add_argument("--catalog", required=True, help="catalog JSON file (catalog.schema.md)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nlp import Catalog, Extractor

    try:
        with open(args.catalog, encoding="utf-8-sig") as fh:
            catalog = Catalog.from_dict(json.load(fh))
    except OSError as exc:
        print(f"读不了目录文件 {args.catalog}：{exc.strerror or exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        print(f"目录文件 {args.catalog} 不是有效的 catalog JSON（见 catalog.schema.md）：{exc}",
              file=sys.stderr)
        return 2
    extractor = Extractor(catalog)
    tz = extractor.tz
    out = sys.stdout
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            msg: dict[str, Any] = json.loads(line)
        except ValueError as exc:
            print(f"line {n}: not JSON ({exc})", file=sys.stderr)
            continue
        now_raw = msg.get("now")
        try:
            now = datetime.fromisoformat(str(now_raw)) if now_raw else datetime.now(tz)
        except ValueError:
            now = datetime.now(tz)
        rec = extractor.extract(str(msg.get("text") or ""), now)
        row = {"id": msg.get("id"), **rec.contract()}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return 0
