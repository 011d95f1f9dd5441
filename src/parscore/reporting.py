"""Renderers: a Scorecard (or a methodology's catalogue) → table, Markdown or JSON.

JSON is the stable contract (see README); it is produced from the pydantic models
with a fixed key order, so the same inputs give byte-identical output.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tabulate import tabulate as _tabulate

from .models import PROVENANCES
from .explanation import change_text, fmt_number, fmt_value, thresholds
from .i18n import label, labels, text
from .loading import Methodology
from .models import ItemResult, Scorecard


_MD = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "\n": " ", "\r": " "})


def md_escape(text: str) -> str:
    """User text inside Markdown: `|` cannot end a table cell, and `<`, `>`, `&` cannot start HTML."""
    return text.translate(_MD)


def _md(text: str, md: bool) -> str:
    return md_escape(text) if md else text


def tabulate(rows: Any, headers: Any = (), tablefmt: str = "simple", **kw: Any) -> str:
    """tabulate, with every text cell of a Markdown (github) table escaped by `md_escape`."""
    if tablefmt == "github":
        rows = [[md_escape(c) if isinstance(c, str) else c for c in r] for r in rows]
        if not isinstance(headers, str):
            headers = [md_escape(h) if isinstance(h, str) else h for h in headers]
    return _tabulate(rows, headers=headers, tablefmt=tablefmt, **kw)


def t(key: str, lang: str) -> str:
    """A heading or sentence of the reports in `lang`: `text.report` of messages/<lang>.yaml;
    statuses and provenance names are the catalogue's labels."""
    table = text("report", lang)
    if key in table:
        return str(table[key])
    for kind in ("provenance", "status"):
        found = labels(kind, lang)
        if key in found:
            return found[key]
    raise KeyError(key)


# Machine words (statuses, provenance, assessed-by, ...) are shown through the labels of the
# message catalogue (parscore.i18n.label), one place for every renderer; JSON keeps the words.
def st(status: str, lang: str) -> str:
    return label("status", status, lang)


def pv(provenance: str, lang: str) -> str:
    return label("provenance", provenance, lang)


def ab(assessed_by: str, lang: str) -> str:
    return label("assessed_by", assessed_by, lang)


def reaches_text(reaches: str, lang: str) -> str:
    """The planner's "full" / "tier-2" as a person reads it: "đạt tối đa" / "mức 2"."""
    if reaches.startswith("tier-") and reaches[5:].isdigit():
        return label("threshold", "tier", lang).format(n=reaches[5:])
    return st(reaches, lang)


def threshold_lines(rule: Any, reached: str | None, lang: str) -> list[str]:
    """The rule's thresholds, one line each; `reached` is the JSON's "tier_N" when known.

    English keeps the JSON's own keys (tier_1: at_least 30 → 1), which the contract documents;
    Vietnamese reads "mức 1: từ 30 trở lên → 1 điểm"."""
    from .models import BooleanScore, PerOccurrenceScore, ProportionalScore, TiersScore

    if lang == "en":
        return [f"{k}: {v}" for k, v in thresholds(rule, None).items()] + ([f"reached: {reached}"] if reached else [])
    s = rule.score
    n = lambda d: fmt_number(d, lang)  # noqa: E731
    lab = lambda k: label("threshold", k, lang)  # noqa: E731
    if isinstance(s, TiersScore):
        out = []
        for i, tier in enumerate(s.tiers):
            key = "at_least" if tier.at_least is not None else "at_most" if tier.at_most is not None else "otherwise"
            bound = lab(key).format(b=n(tier.bound)) if tier.bound is not None else lab("otherwise")
            mark = f" ← {lab('reached')}" if reached == f"tier_{i + 1}" else ""
            out.append(f"{lab('tier').format(n=i + 1)}: {bound} → {lab('points').format(p=n(tier.award))}{mark}")
        return out
    if isinstance(s, BooleanScore):
        return [f"{lab('expect')}: {fmt_value('true' if s.expect else 'false', lang)}"]
    if isinstance(s, ProportionalScore):
        return [f"{lab('zero_at')}: {n(s.zero_at)}", f"{lab('full_at')}: {n(s.full_at)}"]
    if isinstance(s, PerOccurrenceScore):
        return [f"{lab('each')}: {n(s.each)}", f"{lab('floor')}: {n(s.floor)}"]
    return [f"{lab('scale')}: {lab('scale_value')}"]


def _date(d: Any, lang: str) -> str:
    return d.strftime("%d/%m/%Y") if lang == "vi" else d.isoformat()


def to_json(obj: Any) -> str:
    """Deterministic JSON: fixed key order from the models, UTF-8 text, newline at the end."""
    data = obj.model_dump(mode="json") if hasattr(obj, "model_dump") else obj
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def num(d: Decimal | None, lang: str) -> str:
    return "—" if d is None else fmt_number(d, lang)


def pct(d: Decimal | None, lang: str) -> str:
    """An index as published: always 2 decimals, e.g. 89,33%."""
    return "—" if d is None else fmt_number(d, lang, 2) + "%"


