"""utm_source / utm_medium → the channel a lead came from (百度, 抖音, 微信…), through an
admin-editable mapping (ConfigEntry ``channels.utm_map``: {channel: [utm value, …]}). Pure.

A lead with utm parameters gets the channel whose list holds its `utm_source` (else its
`utm_medium`), compared without case; one without a match keeps what the form said (its
`source`, else the intake channel, e.g. ``web``), so nothing is guessed. Campaigns are the
`utm_campaign` as sent.

Refused with the reason, the old mapping kept: a utm value listed under two channels, a
channel named as a utm value of another channel (a loop: A → B → A, or a chain that maps a
channel again), an empty channel name, a value longer than 40 characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

KEY = "channels.utm_map"
DEFAULT_MAP: dict[str, list[str]] = {
    "百度": ["baidu", "bd", "baidu_sem", "baidutg", "百度"],
    "抖音": ["douyin", "dy", "tiktok", "oceanengine", "juliang", "巨量引擎", "抖音"],
    "微信": ["wechat", "weixin", "wx", "gzh", "mp", "微信", "公众号"],
    "360": ["360", "so", "so.com", "qihoo"],
    "搜狗": ["sogou", "sougou", "搜狗"],
    "必应": ["bing", "必应"],
    "官网": ["website", "site", "organic", "seo", "direct", "官网"],
    "展会": ["expo", "exhibition", "cmef", "fair", "展会"],
    "转介绍": ["referral", "refer", "introduce", "转介绍"],
}


def check_map(raw: Any) -> tuple[dict[str, list[str]], list[str]]:
    """(the normalised mapping, problems in Chinese)."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        return {}, ["来源映射格式不对"]
    out: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for ch, values in raw.items():
        name = str(ch).strip()
        if not name or len(name) > 12:
            problems.append("渠道名要 1~12 个字")
            continue
        vals = [values] if isinstance(values, str) else list(values or [])
        clean: list[str] = []
        for v in vals:
            t = str(v).strip().lower()
            if not t or len(t) > 40:
                problems.append(f"「{name}」里有空的或过长的来源值")
                continue
            if t in owner and owner[t] != name:
                problems.append(f"「{t}」同时映射到「{owner[t]}」和「{name}」")
                continue
            owner[t] = name
            if t not in clean:
                clean.append(t)
        out[name] = clean
    names = {n.lower(): n for n in out}
    for t, ch in owner.items():
        target = names.get(t)
        if target is not None and target != ch:
            problems.append(f"映射成环：「{ch}」的来源值「{t}」是另一个渠道名")
    return out, problems


def channel_of(utm_source: str | None, utm_medium: str | None,
               mapping: Mapping[str, Sequence[str]]) -> str | None:
    """The channel for these utm values, or None when the mapping names none."""
    index = {str(v).lower(): ch for ch, vals in mapping.items() for v in vals}
    for v in (utm_source, utm_medium):
        if v:
            got = index.get(str(v).strip().lower())
            if got is not None:
                return got
    return None
