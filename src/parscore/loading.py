"""Files → validated models: methodologies with their rules, and facts files.

Every problem found is collected with its file and line, and all are raised together,
so a province editing a methodology sees the whole list at once.
"""
from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
import string
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Union

from pydantic import ValidationError

from .errors import InputError, Problem
from .dates import parse_date
from .kinds import CheckContext, for_score
from .models import (
    AdjustmentRule, Agency, Constraint, Criterion, Expected, DerivedSpec,
    Evidence, FactConstraint, FactSpec, FieldNode, Group,
    MethodologyFile, RuleSpec, RulesFile,
    SubCriterion, Text,
)
from .resources import find_methodology, known_methodologies
from .yamlio import Document, load_yaml, pydantic_problems

FactValue = Union[int, Decimal, bool, date]

# placeholders every explain template may use; a kind adds its own (Kind.template_keys, e.g. baseline, change)
TEMPLATE_KEYS = frozenset({"value", "points", "max", "lost", "full", "next", "next_points", "each", "floor"})


@dataclass(frozen=True)
class Methodology:
    """A scoring table with its rules, checked against every invariant it declares."""

    id: str
    version: str
    name: Text
    citation: str
    path: str
    total: Decimal
    groups: tuple[Group, ...]
    fields: tuple[FieldNode, ...]
    facts: dict[str, FactSpec]
    derived: dict[str, DerivedSpec]
    rules: dict[str, RuleSpec]  # by item code, in tree order
    digest: str
    overlay: str | None = None
    bonus: Any = None      # Cap, for internal indices with bonus points
    penalty: Any = None    # Cap, for internal indices with penalty points
    when_not_arising: str = "full_points"   # the default policy for items whose situation did not arise
    constraints: tuple[Constraint, ...] = ()   # published totals over fields (the methodology file's `constraints:`)
    expected: Expected | None = None
    appraisal_total: Decimal | None = None
    survey_total: Decimal | None = None
    fact_constraints: tuple[FactConstraint, ...] = ()   # consistency between reported facts (rules files)
    fact_constraint_files: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # id -> (file, line)

    def when_not_arising_of(self, rule: RuleSpec) -> str:
        """full_points (the maximum never shrinks) or not_applicable (the item leaves it)."""
        return rule.when_not_arising or self.when_not_arising
    # Conventions of provinces' internal indices (docs/rule-format.md); defaults are the national table's.
    applies_to: str = "province"
    denominator: str = "fixed"
    survey: Any = None     # SurveyPolicy or None
    feeds_into: str | None = None
    bonus_rules: tuple[AdjustmentRule, ...] = ()
    penalty_rules: tuple[AdjustmentRule, ...] = ()
    facts_from: tuple[str, ...] = ()
    issuer: Text | None = None
    # Where each rule (by id) and derived fact (by name) is written, relative to the methodology
    # file's directory (`../rules/par-province-892/field-1.yaml:42`), so a trace names the same
    # place on every machine and in the wheel.
    rule_at: dict[str, str] = field(default_factory=dict)
    derived_at: dict[str, str] = field(default_factory=dict)

    def location(self, kind: str, source: str) -> str | None:
        """Where a trace step's production comes from: a derived fact's or a rule's `file:line`."""
        return (self.derived_at if kind == "derive" else self.rule_at).get(source)

    @cached_property
    def codes(self) -> set[str]:
        """Every field, criterion and sub-criterion code."""
        return {f.code for f in self.fields} | {c.code for f in self.fields for c in f.criteria} | set(self.leaves)

    @cached_property
    def leaves(self) -> dict[str, SubCriterion]:
        return {s.code: s for f in self.fields for c in f.criteria for s in c.sub_criteria}

    def parents(self, code: str) -> tuple[FieldNode, Criterion]:
        for f in self.fields:
            for c in f.criteria:
                if any(s.code == code for s in c.sub_criteria):
                    return f, c
        raise KeyError(code)

    def kind_of(self, name: str) -> FactSpec | DerivedSpec:
        return self.facts.get(name) or self.derived[name]

    def inputs_of(self, name: str) -> list[str]:
        """The reported facts a fact or derived fact rests on, in declaration order."""
        if name in self.facts:
            return [name]
        out: list[str] = []
        for part in self.derived[name].inputs:
            out += [n for n in self.inputs_of(part) if n not in out]
        return out

    def reads(self, rule: RuleSpec) -> list[str]:
        """Facts and derived facts a rule reads: the scored fact, its inputs, the N/A fact."""
        return self._reads[rule.id]

    @cached_property
    def _reads(self) -> dict[str, list[str]]:
        return {r.id: self._compute_reads(r) for r in self.rules.values()}

    def _compute_reads(self, rule: RuleSpec) -> list[str]:
        names = [rule.score.fact]
        for n in _closure(self, rule.score.fact):
            if n not in names:
                names.append(n)
        if rule.not_applicable_when and rule.not_applicable_when.fact not in names:
            names.append(rule.not_applicable_when.fact)
        for extra in for_score(rule.score).extra_reads(rule.score) + list(rule.shows):
            for n in [extra, *_closure(self, extra)]:
                if n not in names:
                    names.append(n)
        return names

    def baseline_reads(self, rule: RuleSpec) -> list[str]:
        """Facts whose baseline (last year's) value the rule compares with."""
        return for_score(rule.score).baseline_reads(rule.score)

    @property
    def adjustment_rules(self) -> list[tuple[str, AdjustmentRule]]:
        """Bonus and penalty rules, as (kind, rule)."""
        return [("bonus", r) for r in self.bonus_rules] + [("penalty", r) for r in self.penalty_rules]

    def users_of(self, fact: str) -> list[str]:
        return [code for code, r in self.rules.items() if fact in self.reads(r)]


def _closure(m: Methodology, name: str) -> list[str]:
    if name not in m.derived:
        return []
    out: list[str] = []
    for part in m.derived[name].inputs:
        for n in [part, *_closure(m, part)]:
            if n not in out:
                out.append(n)
    return out