def caveat(sc: Scorecard, lang: str) -> str:
    published = [f.code for f in sc.fields if f.provenance == "published"]
    cons = "".join(t("constraint", lang).format(fields=c["fields"], total=fmt_number(Decimal(c["total"]), lang))
                   for c in sc.summary.constraints if c["provenance"] in ("published", "official"))
    return t("caveat", lang).format(share=fmt_number(sc.summary.reconstructed_share, lang, 2),
                                   plan=sc.summary.rules_by_provenance.get("plan-126", 0),
                                   official=sum(1 for it in sc.items if it.provenance == "official" or it.rule_provenance == "official"),
                                   published_max=fmt_number(sc.summary.field_maxima_by_provenance.get("published", Decimal(0)), lang),
                                   published_fields=", ".join(published) or "—", constraints=cons)


def parts_rows(sc: Scorecard, lang: str) -> list[tuple[str, str]]:
    """Appraisal out of 68, survey out of 32 (projected points named), and the index
    without the projection: the honest headline when the survey third is projected."""
    if sc.appraisal_max is None or sc.survey_max is None:
        return []
    rows = [(t("part_appraisal", lang), f"{num(sc.appraisal_points, lang)} / {num(sc.appraisal_max, lang)}")]
    survey = f"{num(sc.survey_points, lang)} / {num(sc.survey_max, lang)}"
    if sc.projected_points is not None:
        survey += " " + t("part_projected", lang).format(points=num(sc.projected_points, lang))
    rows.append((t("part_survey", lang), survey))
    if sc.index_without_projection is not None:
        rows.append((t("index_without_projection", lang), pct(sc.index_without_projection, lang)))
        rows.append((t("projection_source", lang), sc.projection_source or "—"))
    return rows


def missing_lines(sc: Scorecard) -> tuple[str, list[str]]:
    """The headline's first words: how many items and points lack data, then one line per
    fact to supply, with the sheet and cell (or file line) where a person fills it in."""
    lang, miss = sc.lang, sc.summary.missing
    if miss is None:   # a card stored before parscore kept this: unknown, so nothing is claimed
        return "", []
    if miss.items == 0:
        return t("missing_none", lang), []
    head = t("missing_head", lang).format(items=miss.items, points=num(miss.points, lang), facts=len(miss.facts))
    lines = []
    for f in miss.facts:
        line = t("missing_fact", lang).format(description=f.description, fact=f.fact, items=", ".join(f.items))
        if f.location:
            line += f" → {t('missing_at', lang).format(loc=f.location)}"
        lines.append(line)
    return head, lines


def total_text(sc: Scorecard) -> str:
    """'67,42 / 100', with the unscored points beside it when data is missing."""
    lang, miss = sc.lang, sc.summary.missing
    text = f"{num(sc.total, lang)} / {num(sc.applicable_max, lang)}"
    if miss is not None and miss.items:
        text += f" ({t('unscored', lang).format(points=num(miss.points, lang))})"
    return text


SCORECARD_TEXT_FORMATS = ("table", "markdown", "json")


def render_scorecard(sc: Scorecard, fmt: str) -> str:
    """The card as text: `table`, `markdown` or `json` (documents: html_report.render_html,
    render.docx.render_docx, render.pdf.html_to_pdf, excel.write_scorecard)."""
    if fmt not in SCORECARD_TEXT_FORMATS:
        raise ValueError(f"render_scorecard writes {', '.join(SCORECARD_TEXT_FORMATS)}, not {fmt!r}; for html, pdf, "
                         "docx and xlsx use render_html, render_docx, html_to_pdf or write_scorecard")
    if fmt == "json":
        return to_json(sc)
    lang = sc.lang
    tf = "github" if fmt == "markdown" else "simple"
    md = fmt == "markdown"
    out: list[str] = []
    head = [
        (t("agency", lang), sc.agency.name),
        (t("year", lang), str(sc.year or "—")),
        (t("methodology", lang), f"{sc.methodology['id']} ({t('version', lang)} {sc.methodology['version']})"),
        (t("total", lang), total_text(sc)),
        (t("index", lang), pct(sc.index, lang)),
        (t("group", lang), sc.group),
    ]
    head += parts_rows(sc, lang)
    if sc.claimed_total is not None:
        n = sum(1 for it in sc.items if it.claimed is not None)   # a partial self-score is said to be one
        head.append((t("claimed_total", lang), num(sc.claimed_total, lang) + " " + t("claimed_of", lang).format(
            n=n, of=len(sc.items))))
    if sc.overlay:
        head.append((t("overlay", lang), sc.overlay))
    out.append(("# " if md else "") + t("title", lang))
    out.append("")
    miss_head, miss_facts = missing_lines(sc)
    if miss_head:
        out.append(("**" + miss_head + "**") if md and miss_facts else miss_head)
        out.extend(("- " if md else "  - ") + ln for ln in miss_facts)
        out.append("")
    out.append(tabulate(head, tablefmt=tf, headers=["", ""] if md else ()))
    out.append("")
    out.append(("> " if md else "") + caveat(sc, lang))
    out.append("")
    out.append(("## " if md else "") + t("fields", lang))
    rows = [[f.code, f.name, num(f.points, lang), num(f.max, lang), pct(f.index, lang)] for f in sc.fields]
    out.append(tabulate(rows, headers=[t("code", lang), t("name", lang), t("points", lang), t("max", lang), t("index", lang)], tablefmt=tf, disable_numparse=True))
    out.append("")
    out.append(("## " if md else "") + t("items", lang))
    rows = [_item_row(it, lang) for it in sc.items]
    out.append(tabulate(rows, headers=[t("code", lang), t("name", lang), t("points", lang), t("max", lang), t("status", lang),
                                       t("assessed_by", lang), t("provenance", lang), t("claimed", lang)],
                        tablefmt=tf, disable_numparse=True, maxcolwidths=[None, 48, None, None, None, None, None, None]))
    out.append("")
    out.append(("## " if md else "") + t("deductions", lang))
    rows = [[it.code, num(d.points, lang), d.reason] for it in sc.items for d in it.deductions]
    out.append(tabulate(rows, headers=[t("code", lang), t("lost", lang), t("reason", lang)], tablefmt=tf,
                        disable_numparse=True, maxcolwidths=[None, None, 90 if not md else None]) if rows else t("no_deductions", lang))
    out.append("")
    out.append(("## " if md else "") + t("counting", lang))
    out.extend(("- " if md else "  ") + v for v in sc.counting.values())
    return "\n".join(out) + "\n"


