"""Overlays: a province holding the official Bảng 2 corrects maxima, names or rules
without editing the shipped files.

An overlay is a partial methodology merged over the base. Whatever it sets becomes
`provenance: official` with the overlay's citation, and the merged result is
validated exactly like a methodology, so a correction that breaks a sum is caught.
"""
from __future__ import annotations

import copy
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError, Problem
from .models import Num, RuleSpec, Text
from .yamlio import Document, load_model, pydantic_problems


class ItemPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max: Num | None = None
    name: Text | None = None
    note: str | None = None


class Overlay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    overlay: str = Field(min_length=1, description="what this overlay is, shown on every scorecard")
    citation: str = Field(min_length=1, description="the official source of the corrections")
    base: str | None = None
    items: dict[str, ItemPatch] = Field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    conventions: dict[str, Any] = Field(default_factory=dict)   # methodology-level keys, e.g. groups, bonus, survey


# Methodology-level declarations an overlay may restate (docs/rule-format.md).
CONVENTION_KEYS = ("groups", "bonus", "penalty", "survey", "denominator", "appraisal_total", "survey_total", "issuer")


def read_overlay(path: str | os.PathLike[str]) -> tuple[Overlay, Document, bytes]:
    ov: Overlay
    ov, doc = load_model(os.fspath(path), Overlay, "PS100", "an overlay mapping (overlay, citation, items, rules)")
    return ov, doc, doc.raw


def apply_overlay(data: dict[str, Any], path: str | os.PathLike[str]) -> tuple[dict[str, Any], str, bytes, Overlay, Document]:
    """Merge an overlay's item patches into a methodology's raw tree."""
    ov, doc, raw = read_overlay(path)
    merged = copy.deepcopy(data)
    nodes: dict[str, dict[str, Any]] = {}
    for f in merged.get("fields") or []:
        if isinstance(f, dict):
            nodes[str(f.get("code"))] = f
            for c in f.get("criteria") or []:
                if isinstance(c, dict):
                    nodes[str(c.get("code"))] = c
                    for s in c.get("sub_criteria") or []:
                        if isinstance(s, dict):
                            nodes[str(s.get("code"))] = s
    problems = []
    for code, patch in ov.items.items():
        node = nodes.get(code)
        if node is None:
            problems.append(Problem(doc.file, doc.line(("items", code)), f"items.{code}",
                                    f"no item '{code}' in the base methodology", "PS101"))
            continue
        for key, value in patch.model_dump(exclude_none=True).items():
            node[key] = value
        node["provenance"] = "official"
        node["citation"] = ov.citation
    for key, value in ov.conventions.items():
        if key not in CONVENTION_KEYS:
            problems.append(Problem(doc.file, doc.line(("conventions", key)), f"conventions.{key}",
                                    f"an overlay restates only {', '.join(CONVENTION_KEYS)}", "PS101"))
            continue
        if key in ("bonus", "penalty", "survey") and isinstance(value, dict):
            value = {**value, "provenance": "official", "citation": ov.citation}
        merged[key] = value
    if problems:
        raise InputError(problems)
    return merged, f"{ov.overlay} ({Path(path).name})", raw, ov, doc


def apply_rule_patches(rules: list[RuleSpec], ov: Overlay, doc: Document) -> list[RuleSpec]:
    """Replace the parts of rules an overlay restates; they become official."""
    by_id = {r.id: r for r in rules}
    problems = []
    for rid in ov.rules:
        if rid not in by_id:
            problems.append(Problem(doc.file, doc.line(("rules", rid)), f"rules.{rid}", f"no rule '{rid}' in the base methodology", "PS102"))
        elif {"id", "item"} & set(ov.rules[rid]):
            problems.append(Problem(doc.file, doc.line(("rules", rid)), f"rules.{rid}",
                                    "an overlay corrects a rule's scoring, not its id or item", "PS102"))
    if problems:
        raise InputError(problems)
    out = []
    for r in rules:
        patch = ov.rules.get(r.id)
        if patch is None:
            out.append(r)
            continue
        merged = {**r.model_dump(mode="python", exclude_none=True), **patch, "provenance": "official", "citation": ov.citation}
        try:
            out.append(RuleSpec.model_validate(merged))
        except ValidationError as exc:
            problems.extend(pydantic_problems(doc, exc, prefix=("rules", r.id), code="PS102"))
    if problems:
        raise InputError(problems)
    return out
