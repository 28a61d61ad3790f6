from __future__ import annotations

from bot.commands.registry import MANAGERS, command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from crm_core.services import routing


@command("转派", aliases=("reassign", "zp"), button="lead.reassign", group="线索",
         roles=MANAGERS, usage="/转派 <#L线索编号> <同事|团队>", text=("lead_id", "target"))
async def reassign_lead(ctx: Context, lead_id: int, target: str | None = None) -> Reply:
    """把线索转派给同事或团队（经理及以上）：/转派 #L编号 同事或团队"""
    async with ctx.uow() as uow:
        if not target:
            choices = await routing.reassign_choices(uow, ctx.user)
            buttons = tuple(Button(label, "lead.reassign",
                                   {"lead_id": str(lead_id), "target": value})
                            for label, value in choices[:8])
            return Card(f"转派线索 #L{lead_id}", body=f"转派给谁？也可以发 /转派 #L{lead_id} 姓名",
                        buttons=buttons)
        user_id, team_id = await routing.resolve_reassign_target(uow, target)
        out = await routing.reassign_lead(uow, lead_id, to_user_id=user_id, team_id=team_id,
                                          by=ctx.user)
    if out.offered_to:
        return Text(f"✅ 线索 #L{lead_id} 已推送给 {len(out.offered_to)} 位同事抢单：{out.reason}")
    return Text(f"✅ 线索 #L{lead_id} 已转派：{out.reason}")
