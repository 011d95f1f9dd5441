"""Scorecards as plain data: dicts in the JSON contract's shape, the pydantic model only on demand.

Building a validated `Scorecard` costs about as much as evaluating the rules three times
over (a hundred nested models checked field by field). The data is already correct
when it is built here, so cards are assembled as plain dicts with the very keys, order
and Decimal values of `Scorecard.model_dump()`, and:

- `card_model(data)` validates them into the `Scorecard` where a model is returned
  (`parscore.score`, renderers, the appraisal), once;
- `card_json(data)` writes the same bytes as `reporting.to_json(card_model(data))`
  without building the model, and `card_line` one JSON Lines line (batch scoring
  writes thousands of cards);
- everything a card's items share is prepared once per methodology and language
  (`CardPlan`): names, maxima, thresholds, the static parts of every reason, the tree's
  sums; per card only the values, points, statuses and reason texts are new, and each
  reason text is built once.

`tests/test_engine_parity.py` checks that the plain JSON and the model's JSON are the
same bytes for every engine.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable

from pydantic import BaseModel

from .evaluation import CENT, Session
from .jsontext import dumps, dumps_bytes
from .explanation import (
    baseline_missing_reason, counting_rules, missing_reason, not_arising_reason, projected_reason, reason_context,
    ReasonWriter, thresholds, undefined_reason,
)
from .loading import Facts, Methodology
from .kinds import for_score
from .models import BASELINE_SUFFIX, PROVENANCES, STATUSES, Agency, ItemResult, NodeResult, Scorecard

ZERO = Decimal(0)
NIL = Decimal("0.00")  # an item's points always carry 2 places, like rounded awards
HUNDRED = Decimal(100)


def index_of(points: Decimal, applicable_max: Decimal) -> Decimal | None:
    if applicable_max == 0:
        return None
    return (points / applicable_max * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def group_of(m: Methodology, index: Decimal) -> str:
    for g in m.groups:
        if index >= g.min:
            return g.code
    return m.groups[-1].code


def _defaults(model: type[BaseModel], known: tuple[str, ...]) -> dict[str, Any]:
    """Fields a model gained that this builder does not fill: their defaults, so the
    plain card keeps the model's keys if the contract grows (new keys are allowed)."""
    return {k: f.get_default(call_default_factory=True) for k, f in model.model_fields.items() if k not in known}


_ITEM_KEYS = ("code", "name", "points", "max", "status", "assessed_by", "provenance", "rule", "rule_provenance",
              "claimed", "facts", "evidence", "notes", "deductions", "trace", "computed", "history", "reason", "baseline")
_NODE_KEYS = ("code", "name", "points", "max", "applicable_max", "index", "lead_unit", "provenance", "citation")
_CARD_KEYS = ("methodology", "overlay", "agency", "year", "lang", "stage", "total", "max", "applicable_max", "index",
              "group", "claimed_total", "counting", "summary", "fields", "criteria", "items", "rank", "by_unit",
              "adjustments", "appraisal_points", "appraisal_max", "survey_points", "survey_max", "projected_points",
              "index_without_projection", "projection_source", "appraisal_errors")
_EXTRA = {ItemResult: _defaults(ItemResult, _ITEM_KEYS), NodeResult: _defaults(NodeResult, _NODE_KEYS),
          Scorecard: _defaults(Scorecard, _CARD_KEYS)}


def _ordered(model: type[BaseModel], d: dict[str, Any]) -> dict[str, Any]:
    extra = _EXTRA[model]
    if not extra:
        return d
    full = {**d, **extra}
    return {k: full[k] for k in model.model_fields}


