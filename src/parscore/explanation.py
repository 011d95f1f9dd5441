"""Explanation: the words an official reads for every point lost.

Reasons come from the rule's own templates (in Vietnamese or English) filled with the
session's fact values, formatted the way each language writes numbers. The engine's
trace stays behind them, in `ItemResult.trace`, for `parscore explain`.
"""
from __future__ import annotations

import re
import string
from functools import lru_cache
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Callable

from .evaluation import Session, Verdict
from .i18n import text as ui_text
from .loading import Methodology
from .kinds import for_score
from .kinds.base import Kind as _BaseKind
from .models import RuleSpec

def _say(key: str, lang: str) -> str:
    """A reason's sentence from the catalogue (messages/<lang>.yaml, text.explanation)."""
    return str(ui_text("explanation", lang)[key])


def fmt_number(value: Decimal | int, lang: str, places: int | None = None) -> str:
    """89.33 → '89,33' in Vietnamese (decimal comma, dot for thousands).

    `places` fixes the decimals (an index is always shown with 2, as published);
    otherwise trailing zeros are dropped.
    """
    d = value if type(value) is Decimal else Decimal(value)
    text = format(d, f",.{places}f") if places is not None else format(d.normalize(), ",f")
    return text.translate(_VI_DIGITS) if lang == "vi" else text


_VI_DIGITS = str.maketrans(",.", ".,")   # swap the separators in one pass


@lru_cache(maxsize=8192)   # a card's values repeat across cards (yes/no, points, counts); bounded
def fmt_value(text: str | None, lang: str) -> str:
    """A fact's canonical text as an official reads it: 1234.5 → '1.234,5', true → 'có'."""
    if text is None:
        return "—"
    if text in ("true", "false"):
        return _say("yes" if text == "true" else "no", lang)
    try:
        return fmt_number(Decimal(text), lang)
    except ArithmeticError:
        pass
    try:
        d = date.fromisoformat(text)
        return d.strftime("%d/%m/%Y") if lang == "vi" else d.isoformat()
    except ValueError:
        return text


def display(m: Methodology, name: str, text: str | None, lang: str) -> str:
    """A value as an official reads it. Derived ratios show 2 decimals, cut towards the
    worse side like the value that was compared: 99.998% reads 99,99%, never 100%."""
    spec = m.derived.get(name) if text is not None else None
    if spec is not None and text is not None:
        return _cut(text, lang, _TOWARDS_WORSE.get(spec.better, ROUND_HALF_UP))
    return fmt_value(text, lang)


@lru_cache(maxsize=8192)
def _cut(text: str, lang: str, rounding: str) -> str:
    """A derived value shown with 2 decimals, cut towards the worse side (`display`)."""
    return (floor_text(text, lang) if rounding == ROUND_FLOOR else None) \
        or fmt_number(Decimal(text).quantize(_CENT, rounding=rounding), lang)


_CENT = Decimal("0.01")
_TOWARDS_WORSE = {"higher": ROUND_FLOOR, "lower": ROUND_CEILING}


def thresholds(rule: RuleSpec, tier: int | None) -> dict[str, str]:
    """The bounds that decided the outcome, as plain strings for the JSON contract."""
    return for_score(rule.score).thresholds(rule.score, tier)


def reason(m: Methodology, session: Session, verdict: Verdict, lang: str) -> str:
    rule = m.rules[verdict.item]
    if verdict.kind == "undefined":
        return undefined_reason(m, rule, lang)
    return reason_text(m, rule, reason_context(m, rule, verdict.tier, lang), session.values, verdict.points, lang)


def undefined_reason(m: Methodology, rule: RuleSpec, lang: str) -> str:
    spec = m.derived.get(rule.score.fact)
    den = spec.inputs[-1] if spec is not None else rule.score.fact
    return _say("undefined", lang).format(fact=rule.score.fact, den=den)


def reason_context(m: Methodology, rule: RuleSpec, tier: int | None, lang: str) -> dict[str, str]:
    """The parts of a reason that depend only on the rule and the outcome (built once, reusable)."""
    leaf_max = m.leaves[rule.item].max
    ctx = dict(max=fmt_number(leaf_max, lang), full="", next="", next_points="", each="", floor="")
    for_score(rule.score).reason_context(rule.score, ctx, tier, lang)
    return ctx


def reason_text(m: Methodology, rule: RuleSpec, static: dict[str, str], values: dict[str, str | None],
                points: Decimal, lang: str) -> str:
    """A reason: the rule's template filled with the session's values and the points."""
    return ReasonWriter(m, rule, lang)(static, values, points)


