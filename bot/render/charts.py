"""Charts for the manager views: the pipeline funnel (matplotlib Agg, PNG, Chinese font).

The CJK font lookup is shared with the digests (`bot.render.digests.cjk_font`: a font from a
PyPI wheel first, then any installed CJK family). The chart only draws aggregates, so its cost
does not grow with the number of deals (see benchmarks/pipeline_chart.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from bot.render.digests import font_rc
from bot.render.format import clip, money


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    deals: int
    amount: float
    kind: str = "open"             # open | won | lost


COLORS = {"open": "#4C78A8", "won": "#54A24B", "lost": "#B0B0B0"}


def pipeline_chart(bars: Sequence[Bar], *, title: str = "销售漏斗") -> bytes:
    """Horizontal funnel: deals per stage, amount as the label. PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context(font_rc()):
        fig = Figure(figsize=(6, 3.6), dpi=100)
        ax = fig.subplots()
        rows = list(bars)[::-1]
        labels = [clip(b.label, 8) for b in rows]
        counts = [b.deals for b in rows]
        ax.barh(labels, counts, color=[COLORS.get(b.kind, COLORS["open"]) for b in rows])
        top = max(counts, default=0) or 1
        for i, b in enumerate(rows):
            ax.text(b.deals + top * 0.01, i, f"{b.deals} 单 · {money(b.amount)}",
                    va="center", fontsize=9)
        ax.set_xlim(0, top * 1.35)
        ax.set_xlabel("商机数")
        ax.set_title(title)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.subplots_adjust(left=0.16, right=0.97, top=0.9, bottom=0.14)  # tight_layout: +140 ms
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()


def kpi_chart(labels: Sequence[str], now: Sequence[float | None],
              before: Sequence[float | None], thresholds: Sequence[float], *,
              title: str = "看板") -> bytes:
    """The KPIs this period (solid) and the last (pale), in %, with each threshold as a tick;
    a bar under its threshold is red. PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context(font_rc()):
        fig = Figure(figsize=(6, 3.0), dpi=100)
        ax = fig.subplots()
        ys = list(range(len(labels)))[::-1]
        for y, v, b, t in zip(ys, now, before, thresholds, strict=True):
            if b is not None:
                ax.barh(y + 0.2, b * 100, height=0.35, color="#C9D6E8")
            if v is not None:
                ax.barh(y - 0.15, v * 100, height=0.4,
                        color="#D62728" if v < t else "#54A24B")
                ax.text(v * 100 + 1, y - 0.15, f"{v * 100:.0f}%", va="center", fontsize=9)
            ax.plot([t * 100, t * 100], [y - 0.45, y + 0.45], color="#333333", lw=1.2)
        ax.set_yticks(ys, [clip(x, 8) for x in labels])
        ax.set_xlim(0, 112)
        ax.set_xlabel("%（浅色：上期；竖线：达标线）")
        ax.set_title(title)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.subplots_adjust(left=0.22, right=0.97, top=0.88, bottom=0.18)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()