# ---------------------------------------------------------------- methodology


def resolve_methodology(ref: str | os.PathLike[str]) -> Path:
    """An id names `criteria/<id>.yaml`; anything else is a path."""
    try:
        return _resolve_methodology(ref)
    except OSError as exc:
        raise InputError.one(str(ref)[:200], None, "methodology", f"cannot be read: {exc.strerror or exc}", "PS020") from None


def _resolve_methodology(ref: str | os.PathLike[str]) -> Path:
    ref_s = str(ref)
    p = Path(ref_s)
    if p.suffix in (".yaml", ".yml") or os.sep in ref_s or p.exists():
        return p
    candidate = find_methodology(ref_s)
    if candidate is not None:
        return candidate
    known = known_methodologies()
    hint = _did_you_mean(ref_s, known) or f"known: {', '.join(known) or 'none'}"
    raise InputError.one(ref_s, None, "methodology", f"unknown methodology '{ref_s}'; {hint}", "PS020")


_CACHE: dict[tuple[str, str | None, float, float | None], Methodology] = {}


def load_methodology(ref: str | os.PathLike[str] = "par-province-892", overlay: str | os.PathLike[str] | None = None) -> Methodology:
    """Load and validate a methodology with its rules (cached per file version)."""
    path = resolve_methodology(ref)
    try:
        key = (str(path.resolve()) if path.exists() else str(path), str(overlay) if overlay else None,
               path.stat().st_mtime if path.exists() else 0.0,
               Path(overlay).stat().st_mtime if overlay and Path(overlay).exists() else None)
    except OSError as exc:
        raise InputError.one(str(path)[:200], None, "methodology", f"cannot be read: {exc.strerror or exc}", "PS020") from None
    if key not in _CACHE:
        _CACHE[key] = _build_methodology(path, overlay)
    return _CACHE[key]


def _build_methodology(path: Path, overlay: str | os.PathLike[str] | None) -> Methodology:
    doc = load_yaml(path)
    hasher = hashlib.sha256(doc.raw)  # the bytes parsed, read once
    if not isinstance(doc.data, dict):
        raise InputError.one(doc.file, 1, "", "expected a methodology mapping (id, version, fields, ...)", "PS021")
    data = doc.data
    overlay_name = None
    patches = None
    if overlay is not None:
        from .overlay import apply_overlay

        data, overlay_name, overlay_bytes, *patches = apply_overlay(data, overlay)
        hasher.update(overlay_bytes)
    try:
        mfile = MethodologyFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(pydantic_problems(doc, exc, code="PS021")) from None

    problems: list[Problem] = []
    _check_tree(mfile, doc, problems)
    tree_ok = not problems
    rules_dir = Path(os.path.normpath(Path(path).parent / mfile.rules))
    before = len(problems)
    constraints: list[tuple[FactConstraint, str, int | None]] = []
    adjust: dict[str, list[Any]] = {"bonus": [], "penalty": []}
    facts, derived, rules, rule_files, rule_docs, where = _load_rules(rules_dir, problems, hasher, adjust, constraints)
    if mfile.facts_from and len(problems) == before:
        from .conventions import import_facts

        import_facts(Path(path).parent, mfile, doc, facts, derived, where, rules, adjust, problems, hasher)
    if adjust.get("describe") and len(problems) == before:
        from .conventions import apply_descriptions

        apply_descriptions(facts, derived, adjust["describe"], problems)
    rules_ok = len(problems) == before
    if patches:
        from .conventions import patch_adjustments
        from .overlay import apply_rule_patches

        patches = patch_adjustments(adjust, *patches)
        rules = apply_rule_patches(rules, *patches)
    m = Methodology(
        id=mfile.id, version=mfile.version, name=mfile.name, citation=mfile.citation,
        path=str(path), total=mfile.total, groups=tuple(mfile.groups), fields=tuple(mfile.fields),
        facts=facts, derived=derived, rules={}, digest="", overlay=overlay_name,
        bonus=mfile.bonus, penalty=mfile.penalty, when_not_arising=mfile.when_not_arising,
        constraints=tuple(mfile.constraints), expected=mfile.expected,
        appraisal_total=mfile.appraisal_total, survey_total=mfile.survey_total,
        fact_constraints=tuple(c for c, _, _ in constraints),
        fact_constraint_files={c.id: (f, ln) for c, f, ln in constraints},
        applies_to=mfile.applies_to, denominator=mfile.denominator,
        survey=mfile.survey, feeds_into=mfile.feeds_into, facts_from=tuple(mfile.facts_from), issuer=mfile.issuer,
        bonus_rules=tuple(r for r, _, _ in adjust["bonus"]), penalty_rules=tuple(r for r, _, _ in adjust["penalty"]),
        rule_at={r: _relative(f, ln, Path(path).parent) for r, (f, ln) in rule_files.items()},
        derived_at={n: _relative(*where[n], Path(path).parent) for n in derived if n in where},
    )
    by_item: dict[str, RuleSpec] = {}
    leaves = m.leaves
    for rule in rules:
        file, line = rule_files[rule.id]
        if rule.item not in leaves and not tree_ok:
            continue  # a malformed code is reported once, at its root
        if rule.item not in leaves:
            problems.append(Problem(file, line, f"rules.{rule.id}.item",
                                    f"rule scores '{rule.item}', which is not a sub-criterion of {mfile.id}", "PS040"))
        elif rule.item in by_item:
            problems.append(Problem(file, line, f"rules.{rule.id}.item",
                                    f"sub-criterion {rule.item} already has rule '{by_item[rule.item].id}'; one rule per sub-criterion", "PS041"))
        else:
            by_item[rule.item] = rule
    for code, leaf in leaves.items():
        if code not in by_item and tree_ok and rules_ok:  # else the cause is already reported
            problems.append(Problem(doc.file, doc.line(_leaf_path(mfile, code)), code,
                                    f"sub-criterion {code} has no rule in {rules_dir}", "PS042"))
    ordered = {code: by_item[code] for code in leaves if code in by_item}
    object.__setattr__(m, "rules", ordered)
    object.__setattr__(m, "digest", hasher.hexdigest()[:16])
    if not problems:
        _check_rules(m, rule_docs, where, problems)
    if not problems:
        from .conventions import check_conventions

        check_conventions(m, mfile, doc, rule_docs, adjust, problems)
    if problems:
        raise InputError(problems)
    return m


