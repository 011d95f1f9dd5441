"""Renderers: a Scorecard (or a methodology's catalogue) → table, Markdown or JSON.

JSON is the stable contract (see README); it is produced from the pydantic models
with a fixed key order, so the same inputs give byte-identical output.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tabulate import tabulate

from .explanation import fmt_number, fmt_value
from .loading import Methodology
from .models import ItemResult, Scorecard

L: dict[str, dict[str, str]] = {
    "title": {"vi": "CHỈ SỐ CẢI CÁCH HÀNH CHÍNH (dự kiến)", "en": "PAR INDEX (projected)"},
    "agency": {"vi": "Cơ quan", "en": "Agency"},
    "year": {"vi": "Năm", "en": "Year"},
    "methodology": {"vi": "Phương pháp", "en": "Methodology"},
    "version": {"vi": "phiên bản", "en": "version"},
    "total": {"vi": "Tổng điểm", "en": "Total"},
    "index": {"vi": "Chỉ số", "en": "Index"},
    "group": {"vi": "Nhóm", "en": "Group"},
    "claimed_total": {"vi": "Tổng điểm tự đánh giá", "en": "Self-assessed total"},
    "overlay": {"vi": "Đã áp dụng bản điều chỉnh", "en": "Overlay applied"},
    "code": {"vi": "Mã", "en": "Code"},
    "name": {"vi": "Nội dung", "en": "Item"},
    "points": {"vi": "Điểm", "en": "Points"},
    "max": {"vi": "Tối đa", "en": "Max"},
    "status": {"vi": "Tình trạng", "en": "Status"},
    "provenance": {"vi": "Nguồn số liệu", "en": "Provenance"},
    "claimed": {"vi": "Tự chấm", "en": "Claimed"},
    "lost": {"vi": "Điểm bị trừ", "en": "Points lost"},
    "reason": {"vi": "Lý do", "en": "Reason"},
    "rule": {"vi": "Quy tắc", "en": "Rule"},
    "fields": {"vi": "Chỉ số thành phần theo lĩnh vực", "en": "Component index by field"},
    "items": {"vi": "Tiêu chí thành phần", "en": "Sub-criteria"},
    "deductions": {"vi": "Các khoản bị trừ điểm", "en": "Deductions"},
    "counting": {"vi": "Cách tính", "en": "How items count"},
    "assessed_by": {"vi": "Cách chấm", "en": "Assessed by"},
    "appraisal": {"vi": "thẩm định", "en": "appraisal"},
    "survey": {"vi": "điều tra XHH", "en": "survey"},
    "full": {"vi": "đạt tối đa", "en": "full"},
    "partial": {"vi": "đạt một phần", "en": "partial"},
    "zero": {"vi": "0 điểm", "en": "zero"},
    "missing_facts": {"vi": "thiếu số liệu", "en": "missing facts"},
    "not_applicable": {"vi": "không áp dụng", "en": "not applicable"},
    "official": {"vi": "chính thức", "en": "official"},
    "plan-126": {"vi": "KH 126", "en": "plan-126"},
    "reconstructed": {"vi": "tái dựng", "en": "reconstructed"},
    "caveat": {
        "vi": "LƯU Ý NGUỒN SỐ LIỆU: {share}% điểm tối đa dựa trên điểm tối đa hoặc ngưỡng chấm TÁI DỰNG, "
              "không phải số chính thức (bảng điểm chính thức chưa có ở đây); ngưỡng lấy từ KH 126/KH-UBND: {plan} quy tắc; "
              "tiêu chí có số liệu chính thức (có trích dẫn): {official}.",
        "en": "PROVENANCE: {share}% of the maximum rests on RECONSTRUCTED maxima or thresholds, not official numbers "
              "(the official point table is not available here); thresholds taken from Plan 126/KH-UBND: {plan} rules; "
              "items with official, cited numbers: {official}.",
    },
    "facts_used": {"vi": "Số liệu sử dụng", "en": "Facts used"},
    "fact": {"vi": "Số liệu", "en": "Fact"},
    "value": {"vi": "Giá trị", "en": "Value"},
    "evidence": {"vi": "Tài liệu kiểm chứng", "en": "Evidence"},
    "thresholds": {"vi": "Ngưỡng chấm", "en": "Thresholds"},
    "trace": {"vi": "Vết suy luận (quy tắc đã kích hoạt)", "en": "Trace (productions fired)"},
    "inputs": {"vi": "Đầu vào", "en": "Inputs"},
    "output": {"vi": "Kết quả", "en": "Output"},
    "citation": {"vi": "Trích dẫn", "en": "Citation"},
    "no_deductions": {"vi": "Không có khoản bị trừ điểm.", "en": "No points lost."},
}


def t(key: str, lang: str) -> str:
    return L[key][lang]


def to_json(obj: Any) -> str:
    """Deterministic JSON: fixed key order from the models, UTF-8 text, newline at the end."""
    data = obj.model_dump(mode="json") if hasattr(obj, "model_dump") else obj
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def num(d: Decimal | None, lang: str) -> str:
    return "—" if d is None else fmt_number(d, lang)


def pct(d: Decimal | None, lang: str) -> str:
    """An index as published: always 2 decimals, e.g. 89,33%."""
    return "—" if d is None else fmt_number(d, lang, 2) + "%"


def caveat(sc: Scorecard, lang: str) -> str:
    return t("caveat", lang).format(share=fmt_number(sc.summary.reconstructed_share, lang, 2),
                                   plan=sc.summary.rules_by_provenance.get("plan-126", 0),
                                   official=sum(1 for it in sc.items if it.provenance == "official" or it.rule_provenance == "official"))


def render_scorecard(sc: Scorecard, fmt: str) -> str:
    if fmt == "json":
        return to_json(sc)
    lang = sc.lang
    tf = "github" if fmt == "markdown" else "simple"
    md = fmt == "markdown"
    out: list[str] = []
    head = [
        (t("agency", lang), sc.agency.name),
        (t("year", lang), str(sc.year)),
        (t("methodology", lang), f"{sc.methodology['id']} ({t('version', lang)} {sc.methodology['version']})"),
        (t("total", lang), f"{num(sc.total, lang)} / {num(sc.applicable_max, lang)}"),
        (t("index", lang), pct(sc.index, lang)),
        (t("group", lang), sc.group),
    ]
    if sc.claimed_total is not None:
        head.append((t("claimed_total", lang), num(sc.claimed_total, lang)))
    if sc.overlay:
        head.append((t("overlay", lang), sc.overlay))
    out.append(("# " if md else "") + t("title", lang))
    out.append("")
    out.append(tabulate(head, tablefmt=tf, headers=["", ""] if md else ()))
    out.append("")
    out.append(("> " if md else "") + caveat(sc, lang))
    out.append("")
    out.append(("## " if md else "") + t("fields", lang))
    rows = [[f.code, f.name, num(f.points, lang), num(f.max, lang), pct(f.index, lang)] for f in sc.fields]
    out.append(tabulate(rows, headers=[t("code", lang), t("name", lang), t("points", lang), t("max", lang), t("index", lang)], tablefmt=tf, disable_numparse=True))
    out.append("")
    out.append(("## " if md else "") + t("items", lang))
    rows = [_item_row(it, lang) for it in sc.items]
    out.append(tabulate(rows, headers=[t("code", lang), t("name", lang), t("points", lang), t("max", lang), t("status", lang),
                                       t("assessed_by", lang), t("provenance", lang), t("claimed", lang)],
                        tablefmt=tf, disable_numparse=True, maxcolwidths=[None, 48, None, None, None, None, None, None]))
    out.append("")
    out.append(("## " if md else "") + t("deductions", lang))
    rows = [[it.code, num(d.points, lang), d.reason] for it in sc.items for d in it.deductions]
    out.append(tabulate(rows, headers=[t("code", lang), t("lost", lang), t("reason", lang)], tablefmt=tf,
                        disable_numparse=True, maxcolwidths=[None, None, 90 if not md else None]) if rows else t("no_deductions", lang))
    out.append("")
    out.append(("## " if md else "") + t("counting", lang))
    out.extend(("- " if md else "  ") + v for v in sc.counting.values())
    return "\n".join(out) + "\n"


def _item_row(it: ItemResult, lang: str) -> list[str]:
    return [it.code, it.name, num(it.points, lang), num(it.max, lang), t(it.status, lang), t(it.assessed_by, lang),
            t(it.provenance, lang), num(it.claimed, lang)]


def render_explain(sc: Scorecard, m: Methodology, code: str, fmt: str) -> str:
    it = sc.item(code)
    if fmt == "json":
        return to_json(it)
    lang = sc.lang
    rule = m.rules[code]
    tf = "github" if fmt == "markdown" else "simple"
    out = [f"{it.code} {it.name}",
           f"{t('points', lang)}: {num(it.points, lang)} / {num(it.max, lang)} ({t(it.status, lang)}); "
           f"{t('rule', lang)}: {rule.id} [{t(rule.provenance, lang)}]; {t('assessed_by', lang)}: {t(it.assessed_by, lang)}"]
    if rule.citation:
        out.append(f"{t('citation', lang)}: {rule.citation}")
    if it.claimed is not None:
        out.append(f"{t('claimed', lang)}: {num(it.claimed, lang)}")
    out.append("")
    out.append(t("facts_used", lang))
    rows = []
    for name, value in it.facts.items():
        spec = m.kind_of(name)
        ev = "; ".join(f"{e.number}" + (f", {e.date.isoformat()}" if e.date else "") + (f", {e.issuer}" if e.issuer else "")
                       for e in it.evidence.get(name, []))
        rows.append([name, fmt_value(value, lang), spec.unit.get(lang), spec.description.get(lang), ev])
    out.append(tabulate(rows, headers=[t("fact", lang), t("value", lang), "", "", t("evidence", lang)], tablefmt=tf, disable_numparse=True))
    out.append("")
    out.append(t("thresholds", lang))
    ths = it.deductions[0].thresholds if it.deductions else {}
    from .explanation import thresholds as _th
    for k, v in (ths or _th(rule, None)).items():
        out.append(f"  {k}: {v}")
    out.append("")
    out.append(t("deductions", lang))
    out.extend(f"  -{num(d.points, lang)}: {d.reason}" for d in it.deductions)
    if not it.deductions:
        out.append("  " + t("no_deductions", lang))
    out.append("")
    out.append(t("trace", lang))
    rows = [[s.rule, s.kind, ", ".join(f"{k}={v}" for k, v in s.inputs.items()), s.output] for s in it.trace]
    out.append(tabulate(rows, headers=[t("rule", lang), "", t("inputs", lang), t("output", lang)], tablefmt=tf, disable_numparse=True))
    return "\n".join(out) + "\n"


def criteria_data(m: Methodology, lang: str) -> dict[str, Any]:
    leaves = list(m.leaves.values())
    prov: dict[str, int] = {}
    for s in leaves:
        prov[s.provenance] = prov.get(s.provenance, 0) + 1
    rule_prov: dict[str, int] = {}
    for r in m.rules.values():
        rule_prov[r.provenance] = rule_prov.get(r.provenance, 0) + 1
    by = {k: float(sum((s.max for s in leaves if s.assessed_by == k), Decimal(0))) for k in ("appraisal", "survey")}
    return {
        "id": m.id, "version": m.version, "citation": m.citation, "overlay": m.overlay,
        "total": float(m.total), "appraisal": by["appraisal"], "survey": by["survey"],
        "counts": {"fields": len(m.fields), "criteria": sum(len(f.criteria) for f in m.fields), "sub_criteria": len(leaves)},
        "provenance": {"maxima": dict(sorted(prov.items())), "rules": dict(sorted(rule_prov.items()))},
        "fields": [{"code": f.code, "name": f.name.get(lang), "max": float(f.max), "provenance": f.provenance,
                    "criteria": [{"code": c.code, "name": c.name.get(lang), "max": float(c.max), "provenance": c.provenance,
                                  "sub_criteria": [{"code": s.code, "name": s.name.get(lang), "max": float(s.max),
                                                    "assessed_by": s.assessed_by, "provenance": s.provenance,
                                                    "rule": m.rules[s.code].id, "rule_provenance": m.rules[s.code].provenance}
                                                   for s in c.sub_criteria]} for c in f.criteria]} for f in m.fields],
    }


def render_criteria(m: Methodology, lang: str, fmt: str) -> str:
    data = criteria_data(m, lang)
    if fmt == "json":
        return to_json(data)
    tf = "github" if fmt == "markdown" else "simple"
    rows = []
    for f in data["fields"]:
        rows.append([f["code"], f["name"], num(Decimal(str(f["max"])), lang), "", t(f["provenance"], lang), ""])
        for c in f["criteria"]:
            rows.append([c["code"], "  " + c["name"], num(Decimal(str(c["max"])), lang), "", t(c["provenance"], lang), ""])
            for s in c["sub_criteria"]:
                rows.append([s["code"], "    " + s["name"], num(Decimal(str(s["max"])), lang), t(s["assessed_by"], lang),
                             t(s["provenance"], lang), f"{s['rule']} [{t(s['rule_provenance'], lang)}]"])
    c = data["counts"]
    summary = {
        "vi": f"{m.id} (phiên bản {m.version}): {c['fields']} lĩnh vực, {c['criteria']} tiêu chí, {c['sub_criteria']} tiêu chí thành phần; "
              f"tổng {num(m.total, lang)} điểm = {num(Decimal(str(data['appraisal'])), lang)} thẩm định + {num(Decimal(str(data['survey'])), lang)} điều tra XHH",
        "en": f"{m.id} (version {m.version}): {c['fields']} fields, {c['criteria']} criteria, {c['sub_criteria']} sub-criteria; "
              f"{num(m.total, lang)} points = {num(Decimal(str(data['appraisal'])), lang)} appraisal + {num(Decimal(str(data['survey'])), lang)} survey",
    }[lang]
    provs = ", ".join(f"{t(k, lang)}: {v}" for k, v in data["provenance"]["maxima"].items())
    rprovs = ", ".join(f"{t(k, lang)}: {v}" for k, v in data["provenance"]["rules"].items())
    label = {"vi": ("Nguồn điểm tối đa (số tiêu chí thành phần)", "Nguồn ngưỡng chấm (số quy tắc)"),
             "en": ("Provenance of maxima (sub-criteria)", "Provenance of thresholds (rules)")}[lang]
    table = tabulate(rows, headers=[t("code", lang), t("name", lang), t("max", lang), t("assessed_by", lang), t("provenance", lang), t("rule", lang)],
                     tablefmt=tf, disable_numparse=True)
    return f"{summary}\n{label[0]}: {provs}\n{label[1]}: {rprovs}\n\n{table}\n"


def facts_data(m: Methodology, lang: str) -> list[dict[str, Any]]:
    out = []
    for name, spec in sorted(m.facts.items()):
        out.append({"name": name, "type": spec.type, "unit": spec.unit.get(lang), "better": spec.better,
                    "description": spec.description.get(lang), "derived": False, "formula": None,
                    "part_of": spec.part_of, "used_by": m.users_of(name)})
    for name, dspec in sorted(m.derived.items()):
        out.append({"name": name, "type": "percent" if dspec.ratio else "number", "unit": dspec.unit.get(lang),
                    "better": dspec.better, "description": dspec.description.get(lang), "derived": True,
                    "formula": {dspec.formula: dspec.inputs}, "part_of": None, "used_by": m.users_of(name)})
    return out


def render_facts(m: Methodology, lang: str, fmt: str) -> str:
    data = facts_data(m, lang)
    if fmt == "json":
        return to_json(data)
    tf = "github" if fmt == "markdown" else "simple"
    derived_label = {"vi": "suy ra", "en": "derived"}[lang]
    rows = [[d["name"] + (f" ({derived_label})" if d["derived"] else ""), d["type"], d["unit"], d["better"], d["description"],
             ", ".join(d["used_by"])] for d in data]
    return tabulate(rows, headers=[t("fact", lang), "type", "unit", "better", "description", "items"], tablefmt=tf,
                    disable_numparse=True, maxcolwidths=[None, None, 16, None, 60, 24]) + "\n"
