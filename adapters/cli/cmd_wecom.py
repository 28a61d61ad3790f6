"""`crmbot wecom menu`: create the app menu of the WeCom self-built app (menu/create);
`crmbot wecom check`: verify the credentials, the agent id and the trusted IP.

Menu clicks arrive as `Incoming(menu_key=…)` and are routed like commands by the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from crm_core.settings import get_settings

# keys are command names: the bot routes a click on key K like the command "/K"
DEFAULT_MENU: dict[str, Any] = {
    "button": [
        {"type": "click", "name": "记跟进", "key": "跟进"},
        {"name": "线索", "sub_button": [
            {"type": "click", "name": "我的线索", "key": "线索"},
            {"type": "click", "name": "公海", "key": "公海"},
            {"type": "click", "name": "我的待办", "key": "待办"},
        ]},
        {"name": "更多", "sub_button": [
            {"type": "click", "name": "客户", "key": "客户"},
            {"type": "click", "name": "帮助", "key": "帮助"},
        ]},
    ]
}


def validate_menu(menu: dict[str, Any]) -> list[str]:
    """Problems with a menu against WeCom's limits (1–3 items, 1–5 sub-items, name bytes)."""
    problems: list[str] = []
    top = menu.get("button", [])
    if not 1 <= len(top) <= 3:
        problems.append("the menu needs 1 to 3 top-level items")
    for item in top:
        if len(item.get("name", "").encode()) > 16:
            problems.append(f"top-level name too long (16 bytes): {item.get('name')}")
        subs = item.get("sub_button")
        if subs is not None and not 1 <= len(subs) <= 5:
            problems.append(f"{item.get('name')}: 1 to 5 sub-items")
        for sub in subs or []:
            if len(sub.get("name", "").encode()) > 40:
                problems.append(f"sub-item name too long (40 bytes): {sub.get('name')}")
            if len(sub.get("key", "").encode()) > 128:
                problems.append(f"key too long (128 bytes): {sub.get('key')}")
    return problems


async def create_menu(menu: dict[str, Any]) -> dict[str, Any]:
    from adapters.wecom.outbound import WeComApi
    from crm_core.settings import secret

    s = get_settings()
    api = WeComApi(s.wecom_api_base, s.wecom_corp_id, secret(s.wecom_secret), s.wecom_agent_id)
    try:
        return await api.create_menu(menu)
    finally:
        await api.close()


def run_menu(args: argparse.Namespace) -> int:
    menu = DEFAULT_MENU
    if args.file:
        with open(args.file, encoding="utf-8") as fh:
            menu = json.load(fh)
    problems = validate_menu(menu)
    if problems:
        for p in problems:
            print(f"menu: {p}")
        return 2
    if args.dry_run:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    s = get_settings()
    if not (s.wecom_corp_id and s.wecom_secret and s.wecom_agent_id):
        print("CRMBOT_WECOM_CORP_ID, CRMBOT_WECOM_SECRET and CRMBOT_WECOM_AGENT_ID must be set")
        return 2
    from adapters.http_client import ApiError

    try:
        result = asyncio.run(create_menu(menu))
    except ApiError as exc:
        print(f"menu/create failed: {exc}")
        return 1
    print(f"menu created for agent {s.wecom_agent_id}: {result.get('errmsg', 'ok')}")
    return 0


HINTS = {
    60020: "the server's public IP is not in 企业可信IP (app settings → 企业可信IP)",
    40013: "CRMBOT_WECOM_CORP_ID is wrong",
    40001: "CRMBOT_WECOM_SECRET is wrong (it is the app's Secret, not the corp's)",
    40091: "CRMBOT_WECOM_SECRET is wrong",
    301002: "CRMBOT_WECOM_AGENT_ID does not belong to this secret",
    40056: "CRMBOT_WECOM_AGENT_ID is wrong",
}


async def check_app() -> list[str]:
    """gettoken + agent/get: the credentials, the agent id and the trusted IP in one go."""
    from adapters.http_client import ApiError
    from adapters.wecom.outbound import WeComApi
    from crm_core.settings import secret

    s = get_settings()
    api = WeComApi(s.wecom_api_base, s.wecom_corp_id, secret(s.wecom_secret), s.wecom_agent_id,
                   max_attempts=1)
    lines: list[str] = []
    try:
        await api.tokens.get()
        lines.append("ok   access token (corp id + secret)")
        resp = await api.client.call("GET", "agent/get", params={"agentid": s.wecom_agent_id})
        data = resp.data if isinstance(resp.data, dict) else {}
        lines.append(f"ok   agent {s.wecom_agent_id}: {data.get('name', '?')}")
    except ApiError as exc:
        hint = HINTS.get(exc.code) if isinstance(exc.code, int) else None
        lines.append(f"FAIL {exc}" + (f" — {hint}" if hint else ""))
    finally:
        await api.close()
    return lines


def run_check(_args: argparse.Namespace) -> int:
    s = get_settings()
    if not s.wecom_enabled():
        print("WeCom is not configured: set CRMBOT_WECOM_CORP_ID, _AGENT_ID, _SECRET, _TOKEN "
              "and _AES_KEY (see docs/platforms.md)")
        return 2
    lines = asyncio.run(check_app())
    for line in lines:
        print(line)
    return 1 if any(line.startswith("FAIL") for line in lines) else 0


def register(sub: Any) -> None:
    parser = sub.add_parser("wecom", help="WeCom app administration")
    wsub = parser.add_subparsers(dest="wecom_command", metavar="ACTION")
    menu = wsub.add_parser("menu", help="create the app menu (menu/create)")
    menu.add_argument("--file", help="menu JSON (default: the built-in CRM menu)")
    menu.add_argument("--dry-run", action="store_true", help="print the menu, call nothing")
    menu.set_defaults(func=run_menu)
    check = wsub.add_parser("check", help="check the credentials, agent id and trusted IP")
    check.set_defaults(func=run_check)
    parser.set_defaults(func=lambda _a: (parser.print_help(), 2)[1])
