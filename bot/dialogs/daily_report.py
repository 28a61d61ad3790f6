"""The daily report as a dialog: today's follow-ups as the draft text, preset obstacles to
add (the one list shared with follow-ups, every preset reachable through [更多], plus
「无明显障碍」), 提交. The obstacle is asked for when the tenant requires one (default).
Typing replaces the text; typing an obstacle's name adds it. On submit the manager gets the
team's obstacle statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.context import Context
from bot.dialogs import engine
from bot.dialogs.declare import Answer, Choice, Dialog, Saved, Slot, Turn
from bot.messages import Card, Reply
from crm_core.services import digests
from crm_core.services import drafts as draft_store
from crm_core.uow import UnitOfWork

NAME = "daily_report"
NO_FOLLOWUPS = "（今天还没有记录跟进）"


@dataclass
class Report:
    day: date | None = None
    progress: str = ""
    obstacles: list[str] = field(default_factory=list)
    presets: list[str] = field(default_factory=list)
    open_drafts: int = 0
    required: bool = True


async def start(ctx: Context, progress: str | None = None) -> list[Reply]:
    day = ctx.now.astimezone(ctx.bot.clock.tz).date()
    async with ctx.uow() as uow:
        auto = progress or await digests.draft_for(uow, ctx.user_id, day)
        presets = [*(await digests.obstacle_presets(uow)), digests.NO_OBSTACLE]
        waiting = (await draft_store.count_open_drafts(uow, [ctx.user_id])).get(ctx.user_id, 0)
        required = await digests.obstacle_required(uow)
    return await engine.start(ctx, DAILY_REPORT,
                              Report(day, auto, [], list(dict.fromkeys(presets)), waiting,
                                     required))


def done_card(progress: str, obstacles: list[str]) -> Card:
    fields = (("障碍", "、".join(obstacles)),) if obstacles else ()
    return Card("✅ 日报已提交", fields=fields, body=progress[:500])


async def _obstacle_choices(t: Turn, d: Report) -> Sequence[Choice]:
    return [Choice(("✓ " if o in d.obstacles else "") + o, o) for o in d.presets]


async def _pick_obstacle(t: Turn, d: Report, value: str) -> Answer:
    if value not in d.presets:
        return "请从按钮里选一个推进障碍。"
    if value in d.obstacles:
        d.obstacles.remove(value)
    elif value == digests.NO_OBSTACLE:      # "none" and an obstacle never stand together
        d.obstacles = [value]
    else:
        d.obstacles = [o for o in d.obstacles if o != digests.NO_OBSTACLE] + [value]
    return None


async def _read_progress(t: Turn, d: Report, text: str) -> Answer:
    if len(text.strip()) < 2:
        return "再多写一点今天的进展吧。"
    d.progress = text.strip()[:2000]
    return None


async def _understand(t: Turn, d: Report, text: str) -> Answer:
    word = text.strip()
    if word in d.presets:
        return await _pick_obstacle(t, d, word)
    return await _read_progress(t, d, text)


async def _card(t: Turn, d: Report) -> Card:
    fields = (("障碍", "、".join(d.obstacles)),) if d.obstacles else ()
    lines = [d.progress or NO_FOLLOWUPS, ""]
    if d.open_drafts:
        lines.append(f"还有 {d.open_drafts} 条跟进草稿没保存，发 /草稿 查看。")
    lines.append("直接回复可改写；点「修改」→「推进障碍」可加障碍。")
    return Card(f"📝 {d.day.month}月{d.day.day}日日报" if d.day else "📝 今日日报",
                fields=fields, body="\n".join(lines))


async def _save(t: Turn, uow: UnitOfWork, d: Report) -> Saved:
    day = d.day or t.ctx.now.astimezone(t.ctx.bot.clock.tz).date()
    row = await digests.submit_daily_report(uow, t.ctx.user, day,
                                            progress=d.progress or NO_FOLLOWUPS)
    for o in d.obstacles:
        row = await digests.submit_daily_report(uow, t.ctx.user, day, obstacle=o)
    await digests.tell_manager_obstacles(uow, t.ctx.user, day)
    return Saved([done_card(row.progress or "", list(row.obstacles or []))])


DAILY_REPORT = engine.register(Dialog(
    name=NAME, title="日报", draft=Report,
    slots=(Slot("progress", "内容", "今天的进展是什么？", read=_read_progress),
           Slot("obstacles", "推进障碍",
                "选推进障碍（可多选，再点一次取消；没有就选「无明显障碍」）",
                choices=_obstacle_choices, pick=_pick_obstacle,
                missing=lambda t, d: d.required and not d.obstacles)),
    confirm=_card, save=_save, understand=_understand, confirm_label="提交",
    cancelled="已取消，日报没有提交。", summary=lambda d: "今日日报",
))
