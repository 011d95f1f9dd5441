"""Loading a rules directory (facts, derived facts, rules, constraints, bonus and penalty
rules) and checking every rule against its facts and item; each kind checks its own `score:`.
"""
from __future__ import annotations

import math
import re
import string
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError, Problem
from ..kinds import CheckContext, for_score
from ..models import Methodology, DerivedSpec, FactConstraint, FactSpec, RuleSpec, RulesFile
from ..yamlio import Document, load_yaml, pydantic_problems
from ._common import _hint, _show


# placeholders every explain template may use; a kind adds its own (Kind.template_keys, e.g. baseline, change)
TEMPLATE_KEYS = frozenset({"value", "points", "max", "lost", "full", "next", "next_points", "each", "floor"})


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
        for i, con in enumerate(rf.constraints):
            if constraints is None:   # a methodology's rules only; the caller does not collect them
                break
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
    for name, dspec in m.derived.items():
        for part in dspec.inputs:
            if part not in known:
                problems.append(Problem(*where[name], f"derived.{name}", f"derived from unknown fact '{part}'{_hint(part, known)}", "PS050"))
    for con in m.fact_constraints:
        for name in con.names:
            cspec = m.facts.get(name)
            if cspec is None or cspec.type not in ("count", "number", "percent"):
                what = f"'{name}' is {cspec.type}" if cspec else f"'{name}' is not a reported fact{_hint(name, set(m.facts))}"
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
