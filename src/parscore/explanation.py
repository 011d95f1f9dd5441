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
from .kinds import for_score
from .models import RuleSpec

MESSAGES: dict[str, dict[str, str]] = {
    "missing": {
        "vi": "Thiếu số liệu, chưa chấm được (tính 0 điểm): cần cung cấp {facts}.",
        "en": "Facts missing, so the item cannot be scored (counted as 0): supply {facts}.",
    },
    "undefined": {
        "vi": "Không tính được {fact} vì {den} bằng 0 (tính 0 điểm); kiểm tra lại số liệu.",
        "en": "{fact} cannot be computed because {den} is 0 (counted as 0); check the facts.",
    },
    "not_arising": {
        "vi": "Tình huống không phát sinh trong năm ({fact} = {value}), nên được tối đa {max} điểm; điểm tối đa của lĩnh vực không bị giảm.",
        "en": "The situation did not arise this year ({fact} = {value}), so the item earns its full {max} points; the field's maximum never shrinks.",
    },
    "baseline_missing": {
        "vi": "Thiếu số liệu năm trước để so sánh (tính 0 điểm): cần {facts} trong tệp năm trước{file}.",
        "en": "Last year's value to compare with is missing (counted as 0): supply {facts} in last year's facts file{file}.",
    },
    "no_baseline_file": {
        "vi": " (tệp số liệu chưa khai báo baseline: tệp năm trước)",
        "en": " (this facts file names no baseline: last year's file)",
    },
    "projected": {
        "vi": "Chưa có kết quả điều tra năm nay: ước tính theo kết quả năm trước ({value}%, từ {source}), được {points}/{max} điểm; tính riêng là điểm ước tính.",
        "en": "No survey result for this year yet: projected from last year's ({value}%, from {source}), {points} of {max} points; counted apart as projected.",
    },
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
}