def _leaf_path(mfile: MethodologyFile, code: str) -> tuple[str | int, ...]:
    for i, f in enumerate(mfile.fields):
        for j, c in enumerate(f.criteria):
            for k, s in enumerate(c.sub_criteria):
                if s.code == code:
                    return ("fields", i, "criteria", j, "sub_criteria", k)
    return ()


def _check_tree(m: MethodologyFile, doc: Document, problems: list[Problem]) -> None:
    def add(path: tuple[str | int, ...], field: str, msg: str, code: str) -> None:
        problems.append(Problem(doc.file, doc.line(path), field, msg, code))

    seen: dict[str, tuple[str | int, ...]] = {}
    counts = {"fields": 0, "criteria": 0, "sub_criteria": 0}
    assessed = {"appraisal": Decimal(0), "survey": Decimal(0)}
    for i, f in enumerate(m.fields):
        fp: tuple[str | int, ...] = ("fields", i)
        counts["fields"] += 1
        for code, path, pattern, parent in [(f.code, fp, r"^\d+$", None)]:
            _check_code(code, path, pattern, parent, seen, add)
        for j, c in enumerate(f.criteria):
            cp = fp + ("criteria", j)
            counts["criteria"] += 1
            _check_code(c.code, cp, r"^\d+\.\d+$", f.code, seen, add)
            for k, s in enumerate(c.sub_criteria):
                sp = cp + ("sub_criteria", k)
                counts["sub_criteria"] += 1
                _check_code(s.code, sp, r"^\d+\.\d+\.\d+$", c.code, seen, add)
                assessed[s.assessed_by] += s.max
            _check_sum(c.code, c.max, [s.max for s in c.sub_criteria], cp + ("max",), "sub-criteria", add)
        _check_sum(f.code, f.max, [c.max for c in f.criteria], fp + ("max",), "criteria", add)
    field_total = sum((f.max for f in m.fields), Decimal(0))
    if field_total != m.total:
        add(("total",), "total", f"the fields' maxima add up to {_fmt(field_total)}, but total says {_fmt(m.total)}", "PS032")
    for part, declared in (("appraisal", m.appraisal_total), ("survey", m.survey_total)):
        if declared is not None and assessed[part] != declared:
            add((f"{part}_total",), f"{part}_total",
                f"sub-criteria scored by {part} add up to {_fmt(assessed[part])}, but {part}_total says {_fmt(declared)}", "PS033")
    if m.expected:
        for level, n in counts.items():
            want = getattr(m.expected, level)
            if n != want:
                add(("expected", level), f"expected.{level}", f"the tree has {n} {level.replace('_', '-')}, expected {want}", "PS034")
    field_max = {f.code: f.max for f in m.fields}
    for i, c in enumerate(m.constraints):
        unknown = [code for code in c.fields if code not in field_max]
        if unknown:
            add(("constraints", i, "fields"), f"constraints[{i}].fields",
                f"unknown field code(s) {', '.join(unknown)}; list field codes such as \"2\"", "PS301")
            continue
        got = sum((field_max[code] for code in c.fields), Decimal(0))
        if got != c.total:
            add(("constraints", i, "total"), f"constraints[{i}].total",
                f"fields {' + '.join(c.fields)} add up to {_fmt(got)}, but the {c.provenance} total is {_fmt(c.total)}"
                f" ({c.citation or 'no citation'}); move points between these fields, not out of them", "PS300")
    mins = [g.min for g in m.groups]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins) or mins[-1] != 0:
        add(("groups",), "groups", "groups must be listed highest first with distinct 'min' values, the last one min: 0", "PS035")


def _check_code(code: str, path: tuple[str | int, ...], pattern: str, parent: str | None,
                seen: dict[str, tuple[str | int, ...]], add: Any) -> None:
    if not re.match(pattern, code):
        shape = {r"^\d+$": "'1'", r"^\d+\.\d+$": "'1.3'", r"^\d+\.\d+\.\d+$": "'1.3.1'"}[pattern]
        add(path + ("code",), "code", f"malformed code '{code}', expected the form {shape}", "PS030")
    elif parent is not None and re.match(r"^\d+(\.\d+)?$", parent) and code.rsplit(".", 1)[0] != parent:
        add(path + ("code",), "code", f"code '{code}' is not under its parent '{parent}'", "PS030")
    if code in seen:
        add(path + ("code",), "code", f"duplicate code '{code}'", "PS031")
    seen[code] = path


def _check_sum(code: str, declared: Decimal, parts: list[Decimal], path: tuple[str | int, ...], what: str, add: Any) -> None:
    total = sum(parts, Decimal(0))
    if total != declared:
        add(path, f"{code}.max", f"{what} of {code} add up to {_fmt(total)}, but its max is {_fmt(declared)}", "PS032")


