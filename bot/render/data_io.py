"""Pushes about data in and out: a failed daily backup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Reply, Text
from bot.render import notification


@notification("backup.failed")
def backup_failed(p: Mapping[str, Any]) -> Reply:
    return Text(f"⚠️ 今天的自动备份没有成功：{p.get('reason') or '原因见日志'}。"
                "请检查备份目录的空间和权限，或手动运行 crmbot backup。")
