"""What every renderer shares: the words (`t`, statuses, provenance), numbers as a person
reads them (`num`, `pct`), Markdown escaping, the headline's parts (caveat, missing data,
total), and the data a document is drawn from (`criteria_data`, `facts_data`, `plan_data`).

JSON is the stable contract (see README); `to_json` writes it from the pydantic models with a
fixed key order, so the same inputs give byte-identical output.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from tabulate import tabulate as _tabulate

from ..jsontext import dumps
from ..explanation import fmt_number, fmt_value, thresholds
from ..i18n import label, labels, text
from ..loading import Methodology
from ..models import PROVENANCES, Scorecard


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
    from ..kinds import for_score

    if lang == "en":
        return [f"{k}: {v}" for k, v in thresholds(rule, None).items()] + ([f"reached: {reached}"] if reached else [])
    lines: list[str] = for_score(rule.score).threshold_lines(rule.score, reached, lang, lambda d: fmt_number(d, lang),
                                                             lambda k: label("threshold", k, lang))
    return lines


def _date(d: Any, lang: str) -> str:
    return str(d.strftime("%d/%m/%Y") if lang == "vi" else d.isoformat())


def to_json(obj: Any) -> str:
    """Deterministic JSON: fixed key order from the models, UTF-8 text, newline at the end."""
    data = obj.model_dump(mode="json") if hasattr(obj, "model_dump") else obj
    return dumps(data)


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


def _signed(d: Decimal, lang: str) -> str:
    return ("+" if d > 0 else "") + fmt_number(d, lang) if d != 0 else "0"


def action_text(m: Methodology, fact: str, before: Any, after: Any, lang: str) -> str:
    from ..evaluation import canonical

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
    from ..evaluation import canonical

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


def _stage(stage: str, lang: str) -> str:
    if stage.startswith("round-"):
        return label("stage", "round", lang).format(n=stage.split("-", 1)[1])
    return label("stage", stage, lang)


TREND_STAGES = ("self", "computed", "round-1", "round-2", "round-3", "appraised")


def latest_by_year_and_stage(entries: list[Any]) -> dict[tuple[int, str], Any]:
    """`history trend`: the last stored entry of each (year, stage), the stored order deciding."""
    latest: dict[tuple[int, str], Any] = {}
    for e in entries:
        latest[(e.year, e.stage)] = e
    return latest


def plan_document(p: Any, m: Methodology, lang: str, unit: str | None = None, rank: Any = None,
                  rank_after: Any = None) -> dict[str, Any]:
    """`plan_data`, narrowed to one lead unit's improvements (name contains `unit`) and with the
    rank before and after: what `plan -f json` writes and the text plan is drawn from."""
    data = plan_data(p, m, lang)
    if unit:
        data["improvements"] = [i for i in data["improvements"] if i["lead_unit"] and unit.lower() in i["lead_unit"].lower()]
    if rank is not None:
        data["rank"] = {"before": rank.__dict__, "after": rank_after.__dict__ if rank_after else None}
    return data
