"""/交接: a rep's customers, leads, deals and tasks to substitutes (previewed, confirmed);
/交接 撤销 <同事>: give them back."""

from __future__ import annotations

import re

from bot.commands.registry import MANAGERS, command
from bot.context import Context
from bot.messages import Button, Card, Reply, Text
from crm_core.services import handover as service
from crm_core.services.users import users_by_id

USAGE = ("用法：/交接 王磊 给 张伟 李娜 [离职]\n"
         "撤销：/交接 撤销 王磊")
SPLIT = re.compile(r"[\s,，、]+")


@command("交接", aliases=("handover",), button="handover.run", roles=MANAGERS, group="管理",
         usage="/交接 <同事> 给 <接手人…> [离职] | /交接 撤销 <同事>", text=("text",))
async def hand_over(ctx: Context, text: str | None = None, op: str | None = None,
                   source: str | None = None, to: str | None = None,
                   reason: str | None = None) -> Reply:
    """休假或离职交接：客户、线索、待办交给接手人：/交接 王磊 给 张伟"""
    if op == "confirm" and source and to:
        async with ctx.uow() as uow:
            src, *found = await users_by_id(uow, [int(source), *map(int, to.split(","))])
            takers = [u for u in found if u is not None]
            if src is None or len(takers) != len(found):
                return Text("同事信息已变化，请重新发起交接。")
            h = await service.hand_over(uow, ctx.user, src, takers, reason=reason or "leave")
        return Text(f"✅ 已交接 {len(h.items)} 项，已给接手人发送客户简报。"
                    f"\n回来后发：/交接 撤销 {src.name}")
    words = [w for w in SPLIT.split((text or "").strip()) if w]
    if not words:
        return Text(USAGE)
    if words[0] in ("撤销", "撤回", "undo", "revert"):
        if len(words) < 2:
            return Text(USAGE)
        async with ctx.uow() as uow:
            src = await service.resolve_user(uow, words[1])
            _h, back, kept = await service.revert_handover(uow, ctx.user, src)
        tail = f"，{kept} 项已被再次转手，保持不变" if kept else ""
        return Text(f"✅ 已撤销{src.name}的交接：{back} 项交还{tail}。")
    why = "departure" if any(w in ("离职", "departure") for w in words) else "leave"
    words = [w for w in words if w not in ("离职", "休假", "departure", "leave")]
    if "给" in words:
        i = words.index("给")
        src_words, sub_words = words[:i], words[i + 1:]
    else:
        src_words, sub_words = words[:1], words[1:]
    if len(src_words) != 1 or not sub_words:
        return Text(USAGE)
    async with ctx.uow() as uow:
        src = await service.resolve_user(uow, src_words[0])
        subs = [await service.resolve_user(uow, w) for w in sub_words]
        plan = await service.plan_handover(uow, ctx.user, src, subs)
    if not plan.items:
        return Text(f"{src.name}名下没有需要交接的客户、线索或待办。")
    lines = [f"• {u.name}：客户{plan.count('customer', u.id)} 线索{plan.count('lead', u.id)} "
             f"商机{plan.count('deal', u.id)} 待办{plan.count('task', u.id)}" for u in subs]
    label = service.REASONS[why]
    return Card(f"交接预览：{src.name}（{label}）", body="\n".join(lines)
                + "\n确认后会给接手人发客户简报，可随时撤销。",
                buttons=(Button("确认交接", "handover.run",
                                {"op": "confirm", "source": str(src.id),
                                 "to": ",".join(str(u.id) for u in subs), "reason": why},
                                style="primary"),))