def _load_rules(rules_dir: Path, problems: list[Problem], hasher: Any, adjust: dict[str, list[Any]] | None = None,
                constraints: list[tuple[FactConstraint, str, int | None]] | None = None) -> tuple[
        dict[str, FactSpec], dict[str, DerivedSpec], list[RuleSpec], dict[str, tuple[str, int | None]],
        dict[str, tuple[Document, int]], dict[str, tuple[str, int | None]]]:
    facts: dict[str, FactSpec] = {}
    derived: dict[str, DerivedSpec] = {}
    rules: list[RuleSpec] = []
    rule_files: dict[str, tuple[str, int | None]] = {}
    rule_docs: dict[str, tuple[Document, int]] = {}
    where: dict[str, tuple[str, int | None]] = {}
    if not rules_dir.is_dir():
        problems.append(Problem(str(rules_dir), None, "rules", "rules directory not found", "PS043"))
        return facts, derived, rules, rule_files, rule_docs, where
    files = sorted(rules_dir.glob("*.yaml"))
    if not files:
        problems.append(Problem(str(rules_dir), None, "rules", "no rule files (*.yaml) in the rules directory", "PS043"))
    for f in files:
        try:
            doc = load_yaml(f)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        hasher.update(f.name.encode() + doc.raw)
        if not isinstance(doc.data, dict):
            problems.append(Problem(doc.file, 1, "", "expected a mapping with facts, derived and rules", "PS044"))
            continue
        try:
            rf = RulesFile.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(pydantic_problems(doc, exc, code="PS044"))
            continue
        for section, table, target in (("facts", rf.facts, facts), ("derived", rf.derived, derived)):
            for name, spec in table.items():
                line = doc.line((section, name))
                if not re.match(r"^[a-z][a-z0-9_]*$", name):
                    problems.append(Problem(doc.file, line, f"{section}.{name}", "fact names are snake_case", "PS045"))
                other = facts.get(name) or derived.get(name)
                if other is not None and other != spec:
                    ofile, oline = where[name]
                    problems.append(Problem(doc.file, line, f"{section}.{name}",
                                            f"'{name}' is already declared differently in {ofile}:{oline}", "PS046"))
                    continue
                target[name] = spec  # type: ignore[assignment]
                where.setdefault(name, (doc.file, line))
        for i, rule in enumerate(rf.rules):
            line = doc.line(("rules", i))
            if rule.id in rule_files:
                ofile, oline = rule_files[rule.id]
                problems.append(Problem(doc.file, line, f"rules.{rule.id}", f"duplicate rule id (also {ofile}:{oline})", "PS047"))
                continue
            rules.append(rule)
            rule_files[rule.id] = (doc.file, line)
            rule_docs[rule.id] = (doc, i)
        for i, con in enumerate(rf.constraints if constraints is not None else ()):
            line = doc.line(("constraints", i))
            seen = next(((f, ln) for c, f, ln in constraints if c.id == con.id), None)
            if seen is not None:
                problems.append(Problem(doc.file, line, f"constraints.{con.id}",
                                        f"duplicate constraint id (also {seen[0]}:{seen[1]})", "PS201"))
                continue
            constraints.append((con, doc.file, line))
        if adjust is not None:
            adjust.setdefault("describe", []).extend((name, text, doc) for name, text in rf.describe.items())
        for kind in ("bonus", "penalty"):
            for i, adj in enumerate(getattr(rf, kind)):
                line = doc.line((kind, i))
                if adj.id in rule_files:
                    ofile, oline = rule_files[adj.id]
                    problems.append(Problem(doc.file, line, f"{kind}.{adj.id}", f"duplicate rule id (also {ofile}:{oline})", "PS047"))
                    continue
                rule_files[adj.id] = (doc.file, line)
                if adjust is not None:
                    adjust[kind].append((adj, doc, i))
    for name in set(facts) & set(derived):
        file, line = where[name]
        problems.append(Problem(file, line, name, f"'{name}' is declared both as a reported fact and a derived fact", "PS046"))
    return facts, derived, rules, rule_files, rule_docs, where


def _check_rules(m: Methodology, rule_docs: dict[str, tuple[Document, int]], where: dict[str, tuple[str, int | None]],
                 problems: list[Problem]) -> None:
    known = set(m.facts) | set(m.derived)
    for name, spec in m.facts.items():
        if spec.part_of is not None and spec.part_of not in m.facts:
            problems.append(Problem(*where[name], f"facts.{name}.part_of",
                                    f"part_of names unknown fact '{spec.part_of}'{_hint(spec.part_of, set(m.facts))}", "PS050"))
    for name, spec in m.derived.items():
        for part in spec.inputs:
            if part not in known:
                problems.append(Problem(*where[name], f"derived.{name}", f"derived from unknown fact '{part}'{_hint(part, known)}", "PS050"))
    for con in m.fact_constraints:
        for name in con.names:
            spec = m.facts.get(name)
            if spec is None or spec.type not in ("count", "number", "percent"):
                what = f"'{name}' is {spec.type}" if spec else f"'{name}' is not a reported fact{_hint(name, set(m.facts))}"
                problems.append(Problem(*m.fact_constraint_files[con.id], f"constraints.{con.id}",
                                        f"{what}; a constraint adds up reported numbers (count, number, percent)", "PS200"))
    cycle = _find_cycle(m)
    if cycle:
        problems.append(Problem(*where[cycle[0]], f"derived.{cycle[0]}", "derived facts form a cycle: " + " → ".join(cycle), "PS051"))
    if problems:
        return
    for code, rule in m.rules.items():
        doc, idx = rule_docs[rule.id]
        leaf = m.leaves[code]
        base: tuple[str | int, ...] = ("rules", idx)

        def add(path: tuple[str | int, ...], msg: str, pcode: str) -> None:
            problems.append(Problem(doc.file, doc.line(base + path), f"{rule.id} ({code})", msg, pcode))

        score = rule.score
        if score.fact not in known:
            add(("score", "fact"), f"reads undeclared fact '{score.fact}'{_hint(score.fact, known)}", "PS052")
            continue
        unknown_shown = [n for n in rule.shows if n not in known]
        if unknown_shown:
            add(("shows",), f"shows undeclared fact '{unknown_shown[0]}'{_hint(unknown_shown[0], known)}", "PS052")
            continue
        na = rule.not_applicable_when
        if na and na.fact not in known:
            add(("not_applicable_when", "fact"), f"reads undeclared fact '{na.fact}'{_hint(na.fact, known)}", "PS052")
            continue
        if na is not None and na.equals is not None:
            na_type = m.facts[na.fact].type if na.fact in m.facts else "number"
            ok = isinstance(na.equals, bool) if na_type == "boolean" else (
                isinstance(na.equals, (int, float)) and not isinstance(na.equals, bool) and math.isfinite(na.equals)
                and abs(na.equals) <= 10 ** 12)
            if not ok:
                add(("not_applicable_when", "equals"), f"'{na.fact}' is {na_type}: equals takes "
                    f"{'true or false' if na_type == 'boolean' else 'a plausible number'}, got {_show(na.equals)}", "PS059")
                continue
        ftype = m.facts[score.fact].type if score.fact in m.facts else "percent_or_number"
        better = m.kind_of(score.fact).better
        if rule.provenance in ("official", "published") and not rule.citation:
            add(("provenance",), f"provenance '{rule.provenance}' needs a citation", "PS053")
        if rule.provenance == "plan-126" and not rule.citation:
            add(("citation",), "provenance 'plan-126' needs a citation naming the plan's section", "PS053")
        # leaving the maximum needs a citation, unless the methodology itself declares that policy for every
        # item (a province's internal index judged over the maxima that apply: denominator: applicable)
        if (m.when_not_arising_of(rule) == "not_applicable" and m.when_not_arising != "not_applicable"
                and rule.not_applicable_when is not None and not rule.citation):
            add(("when_not_arising",), "an item may leave the maximum (when_not_arising: not_applicable) only with a "
                "citation saying so; add citation: or use when_not_arising: full_points", "PS302")
        if rule.when_not_arising is not None and rule.not_applicable_when is None:
            add(("when_not_arising",), "when_not_arising needs a not_applicable_when condition saying when the "
                "situation did not arise", "PS302")
        kind = for_score(score)
        if leaf.assessed_by == "survey" and not kind.survey:
            add(("score", "kind"), "survey-scored sub-criteria must use kind 'survey'", "PS054")
        kind.check(score, CheckContext(m, leaf.max, ftype, better, known, add, _hint))
        allowed = set(m.reads(rule)) | TEMPLATE_KEYS | kind.template_keys
        for lang in ("vi", "en"):
            text = getattr(rule.explain, lang)
            try:
                names = [n for _, n, _, _ in string.Formatter().parse(text) if n is not None]
            except ValueError:
                add(("explain", lang), "malformed template: a '{' is not closed by '}', or a '}' stands alone; "
                    "write placeholders like {value}, and {{ }} for literal braces", "PS058")
                continue
            for n in names:
                if n not in allowed:
                    add(("explain", lang), f"template names unknown fact '{{{n}}}'; allowed: {', '.join(sorted(allowed))}", "PS058")