COUNTING: dict[str, dict[str, str]] = {
    "not_arising": {
        "vi": "Tình huống không phát sinh trong năm (không có hồ sơ trễ hạn, không có gì phải kiểm tra): tiêu chí được tối đa điểm, kèm lý do, và vẫn nằm trong điểm tối đa; điểm tối đa của mỗi lĩnh vực như nhau ở mọi tỉnh, nên chỉ số = điểm đạt / 100.",
        "en": "A situation that did not arise in the year (no late dossiers, nothing to inspect): the item earns its full points, with a reason saying so, and stays in the maximum; every field's maximum is the same in every province, so index = points / 100.",
    },
    "not_applicable": {
        "vi": "Tiêu chí không áp dụng chỉ khi quy tắc khai báo như vậy kèm trích dẫn: khi đó tiêu chí được loại khỏi cả điểm đạt và điểm tối đa.",
        "en": "An item is not applicable only where its rule says so with a citation (when_not_arising: not_applicable): it then leaves both the points and the maximum.",
    },
    "projected": {
        "vi": "Tiêu chí điều tra xã hội học chưa có kết quả có thể được ước tính từ kết quả năm trước (--baseline): tính riêng, và thẻ điểm ghi chỉ số có và không có phần ước tính.",
        "en": "Survey items without results can be projected from last year's (--baseline): counted apart, and the card shows the index with and without the projection.",
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
    d = value if type(value) is Decimal else Decimal(value)
    text = format(d, f",.{places}f") if places is not None else format(d.normalize(), ",f")
    return text.translate(_VI_DIGITS) if lang == "vi" else text


_VI_DIGITS = str.maketrans(",.", ".,")   # swap the separators in one pass


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
    spec = m.derived.get(name) if text is not None else None
    if spec is not None and text is not None:   # the same digits as the 2-decimal text of the cut value, without a text round trip
        return fmt_number(Decimal(text).quantize(_CENT, rounding=_TOWARDS_WORSE.get(spec.better, ROUND_HALF_UP)), lang)
    return fmt_value(text, lang)


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
    return MESSAGES["undefined"][lang].format(fact=rule.score.fact, den=den)


def reason_context(m: Methodology, rule: RuleSpec, tier: int | None, lang: str) -> dict[str, str]:
    """The parts of a reason that depend only on the rule and the outcome (built once, reusable)."""
    leaf_max = m.leaves[rule.item].max
    ctx = dict(max=fmt_number(leaf_max, lang), full="", next="", next_points="", each="", floor="")
    for_score(rule.score).reason_context(rule.score, ctx, tier, lang)
    return ctx


def reason_text(m: Methodology, rule: RuleSpec, static: dict[str, str], values: dict[str, str | None],
                points: Decimal, lang: str) -> str:
    """A reason: the rule's template filled with the session's values and the points."""
    leaf_max = m.leaves[rule.item].max
    ctx: dict[str, str] = {n: display(m, n, values.get(n), lang) for n in m.reads(rule)}
    ctx.update(static)
    ctx["value"], ctx["points"], ctx["lost"] = ctx[rule.score.fact], fmt_number(points, lang), fmt_number(leaf_max - points, lang)
    # values of the session a kind shows (a comparison: last year's amount and the change, exact)
    ctx.update(for_score(rule.score).reason_values(rule.score, m, values, lang))
    text = rule.explain.get(lang).format_map(ctx)
    return _singular(text) if lang == "en" else text


_ONE_PLURAL = re.compile(r"(?<![\d.,])1 ([a-z]+[^s\W])s\b")


def _singular(text: str) -> str:
    """English after filling numbers in: "1 points" → "1 point", "1 violations" → "1 violation"."""
    return _ONE_PLURAL.sub(r"1 \1", text)


def missing_reason(m: Methodology, missing: list[str], lang: str, locations: dict[str, str] | None = None) -> str:
    where = {"vi": "điền tại {loc}", "en": "fill in {loc}"}[lang]
    described = ", ".join(f"{n} ({m.kind_of(n).description.get(lang)}"
                          + (f"; {where.format(loc=locations[n])}" if locations and n in locations else "") + ")" for n in missing)
    return MESSAGES["missing"][lang].format(facts=described)


def change_text(value: str | None, reference: str | None, lang: str) -> str:
    """value − reference with its sign, exact: "+12", "−0,5", "0"."""
    if value is None or reference is None:
        return "—"
    d = Decimal(value) - Decimal(reference)
    sign = "+" if d > 0 else "−" if d < 0 else ""
    return sign + fmt_number(abs(d), lang)


def projected_reason(m: Methodology, rule: RuleSpec, session: Session, facts: object, lang: str) -> str:
    verdict = session.verdicts[rule.item]
    return MESSAGES["projected"][lang].format(value=display(m, rule.score.fact, session.values.get(rule.score.fact), lang),
                                              source=getattr(facts, "projection_source", None) or "—",
                                              points=fmt_number(verdict.points, lang), max=fmt_number(m.leaves[rule.item].max, lang))


def not_arising_reason(m: Methodology, rule: RuleSpec, session: Session, lang: str) -> str:
    na = rule.not_applicable_when
    assert na is not None
    return MESSAGES["not_arising"][lang].format(fact=na.fact, value=display(m, na.fact, session.values.get(na.fact), lang),
                                                max=fmt_number(m.leaves[rule.item].max, lang))


def baseline_missing_reason(m: Methodology, names: list[str], facts: object, lang: str) -> str:
    described = ", ".join(f"{n} ({m.kind_of(n).description.get(lang)})" for n in names)
    base = getattr(facts, "baseline", None)
    where = f" ({base.file})" if base is not None else MESSAGES["no_baseline_file"][lang]
    return MESSAGES["baseline_missing"][lang].format(facts=described, file=where)


def counting_rules(lang: str) -> dict[str, str]:
    return {k: v[lang] for k, v in COUNTING.items()}
