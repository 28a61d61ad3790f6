"""The follow-up dialog's cards: the confirmation (what will be saved, whose customer, which
lead) and the saved card (what was done, how to take it back)."""

from __future__ import annotations

from typing import Any

from bot.dialogs.declare import Turn
from bot.dialogs.followup_note import TRACKED, Note
from bot.messages import Button, Card
from bot.render.format import FIELD_LABELS, clip, short_dt, when_text
from crm_core.services.followups import LoggedFollowUp
from nlp.presets import OTHER


def _shown(key: str, value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(x) for x in value) or "—"
    if key in ("next_date", "next_time"):
        return str(value or "—")
    return str(value) if value else "—"


def changes(n: Note) -> list[str]:
    """「客户：A → B」 for each field that differs from what was first understood/saved."""
    out: list[str] = []
    for key in TRACKED:
        old, new = n.first.get(key), getattr(n, key)
        if key in ("next_date", "next_time"):
            if key == "next_time":
                continue
            old_t = when_text(n.first.get("next_date"), n.first.get("next_time")) or "—"
            new_t = when_text(n.next_date, n.next_time) or "—"
            if old_t != new_t:
                out.append(f"时间：{old_t} → {new_t}")
            continue
        if isinstance(old, list) or isinstance(new, list):
            same = sorted(old or []) == sorted(new or [])
        else:
            same = (old or None) == (new or None)
        if not same:
            out.append(f"{FIELD_LABELS[key]}：{_shown(key, old)} → {_shown(key, new)}")
    return out


def confirm_card(t: Turn, n: Note) -> Card:
    customer = n.customer or "—"
    if n.customer_new:
        customer += "（新客户）"
    elif n.owner_name:
        customer += f"（{n.owner_name}的客户）"
    contact = n.contact or "—"
    if n.contact and not n.contact_id:
        contact += "（新联系人）"
    fields: list[tuple[str, str]] = [
        ("客户", customer), ("联系人", contact),
        ("产品", "、".join(n.products) or "—"), ("方式", n.channel or "—"),
        ("态度", n.attitude or "—"), ("下一步", own_words(n.next_action, n.action_words) or "—"),
        ("时间", when_text(n.next_date, n.next_time) or "—"),
    ]
    if n.lead_id is not None:
        fields.append(("线索", f"#L{n.lead_id} {n.lead_label or ''}".strip()))
    if n.obstacle:
        fields.append(("障碍", own_words(n.obstacle, n.obstacle_words) or n.obstacle))
    lines = [clip(n.summary, 60)] if n.summary else []
    if n.owner_name and not n.edit_of:
        lines.append(f"这是{n.owner_name}的客户，保存后会通知{n.owner_name}。")
    if n.edit_of:
        lines += changes(n) or ["（还没有改动）"]
        return Card(f"确认修改跟进 #F{n.edit_of}", fields=tuple(fields),
                    body="\n".join([*lines, f"草稿 {t.ref}"]))
    lines.append(f"草稿 {t.ref}")
    return Card("确认跟进记录", fields=tuple(fields), body="\n".join(lines))


def own_words(preset: str | None, words: str | None) -> str | None:
    """其他 with the rep's own words ('其他：周三去做飞防'), any other preset as it is."""
    if preset == OTHER and words:
        return f"{OTHER}：{clip(words, 20)}"
    return preset


def saved_card(t: Turn, n: Note, r: LoggedFollowUp) -> Card:
    fields: list[tuple[str, str]] = [("客户", r.customer_name + ("（已新建）"
                                                               if r.created_customer else ""))]
    if n.next_action:
        fields.append(("下一步", own_words(n.next_action, n.action_words) or n.next_action))
    if r.due_at is not None:
        fields.append(("时间", when_text(n.next_date, n.next_time)))
    if r.remind_at is not None:
        fields.append(("提醒", short_dt(r.remind_at, t.ctx.bot.clock.tz)))
    if r.lead_id is not None:
        fields.append(("线索", f"#L{r.lead_id} " + ("已标记为已联系" if r.lead_advanced
                                                  else "已更新跟进时间")))
    lines: list[str] = []
    if n.edit_of:
        lines += changes(n)
    if r.owner_notified:
        lines.append(f"已通知负责人{r.owner_notified}。")
    lines.append(f"说「撤销」可撤回；发「/改 #F{r.followup_id}」可再修改。")
    title = (f"✅ 已修改跟进 #F{r.followup_id}" if n.edit_of
             else f"✅ 跟进已保存 #F{r.followup_id}")
    ref = {"followup_id": str(r.followup_id)}
    return Card(title, fields=tuple(fields), body="\n".join(lines),
                buttons=(Button("我的待办", "todo.list"),
                         Button("修改", "record.edit", ref),
                         Button("撤销", "record.undo", ref, style="danger")))
