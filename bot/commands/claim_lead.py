from __future__ import annotations

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Reply
from bot.render.cards import lead_card
from bot.render.format import first_contact_text
from crm_core.services import leads as lead_service
from crm_core.services import sla


@command("认领", aliases=("claim", "领取"), button="lead.claim", group="线索")
async def claim_lead(ctx: Context, lead_id: int) -> Reply:
    """认领一条线索：/认领 #L编号"""
    async with ctx.uow() as uow:
        lead = await lead_service.claim_lead(uow, ctx.user, lead_id)
        limit = await sla.first_contact_limit(uow, lead.id)
    card = lead_card(lead, owner=ctx.user.name, masked=ctx.in_group)
    return type(card)(f"✅ 已认领 #L{lead.id}", fields=card.fields,
                      body=f"{first_contact_text(limit)}，记得记跟进。", buttons=())