def _item_row(it: ItemResult, lang: str) -> list[str]:
    return [it.code, it.name, num(it.points, lang), num(it.max, lang), st(it.status, lang), ab(it.assessed_by, lang),
            pv(it.provenance, lang), num(it.claimed, lang)]


def render_explain(sc: Scorecard, m: Methodology, code: str, fmt: str) -> str:
    it = sc.item(code)
    if fmt == "json":
        return to_json(it)
    lang = sc.lang
    rule = m.rules[code]
    tf = "github" if fmt == "markdown" else "simple"
    out = [f"{it.code} {it.name}",
           f"{t('points', lang)}: {num(it.points, lang)} / {num(it.max, lang)} ({st(it.status, lang)}); "
           f"{t('rule', lang)}: {rule.id} [{pv(rule.provenance, lang)}]; {t('assessed_by', lang)}: {ab(it.assessed_by, lang)}"]
    if rule.citation:
        out.append(f"{t('citation', lang)}: {rule.citation}")
    if it.claimed is not None:
        out.append(f"{t('claimed', lang)}: {num(it.claimed, lang)}")
    if it.reason:
        out.append(f"{t('reason', lang)}: {it.reason}")
    out.append("")
    out.append(t("facts_used", lang))
    rows = []
    for name, value in it.facts.items():
        spec = m.kind_of(name)
        ev = "; ".join(f"{e.number}" + (f", {_date(e.date, lang)}" if e.date else "") + (f", {e.issuer}" if e.issuer else "")
                       for e in it.evidence.get(name, []))
        if name in it.notes:
            ev = (ev + "; " if ev else "") + it.notes[name]
        rows.append([name, fmt_value(value, lang), spec.unit.get(lang), spec.description.get(lang), ev])
    out.append(tabulate(rows, headers=[t("fact", lang), t("value", lang), "", "", t("evidence", lang)], tablefmt=tf, disable_numparse=True))
    if it.baseline is not None:
        out.append("")
        out.append(t("baseline_change", lang))
        rows = [[name, fmt_value(b, lang), fmt_value(it.facts.get(name), lang), change_text(it.facts.get(name), b, lang)]
                for name, b in it.baseline.items()]
        out.append(tabulate(rows, headers=[t("fact", lang), t("last_year", lang), t("this_year", lang), t("change", lang)],
                            tablefmt=tf, disable_numparse=True))
    out.append("")
    out.append(t("thresholds", lang))
    ths = it.deductions[0].thresholds if it.deductions else {}
    out.extend("  " + line for line in threshold_lines(rule, (ths or {}).get("reached"), lang))
    out.append("")
    out.append(t("deductions", lang))
    out.extend(f"  -{num(d.points, lang)}: {d.reason}" for d in it.deductions)
    if not it.deductions:
        out.append("  " + t("no_deductions", lang))
    out.append("")
    out.append(t("trace", lang))
    rows = [[s.rule, s.kind if lang == "en" else label("kind", s.kind, lang),
             ", ".join(f"{k}={v if lang == 'en' else fmt_value(v, lang)}" for k, v in s.inputs.items()),
             s.output if lang == "en" else fmt_value(s.output, lang)] for s in it.trace]
    out.append(tabulate(rows, headers=[t("rule", lang), "", t("inputs", lang), t("output", lang)], tablefmt=tf, disable_numparse=True))
    return "\n".join(out) + "\n"


