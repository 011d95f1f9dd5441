"""The facts reader's table of values taken as they are (`loading.facts._QUICK`) reads exactly
what the full checks (`_typed`) read: the same value of the same type, or the same refusal."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from parscore import load_methodology
from parscore.errors import InputError
from parscore.loading import facts_from_document
from parscore.loading.facts import _typed
from parscore.yamlio import Document

M = load_methodology("par-province-892")
# one fact of each type the table serves, without a min or max of its own
NAMES = {t: next(n for n, s in M.facts.items() if s.type == t and s.min is None and s.max is None and not s.part_of)
         for t in ("count", "percent", "number", "boolean")}
EDGES = [0, 1, -1, 100, 101, 10 ** 12, 10 ** 12 + 1, 10 ** 15, 10 ** 15 + 1, -10 ** 15, -10 ** 15 - 1, 0.0, -0.0, 100.0,
         100.00000000000001, 99.99999999999999, 1e15, 1.0000000000000002e15, -1e15, 5e-324, -5e-324, float("nan"),
         float("inf"), float("-inf"), True, False, 12.5, 2 ** 63, "95"]


def _full(value, fact_type):
    """What `_typed` alone makes of the value: (type, value) or the refusal's text."""
    errors: list[str] = []
    got = _typed(value, M.facts[NAMES[fact_type]], errors.append)
    return ("refused", errors[0]) if got is None else (type(got), got)


def _read(value, fact_type):
    """What a facts document with the value as a bare fact reads."""
    name = NAMES[fact_type]
    try:
        facts = facts_from_document(Document("x.jsonl:1", {"facts": {name: value}}), M)
    except InputError as exc:
        (problem,) = exc.problems
        return ("refused", problem.message)
    got = facts.values[name]
    return (type(got), got)


def _same(a, b):
    if a[0] == "refused" or b[0] == "refused":
        return a == b
    return a[0] is b[0] and a[1] == b[1] and str(a[1]) == str(b[1])   # the same type, value and digits


@given(st.sampled_from(sorted(NAMES)), st.one_of(st.sampled_from(EDGES), st.integers(-2 * 10 ** 15, 2 * 10 ** 15),
                                                 st.floats(), st.booleans()))
@settings(max_examples=600, deadline=None)
def test_a_bare_value_reads_as_the_full_checks_read_it(fact_type, value):
    assert _same(_read(value, fact_type), _full(value, fact_type)), (fact_type, value)


def test_the_edges_of_each_type():
    assert _read(100.0, "percent") == (Decimal, Decimal("100.0"))
    assert _read(100.00000000000001, "percent")[0] == "refused"
    assert _read(10 ** 12, "count") == (int, 10 ** 12) and _read(10 ** 12 + 1, "count")[0] == "refused"
    assert _read(True, "count")[0] == "refused" and _read(1, "boolean")[0] == "refused"
    assert _read(float("nan"), "number") == ("refused", "expected a number, got .nan (not a number)")
    assert _read(-0.0, "percent") == (Decimal, Decimal("-0.0"))
