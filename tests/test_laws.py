"""Laws of scoring, checked with generated facts over the real methodology.

- every item's points lie within [0, max];
- points lost add up exactly to (applicable) max − total;
- improving a fact in its `better` direction never lowers an item or the total;
- the durable_rules engine and the naive baseline agree exactly;
- the JSON output is byte-identical on repeated runs.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from parscore import load_methodology, score, to_json
from parscore.loading import Facts
from parscore.models import Agency

M = load_methodology("par-province-892")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _value(name: str):
    spec = M.facts[name]
    if spec.type == "boolean":
        return st.booleans()
    if spec.type == "date":
        return st.dates(date(2024, 1, 1), date(2026, 12, 31))
    if spec.type == "count":
        return st.integers(0, 60)
    if spec.type == "percent":
        return st.integers(0, 10000).map(lambda n: Decimal(n) / 100)
    lo = int(spec.min) if spec.min is not None else 0
    hi = int(spec.max) if spec.max is not None else 5000
    return st.integers(lo * 100, hi * 100).map(lambda n: Decimal(n) / 100)


@st.composite
def fact_sets(draw, missing: bool = True):
    values = {}
    # wholes before parts, so a part can be drawn within its whole
    for name in sorted(M.facts, key=lambda n: M.facts[n].part_of is not None):
        if missing and draw(st.integers(0, 19)) == 0:
            continue
        v = draw(_value(name))
        whole = M.facts[name].part_of
        if whole is not None and whole in values:
            v = min(v, values[whole])
        values[name] = v
    return values


def _facts(values) -> Facts:
    return Facts("generated.yaml", Agency(code="t", name="T"), 2025, M.id, values)


def _valid(values) -> bool:
    return all(values[n] <= values[s.part_of] for n, s in M.facts.items()
               if s.part_of and n in values and s.part_of in values)


@SETTINGS
@given(fact_sets())
def test_bounds_and_lost_points(values):
    card = score(M, _facts(values))
    for it in card.items:
        assert Decimal(0) <= it.points <= it.max
        assert sum((d.points for d in it.deductions), Decimal(0)) == (
            Decimal(0) if it.status == "not_applicable" else it.max - it.points)
    lost = sum((d.points for it in card.items for d in it.deductions), Decimal(0))
    assert lost == card.applicable_max - card.total
    assert card.total == sum((f.points for f in card.fields), Decimal(0))
    assert Decimal(0) <= card.index <= Decimal(100)


@SETTINGS
@given(fact_sets(missing=False), st.data())
def test_improving_a_fact_never_lowers_a_score(values, data):
    movable = sorted(n for n, s in M.facts.items() if s.better != "none" and s.type != "date")
    name = data.draw(st.sampled_from(movable))
    spec = M.facts[name]
    old = values[name]
    if spec.type == "boolean":
        new = spec.better == "higher"
    else:
        step = data.draw(st.integers(1, 40))
        new = old + step if spec.better == "higher" else old - step
        if spec.type == "percent":
            new = min(Decimal(100), max(Decimal(0), Decimal(new)))
        new = max(new, 0 if spec.min is None else spec.min)
        if spec.max is not None:
            new = min(new, spec.max)
    improved = {**values, name: new}
    assume(_valid(improved))
    before, after = score(M, _facts(values)), score(M, _facts(improved))
    for a, b in zip(before.items, after.items):
        assume(a.status != "not_applicable" and b.status != "not_applicable")
    for a, b in zip(before.items, after.items):
        assert b.points >= a.points, (name, old, new, a.code, a.points, b.points)
    assert after.total >= before.total


@SETTINGS
@given(fact_sets())
def test_durable_engine_and_baseline_agree(values):
    a = score(M, _facts(values), "vi", "durable")
    b = score(M, _facts(values), "vi", "python")
    assert to_json(a) == to_json(b)


@SETTINGS
@given(fact_sets())
def test_output_is_deterministic(values):
    assert to_json(score(M, _facts(values), "en")) == to_json(score(M, _facts(dict(reversed(values.items()))), "en"))


@SETTINGS
@given(fact_sets())
def test_the_maximum_never_shrinks(values):
    """Published field maxima are the same in every province: whatever did or did not arise,
    the card is out of 100, and every field out of its published maximum."""
    card = score(M, _facts(values))
    assert card.applicable_max == card.max == Decimal(100)
    assert {f.code: f.applicable_max for f in card.fields if f.provenance == "published"} == {
        "1": Decimal("9.5"), "3": Decimal(13), "4": Decimal("10.5"), "5": Decimal(15), "8": Decimal("16.5")}


@SETTINGS
@given(fact_sets(missing=False), fact_sets(missing=False))
def test_a_projected_survey_is_counted_apart(this_year, last_year):
    from dataclasses import replace

    from parscore.baseline import survey_facts

    sv = survey_facts(M)
    blank = _facts({k: v for k, v in this_year.items() if k not in sv})
    projected = replace(blank, values={**blank.values, **{k: last_year[k] for k in sv}}, projected={k: last_year[k] for k in sv},
                        projection_source="last.yaml")
    card, bare = score(M, projected), score(M, blank)
    items = [it for it in card.items if it.status == "projected"]
    assert len(items) == len(sv) and all(it.assessed_by == "survey" for it in items)
    assert card.projected_points == sum((it.points for it in items), Decimal(0)) == card.survey_points
    assert card.index_without_projection == bare.index <= card.index
    assert card.appraisal_points == bare.appraisal_points and card.appraisal_max + card.survey_max == Decimal(100)