def criteria_data(m: Methodology, lang: str) -> dict[str, Any]:
    leaves = list(m.leaves.values())
    prov: dict[str, int] = {}
    for s in leaves:
        prov[s.provenance] = prov.get(s.provenance, 0) + 1
    rule_prov: dict[str, int] = {}
    for r in m.rules.values():
        rule_prov[r.provenance] = rule_prov.get(r.provenance, 0) + 1
    by = {k: float(sum((s.max for s in leaves if s.assessed_by == k), Decimal(0))) for k in ("appraisal", "survey")}
    return {
        "id": m.id, "version": m.version, "citation": m.citation, "overlay": m.overlay,
        "total": float(m.total), "appraisal": by["appraisal"], "survey": by["survey"],
        "counts": {"fields": len(m.fields), "criteria": sum(len(f.criteria) for f in m.fields), "sub_criteria": len(leaves)},
        "expected_counts": ({"fields": m.expected.fields, "criteria": m.expected.criteria, "sub_criteria": m.expected.sub_criteria,
                             "sources": list(m.expected.sources or [])} if m.expected else None),
        "when_not_arising": m.when_not_arising,
        "constraints": [{"fields": list(c.fields), "total": float(c.total), "provenance": c.provenance,
                         "citation": c.citation, "note": c.note} for c in m.constraints],
        "field_maxima_by_provenance": {p: float(sum((f.max for f in m.fields if f.provenance == p), Decimal(0)))
                                       for p in PROVENANCES if any(f.provenance == p for f in m.fields)},
        "provenance": {"maxima": dict(sorted(prov.items())), "rules": dict(sorted(rule_prov.items()))},
        "fields": [{"code": f.code, "name": f.name.get(lang), "max": float(f.max), "provenance": f.provenance,
                    "citation": f.citation,
                    "criteria": [{"code": c.code, "name": c.name.get(lang), "max": float(c.max), "provenance": c.provenance,
                                  "sub_criteria": [{"code": s.code, "name": s.name.get(lang), "max": float(s.max),
                                                    "assessed_by": s.assessed_by, "provenance": s.provenance,
                                                    "rule": m.rules[s.code].id, "rule_provenance": m.rules[s.code].provenance,
                                                    "when_not_arising": (m.when_not_arising_of(m.rules[s.code])
                                                                         if m.rules[s.code].not_applicable_when else None)}
                                                   for s in c.sub_criteria]} for c in f.criteria]} for f in m.fields],
    }


def render_criteria(m: Methodology, lang: str, fmt: str) -> str:
    data = criteria_data(m, lang)
    if fmt == "json":
        return to_json(data)
    tf = "github" if fmt == "markdown" else "simple"
    rows = []
    for f in data["fields"]:
        rows.append([f["code"], f["name"], num(Decimal(str(f["max"])), lang), "", pv(f["provenance"], lang), ""])
        for c in f["criteria"]:
            rows.append([c["code"], "  " + c["name"], num(Decimal(str(c["max"])), lang), "", pv(c["provenance"], lang), ""])
            for s in c["sub_criteria"]:
                rows.append([s["code"], "    " + s["name"], num(Decimal(str(s["max"])), lang), ab(s["assessed_by"], lang),
                             pv(s["provenance"], lang), f"{s['rule']} [{pv(s['rule_provenance'], lang)}]"])
    c = data["counts"]
    summary = t("criteria_summary", lang).format(
        id=m.id, version=m.version, fields=c["fields"], criteria=c["criteria"], sub_criteria=c["sub_criteria"],
        total=num(m.total, lang), appraisal=num(Decimal(str(data["appraisal"])), lang), survey=num(Decimal(str(data["survey"])), lang))
    provs = ", ".join(f"{pv(k, lang)}: {v}" for k, v in data["provenance"]["maxima"].items())
    rprovs = ", ".join(f"{pv(k, lang)}: {v}" for k, v in data["provenance"]["rules"].items())
    fprovs = ", ".join(f"{t(k, lang)}: {num(Decimal(str(v)), lang)}" for k, v in data["field_maxima_by_provenance"].items())
    summary += "\n" + t("criteria_field_maxima", lang).format(provenances=fprovs)
    for con in data["constraints"]:
        kind = t(con["provenance"], lang)
        # English starts the sentence with it ("Published constraint: ..."), Vietnamese does not
        summary += "\n" + t("criteria_constraint", lang).format(
            provenance=kind.capitalize() if lang == "en" else kind, fields=" + ".join(con["fields"]),
            total=num(Decimal(str(con["total"])), lang), citation=con["citation"] or "")
    if m.expected and m.expected.sources:
        summary += "\n" + t("criteria_sources", lang).format(sources="; ".join(m.expected.sources))
    table = tabulate(rows, headers=[t("code", lang), t("name", lang), t("max", lang), t("assessed_by", lang), t("provenance", lang), t("rule", lang)],
                     tablefmt=tf, disable_numparse=True)
    return (f"{summary}\n{t('criteria_maxima_by', lang)}: {provs}\n{t('criteria_rules_by', lang)}: {rprovs}\n\n"
            f"{table}\n")


def facts_data(m: Methodology, lang: str) -> list[dict[str, Any]]:
    out = []
    for name, spec in sorted(m.facts.items()):
        out.append({"name": name, "type": spec.type, "unit": spec.unit.get(lang), "better": spec.better,
                    "description": spec.description.get(lang), "derived": False, "formula": None,
                    "part_of": spec.part_of, "used_by": m.users_of(name)})
    for name, dspec in sorted(m.derived.items()):
        out.append({"name": name, "type": "percent" if dspec.ratio else "number", "unit": dspec.unit.get(lang),
                    "better": dspec.better, "description": dspec.description.get(lang), "derived": True,
                    "formula": {dspec.formula: dspec.inputs}, "part_of": None, "used_by": m.users_of(name)})
    return out


def render_facts(m: Methodology, lang: str, fmt: str) -> str:
    data = facts_data(m, lang)
    if fmt == "json":
        return to_json(data)
    tf = "github" if fmt == "markdown" else "simple"
    derived_label = t("fact_derived", lang)
    rows = [[d["name"] + (f" ({derived_label})" if d["derived"] else ""), label("fact_type", d["type"], lang), d["unit"],
             label("better", d["better"], lang), d["description"], ", ".join(d["used_by"])] for d in data]
    cols = [label("fact_columns", k, lang) for k in ("type", "unit", "better", "description", "items")]
    return tabulate(rows, headers=[t("fact", lang), *cols], tablefmt=tf,
                    disable_numparse=True, maxcolwidths=[None, None, 16, None, 60, 24]) + "\n"