def _nodes(nodes: list[tuple[str, str, Decimal, str | None, str | None]], points: list[Decimal],
           applicable: list[Decimal]) -> list[dict[str, Any]]:
    """Fields or criteria as plain data: their static parts with this card's sums."""
    out = []
    for (code, name, mx, prov, cite), pts, app in zip(nodes, points, applicable):
        out.append({"code": code, "name": name, "points": pts, "max": mx, "applicable_max": app,
                    "index": index_of(pts, app),
                    "lead_unit": None, "provenance": prov, "citation": cite})
    if _EXTRA[NodeResult]:   # fields the model gained that this builder does not fill
        return [_ordered(NodeResult, d) for d in out]
    return out


_TRACE_KIND = {"derive": "derive", "not_applicable": "not_applicable"}   # any other production is a score step


class _ItemPlan:
    """What every card's item `code` shares."""

    __slots__ = ("code", "name", "max", "assessed_by", "provenance", "rule", "rule_id", "rule_provenance", "reads",
                 "reported", "derived_reads", "thresholds", "contexts", "undefined", "field", "criterion", "static",
                 "baseline_names", "survey_inputs", "location", "reason")

    def __init__(self, m: Methodology, code: str, lang: str, field: int, criterion: int):
        leaf, rule = m.leaves[code], m.rules[code]
        self.code, self.name, self.max = code, leaf.name.get(lang), leaf.max
        self.assessed_by, self.provenance = leaf.assessed_by, leaf.provenance
        self.rule, self.rule_id, self.rule_provenance = rule, rule.id, rule.provenance
        self.reads = m.reads(rule)
        reported: list[str] = []
        for n in self.reads:
            for f in m.inputs_of(n):
                if f not in reported:
                    reported.append(f)
        self.reported = reported
        self.derived_reads = frozenset(n for n in self.reads if n in m.derived)
        kind = for_score(rule.score)
        tiers = [None, *kind.tiers(rule.score)]
        self.thresholds = {t: thresholds(rule, t) for t in tiers}
        self.contexts: dict[int | None, dict[str, str]] = {}
        self.undefined = undefined_reason(m, rule, lang)
        self.reason = ReasonWriter(m, rule, lang)
        self.field, self.criterion = field, criterion
        self.baseline_names = m.baseline_reads(rule)   # facts compared with last year's value
        self.location = m.rule_at.get(rule.id)   # where the rule is written: its trace steps' `location`
        # a survey item's reported facts: when one was filled from last year, the item is `projected`
        self.survey_inputs = tuple(m.inputs_of(rule.score.fact)) if kind.survey else ()

    def context(self, m: Methodology, tier: int | None, lang: str) -> dict[str, str]:
        ctx = self.contexts.get(tier)
        if ctx is None:
            ctx = self.contexts[tier] = reason_context(m, self.rule, tier, lang)
        return ctx

    def evidence_of(self, evidence: dict[str, Any]) -> dict[str, Any]:
        return {n: [e.model_dump() for e in evidence[n]] for n in self.reported if n in evidence}

    def notes_of(self, notes: dict[str, str]) -> dict[str, str]:
        return {n: notes[n] for n in self.reported if n in notes}

    def threshold(self, tier: int | None) -> dict[str, str]:
        t = self.thresholds.get(tier)
        if t is None:
            t = self.thresholds[tier] = thresholds(self.rule, tier)
        return t


class _Card:
    """What the items of one card share while they are built: the facts, the session, and
    the derive steps by the fact they derive (in firing order)."""

    __slots__ = ("facts", "session", "values", "derives", "derived_at", "order")

    def __init__(self, plan: "CardPlan", facts: Facts, session: Session):
        self.facts, self.session, self.values = facts, session, session.values
        self.derived_at = plan.m.derived_at
        self.order = plan.m.derive_order
        derives: dict[str, list[tuple[int, Any]]] = {}
        for pos, s in enumerate(session.trace):
            if s.kind == "derive":
                derives.setdefault(s.source, []).append((pos, s))
        self.derives = derives

    def derive_steps(self, names: Iterable[str]) -> list[dict[str, Any]]:
        """The trace entries of the derive steps that computed `names`, in the reference
        matcher's order (`Methodology.derive_order`, then firing order): the same on every
        engine, although durable may fire a chain of derived facts in another order."""
        found: list[tuple[int, Any]] = []
        for n in names:
            found += self.derives.get(n, ())
        if len(found) > 1:
            order = self.order
            found.sort(key=lambda f: (order.get(f[1].source, len(order)), f[0]))
        at = self.derived_at
        return [{"rule": s.production, "kind": "derive", "inputs": s.inputs, "output": s.output or "",
                 "location": at.get(s.source)} for _, s in found]