class ReasonWriter:
    """One rule's reason in one language, its choices made once (cards keep one per item).

    The template's placeholders are read once: only the values it shows are formatted per
    card. What fills a placeholder, in order, the later winning: each fact the rule reads
    (as `display` shows it), the outcome's static context (`reason_context`), `value`,
    `points` and `lost`, then the values the rule's kind shows (last year's amount...)."""

    __slots__ = ("template", "shown", "value", "points", "lost", "max", "kind_values", "m", "score", "lang", "fill",
                 "rule", "parsed", "calls")

    def __init__(self, m: Methodology, rule: RuleSpec, lang: str):
        self.m, self.score, self.lang = m, rule.score, lang
        self.template = rule.explain.get(lang)
        parsed = list(string.Formatter().parse(self.template))
        used = {name.split(".")[0].split("[")[0] for _, name, _, _ in parsed if name}
        # each fact read that the template shows, with how it is shown (a derived ratio: cut to 2 places)
        self.shown = tuple((n, _shower(m, n)) for n in m.reads(rule) if n in used)
        self.value = _shower(m, rule.score.fact) if "value" in used else None
        self.points, self.lost = "points" in used, "lost" in used
        self.max = m.leaves[rule.item].max
        kind = for_score(rule.score)
        # a kind showing session values (a comparison) is asked for them; the others show none
        self.kind_values = type(kind).reason_values is not _BaseKind.reason_values
        # `fill`, the generated f-string, is made when the writer serves a second card (or on
        # `compile()`): a command scoring one card never spends time generating them
        self.rule, self.parsed, self.calls = rule, parsed, 0
        self.fill: Callable[..., str] | None = None

    def __call__(self, static: dict[str, str], values: dict[str, str | None], points: Decimal) -> str:
        if self.fill is not None:
            return self.fill(static, values, points)
        self.calls += 1
        fill = self.compile() if self.calls == 2 else None
        if fill is not None:
            return fill(static, values, points)
        return self.general(static, values, points)

    def compile(self) -> Callable[..., str] | None:
        """The generated f-string (made once), or None where only `general` fills the template."""
        if self.fill is None and not self.kind_values:
            self.fill = self._compiled(self.m, self.rule, self.parsed)
        return self.fill

    def general(self, static: dict[str, str], values: dict[str, str | None], points: Decimal) -> str:
        """The template filled through a mapping of every placeholder (what `fill` does at once)."""
        lang = self.lang
        ctx = {n: show(values.get(n), lang) for n, show in self.shown}
        ctx.update(static)
        if self.value is not None:
            ctx["value"] = self.value(values.get(self.score.fact), lang)
        if self.points:
            ctx["points"] = _points_text(points, lang)
        if self.lost:
            ctx["lost"] = _points_text(self.max - points, lang)
        if self.kind_values:
            ctx.update(for_score(self.score).reason_values(self.score, self.m, values, lang))
        text = self.template.format_map(ctx)
        return _singular(text) if self.lang == "en" else text

    def _compiled(self, m: Methodology, rule: RuleSpec,
                  parsed: list[tuple[str, str | None, str | None, str | None]]) -> Callable[..., str] | None:
        """The template as one generated f-string over the same values, with the same
        precedence as `general` (its placeholders' sources chosen once), or None for a
        template with format specs, conversions or fields that are not plain names."""
        if any(name is not None and (not name.isidentifier() or spec or conv) for _, name, spec, conv in parsed):
            return None
        kind = for_score(rule.score)
        statics = [reason_context(m, rule, t, self.lang) for t in (None, *kind.tiers(rule.score))]
        shown = dict(self.shown)
        ns: dict[str, Any] = {"L": self.lang, "P": _points_text, "MAX": self.max}
        parts: list[str] = []

        def const(value: Any) -> str:
            name = f"k{len(ns)}"
            ns[name] = value
            return name

        def shows(show: Callable[[str | None, str], str], fact: str) -> str:
            return f"{const(show)}(values.get({const(fact)}), L)"

        for literal, name, _, _ in parsed:
            if literal:
                parts.append(repr(literal))   # a plain literal next to the f-strings: braces as they are
            if name is None:
                continue
            if name == "value":
                assert self.value is not None
                expr = shows(self.value, rule.score.fact)
            elif name == "points":
                expr = "P(points, L)"
            elif name == "lost":
                expr = "P(MAX - points, L)"
            elif all(name in st for st in statics):
                expr = f"static[{const(name)}]"
            elif name in shown:
                show = shows(shown[name], name)
                expr = (f"(static[{const(name)}] if {const(name)} in static else {show})"
                        if any(name in st for st in statics) else show)
            else:   # not filled: the KeyError format_map raises
                expr = f"static[{const(name)}]"
            parts.append("f'{" + expr + "}'")
        body = " ".join(parts) or "''"
        if self.lang == "en":
            body = f"SINGULAR({body})"
            ns["SINGULAR"] = _singular
        exec(compile(f"def fill(static, values, points):\n    return {body}\n", f"<parscore reason {rule.id}>", "exec"), ns)
        fill: Callable[..., str] = ns["fill"]
        return fill