# ---------------------------------------------------------------- rank, units, simulate, plan


def _rank_text(r: Any, lang: str) -> str:
    if getattr(r, "scaled_from", None):
        prev = t("rank_prev_scaled", lang).format(prev=r.previous_rank, size=r.scaled_from) if r.previous_rank else ""
        raw = _raw_rank(r)
        return t("rank_fmt_scaled", lang).format(rank=r.rank, of=r.of, raw=raw, size=r.scaled_from,
                                                 table_year=getattr(r, "table_year", None) or "—", year=r.year, prev=prev)
    if r.previous_rank is None:
        return t("rank_fmt_new", lang).format(rank=r.rank, of=r.of)
    change = f"+{r.change}" if r.change > 0 else str(r.change)
    return t("rank_fmt", lang).format(rank=r.rank, of=r.of, change=change, prev=r.previous_rank)


def _raw_rank(r: Any) -> str:
    raw = getattr(r, "raw_rank", None)
    return str(raw) if raw is not None else "?"


def render_units(rows: list[Any], lang: str, tf: str) -> str:
    return tabulate([[r.unit, r.items, num(r.points, lang), num(r.max, lang), num(r.lost, lang)] for r in rows],
                    headers=[t("unit", lang), t("n_items", lang), t("points", lang), t("at_stake", lang), t("lost", lang)],
                    tablefmt=tf, disable_numparse=True)


def render_extras(sc: Scorecard, fmt: str) -> str:
    """Rank and lead-unit sections, when peers or units were given."""
    lang, md = sc.lang, fmt == "markdown"
    tf = "github" if md else "simple"
    out = []
    if sc.rank is not None:
        out += [("## " if md else "") + t("rank", lang), _rank_text(sc.rank, lang), ""]
        if sc.rank.fields:
            out += [("## " if md else "") + t("field_ranks", lang)]
            out += [t("field_rank_fmt", lang).format(field=f.field, best=f.best, worst=f.worst, of=f.of, anchors=f.anchors)
                    for f in sc.rank.fields] + [""]
    if sc.by_unit is not None:
        out += [("## " if md else "") + t("by_unit", lang), render_units(sc.by_unit, lang, tf), ""]
    return "\n".join(out) + ("\n" if out else "")


def render_simulation(sim: Any, fmt: str) -> str:
    if fmt == "json":
        return to_json(sim)
    lang, md = sim.lang, fmt == "markdown"
    tf = "github" if md else "simple"
    out = [("# " if md else "") + t("simulation", lang) + (f": {_md(sim.name, md)}" if sim.name else ""), ""]
    if sim.note:
        out += [_md(sim.note, md), ""]
    out.append(("## " if md else "") + t("changes", lang))
    out.append(tabulate([[c.fact, fmt_value(c.before, lang), fmt_value(c.after, lang)] for c in sim.changes],
                        headers=[t("fact", lang), t("before", lang), t("after", lang)], tablefmt=tf, disable_numparse=True))
    out.append("")
    rows = [[t("total", lang), num(sim.total_before, lang), num(sim.total_after, lang), _signed(sim.total_after - sim.total_before, lang)],
            [t("index", lang), pct(sim.index_before, lang), pct(sim.index_after, lang), _signed(sim.index_after - sim.index_before, lang)],
            [t("group", lang), sim.group_before, sim.group_after, ""]]
    if sim.rank_before is not None:
        rows.append([t("rank", lang), f"{sim.rank_before.rank}/{sim.rank_before.of}", f"{sim.rank_after.rank}/{sim.rank_after.of}",
                     _signed(Decimal(sim.rank_before.rank - sim.rank_after.rank), lang)])
    out.append(tabulate(rows, headers=["", t("before", lang), t("after", lang), t("delta", lang)], tablefmt=tf, disable_numparse=True))
    out.append("")
    if not sim.items:
        out.append(t("no_change", lang))
    else:
        out.append(("## " if md else "") + t("items", lang))
        out.append(tabulate([[i.code, i.name, f"{num(i.before, lang)} → {num(i.after, lang)}", _signed(i.delta, lang),
                              f"{st(i.status_before, lang)} → {st(i.status_after, lang)}", i.lead_unit or ""] for i in sim.items],
                            headers=[t("code", lang), t("name", lang), t("points", lang), t("delta", lang), t("status", lang), t("unit", lang)],
                            tablefmt=tf, disable_numparse=True, maxcolwidths=[None, 40, None, None, None, None]))
        for key, attr in (("gone", "reasons_gone"), ("new", "reasons_new")):
            lines = [f"{i.code}: {r}" for i in sim.items for r in getattr(i, attr)]
            if lines:
                out += ["", ("## " if md else "") + t(key, lang)] + [("- " if md else "  ") + _md(ln, md) for ln in lines]
    return "\n".join(out) + "\n"


def _signed(d: Decimal, lang: str) -> str:
    return ("+" if d > 0 else "") + fmt_number(d, lang) if d != 0 else "0"


def action_text(m: Methodology, fact: str, before: Any, after: Any, lang: str) -> str:
    from .evaluation import canonical

    spec = m.facts[fact]
    b, a = fmt_value(canonical(before), lang), fmt_value(canonical(after), lang)
    return t("action_change", lang).format(d=spec.description.get(lang), b=b, a=a, u=spec.unit.get(lang) if spec.type != "boolean" else "").strip()


