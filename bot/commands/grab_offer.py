"""/抢单: grab a lead pushed to you (first come, first served) by the offer's number as the
card shows it (#O305), or by the lead's (#L26)."""

from __future__ import annotations

from bot import refs
from bot.commands.registry import UsageError, command
from bot.context import Context
from bot.messages import Card, Reply
from bot.render.format import first_contact_text
from crm_core.services import offers, routing, sla


@command("抢单", aliases=("grab",), button="offer.grab", group="线索",
         usage="/抢单 <抢单编号，如 #O305>", text=("offer_id",))
async def grab_offer(ctx: Context, offer_id: str) -> Reply:
    """抢一条推送给你的线索（先到先得）：/抢单 #O305"""
    r = refs.parse(offer_id)
    if r is None or r.kind not in (None, "offer", "lead"):
        try:
            refs.number_of(offer_id, "offer")
        except refs.RefError as e:
            raise UsageError(str(e), e.user_message) from e
    assert r is not None
    async with ctx.uow() as uow:
        number = await offers.open_offer_of_lead(uow, r.number, ctx.user_id) \
            if r.kind == "lead" else r.number
        out = await routing.grab_offer(uow, number, ctx.user_id)
        lead_id = out.details.get("lead_id")
        limit = await sla.first_contact_limit(uow, int(str(lead_id)) if lead_id else None)
    return Card(f"✅ 抢单成功 · 线索 #L{lead_id}",
                body=f"{out.reason}\n{first_contact_text(limit)}，记得记跟进。")