def _find_cycle(m: Methodology) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for part in m.derived[n].inputs if n in m.derived else []:
            if state.get(part) == 1:
                return stack[stack.index(part):] + [part]
            if part not in state:
                found = visit(part)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for name in m.derived:
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class Facts:
    """One agency's reported facts for one year, typed against a methodology's catalogue."""

    file: str
    agency: Agency
    year: int | None          # None when the file does not say; history needs it
    methodology: str | None
    values: dict[str, FactValue]
    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    claimed: dict[str, Decimal] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    lead_units: str | None = None   # path of the agency's lead-unit assignment, if it names one
    explanations: dict[str, str] = field(default_factory=dict)   # giải trình per item code
    claimed_total: Decimal | None = None
    contradictions: tuple[Problem, ...] = ()   # kept (not raised) when loaded for an audit
    notes: dict[str, str] = field(default_factory=dict)   # a fact's `note:`, e.g. why it is unknown
    locations: dict[str, str] = field(default_factory=dict)   # where a person fills a fact in: `Lĩnh vực 6!D5`
    leads: dict[str, str] = field(default_factory=dict)   # `leads:` code → lead unit name, overriding lead_units
    baseline: "Facts | None" = None   # last year's facts file, named by `baseline:`
    projected: dict[str, FactValue] = field(default_factory=dict)   # facts filled from a baseline (--baseline)
    projection_source: str | None = None
    level: str | None = None        # department | commune | province, when the file says
    illustrative: bool = False      # the figures are made up (fixtures, training)
    not_assigned: dict[str, str] = field(default_factory=dict)   # item code -> why the unit has no such task

    def with_values(self, changes: dict[str, FactValue | None]) -> "Facts":
        values = dict(self.values)
        for k, v in changes.items():
            if v is None:
                values.pop(k, None)
            else:
                values[k] = v
        # a value set here is this year's, no longer last year's projection
        projected = {k: v for k, v in self.projected.items() if k not in changes}
        return replace(self, values=values, projected=projected)


FACTS_KEYS = {"agency", "year", "methodology", "facts", "claimed", "note", "lead_units", "leads", "explanations",
              "claimed_total", "baseline", "level", "illustrative", "not_assigned"}


DEFAULT_METHODOLOGY = "par-province-892"


def methodology_ref(doc: Document, override: str | None = None, allow_paths: bool = True) -> str:
    """`override` wins; else the document's own `methodology:` (a path there is relative to
    the file); else the default. With `allow_paths=False` (a document that came over HTTP)
    only an id is accepted: nothing a request says may name a file."""
    if override:
        return override
    ref = doc.data.get("methodology")
    if ref is None:
        return DEFAULT_METHODOLOGY
    if not isinstance(ref, str) or not ref.strip():
        raise InputError.one(doc.file, doc.line(("methodology",)), "methodology",
                             "expected a methodology id such as par-province-892, or a path to a .yaml file", "PS071")
    looks_like_path = ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref or ref.startswith(".")
    if looks_like_path and not allow_paths:
        raise InputError.one(doc.file, doc.line(("methodology",)), "methodology",
                             f"'{ref}' is a path; over HTTP only a methodology id is accepted, e.g. {DEFAULT_METHODOLOGY}", "PS350")
    if ref.endswith((".yaml", ".yml")):
        return str(Path(doc.file).parent / ref)
    return ref


def methodology_of_document(doc: Document, override: str | None = None, overlay: Any = None) -> Methodology:
    """The methodology a facts file names (`methodology_ref`), or `override`; an unknown one
    the file names is reported at the facts file's `methodology:` line."""
    ref = methodology_ref(doc, override)
    try:
        return load_methodology(ref, overlay=overlay)
    except InputError as exc:
        named_here = not override and doc.data.get("methodology") is not None
        if named_here and len(exc.problems) == 1 and exc.problems[0].code == "PS020":
            raise InputError.one(doc.file, doc.line(("methodology",)), "methodology", exc.problems[0].message, "PS020") from None
        raise