def supply_text(m: Methodology, missing: dict[str, Any], lang: str) -> str:
    """An improvement that is only data: 'Supply the data: X (fill in Lĩnh vực 6!D5), Y'."""
    parts = []
    for n in missing["facts"]:
        part = m.kind_of(n).description.get(lang)
        if n in missing.get("locations", {}):
            part += f" ({t('missing_at', lang).format(loc=missing['locations'][n])})"
        parts.append(part)
    return t("supply", lang).format(what="; ".join(parts))


def plan_data(p: Any, m: Methodology, lang: str) -> dict[str, Any]:
    from .evaluation import canonical

    def imp(i: Any) -> dict[str, Any]:
        return {"item": i.item, "fact": i.fact, "before": canonical(i.before), "after": canonical(i.after),
                "gain": float(i.gain), "gains": {k: float(v) for k, v in i.gains.items()}, "reaches": i.reaches,
                "lead_unit": i.lead_unit, "reason": i.reason, "action": action_text(m, i.fact, i.before, i.after, lang)}
    miss = p.before.summary.missing
    where = {f.fact: f.location for f in miss.facts} if miss is not None else {}
    data: dict[str, Any] = {
        "methodology": p.before.methodology, "agency": p.before.agency.model_dump(), "lang": lang,
        "total": float(p.before.total), "index": float(p.before.index), "group": p.before.group,
        "improvements": [imp(i) for i in p.improvements],
        "survey": [{"item": s.item, "fact": s.fact, "value": canonical(s.value), "points": float(s.points),
                    "max": float(s.max), "per_percent": float(s.per_percent), "lead_unit": s.lead_unit} for s in p.survey],
        "missing": [{"item": c, "facts": f, "at_stake": float(x), "locations": {n: where[n] for n in f if where.get(n)}}
                    for c, f, x in p.missing],
        "projection": ({"items": [it.code for it in p.before.items if it.status == "projected"],
                        "points": float(p.before.projected_points), "source": p.before.projection_source,
                        "index_without_projection": float(p.before.index_without_projection or 0)}
                       if p.before.projected_points is not None else None),
    }
    if p.target is not None:
        data["target"] = {
            "index": float(p.target), "reachable": p.reachable,
            "best_possible_index": float(p.best_possible) if p.best_possible is not None else None,
            "changes": ({k: canonical(v) for k, v in p.chosen.items()} if p.chosen is not None else None),
            "after": ({"total": float(p.after.total), "index": float(p.after.index), "group": p.after.group,
                       "gain": float(p.after.total - p.before.total)} if p.after is not None else None),
            "search_nodes": p.nodes, "proven_optimal": p.proven_optimal,
        }
    return data


def render_plan(p: Any, m: Methodology, lang: str, fmt: str, unit: str | None = None, limit: int = 40,
                rank: Any = None, rank_after: Any = None, by_unit: Any = None) -> str:
    data = plan_data(p, m, lang)
    if unit:
        data["improvements"] = [i for i in data["improvements"] if i["lead_unit"] and unit.lower() in i["lead_unit"].lower()]
    if rank is not None:
        data["rank"] = {"before": rank.__dict__, "after": rank_after.__dict__ if rank_after else None}
    if fmt == "json":
        return to_json(data)
    md = fmt == "markdown"
    tf = "github" if md else "simple"
    h = "## " if md else ""
    out = [("# " if md else "") + t("plan", lang) + f": {_md(p.before.agency.name, md)}",
           f"{t('index', lang)}: {pct(p.before.index, lang)} ({t('group', lang)} {p.before.group})"
           + (f"; {t('rank', lang)}: {_rank_text(rank, lang)}" if rank is not None else ""), ""]
    if p.before.projected_points is not None:
        out[-1:-1] = [t("plan_projection", lang).format(
            n=sum(1 for it in p.before.items if it.status == "projected"), points=num(p.before.projected_points, lang),
            source=p.before.projection_source or "—", without=pct(p.before.index_without_projection, lang))]
    if p.target is not None:
        out.append(h + f"{t('target', lang)}: {pct(p.target, lang)}")
        if not p.reachable:
            out.append(t("unreachable", lang).format(target=fmt_number(p.target, lang, 2), best=fmt_number(p.best_possible or 0, lang, 2)))
        else:
            chosen_rows = []
            for fact, value in (p.chosen or {}).items():
                steps = [i for i in p.improvements if i.fact == fact]
                users = sorted({i.item for i in steps})
                lead = next((i.lead_unit for i in steps if i.lead_unit), "")
                chosen_rows.append([lead or "", ", ".join(users), action_text(m, fact, steps[0].before, value, lang)])
            chosen_rows.sort(key=lambda r: (r[0], r[1]))
            out.append(t("chosen", lang) + f" ({len(chosen_rows)}):")
            out.append(tabulate(chosen_rows, headers=[t("unit", lang), t("code", lang), t("action", lang)], tablefmt=tf,
                                disable_numparse=True, maxcolwidths=[None, None, 80]))
            after = p.after
            line = (f"{t('after', lang)}: {num(p.before.total, lang)} → {num(after.total, lang)} "
                    f"({_signed(after.total - p.before.total, lang)}); {t('index', lang)} {pct(p.before.index, lang)} → {pct(after.index, lang)}; "
                    f"{t('group', lang)} {p.before.group} → {after.group}")
            if rank_after is not None:
                line += f"; {t('rank', lang)} {_rank_text(rank_after, lang)}"
            out.append(line)
            out.append(t("optimal" if p.proven_optimal else "not_proven", lang).format(n=len(chosen_rows)))
        out.append("")
    out.append(h + t("improvements", lang))
    rows = [["", x["item"], t("up_to", lang).format(points=num(Decimal(str(x["at_stake"])), lang)), "", supply_text(m, x, lang)]
            for x in data["missing"]]
    rows += [[i["lead_unit"] or "", i["item"], _signed(Decimal(str(i["gain"])), lang), reaches_text(i["reaches"], lang), i["action"]]
             for i in data["improvements"][:limit]]
    out.append(tabulate(rows, headers=[t("unit", lang), t("code", lang), t("gain", lang), t("reaches", lang), t("action", lang)],
                        tablefmt=tf, disable_numparse=True, maxcolwidths=[None, None, None, None, 80]))
    if by_unit is not None:
        out += ["", h + t("by_unit", lang), render_units(by_unit, lang, tf)]
    out += ["", h + t("survey_title", lang)]
    out.append(tabulate([[s["lead_unit"] or "", s["item"], fmt_value(s["value"], lang), num(Decimal(str(s["points"])), lang),
                          num(Decimal(str(s["max"])), lang), fmt_number(Decimal(str(s["per_percent"])), lang)] for s in data["survey"]],
                        headers=[t("unit", lang), t("code", lang), t("value", lang), t("points", lang), t("max", lang), t("per_percent", lang)],
                        tablefmt=tf, disable_numparse=True))
    if data["missing"]:
        out += ["", h + t("missing_title", lang)]
        out += [("- " if md else "  ") + f"{x['item']}: {', '.join(x['facts'])} ({num(Decimal(str(x['at_stake'])), lang)})" for x in data["missing"]]
    return "\n".join(out) + "\n"


