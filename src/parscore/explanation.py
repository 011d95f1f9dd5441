"""Explanation: the words an official reads for every point lost.

Reasons come from the rule's own templates (in Vietnamese or English) filled with the
session's fact values, formatted the way each language writes numbers. The engine's
trace stays behind them, in `ItemResult.trace`, for `parscore explain`.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .evaluation import Session, Verdict
from .loading import Methodology
from .models import (
    BooleanScore, PerOccurrenceScore, ProportionalScore, RuleSpec, TiersScore,
)

MESSAGES: dict[str, dict[str, str]] = {
    "missing": {
        "vi": "Thiếu số liệu, chưa chấm được (tính 0 điểm): cần cung cấp {facts}.",
        "en": "Facts missing, so the item cannot be scored (counted as 0): supply {facts}.",
    },
    "undefined": {
        "vi": "Không tính được {fact} vì {den} bằng 0 (tính 0 điểm); kiểm tra lại số liệu.",
        "en": "{fact} cannot be computed because {den} is 0 (counted as 0); check the facts.",
    },
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
}

COUNTING: dict[str, dict[str, str]] = {
    "not_applicable": {
        "vi": "Tiêu chí không áp dụng được loại khỏi cả điểm đạt và điểm tối đa; chỉ số = điểm đạt / điểm tối đa của các tiêu chí áp dụng × 100.",
        "en": "Not-applicable items leave both the points and the maximum; index = points / maximum of applicable items × 100.",
    },
    "missing_facts": {
        "vi": "Tiêu chí thiếu số liệu được tính 0 điểm và vẫn nằm trong điểm tối đa, kèm lý do ghi rõ số liệu cần bổ sung.",
        "en": "Items with missing facts (missing_facts) score 0 and stay in the maximum, with a deduction naming the facts to supply.",
    },
    "waived": {
        "vi": "Phương pháp này không có tiêu chí được miễn; mọi tiêu chí áp dụng đều tính vào chỉ số.",
        "en": "This methodology waives no item; every applicable item counts in the index.",
    },
    "rounding": {
        "vi": "Điểm từng tiêu chí thành phần lấy đến 0,01 và luôn làm tròn xuống (chưa đạt điều kiện tối đa thì không được làm tròn lên điểm tối đa); tổng cộng chính xác; chỉ số làm tròn 2 chữ số thập phân như khi công bố.",
        "en": "Each sub-criterion's points are cut down to 0.01 (never rounded up to the maximum); sums are exact; the index is rounded half-up to 2 decimals as published.",
    },
}


def fmt_number(value: Decimal | int, lang: str, places: int | None = None) -> str:
    """89.33 → '89,33' in Vietnamese (decimal comma, dot for thousands).

    `places` fixes the decimals (an index is always shown with 2, as published);
    otherwise trailing zeros are dropped.
    """
    d = Decimal(value)
    text = format(d, f",.{places}f") if places is not None else format(d.normalize(), ",f")
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_value(text: str | None, lang: str) -> str:
    if text is None:
        return "—"
    if text in ("true", "false"):
        return MESSAGES["yes" if text == "true" else "no"][lang]
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
    if text is not None and name in m.derived:
        rounding = {"higher": ROUND_FLOOR, "lower": ROUND_CEILING}.get(m.derived[name].better, ROUND_HALF_UP)
        text = format(Decimal(text).quantize(Decimal("0.01"), rounding=rounding).normalize(), "f")
    return fmt_value(text, lang)


def thresholds(rule: RuleSpec, tier: int | None) -> dict[str, str]:
    """The bounds that decided the outcome, as plain strings for the JSON contract."""
    s = rule.score
    if isinstance(s, TiersScore):
        key = "at_least" if s.tiers[0].at_least is not None else "at_most"
        out = {"rule": f"{key} {_plain(s.tiers[0].bound)} → {_plain(s.tiers[0].award)}"}
        for i, t in enumerate(s.tiers):
            label = f"{key} {_plain(t.bound)}" if t.bound is not None else "otherwise"
            out[f"tier_{i + 1}"] = f"{label} → {_plain(t.award)}"
        if tier is not None:
            out["reached"] = f"tier_{tier + 1}"
        return out
    if isinstance(s, BooleanScore):
        return {"expect": "true" if s.expect else "false"}
    if isinstance(s, ProportionalScore):
        return {"zero_at": _plain(s.zero_at), "full_at": _plain(s.full_at)}
    if isinstance(s, PerOccurrenceScore):
        return {"each": _plain(s.each), "floor": _plain(s.floor)}
    return {"scale": "max × value / 100"}


def reason(m: Methodology, session: Session, verdict: Verdict, lang: str) -> str:
    rule = m.rules[verdict.item]
    leaf_max = m.leaves[verdict.item].max
    if verdict.kind == "undefined":
        spec = m.derived.get(rule.score.fact)
        den = spec.inputs[-1] if spec is not None else rule.score.fact
        return MESSAGES["undefined"][lang].format(fact=rule.score.fact, den=den)
    ctx: dict[str, str] = {n: display(m, n, session.values.get(n), lang) for n in m.reads(rule)}
    ctx.update(value=ctx[rule.score.fact],
               points=fmt_number(verdict.points, lang), max=fmt_number(leaf_max, lang),
               lost=fmt_number(leaf_max - verdict.points, lang), full="", next="", next_points="", each="", floor="")
    s = rule.score
    if isinstance(s, TiersScore):
        ctx["full"] = fmt_number(s.tiers[0].bound, lang)  # type: ignore[arg-type]
        if verdict.tier:
            better = s.tiers[verdict.tier - 1]
            ctx["next"] = fmt_number(better.bound, lang)  # type: ignore[arg-type]
            ctx["next_points"] = fmt_number(better.award, lang)
    elif isinstance(s, ProportionalScore):
        ctx["full"] = fmt_number(s.full_at, lang)
    elif isinstance(s, PerOccurrenceScore):
        ctx.update(each=fmt_number(s.each, lang), floor=fmt_number(s.floor, lang))
    elif isinstance(s, BooleanScore):
        ctx["full"] = MESSAGES["yes" if s.expect else "no"][lang]
    text = rule.explain.get(lang).format(**ctx)
    return _singular(text) if lang == "en" else text


_ONE_PLURAL = re.compile(r"(?<![\d.,])1 ([a-z]+[^s\W])s\b")


def _singular(text: str) -> str:
    """English after filling numbers in: "1 points" → "1 point", "1 violations" → "1 violation"."""
    return _ONE_PLURAL.sub(r"1 \1", text)


def missing_reason(m: Methodology, missing: list[str], lang: str) -> str:
    described = ", ".join(f"{n} ({m.facts[n].description.get(lang)})" for n in missing)
    return MESSAGES["missing"][lang].format(facts=described)


def counting_rules(lang: str) -> dict[str, str]:
    return {k: v[lang] for k, v in COUNTING.items()}


def _plain(d: Decimal | None) -> str:
    return "" if d is None else format(d.normalize(), "f")