def read_facts_document(path: str | os.PathLike[str]) -> Document:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError.one(doc.file, 1, "", "expected a facts mapping with agency, year and facts", "PS070")
    return doc


def load_facts(path: str | os.PathLike[str], methodology: Methodology, strict: bool = True) -> Facts:
    """Read a facts file and check every value against the fact catalogue.

    `strict=False` (the audit) keeps facts that contradict each other, such as a part
    larger than its whole, as findings instead of refusing the file.
    """
    doc = read_facts_document(path)
    return facts_from_document(doc, methodology, strict)


def facts_from_document(doc: Document, m: Methodology, strict: bool = True, nested_baseline: bool = True) -> Facts:
    data = doc.data
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], fieldname: str, msg: str, code: str) -> None:
        problems.append(Problem(doc.file, doc.line(path), fieldname, msg, code))

    for key in data:
        if key not in FACTS_KEYS:
            add((key,), str(key), f"unknown key{_hint(str(key), FACTS_KEYS)}; expected one of {', '.join(sorted(FACTS_KEYS))}", "PS071")
    agency = _agency(data.get("agency"), add)
    year = data.get("year")
    if "year" in data and (isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100):
        add(("year",), "year", f"expected a year such as 2025, got {_show(year)}", "PS072")
        year = None
    mref = data.get("methodology")
    if mref is not None and not isinstance(mref, str):
        add(("methodology",), "methodology", "expected a methodology id such as par-province-892", "PS071")
        mref = None
    raw = data.get("facts")
    values: dict[str, FactValue] = {}
    evidence: dict[str, tuple[Evidence, ...]] = {}
    notes: dict[str, str] = {}
    lines: dict[str, int] = {}
    if raw is None:
        add(("facts",), "facts", "no 'facts:' mapping; list the facts the agency reports", "PS073")
        raw = {}
    elif not isinstance(raw, dict):
        add(("facts",), "facts", "expected a mapping of fact name → value", "PS073")
        raw = {}
    for name, entry in raw.items():
        path: tuple[str | int, ...] = ("facts", name)
        lines[str(name)] = doc.line(path) or 0
        fieldname = f"facts.{name}"
        if name in m.derived:
            # a derived fact may be given directly when its inputs are not reported
            value = entry.get("value") if isinstance(entry, dict) else entry
            if isinstance(entry, dict) and entry.get("evidence") is not None:
                add(path, fieldname, "evidence belongs on the reported facts; give this derived value bare", "PS076")
                continue
            if value is None:
                continue
            typed_d = _derived_value(value, m, str(name), lambda msg, p=path, f=fieldname: add(p, f, msg, "PS078"))
            if typed_d is not None:
                values[name] = typed_d
            continue
        if name not in m.facts:
            add(path, fieldname, f"unknown fact '{name}'{_hint(str(name), set(m.facts))}; `parscore facts` lists the catalogue", "PS075")
            continue
        value = entry
        if isinstance(entry, dict):
            extra = set(entry) - {"value", "evidence", "note"}
            if extra:
                add(path, fieldname, f"unknown key(s) {', '.join(sorted(map(str, extra)))}; a fact takes value, evidence, note", "PS076")
                continue
            value = entry.get("value")
            ev = entry.get("evidence")
            if ev is not None:
                items = ev if isinstance(ev, list) else [ev]
                parsed = []
                for i, e in enumerate(items):
                    if not isinstance(e, dict):
                        add(path + ("evidence",), fieldname + ".evidence", "evidence is written as a mapping, e.g. "
                            '{number: "45/BC-SNV", date: 2025-11-20, issuer: "Sở Nội vụ"}', "PS077")
                        continue
                    try:
                        parsed.append(Evidence.model_validate(e))
                    except ValidationError as exc:
                        problems.extend(pydantic_problems(doc, exc, prefix=path + ("evidence",) + ((i,) if isinstance(ev, list) else ()), code="PS077"))
                evidence[name] = tuple(parsed)
            if entry.get("note") is not None:
                notes[str(name)] = str(entry["note"])
        if value is None:
            continue  # stated as unknown: a missing fact, shown as such
        typed = _typed(value, m.facts[name], lambda msg, p=path + (("value",) if isinstance(entry, dict) else ()), f=fieldname: add(p, f, msg, "PS078"))
        if typed is not None:
            values[name] = typed
    for name in [n for n in values if n in m.derived]:
        inputs = m.derived[name].inputs
        if all(i in values for i in inputs):
            add(("facts", name), f"facts.{name}", f"'{name}' is computed from {', '.join(inputs)}, which are given too; "
                "give either the value or its inputs, not both", "PS074")
    contradictions = find_contradictions(values, m, doc.file, lambda n: doc.line(("facts", n)))
    if strict:
        problems.extend(contradictions)
    claimed = _claimed(data.get("claimed"), m, add)
    explanations = data.get("explanations") or {}
    if not isinstance(explanations, dict) or not all(isinstance(v, str) for v in explanations.values()):
        add(("explanations",), "explanations", "expected a mapping of sub-criterion code → explanation text (giải trình)", "PS082")
        explanations = {}
    claimed_total = None
    if data.get("claimed_total") is not None:
        claimed_total = _number(data["claimed_total"], lambda msg: add(("claimed_total",), "claimed_total", msg, "PS081"))
    baseline = _baseline(data.get("baseline"), doc, m, year, strict, add) if nested_baseline else None
    units = data.get("lead_units")
    if units is not None and not isinstance(units, str):
        add(("lead_units",), "lead_units", "expected the path of a lead-unit assignment file", "PS071")
        units = None
    leads = _leads(data.get("leads"), m, add)
    from .conventions import unit_keys

    level, illustrative, not_assigned = unit_keys(data, doc, m, add)
    if problems:
        raise InputError(problems)
    units_path = str(Path(doc.file).parent / units) if units else None
    return Facts(doc.file, agency, year, mref, values, evidence, claimed, lines, units_path,
                 {str(k): v for k, v in explanations.items()}, claimed_total, tuple(contradictions), notes,
                 leads=leads, baseline=baseline, level=level, illustrative=illustrative, not_assigned=not_assigned)