def render_plan_status(ps: Any, lang: str, fmt: str) -> str:
    units = ps.plan.units
    if fmt == "json":
        return to_json({
            "plan": ps.plan.plan, "citation": ps.plan.citation, "on": ps.on.isoformat(), "agency": ps.card.agency.model_dump(),
            "index": float(ps.card.index), "group": ps.card.group,
            "tasks": [{"id": s.task.id, "section": s.task.section, "title": s.task.title.get(lang), "lead": units[s.task.lead].get(lang),
                       "deadline": s.task.deadline.isoformat() if s.task.deadline else None, "state": s.state, "timing": s.timing,
                       "serves": s.task.serves, "values": s.values, "baseline": s.baseline,
                       "at_stake": float(s.at_stake)} for s in ps.tasks],
            "by_unit": [{"unit": units[u].get(lang), **c, "at_stake": float(x)} for u, c, x in ps.by_unit()],
        })
    md = fmt == "markdown"
    tf = "github" if md else "simple"
    h = "## " if md else ""
    out = [("# " if md else "") + t("plan_status", lang) + f": {_md(ps.plan.plan, md)}",
           f"{_md(ps.plan.citation, md)}; {t('agency', lang)}: {_md(ps.card.agency.name, md)}; {t('as_of', lang)}: "
           + (ps.on.strftime("%d/%m/%Y") if lang == "vi" else ps.on.isoformat())
           + f"; {t('index', lang)}: {pct(ps.card.index, lang)}", ""]
    rows = [[s.task.section, s.task.title.get(lang), units[s.task.lead].get(lang),
             (s.task.deadline.strftime("%d/%m/%Y") if lang == "vi" else s.task.deadline.isoformat()) if s.task.deadline else "",
             t(s.state, lang), t(s.timing, lang), ", ".join(s.task.serves), num(s.at_stake, lang)] for s in ps.tasks]
    out.append(tabulate(rows, headers=["", t("task", lang), t("unit", lang), t("deadline", lang), t("state", lang), t("timing", lang),
                                       t("code", lang), t("lost", lang)],
                        tablefmt=tf, disable_numparse=True, maxcolwidths=[None, 50, 18, None, None, None, 12, None]))
    out += ["", h + t("by_unit", lang)]
    out.append(tabulate([[units[u].get(lang), c["met"], c["not_met"], c["unknown"], c["overdue"], num(x, lang)] for u, c, x in ps.by_unit()],
                        headers=[t("unit", lang), t("met", lang), t("not_met", lang), t("unknown", lang), t("overdue", lang), t("lost", lang)],
                        tablefmt=tf, disable_numparse=True))
    return "\n".join(out) + "\n"


def render_audit(report: Any, fmt: str) -> str:
    from .audit import to_junit

    card = report.card
    lang = card.lang
    if fmt == "junit":
        return to_junit(report)
    if fmt == "json":
        return to_json({"agency": card.agency.model_dump(), "year": card.year, "methodology": card.methodology,
                        "computed_total": float(card.total), "claimed_total": float(card.claimed_total) if card.claimed_total is not None else None,
                        "findings": [{"code": f.code, "severity": f.severity, "item": f.item, "line": f.line, "message": f.message}
                                     for f in report.findings]})
    md = fmt == "markdown"
    tf = "github" if md else "simple"
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning", "info")}
    out = [("# " if md else "") + t("audit", lang) + f": {_md(card.agency.name, md)} {card.year or ''}",
           ", ".join(f"{t(s, lang)}: {n}" for s, n in counts.items()), ""]
    if not report.findings:
        out.append(t("no_findings", lang))
    else:
        out.append(tabulate([[f.code, t(f.severity, lang), f.item or t("file_level", lang), f.message] for f in report.findings],
                            headers=[t("code", lang), t("severity", lang), t("item_col", lang), t("finding", lang)],
                            tablefmt=tf, disable_numparse=True, maxcolwidths=[None, None, None, 90]))
    return "\n".join(out) + "\n"


