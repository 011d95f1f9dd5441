"""Plan tracking: a plan's tasks as data, each a condition on facts, checked against
an agency's facts: met, not met, or unknown (facts missing), overdue or not on a
given date, and the points at stake in the criteria it serves.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import InputError, Problem
from .dates import PersonDate
from .evaluation import canonical, engine_for, exact_value, known_value, parse_canonical
from .loading import Facts, Methodology
from .loading._common import _hint
from .models import Num, Scorecard, Text
from .scorecard import build_scorecard
from .yamlio import load_model


class Target(BaseModel):
    """`{fact, at_least|at_most|equals|increase|at_least_baseline}`, or `{all: [...]}` /
    `{any: [...]}` of those. `increase: true` is met when the value rose above the
    baseline's (last year's facts file), `at_least_baseline: true` when it did not fall;
    both compare the amounts exactly, and a missing baseline value leaves the task unknown."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fact: str | None = None
    at_least: Num | None = None
    at_most: Num | None = None
    equals: Any = None
    increase: Literal[True] | None = None
    at_least_baseline: Literal[True] | None = None
    below: str | None = None          # strictly below another fact's amount, compared exactly
    all: list["Target"] | None = None
    any: list["Target"] | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Target":
        if self.all is not None or self.any is not None:
            if self.fact is not None or (self.all is not None and self.any is not None):
                raise ValueError("a target is either {fact: ..., test} or {all: [...]} or {any: [...]}")
            return self
        tests = [k for k in ("at_least", "at_most", "equals", "increase", "at_least_baseline", "below") if getattr(self, k) is not None]
        if self.fact is None or len(tests) != 1:
            raise ValueError("a target needs a fact and exactly one of at_least, at_most, equals, increase, at_least_baseline, below")
        if self.equals is not None and not isinstance(self.equals, bool) and not (
                isinstance(self.equals, (int, float)) and abs(self.equals) <= 10 ** 12):
            raise ValueError("equals takes true, false or a plausible number")
        return self

    def facts(self) -> list[str]:
        if self.fact is not None:
            return [self.fact] + ([self.below] if self.below else [])
        return [n for t in (self.all or self.any or []) for n in t.facts()]

    def below_facts(self) -> list[str]:
        if self.fact is not None:
            return [self.fact, self.below] if self.below else []
        return [n for t in (self.all or self.any or []) for n in t.below_facts()]

    def baseline_facts(self) -> list[str]:
        """Facts whose last-year value the target compares with."""
        if self.fact is not None:
            return [self.fact] if self.increase or self.at_least_baseline else []
        return [n for t in (self.all or self.any or []) for n in t.baseline_facts()]


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    section: str
    title: Text
    lead: str
    cooperating: list[str] = Field(default_factory=list)
    deadline: PersonDate | None = None  # 31/12/2025 or 2025-12-31
    serves: list[str] = Field(min_length=1)
    target: Target


class PlanFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    plan: str
    citation: str
    agency: str
    units: dict[str, Text]
    tasks: list[Task] = Field(min_length=1)


@dataclass(frozen=True)
class TaskStatus:
    task: Task
    state: str                 # met | not_met | unknown
    timing: str                # overdue | due | no_deadline | done
    values: dict[str, str | None]
    at_stake: Decimal          # points lost now in the items the task serves
    max: Decimal
    baseline: dict[str, str | None] | None = None   # last year's values, for increase targets


@dataclass(frozen=True)
class PlanStatus:
    plan: PlanFile
    on: dt.date
    card: Scorecard
    tasks: list[TaskStatus]

    def by_unit(self) -> list[tuple[str, dict[str, int], Decimal]]:
        out: dict[str, tuple[dict[str, int], list[Decimal]]] = {}
        for t in self.tasks:
            counts, stake = out.setdefault(t.task.lead, ({"met": 0, "not_met": 0, "unknown": 0, "overdue": 0}, [Decimal(0)]))
            counts[t.state] += 1
            counts["overdue"] += t.timing == "overdue"
            stake[0] += t.at_stake
        return [(u, c, s[0]) for u, (c, s) in out.items()]


