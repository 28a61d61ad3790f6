"""`crmbot backup [FILE] [--list]` and `crmbot restore FILE [--force] [--yes]`.

A backup is taken while the server runs (SQLite's online backup API, or pg_dump of one
snapshot); a restore wants the server stopped, refuses a database that holds rows unless
--force (which first saves them as a backup of their own), and checks every table's row
count against the backup's manifest."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from adapters.cli._common import settings
from crm_core.backup import (
    BackupError,
    create_backup,
    default_name,
    list_backups,
    read_manifest,
    restore_backup,
)
from crm_core.clock import make_clock

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("backup", help="back up the whole database (safe while serving)")
    b.add_argument("file", nargs="?", type=Path,
                   help="where to write it (default: CRMBOT_BACKUP_DIR/crmbot-DATE.tar.gz)")
    b.add_argument("--list", action="store_true", help="list the backups in CRMBOT_BACKUP_DIR")
    b.set_defaults(func=main_backup)
    r = sub.add_parser("restore", help="restore a backup into CRMBOT_DATABASE_URL")
    r.add_argument("file", type=Path)
    r.add_argument("--force", action="store_true",
                   help="replace a database that holds data (it is saved first)")
    r.add_argument("--yes", action="store_true", help="no confirmation question")
    r.set_defaults(func=main_restore)


def _folder() -> Path:
    return settings().backup_dir or Path("var/backups")


def main_backup(args: argparse.Namespace) -> int:
    s = settings()
    if args.list:
        for p in list_backups(_folder()):
            print(f"{p}  {p.stat().st_size / 1e6:.1f} MB")
        return 0
    now = make_clock(s.now, s.timezone).now()
    path: Path = args.file or _folder() / default_name(now)
    try:
        result = create_backup(s.database_url, path, now=now)
    except BackupError as e:
        log.error("backup failed: %s", e)
        print(f"备份失败：{e.user_message}")
        return 1
    print(f"备份完成：{result.path.resolve()}（{result.size / 1e6:.1f} MB，"
          f"{len(result.tables)} 张表，{result.rows} 行，用时 {result.seconds:.1f} 秒）")
    return 0


def main_restore(args: argparse.Namespace) -> int:
    s = settings()
    try:
        manifest = read_manifest(args.file)
    except BackupError as e:
        print(f"无法恢复：{e.user_message}")
        return 2
    rows = sum(int(n) for n in manifest["tables"].values())
    print(f"备份：{manifest['backend']}，{manifest['created_at']}，{len(manifest['tables'])} 张表，"
          f"{rows} 行")
    if args.force and not args.yes:
        if not sys.stdin.isatty():
            print("没有恢复：--force 会覆盖现有数据，请同时加 --yes 确认。")
            return 1
        if input("将覆盖现有数据库（会先另存一份备份）。确认？[y/N] ").strip().lower() \
                not in ("y", "yes", "是"):
            print("已取消。")
            return 1
    now = make_clock(s.now, s.timezone).now()
    try:
        result = restore_backup(s.database_url, args.file, force=args.force, now=now,
                                save_dir=_folder())
    except BackupError as e:
        log.warning("restore refused or failed: %s", e)
        print(f"未恢复：{e.user_message}")
        return 1
    if result.saved_before is not None:
        print(f"原有数据已另存：{result.saved_before.resolve()}")
    if not result.ok:
        for table, (want, got) in sorted(result.mismatched.items()):
            print(f"  {table}：备份 {want} 行，恢复后 {got if got is not None else '缺表'}")
        print("恢复后的行数和备份对不上（见上），请检查后重试。")
        return 1
    print(f"恢复完成：{len(result.expected)} 张表的行数与备份一致，用时 {result.seconds:.1f} 秒。")
    return 0