def _stage(stage: str, lang: str) -> str:
    if stage.startswith("round-"):
        return label("stage", "round", lang).format(n=stage.split("-", 1)[1])
    return label("stage", stage, lang)


def render_history_list(entries: list[Any], lang: str, fmt: str) -> str:
    """`history list`: one row per stored entry, headers and stages in `lang`."""
    rows = [[e.id, e.agency, e.year, e.stage if lang == "en" else _stage(e.stage, lang), f"{e.methodology} {e.version}",
             e.total if lang == "en" else fmt_value(str(e.total), lang), e.index if lang == "en" else fmt_value(str(e.index), lang),
             e.group, e.created_at] for e in entries]
    heads = [label("history", k, lang) for k in ("id", "agency", "year", "stage", "methodology", "total", "index", "group", "stored")]
    return tabulate(rows, headers=heads, tablefmt="github" if fmt == "markdown" else "simple",
                    disable_numparse=lang != "en") + "\n"


TREND_STAGES = ("self", "computed", "round-1", "round-2", "round-3", "appraised")


def render_trend(entries: list[Any], lang: str, fmt: str) -> str:
    """`history trend`: the latest index of each year and stage."""
    latest: dict[tuple[int, str], str] = {}
    for e in entries:
        latest[(e.year, e.stage)] = e.index if lang == "en" else fmt_number(Decimal(str(e.index)), lang, 2)
    years = sorted({y for y, _ in latest})
    stages = [s for s in TREND_STAGES if any(k[1] == s for k in latest)]
    rows = [[y] + [latest.get((y, s), "") for s in stages] for y in years]
    heads = [label("history", "year", lang)] + [s if lang == "en" else _stage(s, lang) for s in stages]
    return tabulate(rows, headers=heads, tablefmt="github" if fmt == "markdown" else "simple", disable_numparse=True) + "\n"


def render_appraised(card: Scorecard, fmt: str) -> str:
    if fmt == "json":
        return to_json(card)
    lang, md = card.lang, fmt == "markdown"
    tf = "github" if md else "simple"
    h = "## " if md else ""
    out = [render_scorecard(card, fmt).rstrip("\n"), ""]
    if card.adjustments:
        out += [h + t("adjustments", lang)] + [f"  {label('adjustment', str(a['kind']), lang)} {a['id']}: {a['points']} — {a['reason']}"
                                              for a in card.adjustments] + [""]
    out.append(h + t("history_title", lang))
    rows = []
    for it in card.items:
        if not it.history or not any(e.stage.startswith("round-") for e in it.history):
            continue
        for e in it.history:
            rows.append([it.code, _stage(e.stage, lang), num(e.points, lang) if e.points is not None else "", e.by or "",
                         e.reason or "", ", ".join(e.evidence)])
    out.append(tabulate(rows, headers=[t("code", lang), t("stage", lang), t("points", lang), "", t("reason", lang), t("evidence", lang)],
                        tablefmt=tf, disable_numparse=True, maxcolwidths=[None, None, None, 24, 60, 20]))
    if card.appraisal_errors:
        out += ["", h + t("appraisal_errors", lang)] + [("- " if md else "  ") + _md(e, md) for e in card.appraisal_errors]
    return "\n".join(out) + "\n"


def render_diff(d: Any, lang: str, fmt: str) -> str:
    if fmt == "json":
        return to_json(d)
    md = fmt == "markdown"
    tf = "github" if md else "simple"
    out = [("# " if md else "") + t("diff_title", lang), ""]
    shown = {"stage": lambda v: _stage(str(v), lang)} if lang != "en" else {}
    heads = [[label("history", k, lang), shown.get(k, str)(d.a[k]) if d.a[k] is not None else "",
              shown.get(k, str)(d.b[k]) if d.b[k] is not None else ""] for k in ("label", "agency", "year", "stage", "methodology")]
    heads += [[t("total", lang), num(d.total_a, lang), num(d.total_b, lang)],
              [t("index", lang), pct(d.index_a, lang), pct(d.index_b, lang)],
              [t("group", lang), d.group_a, d.group_b]]
    if d.rank_a is not None or d.rank_b is not None:
        heads.append([t("rank", lang), str(d.rank_a or ""), str(d.rank_b or "")])
    out.append(tabulate(heads, headers=["", "A", "B"], tablefmt=tf, disable_numparse=True))
    out.append("")
    rows = [[i.code, num(i.a, lang), num(i.b, lang), _signed(i.delta, lang), " / ".join(i.reasons_a), " / ".join(i.reasons_b)]
            for i in d.items]
    out.append(tabulate(rows, headers=[t("code", lang), "A", "B", t("delta", lang), f"{t('reason', lang)} A", f"{t('reason', lang)} B"],
                        tablefmt=tf, disable_numparse=True, maxcolwidths=[None, None, None, None, 50, 50]) if rows else t("no_change", lang))
    return "\n".join(out) + "\n"
