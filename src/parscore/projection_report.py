"""A projection as a table, Markdown, JSON or a small self-contained HTML page with a chart."""
from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from tabulate import tabulate

from .jsontext import dumps
from .explanation import fmt_number
from .i18n import text
from .projection import Projection
from .svg import bar_chart


def _t(key: str, lang: str) -> str:
    return str(text("projection", lang)[key])


def _pct(d: Decimal | None, lang: str) -> str:
    return "—" if d is None else fmt_number(d, lang, 2) + "%"


def _prob(d: Decimal | None, lang: str) -> str:
    return "—" if d is None else fmt_number(d * 100, lang, 1) + "%"


def projection_json(p: Projection) -> str:
    """Deterministic JSON (numbers as JSON numbers, probabilities 0–1)."""
    return dumps(p.to_dict())


def summary_lines(p: Projection, lang: str) -> list[str]:
    i = p.index
    out = [_t("title", lang),
           _t("who", lang).format(agency=p.agency["name"], year=p.year if p.year is not None else "—", n=p.samples, seed=p.seed),
           f"{_t('index', lang)}: {_pct(i['p5'], lang)} / {_pct(i['p50'], lang)} / {_pct(i['p95'], lang)}"]
    out += [f"{_t('group', lang).format(g=g)}: {_prob(v, lang)}" for g, v in p.groups.items()]
    if p.target is not None:
        out.append(f"{_t('target', lang).format(t=fmt_number(p.target, lang))}: {_prob(p.target_probability, lang)}")
    if p.rank is not None:
        r = p.rank
        out.append(f"{_t('rank', lang).format(top=r['top'], of=r['of'])}: {_prob(r['probability'], lang)}; "
                   f"{r['p5']} / {r['p50']} / {r['p95']}")
    return out


def _notes(p: Projection, lang: str) -> list[str]:
    out = [_t("drawn", lang).format(baseline=p.baseline, n=len(p.drawn)), _t("kept", lang).format(n=len(p.kept))]
    if not p.drawn:
        out.append(_t("nothing", lang))
    if p.undrawn:
        out.append(_t("undrawn", lang).format(facts=", ".join(u["fact"] for u in p.undrawn)))
    out.append(_t("spread", lang).format(files=", ".join(p.spreads) or "—", shared=fmt_number(p.shared, lang)))
    return out


def _field_rows(p: Projection, lang: str) -> list[list[str]]:
    return [[f"{f['code']}. {f['name'] if lang == 'vi' else f['name_en']}", _pct(f["p5"], lang), _pct(f["p50"], lang),
             _pct(f["p95"], lang), _pct(f["target"], lang), _prob(f["probability"], lang)] for f in p.fields]


def render_projection(p: Projection, lang: str, fmt: str) -> str:
    if fmt == "json":
        return projection_json(p)
    if fmt == "html":
        return render_projection_html(p, lang)
    tf = "github" if fmt == "markdown" else "simple"
    head = [_t("field", lang), "p5", "p50", "p95", _t("ftarget", lang), _t("fprob", lang)]
    text = "\n".join(summary_lines(p, lang)) + "\n\n"
    text += tabulate(_field_rows(p, lang), headers=head, tablefmt=tf, disable_numparse=True) + "\n\n"
    return text + "\n".join(_notes(p, lang)) + "\n"


def histogram_svg(p: Projection, lang: str) -> str:
    most = max((c for _, c in p.histogram), default=1)
    rows = [(f"{k}–{k + 1}%", Decimal(c), Decimal(most), _prob(Decimal(c) / Decimal(p.samples), lang))
            for k, c in p.histogram]
    return bar_chart(rows, width=640, label_width=110, value_width=80, title=_t("chart", lang), colour="#1565c0")


def render_projection_html(p: Projection, lang: str) -> str:
    e = escape
    head = [_t("field", lang), "p5", "p50", "p95", _t("ftarget", lang), _t("fprob", lang)]
    rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in _field_rows(p, lang))
    lines = summary_lines(p, lang)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(lines[0])}</title>'
            '<style>body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:10.5pt;max-width:190mm;margin:0 auto}'
            'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3pt 5pt}svg{max-width:100%;height:auto}'
            '.muted{color:#666;font-size:9pt}</style></head><body>'
            f"<h1>{e(lines[0])}</h1>" + "".join(f"<p>{e(x)}</p>" for x in lines[1:]) +
            f'<div class="chart">{histogram_svg(p, lang)}</div>'
            "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + f"</tr>{rows}</table>"
            + "".join(f'<p class="muted">{e(x)}</p>' for x in _notes(p, lang)) + "</body></html>\n")
