"""Digests and the daily report as cards, with matplotlib charts (PNG, Chinese font).

The Chinese font comes from a PyPI wheel (`paperang-p2-fonts-cjk`: WenQuanYi Micro Hei), so
a fresh machine renders 中文 without system fonts; failing that, any installed CJK family;
failing that, the chart is drawn with the default font (boxes for Chinese) and a warning.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from bot.messages import Button, Card, Image, Reply
from bot.render import notification
from bot.render.format import clip, money

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

log = logging.getLogger(__name__)
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
RULE_SHORT = {"first_contact": "首联", "claim": "认领", "next_action": "待办",
              "stage_stuck": "停滞", "dormant": "沉睡"}


@lru_cache(maxsize=1)
def font_rc() -> dict[RcKeyType, Any]:
    """Matplotlib settings for Chinese labels: the bundled CJK font, then DejaVu Sans."""
    family = cjk_font()
    return {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
            "axes.unicode_minus": False}


def cjk_font() -> str | None:
    """Register and return a CJK font family for matplotlib (None: none found)."""
    from matplotlib import font_manager

    try:
        pkg = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        with resources.as_file(pkg) as path:
            if path.exists():
                font_manager.fontManager.addfont(str(path))
                return str(font_manager.FontProperties(fname=str(path)).get_name())
    except (ModuleNotFoundError, FileNotFoundError, RuntimeError) as e:
        log.debug("bundled CJK font unavailable: %s", e)
    names = {f.name for f in font_manager.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in names:
            return fam
    log.warning("no CJK font found: chart labels in Chinese will not render")
    return None


def _pct(v: Any) -> str:
    return "—" if v is None else f"{float(v) * 100:.0f}%"


def manager_chart(p: Mapping[str, Any]) -> bytes:
    """Two panels: load and SLA breaches per rep; leads and 7-day conversion per channel."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context(font_rc()):
        reps: Sequence[Mapping[str, Any]] = sorted(p.get("reps") or [],
                                                   key=lambda r: -float(r.get("load") or 0))[:20]
        chans: Sequence[Mapping[str, Any]] = list(p.get("channels") or [])[:8]
        fig = Figure(figsize=(9, 4.2), dpi=100)
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        names = [str(r.get("name")) for r in reps]
        loads = [float(r.get("load") or 0) * 100 for r in reps]
        ax1.barh(names[::-1], loads[::-1], color="#4C78A8")
        for i, r in enumerate(reps[::-1]):
            b = int(r.get("breaches") or 0)
            if b:
                ax1.text(loads[::-1][i] + 1, i, f"超时{b}", va="center", color="#D62728",
                         fontsize=8)
        ax1.axvline(100, color="#999", lw=0.8, ls="--")
        ax1.set_xlabel("负载（在手线索 / 容量，%）")
        ax1.set_title(f"各销售负载 · 均衡指数 {float(p.get('balance_index') or 0):.2f}")
        cn = [clip(str(c.get("channel")), 8) for c in chans]
        ax2.bar(cn, [int(c.get("leads") or 0) for c in chans], color="#72B7B2")
        ax2.set_title("渠道线索数与 7 日转化")
        ax2.tick_params(axis="x", rotation=30, labelsize=8)
        for i, c in enumerate(chans):
            if c.get("conversion") is not None:
                ax2.text(i, int(c.get("leads") or 0), _pct(c["conversion"]), ha="center",
                         va="bottom", fontsize=8)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()


