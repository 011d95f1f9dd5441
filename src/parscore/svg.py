"""A small, tested SVG bar-chart renderer for the HTML report (no JavaScript, no CDN).

Horizontal bars: one per row, a value and a maximum; the bar shows value/max and the
label and figure are printed beside it. Long labels wrap onto several lines (never cut):
the row grows to hold them. Output is deterministic text.
"""
from __future__ import annotations

import textwrap
from decimal import Decimal
from html import escape

LINE = 14   # px between wrapped label lines at font-size 12


def bar_chart(rows: list[tuple[str, Decimal, Decimal, str]], width: int = 700, bar_height: int = 22,
              label_width: int = 250, title: str = "", colour: str | None = None, value_width: int = 140,
              wrap: int | None = None) -> str:
    """rows: (label, value, maximum, shown text). Bars are value / maximum of the plot width.

    `wrap`: the most characters on one label line (default: what fits in `label_width`
    at the chart's font size). Without `colour`, a bar is green from 90% of its maximum,
    amber from 80%, red below (the PAR INDEX group bounds)."""
    gap = 8
    top = 28 if title else 6
    plot = width - label_width - value_width
    per_line = wrap or max(8, (label_width - 10) // 7)
    wrapped = [textwrap.wrap(label, per_line) or [""] for label, *_ in rows]
    heights = [max(bar_height, len(lines) * LINE + 6) for lines in wrapped]
    height = top + sum(h + gap for h in heights) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">']
    if title:
        parts.append(f'<title>{escape(title)}</title><text x="0" y="16" font-weight="bold">{escape(title)}</text>')
    y = top
    for (label, value, maximum, shown), lines, h in zip(rows, wrapped, heights):
        share = Decimal(0) if maximum <= 0 else max(Decimal(0), min(Decimal(1), value / maximum))
        w = (share * plot).quantize(Decimal("0.1"))
        fill = colour or ("#2e7d32" if share >= Decimal("0.9") else "#f9a825" if share >= Decimal("0.8") else "#c62828")
        by = y + (h - bar_height) // 2
        first = y + (h - len(lines) * LINE) // 2 + LINE - 3
        spans = "".join(f'<tspan x="{label_width - 6}" y="{first + k * LINE}">{escape(ln)}</tspan>' for k, ln in enumerate(lines))
        parts.append(f'<text text-anchor="end"><title>{escape(label)}</title>{spans}</text>')
        parts.append(f'<rect x="{label_width}" y="{by}" width="{plot}" height="{bar_height}" fill="#eeeeee"/>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{by}" width="{w}" height="{bar_height}" fill="{fill}"/>')
        parts.append(f'<text x="{label_width + plot + 6}" y="{by + bar_height - 6}">{escape(shown)}</text>')
        y += h + gap
    parts.append("</svg>")
    return "".join(parts)