class CardPlan:
    """A methodology's card skeleton in one language, built once and shared by every card."""

    def __init__(self, m: Methodology, lang: str):
        self.m, self.lang = m, lang
        self._build: Callable[..., list[dict[str, Any]]] | None = None   # the generated items builder
        self._cards = 0
        self.fields: list[tuple[str, str, Decimal, str | None, str | None]] = []
        self.criteria: list[tuple[str, str, Decimal, str | None, str | None]] = []
        self.items: list[_ItemPlan] = []
        criterion_field: list[int] = []   # the field each criterion is in
        for f in m.fields:
            fi = len(self.fields)
            for c in f.criteria:
                ci = len(self.criteria)
                for s in c.sub_criteria:
                    self.items.append(_ItemPlan(m, s.code, lang, fi, ci))
                self.criteria.append((c.code, c.name.get(lang), sum((s.max for s in c.sub_criteria), ZERO),
                                      c.provenance, c.citation))
                criterion_field.append(fi)
            self.fields.append((f.code, f.name.get(lang),
                                sum((s.max for c in f.criteria for s in c.sub_criteria), ZERO), f.provenance, f.citation))
        self.by_code = {p.code: p for p in self.items}
        self.criterion_field = tuple(criterion_field)
        self.field_max = [mx for _, _, mx, _, _ in self.fields]
        self.criterion_max = [mx for _, _, mx, _, _ in self.criteria]
        self.part_max = {"appraisal": ZERO, "survey": ZERO}
        for p in self.items:
            self.part_max[p.assessed_by] += p.max
        self.methodology = {"id": m.id, "version": m.version, "citation": m.citation, "digest": m.digest}
        self.counting = counting_rules(lang)
        self.full_max = sum((p.max for p in self.items), ZERO)
        self.plain = len(self.items) <= 10 ** 5 and all(plain_number(p.max) for p in self.items)
        by_prov = {p: sum((it.max for it in self.items if it.provenance == p), ZERO) for p in PROVENANCES}
        rules = {p: sum(1 for it in self.items if it.rule_provenance == p) for p in PROVENANCES}
        resting = sum((it.max for it in self.items
                       if it.provenance == "reconstructed" or it.rule_provenance == "reconstructed"), ZERO)
        self.summary_static = (by_prov, rules, index_of(resting, self.full_max) or ZERO)
        self.field_maxima = {p: sum((f.max for f in m.fields if f.provenance == p), ZERO) for p in PROVENANCES}
        self.constraints = [{"fields": " + ".join(c.fields), "total": format(c.total.normalize(), "f"),
                             "provenance": c.provenance, "citation": c.citation or ""} for c in m.constraints]

    # ------------------------------------------------------------ items

    def items_of(self, facts: Facts, session: Session) -> list[dict[str, Any]]:
        """Every item of the card, in tree order. The first card of a plan is built item by item
        (`item`); from the second on, by one function generated for the plan (`_generate`),
        which builds the common case (a scored item) inline and hands the others to `item`.
        A single-card command never pays for generating it."""
        card = _Card(self, facts, session)
        build = self._build
        if build is None:
            self._cards += 1
            if self._cards < 2:
                return self._all(card)
            build = self._build = self._generate()
        out: list[dict[str, Any]] = build(self, card, session.values, session.verdicts, facts.claimed,
                                          facts.evidence, facts.notes, facts.projected)
        if _EXTRA[ItemResult]:   # fields the model gained that this builder does not fill
            return [_ordered(ItemResult, it) for it in out]
        return out

    def _all(self, card: "_Card") -> list[dict[str, Any]]:
        """Every item built by `item` (the generated function's reference: the same dicts)."""
        get, verdicts = card.values.get, card.session.verdicts
        out = [self.item(p, card, verdicts.get(p.code), {n: get(n) for n in p.reads}) for p in self.items]
        if _EXTRA[ItemResult]:
            return [_ordered(ItemResult, it) for it in out]
        return out

    def item(self, p: _ItemPlan, card: "_Card", verdict: Any, used: dict[str, str | None]) -> dict[str, Any]:
        """One item of a card: its points, status, deductions with their reasons, and trace."""
        m, lang, facts, session = self.m, self.lang, card.facts, card.session
        values = card.values
        mx = p.max
        deductions: list[dict[str, Any]] = []
        why: str | None = None
        points: Decimal
        if verdict is None:
            status, points = "missing_facts", NIL
            deductions.append({"points": mx, "reason": self._missing_reason(p, facts, values), "rule": p.rule_id,
                               "facts": used, "thresholds": p.threshold(None)})
        else:
            kind, points = verdict.kind, verdict.points
            if kind == "not_applicable":
                if points == mx and mx > 0:
                    status = "full"   # the situation did not arise: full points, maximum kept
                    why = not_arising_reason(m, p.rule, session, lang)
                else:
                    status, points = "not_applicable", NIL
            elif p.survey_inputs and facts.projected and any(n in facts.projected for n in p.survey_inputs):
                status = "projected"   # last year's survey result stands in for this year's
                why = projected_reason(m, p.rule, session, facts, lang)
            elif points == mx:
                status = "full"
            else:
                status = "zero" if points == 0 else "partial"
                text = p.undefined if kind == "undefined" else p.reason(p.context(m, verdict.tier, lang), values, points)
                deductions.append({"points": mx - points, "reason": text, "rule": p.rule_id, "facts": used,
                                   "thresholds": p.threshold(verdict.tier)})
        trace = card.derive_steps(p.derived_reads)   # the derive steps it read (in the reference's order), then its own
        if verdict is not None:
            s = verdict.step
            trace.append({"rule": s.production, "kind": _TRACE_KIND.get(s.kind, "score"),
                          "inputs": s.inputs, "output": s.output or "", "location": p.location})
        claimed, evidence, notes = facts.claimed, facts.evidence, facts.notes
        return {
            "code": p.code, "name": p.name, "points": points, "max": mx, "status": status,
            "assessed_by": p.assessed_by, "provenance": p.provenance, "rule": p.rule_id,
            "rule_provenance": p.rule_provenance, "claimed": claimed.get(p.code) if claimed else None, "facts": used,
            "evidence": p.evidence_of(evidence) if evidence else {},
            "notes": p.notes_of(notes) if notes else {},
            "deductions": deductions,
            "trace": trace,
            "computed": None, "history": None, "reason": why,
            "baseline": {n: values.get(n + BASELINE_SUFFIX) for n in p.baseline_names} if p.baseline_names else None,
        }

    def _generate(self) -> Callable[..., list[dict[str, Any]]]:
        """`_all` as one generated function: per item, its facts read as a dict literal and a
        scored item's dict built inline with its constants; a missing, not-applicable or
        projected item goes to `item`. `tests/test_cards_generated.py` holds the two equal."""
        ns: dict[str, Any] = {"NIL": NIL, "M": self.m, "L": self.lang}
        lines = ["def build(plan, card, values, verdicts, claimed, evidence, notes, projected):",
                 "    get = values.get", "    item = plan.item", "    steps = card.derive_steps",
                 "    derived = card.derives.get",
                 "    out = []", "    append = out.append"]
        for i, p in enumerate(self.items):
            k = f"_{i}"
            ns.update({"P" + k: p, "MAX" + k: p.max, "W" + k: p.reason.compile() or p.reason, "CX" + k: p.contexts, "TH" + k: p.thresholds,
                       "U" + k: p.undefined, "N" + k: p.name, "LOC" + k: p.location, "DR" + k: tuple(p.derived_reads)})
            used = "{" + ", ".join(f"{n!r}: get({n!r})" for n in p.reads) + "}"
            rare = "v is None or v.kind == 'not_applicable'"
            if p.survey_inputs:
                rare += " or (projected and (" + " or ".join(f"{n!r} in projected" for n in p.survey_inputs) + "))"
            base = ("{" + ", ".join(f"{n!r}: get({n + BASELINE_SUFFIX!r})" for n in p.baseline_names) + "}"
                    if p.baseline_names else "None")
            lines += [
                f"    v = verdicts.get({p.code!r})",
                f"    u = {used}",
                f"    if {rare}:",
                f"        append(item(P{k}, card, v, u))",
                "    else:",
                "        pts = v.points",
                f"        if pts == MAX{k}:",
                "            st = 'full'; d = []",
                "        else:",
                "            st = 'zero' if pts == 0 else 'partial'; t = v.tier",
                f"            d = [{{'points': MAX{k} - pts, 'reason': U{k} if v.kind == 'undefined' else "
                f"W{k}(CX{k}[t] if t in CX{k} else P{k}.context(M, t, L), values, pts), 'rule': {p.rule_id!r}, "
                f"'facts': u, 'thresholds': TH{k}[t] if t in TH{k} else P{k}.threshold(t)}}]",
                *self._derive_trace_source(p, k, ns),
                "        s = v.step",
                "        tr.append({'rule': s.production, 'kind': 'score', 'inputs': s.inputs, "   # a score or undefined step
                f"'output': s.output or '', 'location': LOC{k}}})",
                f"        append({{'code': {p.code!r}, 'name': N{k}, 'points': pts, 'max': MAX{k}, 'status': st, "
                f"'assessed_by': {p.assessed_by!r}, 'provenance': {p.provenance!r}, 'rule': {p.rule_id!r}, "
                f"'rule_provenance': {p.rule_provenance!r}, 'claimed': claimed.get({p.code!r}) if claimed else None, "
                f"'facts': u, 'evidence': P{k}.evidence_of(evidence) if evidence else {{}}, "
                f"'notes': P{k}.notes_of(notes) if notes else {{}}, 'deductions': d, 'trace': tr, "
                f"'computed': None, 'history': None, 'reason': None, 'baseline': {base}}})",
            ]
        lines.append("    return out")
        exec(compile("\n".join(lines), f"<parscore card items {self.m.id} {self.lang}>", "exec"), ns)  # our own source, from data
        build: Callable[..., list[dict[str, Any]]] = ns["build"]
        return build

    def _derive_trace_source(self, p: _ItemPlan, k: str, ns: dict[str, Any]) -> list[str]:
        """Generated lines setting `tr`, an item's derive steps (`_Card.derive_steps`): inline
        for the common case, one derived fact read and derived once."""
        if not p.derived_reads:
            return ["        tr = []"]
        if len(p.derived_reads) > 1:
            return [f"        tr = steps(DR{k})"]
        (name,) = p.derived_reads
        ns["DL" + k] = self.m.derived_at.get(name)
        return [f"        x = derived({name!r})",
                "        if x is None: tr = []",
                "        elif len(x) == 1:",
                "            st_ = x[0][1]",
                f"            tr = [{{'rule': st_.production, 'kind': 'derive', 'inputs': st_.inputs, 'output': st_.output or '', "
                f"'location': DL{k}}}]",
                f"        else: tr = steps(DR{k})"]

    def _missing_reason(self, p: _ItemPlan, facts: Facts, values: dict[str, str | None]) -> str:
        """Why an item could not be scored: the facts to supply and where, or last year's value."""
        m, lang = self.m, self.lang
        missing = [n for n in p.reported if n not in facts.values]
        no_base = [n for n in p.baseline_names if values.get(n + BASELINE_SUFFIX) is None]
        text = (missing_reason(m, missing or ([] if no_base else p.reads), lang, fact_locations(facts))
                if missing or not no_base else "")
        if no_base:   # last year's value is what is missing
            text = (text + " " if text else "") + baseline_missing_reason(m, no_base, facts, lang)
        return text

    # ------------------------------------------------------------ aggregation

    def assemble(self, agency: Agency | dict[str, Any], year: int | None, items: list[dict[str, Any]],
                 stage: str = "computed", adjustment: Decimal = ZERO, facts: Facts | None = None) -> dict[str, Any]:
        """Items (plain, in tree order) → criteria, fields, total, index and group. `adjustment`
        is the net of capped bonus and penalty points (internal indices only). With the facts,
        the summary's missing data names where each missing fact is filled in."""
        nf, nc = len(self.fields), len(self.criteria)
        c_pts = [ZERO] * nc
        by_status = dict.fromkeys(STATUSES, 0)
        claimed_sum, any_claimed = ZERO, False
        part = {"appraisal": ZERO, "survey": ZERO}
        projected, any_projected = ZERO, False
        any_na = False
        for p, it in zip(self.items, items):
            pts, status = it["points"], it["status"]
            part[p.assessed_by] += pts
            c_pts[p.criterion] += pts
            by_status[status] = by_status.get(status, 0) + 1
            if status == "projected":
                projected += pts
                any_projected = True
            elif status == "not_applicable":
                any_na = True
            if it["claimed"] is not None:
                claimed_sum += it["claimed"]
                any_claimed = True
        # sums over the tree, exact (a field: its criteria; the total: the fields)
        f_pts = [ZERO] * nf
        for ci, fi in enumerate(self.criterion_field):
            f_pts[fi] += c_pts[ci]
        total = ZERO
        for x in f_pts:
            total += x
        if any_na:   # the applicable maxima leave out the items that do not apply
            f_app, c_app, applicable = [ZERO] * nf, [ZERO] * nc, ZERO
            for p, it in zip(self.items, items):
                if it["status"] != "not_applicable":
                    f_app[p.field] += p.max
                    c_app[p.criterion] += p.max
                    applicable += p.max
        else:
            f_app, c_app, applicable = self.field_max, self.criterion_max, self.full_max
        part_max = self.part_max
        by_status = {s: by_status[s] for s in STATUSES}
        total += adjustment
        idx = min(HUNDRED, max(ZERO, index_of(total, applicable) or ZERO))
        without = min(HUNDRED, max(ZERO, index_of(total - projected, applicable) or ZERO)) if any_projected else None
        by_prov, rules, share = self.summary_static
        card = {
            "methodology": dict(self.methodology), "overlay": self.m.overlay,
            "agency": agency.model_dump() if isinstance(agency, Agency) else agency,
            "year": year, "lang": self.lang, "stage": stage,
            "total": total, "max": self.full_max, "applicable_max": applicable, "index": idx,
            "group": group_of(self.m, idx), "claimed_total": claimed_sum if any_claimed else None,
            "counting": dict(self.counting),
            "summary": {"items": len(items), "by_status": by_status, "maxima_by_provenance": dict(by_prov),
                        "rules_by_provenance": dict(rules), "reconstructed_share": share,
                        "missing": self.missing(items, facts) if by_status.get("missing_facts")
                        else {"items": 0, "points": ZERO, "facts": []}, "field_maxima_by_provenance": dict(self.field_maxima),
                        "constraints": [dict(c) for c in self.constraints]},
            "fields": _nodes(self.fields, f_pts, f_app),
            "criteria": _nodes(self.criteria, c_pts, c_app),
            "items": items, "rank": None, "by_unit": None, "adjustments": None,
            "appraisal_points": part["appraisal"], "appraisal_max": part_max["appraisal"],
            "survey_points": part["survey"], "survey_max": part_max["survey"],
            "projected_points": projected if any_projected else None, "index_without_projection": without,
            "projection_source": facts.projection_source if facts is not None else None,
            "appraisal_errors": None,
        }
        return _ordered(Scorecard, card)

    def missing(self, items: list[dict[str, Any]], facts: Facts | None) -> dict[str, Any]:
        """Items scored 0 for want of data, the points they hold, and each fact to supply with
        where to supply it. Without the facts (a stored card), the facts an item read that
        have no value stand in."""
        m, lang = self.m, self.lang
        users: dict[str, list[str]] = {}
        points, count = ZERO, 0
        for p, it in zip(self.items, items):
            if it["status"] != "missing_facts":
                continue
            count += 1
            points += p.max
            names = ([n for n in p.reported if n not in facts.values] if facts is not None
                     else [n for n in p.reads if it["facts"].get(n) is None and n in m.facts])
            for n in names:
                users.setdefault(n, []).append(p.code)
        where = fact_locations(facts) if facts is not None and users else {}   # only when a fact is missing
        return {"items": count, "points": points,
                "facts": [{"fact": n, "description": m.kind_of(n).description.get(lang), "items": codes,
                           "location": where.get(n)} for n, codes in users.items()]}

    def card(self, facts: Facts, session: Session) -> dict[str, Any]:
        return self.assemble(facts.agency, facts.year, self.items_of(facts, session), facts=facts)

    def plain_numbers(self, facts: Facts) -> bool:
        """Whether every number of `card(facts, ...)` is plain (`plain_number`, sums and
        differences included). A card's numbers are the items' maxima (checked once per plan),
        points cut to 0.01, the claimed points (checked here, usually none), and their sums,
        differences and indices cut to 0.01."""
        return self.plain and all(plain_number(v) for v in facts.claimed.values())