def _leads(raw: Any, m: Methodology, add: Any) -> dict[str, str]:
    """`leads:` field, criterion or sub-criterion code → the lead unit's name (as a workbook gives it)."""
    out: dict[str, str] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        add(("leads",), "leads", "expected a mapping of sub-criterion code → lead unit name", "PS270")
        return out
    for code, name in raw.items():
        code_s = str(code)
        if code_s not in m.codes:
            add(("leads", code), f"leads.{code_s}", f"unknown code '{code_s}'{_hint(code_s, m.codes)}", "PS270")
        elif not isinstance(name, str) or not name.strip():
            add(("leads", code), f"leads.{code_s}", "expected the lead unit's name as text", "PS270")
        else:
            out[code_s] = " ".join(name.split())
    return out


def _baseline(ref: Any, doc: Document, m: Methodology, year: int | None, strict: bool, add: Any) -> "Facts | None":
    """Last year's facts file named by `baseline:` (relative to this file). Its own
    baseline is not followed: one year back is what rules compare with."""
    if ref is None:
        return None
    if not isinstance(ref, str) or not ref.strip():
        add(("baseline",), "baseline", "expected the path of last year's facts file, e.g. baseline: ca-mau-2024.yaml", "PS304")
        return None
    path = Path(doc.file).parent / ref
    if not path.is_file():
        add(("baseline",), "baseline", f"last year's facts file '{ref}' was not found (looked for {path}); "
            "the path is relative to this facts file", "PS304")
        return None
    try:
        base = facts_from_document(read_facts_document(path), m, strict, nested_baseline=False)
    except InputError as exc:
        add(("baseline",), "baseline", f"last year's facts file '{ref}' has {len(exc.problems)} problem(s), "
            f"the first: {exc.problems[0]}", "PS304")
        return None
    if year is not None and base.year is not None and base.year >= year:
        add(("baseline",), "baseline", f"the baseline '{ref}' is for {base.year}, not a year before {year}; "
            "name the previous year's facts file", "PS305")
        return None
    return base


def _derived_value(v: Any, m: Methodology, name: str, bad: Any) -> Decimal | None:
    """A derived fact given directly: a number within what its formula can produce."""
    spec = m.derived[name]
    num = _number(v, bad)
    if num is None:
        return None
    if abs(num) > Decimal(10) ** 15:
        bad(f"{v} is out of range (limit ±10^15)")
        return None
    if spec.ratio:
        part, whole = spec.ratio
        if num < 0:
            bad(f"a ratio cannot be negative, got {v}")
            return None
        if m.facts.get(part) is not None and m.facts[part].part_of == whole and num > 100:
            bad(f"a percentage must lie within 0–100, got {v} (write 95 for 95%)")
            return None
    return num


def _agency(raw: Any, add: Any) -> Agency:
    if raw is None:  # not given: scored anyway, shown as unnamed
        return Agency(code="unknown", name="—")
    if isinstance(raw, str) and raw.strip():
        return Agency(code=re.sub(r"\W+", "-", raw.lower()).strip("-"), name=raw)
    if isinstance(raw, dict):
        try:
            return Agency.model_validate(raw)
        except ValidationError:
            pass
    add(("agency",), "agency", "expected the agency: a name, or {code: ..., name: ...}", "PS072")
    return Agency(code="?", name="?")


def _claimed(raw: Any, m: Methodology, add: Any) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        add(("claimed",), "claimed", "expected a mapping of sub-criterion code → self-assessed points", "PS080")
        return out
    leaves = m.leaves
    for code, pts in raw.items():
        code_s = str(code)
        if code_s not in leaves:
            add(("claimed", code), f"claimed.{code_s}", f"unknown sub-criterion '{code_s}'{_hint(code_s, set(leaves))}", "PS080")
            continue
        num = _number(pts, lambda msg: add(("claimed", code), f"claimed.{code_s}", msg, "PS081"))
        if num is None:
            continue
        if num < 0:
            add(("claimed", code), f"claimed.{code_s}", f"self-assessed points cannot be negative, got {pts}", "PS081")
            continue
        out[code_s] = num
    return out


def _number(v: Any, bad: Any) -> Decimal | None:
    """A plain number; strings are rejected with the fix, never guessed."""
    if isinstance(v, bool):
        bad(f"expected a number, got {str(v).lower()}")
        return None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        if math.isnan(v):
            bad("expected a number, got .nan (not a number)")
            return None
        if math.isinf(v):
            bad("the number is too large (or written as .inf); write digits such as 1234.5")
            return None
        return Decimal(repr(v))
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"-?\d+,\d+", s):
            bad(f"'{v}' uses a decimal comma; write {s.replace(',', '.')} (a dot, without quotes)")
        elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", s) or re.fullmatch(r"-?\d{1,3}(,\d{3})+", s):
            bad(f"'{v}' has thousands separators; write {re.sub('[.,]', '', s)} (digits only, without quotes)")
        elif re.fullmatch(r"-?\d+(\.\d+)?\s*%", s):
            bad(f"'{v}' has a % sign; write the number alone, {s.rstrip('% ')} (the unit is declared in the catalogue)")
        else:
            try:
                d = Decimal(s)
                if not d.is_finite() or abs(d) > Decimal(10) ** 15 or "e" in s.lower():
                    bad(f"'{v}' is not a plain number within range; write digits such as 1234.5")
                else:
                    bad(f"'{v}' is quoted text; write the number without quotes")
            except InvalidOperation:
                bad(f"expected a number, got text '{v}'")
        return None
    bad(f"expected a number, got {type(v).__name__}")
    return None


