"""Cards for leads, customers and task lists."""

from __future__ import annotations

from datetime import tzinfo

from bot.messages import Button, Card, Text
from bot.render.format import clip, money, short_dt
from bot.render.paging import Window
from crm_core.models import Lead, Task
from crm_core.models.pipeline import LEAD_STATUS_LABELS
from crm_core.policies.contact_info import mask_phone
from crm_core.services.customers import Customer360

GRADE_ICON = {"red": "🔴", "yellow": "🟡", "green": "🟢"}
# a lead's channel as the system records it when no campaign channel was given
SOURCE_LABELS = {"web": "官网表单", "chat": "聊天录入", "import": "批量导入", "api": "接口",
                 "form": "表单", "voice": "语音录入"}


def source_label(channel: str | None) -> str:
    return SOURCE_LABELS.get(channel or "", channel or "—")


def grade_of(lead: Lead) -> str:
    if lead.grade in GRADE_ICON:
        return lead.grade
    return "red" if lead.score < 40 else "yellow" if lead.score < 70 else "green"


def lead_line(lead: Lead, owner: str | None = None) -> str:
    who = lead.name or ""
    icon = GRADE_ICON[grade_of(lead)]
    status = LEAD_STATUS_LABELS.get(lead.status, lead.status)
    tail = f" · {owner}" if owner else ""
    return f"{icon} #L{lead.id} {clip(lead.company or '未知单位', 16)} {who} · {status}{tail}"


def lead_card(lead: Lead, *, owner: str | None = None, masked: bool = False,
              can_claim: bool = False, can_drop: bool = False) -> Card:
    phone = mask_phone(lead.phone) if masked else (lead.phone or "")
    fields: list[tuple[str, str]] = [
        ("联系人", " ".join(x for x in (lead.name, lead.title) if x) or "—"),
        ("电话", phone or lead.email or "—"),
        ("产品", lead.product_text or "—"),
        ("来源", source_label(lead.source_channel)),
        ("状态", LEAD_STATUS_LABELS.get(lead.status, lead.status)),
        ("评分", f"{GRADE_ICON[grade_of(lead)]} {lead.score}"
                 + (f"（{'；'.join(lead.score_reasons[:2])}）" if lead.score_reasons else "")),
    ]
    if owner:
        fields.append(("负责人", owner))
    if lead.assignment_reason:
        fields.append(("分配", lead.assignment_reason))
    if lead.invalid_reasons:
        fields.append(("待补全", "、".join(lead.invalid_reasons)))
    buttons: list[Button] = []
    if can_claim:
        buttons.append(Button("认领", "lead.claim", {"lead_id": str(lead.id)}, style="primary"))
    if can_drop:
        buttons.append(Button("放弃", "lead.drop", {"lead_id": str(lead.id)}, style="danger"))
    return Card(f"线索 #L{lead.id} · {clip(lead.company or '未知单位', 18)}", fields=tuple(fields),
                body=clip(lead.message, 60), buttons=tuple(buttons))


def customer_card(v: Customer360, *, masked: bool = False, tz: tzinfo | None = None) -> Card:
    c = v.customer
    region = "".join(x for x in (c.province, c.city, c.district) if x)
    fields: list[tuple[str, str]] = [
        ("负责人", v.owner.name if v.owner else "—"),
        ("地区", region or "—"),
    ]
    if c.past_models:
        fields.append(("历史合作型号", "、".join(c.past_models[:6])))
    for contact, dept in v.contacts[:4]:
        phone = mask_phone(contact.phone) if masked else (contact.phone or "")
        if contact.name_incomplete:
            shown = f"{contact.name}{contact.title or ''}（待补全名）"
        else:
            shown = " ".join(x for x in (contact.name, dept, contact.title) if x)
        fields.append(("联系人", f"#C{contact.id} {shown} {phone}".strip()))
    if len(v.contacts) > 4:
        fields.append(("联系人", f"…共 {len(v.contacts)} 位，发 /联系人 {c.name} 查看"))
    for deal, stage in v.deals[:3]:
        fields.append(("商机", f"#D{deal.id} {clip(deal.name, 14)} · {stage} · "
                               f"{money(deal.amount)}"))
    for fu, rep in v.followups:
        line = f"{short_dt(fu.occurred_at, tz)} {rep or ''}：{clip(fu.summary, 22)}"
        fields.append(("跟进", line))
    for t in v.tasks[:3]:
        fields.append(("待办", f"{short_dt(t.due_at, tz) or '无日期'} {clip(t.title, 20)}"))
    if v.open_leads:
        fields.append(("线索", f"{len(v.open_leads)} 条进行中"))
    chain = v.extra.get("decision_chain") or []
    if chain:
        icon = {"met": "✅", "known": "🟡", "missing": "⬜"}
        fields.append(("决策链", " ".join(
            f"{icon.get(x.status, '')}{x.role}" + (f"({x.contacts[0]})" if x.contacts else "")
            for x in chain)))
        todo = [x.role for x in chain if x.status != "met"]
        fields.append(("未拜访", "、".join(todo) if todo else "决策链已全部拜访"))
    title = f"{c.name}" + (f"（{c.grade}）" if c.grade else "")
    ref = {"customer_id": str(c.id)}
    return Card(title, fields=tuple(fields),
                buttons=(Button("记跟进", "followup.start", ref),
                         Button("加联系人", "contact.add", ref),
                         Button("修改资料", "customer.edit", {**ref, "edit": "1"})))


def tasks_reply(items: list[tuple[Task, str | None]], *, tz: tzinfo | None, now_ts: float,
                title: str = "今日待办", win: Window | None = None,
                next_page: Button | None = None) -> Card | Text:
    """A task list; `win` gives the true total and position, `next_page` the [下一页]."""
    if not items:
        return Text("今天没有待办 🎉")
    lines: list[str] = []
    buttons: list[Button] = []
    for task, _customer in items:
        overdue = task.due_at is not None and task.due_at.timestamp() < now_ts
        mark = "⚠️" if overdue else "•"
        when = short_dt(task.due_at, tz) if task.has_time else (
            short_dt(task.due_at, tz).split(" ")[0] if task.due_at else "无日期")
        lines.append(f"{mark} #T{task.id} {when} {clip(task.title, 26)}")
        if len(buttons) < 3:
            buttons.append(Button(f"完成 #T{task.id}", "task.done", {"task_id": str(task.id)}))
    if next_page is not None and win is not None and win.has_next:
        buttons.append(next_page)
    heading = win.heading(title) if win is not None else f"{title}（{len(items)}）"
    return Card(heading, body="\n".join(lines), buttons=tuple(buttons))
