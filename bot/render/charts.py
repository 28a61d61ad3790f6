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