@notification("digest.manager")
def manager_digest(p: Mapping[str, Any]) -> list[Reply]:
    weekly = p.get("period") == "weekly"
    reps = list(p.get("reps") or [])
    worst = sorted((r for r in reps if r.get("breaches")), key=lambda r: -int(r["breaches"]))[:3]
    worst_text = "、".join(f"{r['name']}{r['breaches']}" for r in worst)
    fields = [
        ("72小时激活率", _pct(p.get("activation_rate"))),
        ("超时预警", f"{p.get('breaches', 0)} 次" + (f"（{worst_text}）" if worst else "")),
        ("阶段合规率", _pct(p.get("compliance_rate"))),
        ("客户资料完整度", _pct(p.get("completeness"))),
        ("负载均衡指数", f"{float(p.get('balance_index') or 0):.2f}（1.0 为完全均衡）"),
    ]
    lines = []
    for c in list(p.get("channels") or [])[:5]:
        cpl = money(c.get("cost_per_lead")) if c.get("cost_per_lead") is not None else "—"
        med = money(c.get("median_deal")) if c.get("median_deal") is not None else "—"
        lines.append(f"{c.get('channel')}：{c.get('leads', 0)} 条，单条成本 {cpl}，"
                     f"7日转化 {_pct(c.get('conversion'))}，成交中位数 {med}")
    title = f"📊 团队{'周报' if weekly else '日报'}（{len(reps)} 名销售）"
    card = Card(title, fields=tuple(fields),
                body=("渠道投入产出：\n" + "\n".join(lines)) if lines else "")
    try:
        png = manager_chart(p)
    except Exception:  # a chart is a bonus: the card still goes out
        log.exception("manager chart failed")
        return [card]
    return [card, Image(png, caption="团队负载与渠道转化")]


@notification("digest.rep")
def rep_digest(p: Mapping[str, Any]) -> Reply:
    today = list(p.get("tasks_today") or [])
    breached = list(p.get("sla_breached") or [])
    near = list(p.get("sla_near") or [])
    closing = list(p.get("closing_this_week") or [])
    fields = [("今日待跟进", f"{len(today)} 项"), ("逾期待办", f"{p.get('tasks_overdue', 0)} 项"),
              ("已超时 / 临近超时", f"{len(breached)} / {len(near)}"),
              ("本周预计成交", f"{len(closing)} 单，"
               f"{money(sum(float(d.get('amount') or 0) for d in closing))}")]
    lines = [f"• {clip(str(t.get('title')), 30)}" for t in today[:5]]
    for c in breached[:3]:
        what = f"线索 #L{c['lead_id']}" if c.get("lead_id") else str(c.get("title") or "")
        lines.append(f"⚠️ {what} {RULE_SHORT.get(str(c.get('rule')), '')}已超时")
    for d in closing[:3]:
        lines.append(f"💰 {clip(str(d.get('name')), 20)} {money(d.get('amount'))}")
    return Card(f"☀️ 早上好，{p.get('name')}", fields=tuple(fields), body="\n".join(lines),
                buttons=(Button("我的待办", "todo.list", {}, style="primary"),))


@notification("daily_report.prompt")
def daily_report_prompt(p: Mapping[str, Any]) -> Reply:
    day = str(p.get("day"))
    draft = str(p.get("draft") or "").strip() or "（今天还没有记录跟进）"
    waiting = int(p.get("open_drafts") or 0)
    buttons = [Button("按草稿提交", "daily_report.submit", {"day": day}, style="primary")]
    buttons += [Button(str(o), "daily_report.obstacle", {"day": day, "obstacle": str(o)})
                for o in list(p.get("obstacles") or [])[:3]]
    buttons.append(Button("写日报", "daily_report.open"))     # all obstacles, paged there
    note = ""
    if waiting:
        buttons.append(Button(f"草稿 {waiting} 条", "draft.list"))
        note = f"\n⚠️ 还有 {waiting} 条跟进草稿没保存，保存后才会记入日报。"
    return Card("📝 今日日报", body=f"草稿（根据今天的跟进生成）：\n{draft}\n{note}\n"
                "点「按草稿提交」，或选择推进障碍；也可以回复「/日报 今天的进展…」改写。",
                buttons=tuple(buttons), card_id=f"daily_report:{day}")


@notification("daily_report.summary")
def daily_report_summary(p: Mapping[str, Any]) -> Reply:
    answered = list(p.get("answered") or [])
    missing = list(p.get("missing") or [])
    lines = []
    for a in answered:
        obs = f"｜障碍：{'、'.join(a.get('obstacles') or [])}" if a.get("obstacles") else ""
        lines.append(f"【{a.get('name')}】{clip(str(a.get('progress') or ''), 80)}{obs}")
    fields = [("已提交", f"{len(answered)} 人"), ("未提交", "、".join(missing) or "无")]
    waiting = dict(p.get("open_drafts") or {})
    if waiting:
        fields.append(("未保存草稿", "、".join(f"{k} {v} 条" for k, v in waiting.items())))
    return Card(f"📋 {p.get('day')} 团队日报", fields=tuple(fields), body="\n".join(lines))
