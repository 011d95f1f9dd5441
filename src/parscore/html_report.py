"""The self-contained HTML report an official prints and signs: the national header and
issuing body, the title by stage, what data is missing first, then a one-page summary for
leaders (total, index, group, rank, the field chart, the top improvements) and, from page
2, the detail grouped by field. One file, inline CSS and SVG, no network, no JavaScript;
laid out for A4 with page numbers and repeated table headers in print (`pdf.py` prints it)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import escape
from typing import AbstractSet, Any

from .explanation import fmt_number
from .i18n import text
from .models import Scorecard
from .render.official import d, date_line, field_table, issuing_body, items_of, stage_note, subject
from .render.common import action_text, caveat, missing_lines, num, parts_rows, pct, supply_text, t
from .svg import bar_chart


def css(lang: str) -> str:
    page = d("page", lang)
    return f"""
@page {{ size: A4; margin: 15mm 12mm 16mm 15mm;
  @bottom-center {{ content: "{page} " counter(page) "/" counter(pages); font-family: "DejaVu Sans", Arial, sans-serif; font-size: 8.5pt; color: #444; }} }}
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #222; max-width: 186mm; margin: 0 auto; }}
table.head {{ width: 100%; border: 0; margin-bottom: 8pt; font-size: 10pt; }} table.head td {{ border: 0; text-align: center; vertical-align: top; padding: 0 2pt; }}
table.head .org {{ width: 40%; }} table.head .rule {{ width: 30%; height: 1.2px; margin: 2pt auto 1pt; background: #222; }}
table.head .motto {{ font-weight: bold; }} table.head .wide {{ width: 62%; }} table.head .date {{ font-style: italic; }}
h1 {{ font-size: 14pt; text-align: center; margin: 6pt 0 0; }} .subject {{ text-align: center; font-weight: bold; font-size: 11.5pt; margin: 2pt 0; }}
.stage {{ text-align: center; font-style: italic; color: #444; margin: 0 0 8pt; }}
h2 {{ font-size: 12pt; margin: 12pt 0 5pt; border-bottom: 1px solid #999; break-after: avoid; }}
h3 {{ font-size: 10.5pt; margin: 10pt 0 4pt; break-after: avoid; }}
.missing {{ border: 2px solid #c62828; background: #fdecea; padding: 5pt 7pt; margin: 6pt 0; }} .missing b {{ color: #b71c1c; }}
.complete {{ border: 1px solid #2e7d32; background: #edf7ed; padding: 4pt 7pt; margin: 6pt 0; }}
.kpis {{ display: flex; gap: 6pt; margin: 8pt 0; }} .kpi {{ flex: 1 1 auto; border: 1px solid #bbb; padding: 5pt 3pt; text-align: center; }}
.kpi b {{ display: block; font-size: 14pt; white-space: nowrap; }} .kpi small {{ display: block; color: #b71c1c; font-size: 8pt; }}
.caveat {{ background: #fff4e5; border-left: 4px solid #f57c00; padding: 5pt; font-size: 8.5pt; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9pt; }} th, td {{ border: 1px solid #bbb; padding: 2.5pt 4pt; vertical-align: top; }}
th {{ background: #eee; }} thead {{ display: table-header-group; }} td.n {{ text-align: right; white-space: nowrap; }}
tr {{ break-inside: avoid; }} svg {{ max-width: 100%; height: auto; }} .muted {{ color: #666; font-size: 8.5pt; }}
.summary {{ break-after: page; }} .chart {{ break-inside: avoid; }}
"""


def _h(key: str, lang: str) -> str:
    return str(text("html", lang)[key])


def header_html(card: Scorecard, on: dt.date | None = None) -> str:
    """The Decree 30 header: issuing body (left) beside the national header (right), then
    number and date, then the title."""
    lang, e = card.lang, escape
    body = issuing_body(card.agency.name, lang)
    org = "<br>".join(f"<b>{e(x)}</b>" for x in body)
    return (f"<table class='head'><tr><td class='org'>{org}<div class='rule'></div></td>"
            f"<td><b>{e(d('nation', lang))}</b><br><span class='motto'>{e(d('motto', lang))}</span><div class='rule wide'></div></td></tr>"
            f"<tr><td>{e(d('number', lang))}</td><td class='date'>{e(date_line(card.agency.name, lang, on))}</td></tr></table>"
            f"<h1>{e(d('kind', lang))}</h1><p class='subject'>{e(subject(card))}</p><p class='stage'>{e(stage_note(card))}</p>")


def render_html(card: Scorecard, plan: Any = None, m: Any = None, on: dt.date | None = None) -> str:
    lang = card.lang
    e = escape
    miss = card.summary.missing
    out = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(d("kind", lang))}: {e(subject(card))}</title>',
           f"<style>{css(lang)}</style></head><body><section class='summary'>", header_html(card, on)]
    # 1. what is missing comes first
    head, lines = missing_lines(card)
    if lines:
        per_field = []
        for f in card.fields:
            gone = [it for it in items_of(card, f) if it.status == "missing_facts"]
            if gone:
                per_field.append(_h("missing_field", lang).format(code=f.code, name=f.name, n=len(gone),
                                                                  points=num(sum((it.max for it in gone), Decimal(0)), lang)))
        out.append(f"<div class='missing'><b>{e(head)}</b><br>{e('; '.join(per_field))}. {e(_h('see_detail', lang))}</div>")
    elif head:
        out.append(f"<div class='complete'>{e(head)}</div>")
    # 2. the leaders' page
    unscored = f"<small>{e(t('unscored', lang).format(points=num(miss.points, lang)))}</small>" if miss and miss.items else ""
    kpis = [(t("total", lang), f"{num(card.total, lang)} / {num(card.applicable_max, lang)}", unscored),
            (t("index", lang), pct(card.index, lang), ""), (t("group", lang), card.group, "")]
    if card.rank is not None:
        kpis.append((t("rank", lang), f"{card.rank.rank}/{card.rank.of}", ""))
    kpis += [(k, v, "") for k, v in parts_rows(card, lang)]   # appraisal /68, survey /32 (and any projection)
    out.append("<div class='kpis'>" + "".join(f"<div class='kpi'>{e(k)}<b>{e(v)}</b>{x}</div>" for k, v, x in kpis) + "</div>")
    starred = {f.code for f in card.fields if any(it.status == "missing_facts" for it in items_of(card, f))}
    chart = bar_chart([(f"{f.code}. {f.name}", f.points, f.applicable_max,
                        f"{num(f.points, lang)}/{num(f.applicable_max, lang)} · {pct(f.index, lang)}" + (" (*)" if f.code in starred else ""))
                       for f in card.fields], title=_h("chart", lang), label_width=300, value_width=150, width=700)
    out.append(f"<div class='chart'>{chart}</div>" + (f"<p class='muted'>{e(_h('star', lang))}</p>" if starred else ""))
    rows = _improvement_rows(plan, m, lang)
    ranked = rows[len(plan.missing):] if rows else []
    if ranked:
        out.append(f"<h2>{e(_h('top', lang))}</h2>" + _table([t("unit", lang), t("code", lang), t("gain", lang), t("action", lang)],
                                                              ranked[:4 if lines else 5], numeric={2}, widths=[14, 6, 9, 71]))
    out.append(f"<p class='caveat'>{e(_h('short_caveat', lang).format(share=fmt_number(card.summary.reconstructed_share, lang, 2)))}</p></section>")
    # 3. the detail
    out.append(f"<section class='detail'><h1>{e(_h('detail', lang))}</h1>")
    if miss and miss.facts:
        out.append(f"<h2>{e(_h('missing', lang))}</h2>" + _table(
            [t("fact", lang), _h("used_by", lang), _h("where", lang)],
            [[f"{f.description} [{f.fact}]", ", ".join(f.items), f.location or ""] for f in miss.facts]))
    table = field_table(card)
    out.append(f"<h2>{e(_h('by_field', lang))}</h2>" + _table(table.head, table.rows, numeric=set(range(2, len(table.head))),
                                                             widths=table.widths))
    if table.note:
        out.append(f"<p class='muted'>{e(table.note)}</p>")
    if card.by_unit:
        top = max((x.lost for x in card.by_unit), default=Decimal(1)) or Decimal(1)
        units = bar_chart([(u.unit, u.lost, top, f"−{num(u.lost, lang)} / {num(u.max, lang)}") for u in card.by_unit],
                          colour="#c62828", label_width=300, value_width=150)
        out.append(f"<h2>{e(_h('units', lang))}</h2><div class='chart'>{units}</div>")
    if rows:
        out.append(f"<h2>{e(_h('all_top', lang))}</h2>" + _table([t("unit", lang), t("code", lang), t("gain", lang), t("action", lang)],
                                                                 rows[:len(plan.missing) + 10], numeric={2}, widths=[14, 6, 9, 71]))
    out.append(f"<h2>{e(_h('deductions', lang))}</h2>")
    for f in card.fields:
        its = items_of(card, f)
        lost = [it for it in its if it.deductions]
        out.append(f"<h3>{e(_h('field_line', lang).format(code=f.code, name=f.name, points=num(f.points, lang), max=num(f.applicable_max, lang), index=pct(f.index, lang)))}</h3>")
        if not lost:
            out.append(f"<p class='muted'>{e(_h('all_full', lang).format(n=len(its)))}</p>")
            continue
        out.append(_table([t("code", lang), t("name", lang), t("points", lang), t("lost", lang), t("status", lang), t("reason", lang), t("provenance", lang)],
                          [[it.code, it.name, f"{num(it.points, lang)}/{num(it.max, lang)}", num(sum((x.points for x in it.deductions), Decimal(0)), lang),
                            t(it.status, lang), " ".join(x.reason for x in it.deductions), t(it.provenance, lang)] for it in lost], numeric={2, 3},
                          widths=[6, 25, 10, 7, 11, 33, 8]))
        if len(lost) < len(its):
            out.append(f"<p class='muted'>{e(_h('rest_full', lang).format(n=len(its) - len(lost)))}</p>")
    out.append(f"<p class='caveat'>{e(caveat(card, lang))}</p>")
    out.append(f"<h2>{e(t('counting', lang))}</h2><ul>" + "".join(f"<li>{e(v)}</li>" for v in card.counting.values()) + "</ul>")
    out.append(f"<p class='muted'>{e(_h('generated', lang).format(m=card.methodology['id'], v=card.methodology['version'], d=card.methodology.get('digest', '')))}</p>")
    out.append("</section></body></html>\n")
    return "".join(out)


def _improvement_rows(plan: Any, m: Any, lang: str) -> list[list[str]]:
    """Supplying missing data first (points at stake), then the ranked improvements."""
    if plan is None or m is None:
        return []
    miss = plan.before.summary.missing
    where = {f.fact: f.location for f in miss.facts} if miss is not None else {}
    rows = [["", code, t("up_to", lang).format(points=num(x, lang)),
             supply_text(m, {"facts": names, "locations": {n: where[n] for n in names if where.get(n)}}, lang)]
            for code, names, x in plan.missing]
    rows += [[i.lead_unit or "", i.item, "+" + fmt_number(i.gain, lang), action_text(m, i.fact, i.before, i.after, lang)]
             for i in plan.improvements]
    return rows


def _table(head: list[str], rows: list[list[str]], numeric: AbstractSet[int] = frozenset(),
           widths: list[int] | None = None) -> str:
    e = escape
    cols = "<colgroup>" + "".join(f"<col style='width:{w}%'>" for w in widths) + "</colgroup>" if widths else ""
    th = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td class='n'>{e(str(c))}</td>" if i in numeric else f"<td>{e(str(c))}</td>" for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f"<table>{cols}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
