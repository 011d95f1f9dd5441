"""The appraiser's check of a self-assessment: every finding with a stable code and a
severity, so a province can run it in its own pipeline before it submits.

Codes:
  AU001 error    claimed points above what the rules give (over-claim)
  AU002 warning  claimed points below what the rules give (under-claim)
  AU003 error    claimed points above the item's maximum
  AU004 error    a survey-scored item was self-scored (only MoHA's survey scores it)
  AU005 error    evidence required by the methodology is missing, with no explanation
  AU006 warning  a claimed item has no evidence on any of its facts
  AU007 warning  evidence is incomplete (number, date or issuer missing)
  AU008 info     evidence is missing but the unit explained why (giải trình)
  AU009 error    the declared claimed total does not add up
  AU010 error    facts contradict each other (a part larger than its whole)
  AU011 warning  a claim cannot be checked: the item's facts are missing
  AU012 warning  missing data: an item cannot be scored (counted as 0) until these facts are supplied
  AU013 warning  missing evidence: an appraisal item not self-scored has facts without evidence, and no explanation
                 (the appraiser checks every appraisal item's evidence, claimed or not)
  AU014 warning  a percentage below 1 % where more is better: perhaps written as a fraction (0.861 for 86.1 %)
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .explanation import fmt_number
from .i18n import text, translate
from .loading import Facts, Methodology
from .models import Scorecard
from .scorecard import score

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}

SEVERITY = {"AU001": "error", "AU002": "warning", "AU003": "error", "AU004": "error", "AU005": "error", "AU006": "warning",
            "AU007": "warning", "AU008": "info", "AU009": "error", "AU010": "error", "AU011": "warning",
            "AU012": "warning", "AU013": "warning", "AU014": "warning"}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    item: str | None          # sub-criterion code, or None for the whole file
    message: str
    line: int | None = None


@dataclass(frozen=True)
class AuditReport:
    card: Scorecard
    findings: list[Finding]

    def at_least(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[severity]]


def audit(m: Methodology, facts: Facts, lang: str = "vi") -> AuditReport:
    card = score(m, facts, lang)
    out: list[Finding] = []

    def add(code: str, item: str | None, line: int | None = None, **kw: object) -> None:
        out.append(Finding(code, SEVERITY[code], item, text("audit", lang)[code].format(**kw).strip(), line))

    def n(d: Decimal) -> str:
        return fmt_number(d, lang)

    for p in facts.contradictions:
        add("AU010", None, p.line, message=translate(p.code, p.message, lang))
    for fact, v in facts.values.items():   # a share typed as a fraction: 0.861 read as 0.861 %, not 86.1 %
        spec = m.facts.get(fact)
        if spec is not None and spec.type == "percent" and spec.better == "higher" and isinstance(v, (int, Decimal)) \
                and 0 < v < 1:
            users = [code for code, rule in m.rules.items() if fact in m.reads(rule)]
            add("AU014", users[0] if users else None, facts.lines.get(fact), fact=fact, value=n(Decimal(v)),
                meant=n(Decimal(v) * 100), items=", ".join(users))
    where = {f.fact: f.location for f in card.summary.missing.facts} if card.summary.missing else {}
    at = text("audit", lang)["fill_in"]
    for it in card.items:
        claimed = it.claimed
        if it.status == "missing_facts":
            names = [f for f in _inputs(m, it.code) if f not in facts.values]
            add("AU012", it.code, max=n(it.max), facts=", ".join(f + (f" ({at} {where[f]})" if where.get(f) else "") for f in names))
        if claimed is None:
            reported = [f for f in _inputs(m, it.code) if f in facts.values]
            without = [f for f in reported if not facts.evidence.get(f)]
            if it.assessed_by == "appraisal" and without:
                if facts.explanations.get(it.code):
                    add("AU008", it.code, facts=", ".join(without), text=facts.explanations[it.code])
                else:
                    add("AU013", it.code, facts=", ".join(without))
            continue
        if it.assessed_by == "survey":
            add("AU004", it.code, claimed=n(claimed))
            continue
        if claimed > it.max:
            add("AU003", it.code, claimed=n(claimed), max=n(it.max))
        reported = [f for f in it.facts if f in m.facts]
        if it.status == "missing_facts":
            add("AU011", it.code, claimed=n(claimed), facts=", ".join(f for f in reported if f not in facts.values))
        elif claimed > it.points and claimed <= it.max:
            reason = it.deductions[0].reason if it.deductions else ""
            add("AU001", it.code, claimed=n(claimed), computed=n(it.points), diff=n(claimed - it.points), reason=reason)
        elif claimed < it.points:
            add("AU002", it.code, claimed=n(claimed), computed=n(it.points), diff=n(it.points - claimed))
        without = [f for f in reported if f in facts.values and not facts.evidence.get(f)]
        if it.evidence == {} and reported:
            explanation = facts.explanations.get(it.code)
            if explanation:
                add("AU008", it.code, facts=", ".join(reported), text=explanation)
            elif m.leaves[it.code].evidence_required:
                add("AU005", it.code, facts=", ".join(reported))
            else:
                add("AU006", it.code, facts=", ".join(reported))
        elif m.leaves[it.code].evidence_required and without and not facts.explanations.get(it.code):
            add("AU005", it.code, facts=", ".join(without))
        for fact, evs in it.evidence.items():
            for ev in evs:
                missing = [w for w, v in (("date", ev.date), ("issuer", ev.issuer)) if not v]
                if missing:
                    add("AU007", it.code, number=ev.number, fact=fact,
                        what=", ".join(text("audit", lang)[f"evidence_{w}"] for w in missing))
    if facts.claimed_total is not None:
        total = sum(facts.claimed.values(), Decimal(0))
        if total != facts.claimed_total:
            add("AU009", None, declared=n(facts.claimed_total), sum=n(total))
    out.sort(key=lambda f: (-SEVERITY_ORDER[f.severity], _code_key(f.item), f.code))
    return AuditReport(card, out)


def _inputs(m: Methodology, code: str) -> list[str]:
    """The reported facts an item rests on (a ratio's numerator and denominator, not the ratio)."""
    out: list[str] = []
    for name in m.reads(m.rules[code]):
        out += [f for f in m.inputs_of(name) if f not in out]
    return out


def _code_key(code: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split(".")) if code else ()


def to_junit(report: AuditReport) -> str:
    """JUnit XML: one test case per self-assessed item and one for the file; errors and
    warnings are failures, so any CI shows them."""
    import xml.etree.ElementTree as ET

    card = report.card
    by_item: dict[str | None, list[Finding]] = {}
    for f in report.findings:
        by_item.setdefault(f.item, []).append(f)
    cases = [None] + [it.code for it in card.items if it.claimed is not None]
    suite = ET.Element("testsuite", name=f"parscore audit {card.agency.code} {card.year}", tests=str(len(cases)),
                       failures=str(sum(1 for c in cases if any(f.severity != "info" for f in by_item.get(c, [])))), errors="0")
    for c in cases:
        case = ET.SubElement(suite, "testcase", classname=f"parscore.audit.{card.agency.code}", name=c or "file")
        for f in by_item.get(c, []):
            if f.severity == "info":
                ET.SubElement(case, "system-out").text = f"{f.code}: {f.message}"
            else:
                el = ET.SubElement(case, "failure", message=f.message, type=f"{f.code} {f.severity}")
                el.text = f"{f.code} [{f.severity}] {c or 'file'}: {f.message}"
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
