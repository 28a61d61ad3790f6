"""/公海: the public pool, with the true total and [下一页]; /公海 认领 #L12 takes one."""

from __future__ import annotations

from bot import refs
from bot.commands.registry import command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from bot.render.format import clip, first_contact_text
from bot.render.paging import NEXT_PAGE, window
from bot.render.routing import GRADE_ICON
from crm_core.services import pool as pool_service
from crm_core.services import sla

CLAIM_WORDS = ("认领", "领取", "claim", "领")
PAGE = 10


@command("公海", aliases=("pool", "gh"), button=("pool.claim", "pool.list"), group="线索",
         usage="/公海 [认领 #L编号 | 关键词]", text=("args",))
async def list_pool(ctx: Context, args: str | None = None, lead_id: str | None = None,
                    page: str | None = None) -> Reply:
    """公海线索：/公海 看列表，/公海 认领 #L编号 领一条"""
    arg = (args or "").strip()
    target = refs.maybe(lead_id, "lead") if lead_id else None
    for w in CLAIM_WORDS:
        if arg.lower().startswith(w):
            target = refs.number_of(arg[len(w):], "lead")
            break
    if target is None:
        target = refs.maybe(arg, "lead")
    async with ctx.uow() as uow:
        if target is not None:
            lead = await pool_service.claim_from_pool(uow, target, ctx.user_id)
            left = await pool_service.pool_status_of(uow, ctx.user_id)
            limit = await sla.first_contact_limit(uow, lead.id)
            return Card(f"✅ 已从公海认领 #L{lead.id} · {clip(lead.company or '未知单位', 16)}",
                        fields=(("联系人", " ".join(x for x in (lead.name, lead.title) if x)
                                 or "—"), ("电话", lead.phone or lead.email or "—"),
                                ("产品", lead.product_text or "—")),
                        body=f"今天还可认领 {left['claims_left']} 条。"
                             f"{first_contact_text(limit)}。")
        total = await pool_service.count_pool(uow, text=arg or None)
        win = window(page, total, PAGE)
        leads = await pool_service.list_pool(uow, text=arg or None, limit=PAGE,
                                             offset=win.offset)
        left = await pool_service.pool_status_of(uow, ctx.user_id)
    if not total:
        return Text("公海里暂时没有线索。" if not arg else f"公海里没有和「{arg}」相关的线索。")
    lines = [f"{GRADE_ICON.get(x.grade or '', '⚪')} #L{x.id} {clip(x.company or '未知单位', 14)}"
             f" · {x.product_line or clip(x.product_text, 8) or '—'}"
             f" · {''.join(p for p in (x.city or x.province,) if p) or '—'}" for x in leads]
    buttons = [Button(f"认领 #L{x.id}", "pool.claim", {"lead_id": str(x.id)})
               for x in leads[:3]]
    if win.has_next:
        buttons.append(Button(NEXT_PAGE, "pool.list",
                              {"args": arg, "page": str(win.offset // PAGE + 2)}))
    return Card(win.heading("公海"), body="\n".join(lines)
                + f"\n今天还可认领 {left['claims_left']}/{left['daily_limit']} 条；"
                  "发 /公海 认领 #L编号", buttons=tuple(buttons))
