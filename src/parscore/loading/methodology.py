"""Loading a methodology file: the tree of fields, criteria and sub-criteria, its sums and codes,
then its rules (loading.rules) and the conventions it declares; cached per file version.
"""
from __future__ import annotations

import hashlib
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import InputError, Problem
from ..models import Methodology, FactConstraint, MethodologyFile, RuleSpec
from ..resources import find_methodology, known_methodologies
from ..yamlio import Document, load_yaml, pydantic_problems
from ._common import _did_you_mean, _fmt, _relative
from .rules import _check_rules, _load_rules

if TYPE_CHECKING:
    from ..overlay import Overlay


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


def _patched_at(patches: "tuple[Overlay, Document] | None", rule_files: dict[str, Any]) -> dict[str, str]:
    """Where a rule an overlay restates is now written: the overlay's entry (by the overlay's
    file name, as the card's `overlay` names it), since that is what judged the item; the
    base rules file's thresholds no longer apply."""
    if patches is None:
        return {}
    ov, ov_doc = patches
    name = Path(ov_doc.file).name
    return {rid: f"{name}:{ov_doc.line(('rules', rid))}" for rid in ov.rules if rid in rule_files}


def _build_methodology(path: Path, overlay: str | os.PathLike[str] | None) -> Methodology:
    doc = load_yaml(path)
    hasher = hashlib.sha256(doc.raw)  # the bytes parsed, read once
    if not isinstance(doc.data, dict):
        raise InputError.one(doc.file, 1, "", "expected a methodology mapping (id, version, fields, ...)", "PS021")
    data = doc.data
    overlay_name = None
    patches: tuple[Overlay, Document] | None = None
    if overlay is not None:
        from ..overlay import apply_overlay

        data, overlay_name, overlay_bytes, ov, ov_doc = apply_overlay(data, overlay)
        patches = (ov, ov_doc)
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
        from ..conventions import import_facts

        import_facts(Path(path).parent, mfile, doc, facts, derived, where, rules, adjust, problems, hasher)
    if adjust.get("describe") and len(problems) == before:
        from ..conventions import apply_descriptions

        apply_descriptions(facts, derived, adjust["describe"], problems)
    rules_ok = len(problems) == before
    if patches:
        from ..conventions import patch_adjustments
        from ..overlay import apply_rule_patches

        rules = apply_rule_patches(rules, *patch_adjustments(adjust, *patches))
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
        rule_at={**{r: _relative(f, ln, Path(path).parent) for r, (f, ln) in rule_files.items()},
                 **_patched_at(patches, rule_files)},
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
        from ..conventions import check_conventions

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
    for i, con in enumerate(m.constraints):
        unknown = [code for code in con.fields if code not in field_max]
        if unknown:
            add(("constraints", i, "fields"), f"constraints[{i}].fields",
                f"unknown field code(s) {', '.join(unknown)}; list field codes such as \"2\"", "PS301")
            continue
        got = sum((field_max[code] for code in con.fields), Decimal(0))
        if got != con.total:
            add(("constraints", i, "total"), f"constraints[{i}].total",
                f"fields {' + '.join(con.fields)} add up to {_fmt(got)}, but the {con.provenance} total is {_fmt(con.total)}"
                f" ({con.citation or 'no citation'}); move points between these fields, not out of them", "PS300")
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
