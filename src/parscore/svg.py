"""A small, tested SVG bar-chart renderer for the HTML report (no JavaScript, no CDN).

Horizontal bars: one per row, a value and a maximum; the bar shows value/max and the
label and figure are printed beside it. Output is deterministic text.
"""
from __future__ import annotations

from decimal import Decimal
from html import escape


def bar_chart(rows: list[tuple[str, Decimal, Decimal, str]], width: int = 700, bar_height: int = 22,
              label_width: int = 250, title: str = "", colour: str | None = None, value_width: int = 140) -> str:
    """rows: (label, value, maximum, shown text). Bars are value / maximum of the plot width.

    Without `colour`, a bar is green from 90% of its maximum, amber from 80%, red below
    (the PAR INDEX group bounds)."""
    gap = 8
    top = 28 if title else 6
    plot = width - label_width - value_width
    height = top + len(rows) * (bar_height + gap) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">']
    if title:
        parts.append(f'<title>{escape(title)}</title><text x="0" y="16" font-weight="bold">{escape(title)}</text>')
    for i, (label, value, maximum, shown) in enumerate(rows):
        y = top + i * (bar_height + gap)
        share = Decimal(0) if maximum <= 0 else max(Decimal(0), min(Decimal(1), value / maximum))
        w = (share * plot).quantize(Decimal("0.1"))
        fill = colour or ("#2e7d32" if share >= Decimal("0.9") else "#f9a825" if share >= Decimal("0.8") else "#c62828")
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height - 6}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" fill="#eeeeee"/>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{y}" width="{w}" height="{bar_height}" fill="{fill}"/>')
        parts.append(f'<text x="{label_width + plot + 6}" y="{y + bar_height - 6}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)