@lru_cache(maxsize=8192)
def _points_text(points: Decimal, lang: str) -> str:
    """`fmt_number` of an item's points, remembered: an item's points take a few values only."""
    return fmt_number(points, lang)


def _shower(m: Methodology, name: str) -> Callable[[str | None, str], str]:
    """`display` for one fact, its choice made once."""
    spec = m.derived.get(name)
    if spec is None:
        return fmt_value
    rounding = _TOWARDS_WORSE.get(spec.better, ROUND_HALF_UP)

    def cut(text: str | None, lang: str) -> str:
        return fmt_value(text, lang) if text is None else _cut(text, lang, rounding)
    return cut


def floor_text(text: str, lang: str) -> str | None:
    """`fmt_number(Decimal(text).quantize(0.01, ROUND_FLOOR), lang)` by cutting the text, for a
    canonical text of a number from 0 to 999.9999… (a share in per cent: most derived facts),
    else None. Cutting a non-negative number's digits is rounding it down; no thousands
    separator is due below 1,000. `tests/test_reason_writer.py` holds it equal to the Decimal way."""
    dot = text.find(".")
    whole, frac = (text, "") if dot == -1 else (text[:dot], text[dot + 1:dot + 3])
    if not (0 < len(whole) <= 3 and whole.isdigit() and (not frac or frac.isdigit())) or (whole[0] == "0" and len(whole) > 1):
        return None
    frac = frac.rstrip("0")
    if not frac:
        return whole
    return whole + ("," if lang == "vi" else ".") + frac


_ONE_PLURAL = re.compile(r"(?<![\d.,])1 ([a-z]+[^s\W])s\b")


def _singular(text: str) -> str:
    """English after filling numbers in: "1 points" → "1 point", "1 violations" → "1 violation"."""
    return _ONE_PLURAL.sub(r"1 \1", text)


def missing_reason(m: Methodology, missing: list[str], lang: str, locations: dict[str, str] | None = None) -> str:
    where = _say("fill_in", lang)
    described = ", ".join(f"{n} ({m.kind_of(n).description.get(lang)}"
                          + (f"; {where.format(loc=locations[n])}" if locations and n in locations else "") + ")" for n in missing)
    return _say("missing", lang).format(facts=described)


def change_text(value: str | None, reference: str | None, lang: str) -> str:
    """value − reference with its sign, exact: "+12", "−0,5", "0"."""
    if value is None or reference is None:
        return "—"
    d = Decimal(value) - Decimal(reference)
    sign = "+" if d > 0 else "−" if d < 0 else ""
    return sign + fmt_number(abs(d), lang)


def projected_reason(m: Methodology, rule: RuleSpec, session: Session, facts: object, lang: str) -> str:
    verdict = session.verdicts[rule.item]
    return _say("projected", lang).format(value=display(m, rule.score.fact, session.values.get(rule.score.fact), lang),
                                              source=getattr(facts, "projection_source", None) or "—",
                                              points=fmt_number(verdict.points, lang), max=fmt_number(m.leaves[rule.item].max, lang))


def not_arising_reason(m: Methodology, rule: RuleSpec, session: Session, lang: str) -> str:
    na = rule.not_applicable_when
    assert na is not None
    return _say("not_arising", lang).format(fact=na.fact, value=display(m, na.fact, session.values.get(na.fact), lang),
                                                max=fmt_number(m.leaves[rule.item].max, lang))


def baseline_missing_reason(m: Methodology, names: list[str], facts: object, lang: str) -> str:
    described = ", ".join(f"{n} ({m.kind_of(n).description.get(lang)})" for n in names)
    base = getattr(facts, "baseline", None)
    where = f" ({base.file})" if base is not None else _say("no_baseline_file", lang)
    return _say("baseline_missing", lang).format(facts=described, file=where)


def counting_rules(lang: str) -> dict[str, str]:
    return {k: str(v) for k, v in ui_text("counting", lang).items()}
