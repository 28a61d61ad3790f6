"""The supervisor's buttons on an SLA alert: [催办] and [延期] ([转派] is /转派).

Typed, they take the alert's number as the card shows it (「/催办 #A5」), or a lead's
(「/催办 #L12」: the open alert about that lead that you received)."""

from __future__ import annotations

from bot import refs
from bot.commands.registry import MANAGERS, command
from bot.context import Context
from bot.messages import Reply, Text
from crm_core.errors import InvalidInput
from crm_core.services import sla
from crm_core.uow import UnitOfWork

KEY_PREFIX = "sla:"                 # the alert buttons carry the alert's key


async def escalation_ref(uow: UnitOfWork, ctx: Context, given: str | int) -> int | str:
    """A button's key as is; typed text as an alert number (or a lead's open alert)."""
    text = str(given).strip()
    if text.startswith(KEY_PREFIX):
        return text                              # a button's key
    r = refs.parse(text)
    if r is None:
        raise InvalidInput(f"bad alert ref {text!r}", "预警编号要像 #A5 这样，在预警卡片上。")
    if r.kind == "lead":
        return (await sla.open_escalation_of_lead(uow, ctx.user, r.number)).id or 0
    if r.kind not in (None, "alert"):
        raise InvalidInput(f"{r.kind} ref for an alert", f"{refs.PREFIXES[r.kind]}{r.number} "
                           f"是{refs.LABELS[r.kind]}编号，这里要预警编号，如 #A{r.number}。")
    if r.kind is None and ctx.role != "rep":    # a bare number: an alert that came to you
        esc = await sla.find_escalation(uow, r.number)
        if esc.recipient_id != ctx.user_id:
            raise InvalidInput(f"bare alert number {r.number} not sent to {ctx.user.login}",
                               f"预警 #A{r.number} 不是发给你的。要处理线索的预警请发"
                               f"「#L{r.number}」，预警编号写「#A…」。")
    return r.number


@command("催办", aliases=("urge",), button="sla.urge", roles=MANAGERS, group="管理",
         usage="/催办 <预警编号，如 #A5>", text=("escalation",))
async def urge_alert(ctx: Context, escalation: str) -> Reply:
    """催办一条超时预警：提醒负责人立即处理"""
    async with ctx.uow() as uow:
        esc = await sla.act_on_escalation(uow, ctx.user, await escalation_ref(uow, ctx, escalation),
                                          "urge")
        await uow.commit()
    what = f"，线索 #L{esc.lead_id}" if esc.lead_id else ""
    return Text(f"📣 已催办（预警 #A{esc.id}{what}），负责人会收到提醒。")


@command("延期", aliases=("extend",), button="sla.extend", roles=MANAGERS, group="管理",
         usage="/延期 <预警编号，如 #A5> [小时]", text=("escalation", "hours"))
async def extend_alert(ctx: Context, escalation: str, hours: int | None = None) -> Reply:
    """把一条超时预警的下一级上报延后（默认 24 小时）"""
    async with ctx.uow() as uow:
        esc = await sla.act_on_escalation(uow, ctx.user, await escalation_ref(uow, ctx, escalation),
                                          "extend", hours=float(hours or 24))
        await uow.commit()
    return Text(f"⏳ 已延期 {hours or 24} 小时（预警 #A{esc.id}）。")
