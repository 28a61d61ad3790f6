"""Notifications raised by the foundation services (intake, binding, reminders)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Button, Card, Reply, Text
from bot.render import notification
from bot.render.format import clip


@notification("lead.merged")
def lead_merged(p: Mapping[str, Any]) -> Reply:
    who = " ".join(x for x in (p.get("company"), p.get("name")) if x) or "老客户"
    fields = [("来源", str(p.get("channel") or "表单"))]
    if p.get("message"):
        fields.append(("留言", clip(str(p["message"]), 40)))
    buttons: tuple[Button, ...] = ()
    if p.get("lead_id"):
        buttons = (Button("查看线索", "lead.show", {"lead_id": str(p["lead_id"])}),)
    if p.get("reopened"):
        return Card(f"🔁 {who} 再次咨询，线索已重新打开", fields=tuple(fields),
                    body="这条线索之前放弃了，现在重新归你跟进，请尽快联系。", buttons=buttons)
    return Card(f"🔁 {who} 再次咨询", fields=tuple(fields),
                body="已并入原有记录，没有新建线索。", buttons=buttons)


@notification("lead.dropped")
def lead_dropped(p: Mapping[str, Any]) -> Reply:
    who = " ".join(str(x) for x in (p.get("company"), p.get("name")) if x) or "线索"
    fields = (("放弃人", str(p.get("by") or "—")), ("原因", clip(str(p.get("reason") or "—"), 40)),
              ("放弃前", str(p.get("status") or "—")))
    buttons = (Button("查看线索", "lead.show", {"lead_id": str(p["lead_id"])}),) \
        if p.get("lead_id") else ()
    return Card(f"🗑 #L{p.get('lead_id')} {clip(who, 20)} 被放弃", fields=fields,
                body="如果不该放弃，可以转派给别人：/转派 #L编号", buttons=buttons)


@notification("user.bind_request")
def bind_request(p: Mapping[str, Any]) -> Reply:
    platform = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书"}.get(
        str(p.get("platform")), str(p.get("platform")))
    buttons = tuple(
        Button(f"批准：绑定为{c['name']}", "bind.approve",
               {"platform": str(p["platform"]), "puid": str(p["platform_user_id"]),
                "login": str(c["login"]), "chat": str(p.get("chat_id") or "")}, style="primary")
        for c in p.get("candidates") or []
    )
    body = (f"{platform}用户「{p.get('display')}」想使用 CRM 助手。"
            f"\n绑定：/绑定 {platform} {p.get('platform_user_id')} 登录名")
    return Card("新用户申请", body=body, buttons=buttons)


@notification("user.bound")
def bound(p: Mapping[str, Any]) -> Reply:
    return Text(f"{p.get('name')}，你的账号已开通 CRM 助手。发 /帮助 看看能做什么。")


@notification("system.problem")
def problem(p: Mapping[str, Any]) -> Reply:
    platform = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书"}.get(
        str(p.get("platform")), str(p.get("platform")))
    return Card(f"⚠️ {platform}接口异常", body=clip(str(p.get("text") or ""), 200)
                + "\n请检查凭据、可信 IP 和回调配置。")
