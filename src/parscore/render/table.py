"""Text renderers: every document as a plain-text table (`table`), or as Markdown when called
with `fmt="markdown"` (render/markdown.py does so). The registry (parscore.render) picks the
module by format name; `parscore.reporting` keeps the `render_*(..., fmt)` names.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..explanation import change_text, fmt_number, fmt_value
from ..i18n import label
from ..loading import Methodology
from ..models import ItemResult, Scorecard
from .common import (
    _date, _md, _rank_text, _signed, _stage, ab, action_text, caveat, criteria_data, facts_data, missing_lines, num,
    parts_rows, pct, plan_document, pv, reaches_text, st, supply_text, t, tabulate, threshold_lines, total_text,
    TREND_STAGES,
    latest_by_year_and_stage,
)

DOCUMENTS = ("scorecard", "explain", "criteria", "facts", "extras", "simulation", "plan", "plan_status", "audit",
             "history_list", "trend", "appraised", "diff", "projection", "ranking", "unit_info")


def scorecard(sc: Scorecard, fmt: str = "table") -> str:
    """The card as a text table (`fmt="markdown"`: Markdown)."""
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


def explain(sc: Scorecard, m: Methodology, code: str, fmt: str = "table") -> str:
    """One sub-criterion: facts used, thresholds, deductions and the trace."""
    it = sc.item(code)
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
             s.output if lang == "en" else fmt_value(s.output, lang), s.location or ""] for s in it.trace]
    out.append(tabulate(rows, headers=[t("rule", lang), "", t("inputs", lang), t("output", lang), t("location", lang)],
                        tablefmt=tf, disable_numparse=True))
    return "\n".join(out) + "\n"


def criteria(m: Methodology, lang: str, fmt: str = "table") -> str:
    """The methodology tree with maxima, assessed-by and provenance."""
    data = criteria_data(m, lang)
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


def facts(m: Methodology, lang: str, fmt: str = "table") -> str:
    """The fact catalogue."""
    data = facts_data(m, lang)
    tf = "github" if fmt == "markdown" else "simple"
    derived_label = t("fact_derived", lang)
    rows = [[d["name"] + (f" ({derived_label})" if d["derived"] else ""), label("fact_type", d["type"], lang), d["unit"],
             label("better", d["better"], lang), d["description"], ", ".join(d["used_by"])] for d in data]
    cols = [label("fact_columns", k, lang) for k in ("type", "unit", "better", "description", "items")]
    return tabulate(rows, headers=[t("fact", lang), *cols], tablefmt=tf,
                    disable_numparse=True, maxcolwidths=[None, None, 16, None, 60, 24]) + "\n"


def units(rows: list[Any], lang: str, tf: str) -> str:
    """Points by lead unit (`tf`: tabulate's table format)."""
    return tabulate([[r.unit, r.items, num(r.points, lang), num(r.max, lang), num(r.lost, lang)] for r in rows],
                    headers=[t("unit", lang), t("n_items", lang), t("points", lang), t("at_stake", lang), t("lost", lang)],
                    tablefmt=tf, disable_numparse=True)


def extras(sc: Scorecard, fmt: str = "table") -> str:
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
        out += [("## " if md else "") + t("by_unit", lang), units(sc.by_unit, lang, tf), ""]
    return "\n".join(out) + ("\n" if out else "")


def simulation(sim: Any, fmt: str = "table") -> str:
    """What changes when some facts change."""
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


def plan(p: Any, m: Methodology, lang: str, unit: str | None = None, limit: int = 40,
         rank: Any = None, rank_after: Any = None, by_unit: Any = None, fmt: str = "table") -> str:
    """Improvements ranked by points gained; with a target, the smallest set reaching it."""
    data = plan_document(p, m, lang, unit, rank, rank_after)
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
        out += ["", h + t("by_unit", lang), units(by_unit, lang, tf)]
    out += ["", h + t("survey_title", lang)]
    out.append(tabulate([[s["lead_unit"] or "", s["item"], fmt_value(s["value"], lang), num(Decimal(str(s["points"])), lang),
                          num(Decimal(str(s["max"])), lang), fmt_number(Decimal(str(s["per_percent"])), lang)] for s in data["survey"]],
                        headers=[t("unit", lang), t("code", lang), t("value", lang), t("points", lang), t("max", lang), t("per_percent", lang)],
                        tablefmt=tf, disable_numparse=True))
    if data["missing"]:
        out += ["", h + t("missing_title", lang)]
        out += [("- " if md else "  ") + f"{x['item']}: {', '.join(x['facts'])} ({num(Decimal(str(x['at_stake'])), lang)})" for x in data["missing"]]
    return "\n".join(out) + "\n"


def plan_status(ps: Any, lang: str, fmt: str = "table") -> str:
    """A plan's tasks: met, not met or unknown; overdue; points at stake."""
    units = ps.plan.units
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


def audit(report: Any, fmt: str = "table") -> str:
    """The audit's findings."""
    card = report.card
    lang = card.lang
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


def history_list(entries: list[Any], lang: str, fmt: str = "table") -> str:
    """`history list`: one row per stored entry, headers and stages in `lang`."""
    rows = [[e.id, e.agency, e.year, e.stage if lang == "en" else _stage(e.stage, lang), f"{e.methodology} {e.version}",
             e.total if lang == "en" else fmt_value(str(e.total), lang), e.index if lang == "en" else fmt_value(str(e.index), lang),
             e.group, e.created_at] for e in entries]
    heads = [label("history", k, lang) for k in ("id", "agency", "year", "stage", "methodology", "total", "index", "group", "stored")]
    return tabulate(rows, headers=heads, tablefmt="github" if fmt == "markdown" else "simple",
                    disable_numparse=lang != "en") + "\n"


def trend(entries: list[Any], lang: str, fmt: str = "table") -> str:
    """`history trend`: the latest index of each year and stage."""
    chosen = latest_by_year_and_stage(entries)
    latest = {k: e.index if lang == "en" else fmt_number(Decimal(str(e.index)), lang, 2) for k, e in chosen.items()}
    years = sorted({y for y, _ in latest})
    stages = [s for s in TREND_STAGES if any(k[1] == s for k in latest)]
    rows = [[y] + [latest.get((y, s), "") for s in stages] for y in years]
    heads = [label("history", "year", lang)] + [s if lang == "en" else _stage(s, lang) for s in stages]
    judged = {(e.methodology, e.version, e.digest) for e in chosen.values()}
    mixed = len(judged) > 1
    if mixed:   # the years were judged under different rules: each row says which
        edited = {(m, v) for m, v, _ in judged if sum(1 for j in judged if j[:2] == (m, v)) > 1}

        def named(e: Any) -> str:   # the digest only where one version was judged under two sets of rules
            return f"{e.methodology} {e.version}" + (f" ({e.digest[:8]})" if (e.methodology, e.version) in edited else "")
        heads.append(label("history", "methodology", lang))
        for row in rows:
            row.append(", ".join(sorted({named(e) for (y, _), e in chosen.items() if y == row[0]})))
    out = tabulate(rows, headers=heads, tablefmt="github" if fmt == "markdown" else "simple", disable_numparse=True) + "\n"
    return out + ("\n" + t("trend_mixed", lang) + "\n" if mixed else "")


def appraised(card: Scorecard, fmt: str = "table") -> str:
    """The card after appraisal, with each item's history."""
    lang, md = card.lang, fmt == "markdown"
    tf = "github" if md else "simple"
    h = "## " if md else ""
    out = [scorecard(card, fmt).rstrip("\n"), ""]
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


def diff(d: Any, lang: str, fmt: str = "table") -> str:
    """Two scorecards side by side."""
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
    if d.judged_under != "same":   # said before the changes, which it qualifies
        out += [("> " if md else "") + t(f"diff_{d.judged_under}", lang).format(a=d.a["methodology"], b=d.b["methodology"]), ""]
    rows = [[i.code, num(i.a, lang), num(i.b, lang), _signed(i.delta, lang), " / ".join(i.reasons_a), " / ".join(i.reasons_b)]
            for i in d.items]
    out.append(tabulate(rows, headers=[t("code", lang), "A", "B", t("delta", lang), f"{t('reason', lang)} A", f"{t('reason', lang)} B"],
                        tablefmt=tf, disable_numparse=True, maxcolwidths=[None, None, None, None, 50, 50]) if rows else t("no_change", lang))
    return "\n".join(out) + "\n"


def projection(p: Any, lang: str, fmt: str = "table") -> str:
    """The index as a range before the survey is published."""
    from ..projection_report import render_projection

    return render_projection(p, lang, fmt)


def ranking(r: Any, fmt: str = "table") -> str:
    """Units ranked by their index."""
    from ..ranking_render import render_ranking

    return render_ranking(r, fmt)


def unit_info(card: Scorecard, fmt: str = "table") -> str:
    """A unit's card: the methodology's conventions for it."""
    from ..unit_report import render_unit_info

    return render_unit_info(card, fmt)