def load_plan(path: str | os.PathLike[str], m: Methodology, agency: str | None = None) -> PlanFile:
    """A plan's tasks, checked against the methodology; with `agency` (the facts' agency code),
    a plan of another agency is refused, as an appraisal of another agency is."""
    pf: PlanFile
    pf, doc = load_model(os.fspath(path), PlanFile, "PS140", "a plan: plan, citation, agency, units, tasks")
    known = set(m.facts) | set(m.derived)
    codes = m.codes
    problems = []
    if agency not in (None, "unknown") and pf.agency != agency:
        problems.append(Problem(doc.file, doc.line(("agency",)), "agency",
                                f"the plan of {pf.agency}, but the facts are {agency}'s; give this agency's plan", "PS145"))
    seen: set[str] = set()
    for i, t in enumerate(pf.tasks):
        line = doc.line(("tasks", i))
        if t.id in seen:
            problems.append(Problem(doc.file, line, f"tasks.{t.id}", "duplicate task id", "PS141"))
        seen.add(t.id)
        for u in [t.lead, *t.cooperating]:
            if u not in pf.units:
                problems.append(Problem(doc.file, line, f"tasks.{t.id}.lead", f"unit '{u}' is not declared under units:{_hint(u, set(pf.units))}", "PS142"))
        for f in t.target.facts():
            if f not in known:
                problems.append(Problem(doc.file, doc.line(("tasks", i, "target")), f"tasks.{t.id}.target",
                                        f"unknown fact '{f}'{_hint(f, known)}", "PS143"))
        for c in t.serves:
            if c not in codes:
                problems.append(Problem(doc.file, doc.line(("tasks", i, "serves")), f"tasks.{t.id}.serves",
                                        f"'{c}' is not a field, criterion or sub-criterion of {m.id}", "PS144"))
    if problems:
        raise InputError(problems)
    return pf


def plan_status(m: Methodology, facts: Facts, plan: PlanFile, on: dt.date, lang: str = "vi") -> PlanStatus:
    session = engine_for(m).evaluate(facts)
    card = build_scorecard(m, facts, session, lang)
    values = {n: parse_canonical(v, m, n) for n, v in session.values.items() if v is not None}
    base: dict[str, Any] = {}
    if facts.baseline is not None:
        for n in {f for task in plan.tasks for f in task.target.baseline_facts()}:
            v = known_value(m, facts.baseline.values, n)
            if v is not None:
                base[n] = v
    # "more than last year" and "below another amount" compare exact amounts (ratios not cut)
    exact: dict[str, Any] = {}
    for task in plan.tasks:
        for n in task.target.baseline_facts() + task.target.below_facts():
            exact[n] = exact_value(m, facts.values, n)
            if facts.baseline is not None and n in task.target.baseline_facts():
                exact[n + "@baseline"] = exact_value(m, facts.baseline.values, n)
    out = []
    for task in plan.tasks:
        state = _check(task.target, values, base, exact)
        items = [it for it in card.items if any(it.code == c or it.code.startswith(c + ".") for c in task.serves)]
        stake = sum((it.max - it.points for it in items if it.status != "not_applicable"), Decimal(0))
        mx = sum((it.max for it in items), Decimal(0))
        timing = ("done" if state == "met" else "no_deadline" if task.deadline is None
                  else "overdue" if task.deadline < on else "due")
        bnames = task.target.baseline_facts()
        out.append(TaskStatus(task, state, timing, {n: session.values.get(n) for n in task.target.facts()}, stake, mx,
                              {n: canonical(base.get(n)) for n in bnames} if bnames else None))
    return PlanStatus(plan, on, card, out)


def _check(t: Target, values: dict[str, Any], base: dict[str, Any], exact: dict[str, Any] | None = None) -> str:
    exact = exact or {}
    if t.all is not None or t.any is not None:
        parts = [_check(x, values, base, exact) for x in (t.all or t.any or [])]
        if t.all is not None:
            return "not_met" if "not_met" in parts else "unknown" if "unknown" in parts else "met"
        return "met" if "met" in parts else "unknown" if "unknown" in parts else "not_met"
    fact = t.fact
    assert fact is not None  # Target._shape: a target that is not all/any names its fact
    v = values.get(fact)
    if v is None:
        return "unknown"
    if t.equals is not None:
        ok = v == t.equals if isinstance(v, bool) else Decimal(str(v)) == Decimal(str(t.equals))
    elif isinstance(v, (bool, dt.date)):
        return "unknown"
    elif t.below is not None:
        w = values.get(t.below)
        if w is None or isinstance(w, (bool, dt.date)):
            return "unknown"
        a, b = exact.get(fact), exact.get(t.below)
        ok = (a < b) if a is not None and b is not None else Decimal(v) < Decimal(w)
    elif t.increase or t.at_least_baseline:
        b = base.get(fact)
        if b is None:
            return "unknown"   # no baseline value: never counted as met
        x, y = exact.get(fact), exact.get(f"{fact}@baseline")
        if x is None or y is None:
            x, y = Decimal(v), Decimal(b)
        ok = x > y if t.increase else x >= y
    elif t.at_least is not None:
        ok = Decimal(v) >= t.at_least
    else:
        assert t.at_most is not None  # Target._shape: exactly one test, and the others are None here
        ok = Decimal(v) <= t.at_most
    return "met" if ok else "not_met"