_PLANS: dict[tuple[str, str, str | None, str], CardPlan] = {}


def fact_locations(facts: Facts) -> dict[str, str]:
    """Where a person supplies each fact: the workbook cell, else the YAML line of a `value: null`."""
    out = {n: f"{facts.file}:{line}" for n, line in facts.lines.items() if line and n not in facts.values}
    out.update(facts.locations)
    return out


def plan_for(m: Methodology, lang: str) -> CardPlan:
    """One card skeleton per methodology version and language per process."""
    key = (m.id, m.digest, m.overlay, lang)
    plan = _PLANS.get(key)
    if plan is None or plan.m is not m:
        plan = _PLANS[key] = CardPlan(m, lang)
    return plan


def card_model(data: dict[str, Any]) -> Scorecard:
    """The pydantic Scorecard of a plain card (validated once, where a model is returned)."""
    return Scorecard.model_validate(data)


def card_json(data: dict[str, Any], indent: int | None = 2) -> str:
    """A plain card as the JSON contract: the bytes `reporting.to_json` writes for its model
    (indent=None: one line, `,` and `:` between items, as JSON Lines are written)."""
    return dumps(data, indent=indent is not None, floats=False)


def card_line(data: dict[str, Any], plain: bool = False) -> bytes:
    """A plain card as one UTF-8 JSON Lines line (what `score --batch` writes). `plain`: its
    numbers are known to be plain (`CardPlan.plain_numbers`), so none is checked as it is written."""
    return dumps_bytes(data, indent=False, floats=False, plain=plain)


_PLAIN_STEP = Decimal("0.0001")
_PLAIN_LIMIT = Decimal(10) ** 9


def plain_number(d: Decimal) -> bool:
    """A multiple of 0.0001 no larger than 10^9: its sums and differences over a card (at most
    10^5 of them) are zero or lie within 0.0001–10^14, where orjson writes a number as the
    standard library does (`jsontext.dumps_bytes(plain=True)`)."""
    return d.is_finite() and abs(d) <= _PLAIN_LIMIT and d % _PLAIN_STEP == 0