def _typed(v: Any, spec: FactSpec, bad: Any) -> FactValue | None:
    if spec.type == "boolean":
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in ("yes", "no", "true", "false", "có", "không", "co", "khong"):
            bad(f"expected true or false, got the text '{v}'; write true or false, without quotes")
        else:
            bad(f"expected true or false (yes/no), got {_show(v)}")
        return None
    if spec.type == "date":
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        if isinstance(v, str):
            try:
                return parse_date(v)
            except ValueError as exc:
                bad(str(exc))
                return None
        bad(f"expected a real date written dd/mm/yyyy or YYYY-MM-DD, got {v!r}")
        return None
    num = _number(v, bad)
    if num is None:
        return None
    if spec.type == "count":
        if num != num.to_integral_value():
            bad(f"a count must be a whole number, got {v} (write 1234 for one thousand two hundred thirty-four: no separators)")
            return None
        if num < 0:
            bad(f"a count cannot be negative, got {v}")
            return None
        if num > 10**12:
            bad(f"{v} is not a plausible count (limit 10^12)")
            return None
        return int(num)
    if spec.type == "percent":
        if num < 0 or num > 100:
            bad(f"a percentage must lie within 0–100, got {v} (write 95 for 95%)")
            return None
    if abs(num) > Decimal(10) ** 15:
        bad(f"{v} is out of range (limit ±10^15)")
        return None
    if spec.min is not None and num < spec.min:
        bad(f"must be at least {_fmt(spec.min)}, got {v}")
        return None
    if spec.max is not None and num > spec.max:
        bad(f"must be at most {_fmt(spec.max)}, got {v}")
        return None
    return num


def parse_fact_value(name: str, raw: str, m: Methodology) -> FactValue:
    """Parse a `--set NAME=VALUE` value as YAML would, then check it like a facts file."""
    import yaml

    try:
        v = yaml.safe_load(raw)
    except yaml.YAMLError:
        v = raw
    return check_fact_value(name, v, m, "--set", None)


def check_fact_value(name: str, value: Any, m: Methodology, file: str, line: int | None) -> FactValue:
    """One value checked against the catalogue, as in a facts file."""
    if name not in m.facts:
        where = (f"is computed from {', '.join(m.derived[name].inputs)}; change those instead" if name in m.derived
                 else f"is not in the catalogue{_hint(name, set(m.facts))}")
        raise InputError.one(file, line, name, f"'{name}' {where}", "PS075")
    errors: list[str] = []
    typed = _typed(value, m.facts[name], errors.append)
    if typed is None:
        raise InputError.one(file, line, name, errors[0] if errors else "expected a value", "PS078")
    return typed


def find_contradictions(values: dict[str, FactValue], m: Methodology, file: str,
                        line_of: Callable[[str], int | None] = lambda _: None) -> list[Problem]:
    """Reported facts that contradict each other: a part larger than its whole, or a
    declared constraint (rules files' `constraints:`) that does not hold. A constraint is
    checked only when every fact it names is given."""
    out: list[Problem] = []
    for name, value in values.items():
        spec = m.facts.get(name)
        whole = spec.part_of if spec is not None else None
        if whole and whole in values and value > values[whole]:  # type: ignore[operator]
            out.append(Problem(file, line_of(name), f"facts.{name}", f"{name} = {value} is larger than its whole "
                               f"{whole} = {values[whole]}; a part cannot exceed its whole", "PS079"))
    for con in m.fact_constraints:
        if not all(n in values for n in con.names):
            continue
        relation, other = con.relation
        left = sum((Decimal(values[n]) for n in con.sum), Decimal(0))  # type: ignore[arg-type]
        right = sum((Decimal(values[n]) for n in other), Decimal(0))  # type: ignore[arg-type]
        holds = {"equals": left == right, "at_most": left <= right, "at_least": left >= right}[relation]
        if holds:
            continue
        lines = {n: line_of(n) for n in con.names}
        first = min(con.names, key=lambda n: (lines[n] is None, lines[n] or 0))
        others = sorted({ln for n, ln in lines.items() if ln is not None and n != first})
        need = {"equals": "must equal", "at_most": "must be at most", "at_least": "must be at least"}[relation]
        rfile, rline = m.fact_constraint_files.get(con.id, ("", None))
        out.append(Problem(file, lines[first], f"facts.{first}",
                           f"{_expr(con.sum, values)} {need} {_expr(other, values)}: {con.why.en}; correct whichever "
                           f"figure is wrong{' (see also line' + ('s ' if len(others) > 1 else ' ') + ', '.join(map(str, others)) + ')' if others else ''} "
                           f"(constraint {con.id}, {rfile}{':' + str(rline) if rline else ''})", "PS202"))
    return out


def _expr(names: list[str], values: dict[str, FactValue]) -> str:
    total = sum((Decimal(values[n]) for n in names), Decimal(0))  # type: ignore[arg-type]
    if len(names) == 1:
        return f"{names[0]} = {_fmt(total)}"
    return f"{' + '.join(names)} = {' + '.join(_fmt(Decimal(values[n])) for n in names)} = {_fmt(total)}"  # type: ignore[arg-type]


def check_parts(values: dict[str, FactValue], m: Methodology, file: str) -> None:
    """Facts never contradict each other (`find_contradictions`), whichever way they were given."""
    problems = find_contradictions(values, m, file)
    if problems:
        raise InputError(problems)


def _show(v: Any) -> str:
    """A value as the user wrote it in YAML, not as Python prints it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "nothing"
    return repr(v) if isinstance(v, str) else str(v)


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _hint(word: str, choices: Any) -> str:
    d = _did_you_mean(word, choices)
    return f" ({d})" if d else ""


def _relative(file: str, line: int | None, base: Path) -> str:
    """`file:line` with the file relative to `base` (the methodology's directory), '/'-separated."""
    try:
        rel = Path(os.path.relpath(file, base)).as_posix()
    except ValueError:   # another drive (Windows): no relative path exists
        rel = Path(file).name
    return f"{rel}:{line}" if line is not None else rel


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")
