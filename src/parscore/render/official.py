"""What every signed document shares (Decree 30/2020/NĐ-CP layout): the national header,
the issuing body, number and date lines, the title by stage, and the rows a report lists.

Everything here is text in the card's language, from one catalogue (`DOC`), so the HTML,
PDF and .docx say the same thing the same way."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..loading import Facts, Methodology
from ..models import ItemResult, NodeResult, Scorecard

DOC: dict[str, dict[str, str]] = {
    "nation": {"vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "en": "SOCIALIST REPUBLIC OF VIET NAM"},
    "motto": {"vi": "Độc lập - Tự do - Hạnh phúc", "en": "Independence - Freedom - Happiness"},
    "number": {"vi": "Số: ......./BC-UBND", "en": "No.: ......./BC-UBND"},
    "date_blank": {"vi": "{place}, ngày ..... tháng ..... năm ......", "en": "{place}, ..... / ..... / ......"},
    "date": {"vi": "{place}, ngày {d} tháng {m} năm {y}", "en": "{place}, {date}"},
    "kind": {"vi": "BÁO CÁO", "en": "REPORT"},
    "subject": {"vi": "Kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm {year} của {agency}",
                "en": "Self-assessment of the PAR INDEX {year}: {agency}"},
    "stage_computed": {"vi": "(điểm tính theo số liệu tự đánh giá, chưa qua thẩm định)",
                       "en": "(points computed from the self-assessment facts, not yet appraised)"},
    "stage_self": {"vi": "(điểm do tỉnh tự chấm, chưa qua thẩm định)", "en": "(points as self-scored, not yet appraised)"},
    "stage_appraised": {"vi": "(điểm sau thẩm định)", "en": "(points after appraisal)"},
    "intro": {"vi": "Thực hiện Quyết định số 892/QĐ-BNV ngày 05/12/2024 của Bộ trưởng Bộ Nội vụ về Chỉ số cải cách hành chính, "
                    "{agency} báo cáo kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm {year} như sau:",
              "en": "Under Decision 892/QĐ-BNV of 05/12/2024 of the Minister of Home Affairs on the PAR INDEX, "
                    "{agency} reports its self-assessment of the PAR INDEX {year} as follows:"},
    "s1": {"vi": "I. KẾT QUẢ TỰ ĐÁNH GIÁ", "en": "I. SELF-ASSESSMENT RESULTS"},
    "s1_text": {"vi": "Tổng điểm {total}/{max} điểm; chỉ số {index}; xếp nhóm {group}.",
                "en": "Total {total}/{max} points; index {index}; group {group}."},
    "s2": {"vi": "II. CÁC TIÊU CHÍ CHƯA ĐỦ TÀI LIỆU KIỂM CHỨNG HOẶC THIẾU SỐ LIỆU",
           "en": "II. ITEMS WITHOUT FULL EVIDENCE OR WITH MISSING DATA"},
    "s2_none": {"vi": "Mọi tiêu chí thành phần đều đủ số liệu và tài liệu kiểm chứng.",
                "en": "Every sub-criterion has its data and evidence."},
    "s3": {"vi": "III. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ", "en": "III. DIFFICULTIES AND PROPOSALS"},
    "s3_1": {"vi": "1. Khó khăn, vướng mắc", "en": "1. Difficulties"},
    "s3_2": {"vi": "2. Đề xuất, kiến nghị", "en": "2. Proposals"},
    "recipients": {"vi": "Nơi nhận:", "en": "To:"},
    "recipient_list": {"vi": "- Bộ Nội vụ;\n- TT Tỉnh ủy, TT HĐND tỉnh;\n- CT, các PCT UBND tỉnh;\n- Sở Nội vụ;\n- Lưu: VT.",
                       "en": "- Ministry of Home Affairs;\n- Provincial Party Committee, People's Council;\n- Chair and Vice-chairs;\n"
                             "- Department of Home Affairs;\n- Archive."},
    "on_behalf": {"vi": "TM. ỦY BAN NHÂN DÂN", "en": "ON BEHALF OF THE PEOPLE'S COMMITTEE"},
    "chair": {"vi": "CHỦ TỊCH", "en": "CHAIRPERSON"},
    "sign_hint": {"vi": "(Ký, ghi rõ họ tên, đóng dấu)", "en": "(Signature, full name, seal)"},
    "no": {"vi": "STT", "en": "No."},
    "field": {"vi": "Lĩnh vực", "en": "Field"},
    "max": {"vi": "Điểm tối đa", "en": "Max"},
    "self": {"vi": "Điểm tự đánh giá", "en": "Self-assessed"},
    "computed": {"vi": "Điểm theo số liệu", "en": "Computed"},
    "appraised": {"vi": "Điểm thẩm định", "en": "Appraised"},
    "index": {"vi": "Chỉ số thành phần", "en": "Index"},
    "self_note": {"vi": "Điểm tự đánh giá: điểm tỉnh tự chấm ở {n} tiêu chí thành phần; các tiêu chí còn lại lấy điểm tính theo số liệu.",
                  "en": "Self-assessed: the province's own points on {n} sub-criteria; the others take the computed points."},
    "total_row": {"vi": "Tổng cộng", "en": "Total"},
    "code": {"vi": "Mã", "en": "Code"},
    "item": {"vi": "Tiêu chí thành phần", "en": "Sub-criterion"},
    "points": {"vi": "Điểm", "en": "Points"},
    "problem": {"vi": "Tình trạng", "en": "Problem"},
    "explanation": {"vi": "Giải trình", "en": "Explanation"},
    "no_data": {"vi": "Thiếu số liệu: {facts}", "en": "Data missing: {facts}"},
    "no_evidence": {"vi": "Thiếu tài liệu kiểm chứng: {facts}", "en": "Evidence missing: {facts}"},
    "to_explain": {"vi": "(đơn vị chủ trì giải trình)", "en": "(the lead unit to explain)"},
    "page": {"vi": "Trang", "en": "Page"},
}


def d(key: str, lang: str) -> str:
    return DOC[key][lang]


_BODY = re.compile(r"^\s*(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|ỦY BAN NHÂN DÂN)\s+(tỉnh|thành phố|TỈNH|THÀNH PHỐ)\s+(.+?)\s*$")


def place_of(agency_name: str) -> str:
    """'UBND tỉnh Cà Mau' → 'Cà Mau' (the place in the date line); else dots to fill."""
    m = _BODY.match(agency_name)
    return m.group(2) if m else "......"


def issuing_body(agency_name: str, lang: str) -> list[str]:
    """The issuing body's lines, upper case: ['ỦY BAN NHÂN DÂN', 'TỈNH CÀ MAU']."""
    m = _BODY.match(agency_name)
    if not m:
        return [agency_name.upper()]
    if lang == "en":
        return ["PEOPLE'S COMMITTEE", f"OF {m.group(2).upper()} {'PROVINCE' if m.group(1).lower() == 'tỉnh' else 'CITY'}"]
    return ["ỦY BAN NHÂN DÂN", f"{m.group(1).upper()} {m.group(2).upper()}"]


def date_line(agency_name: str, lang: str, on: dt.date | None = None) -> str:
    place = place_of(agency_name)
    if on is None:
        return d("date_blank", lang).format(place=place)
    return d("date", lang).format(place=place, d=f"{on.day:02d}", m=f"{on.month:02d}", y=on.year, date=on.strftime("%d/%m/%Y"))


def parse_date(raw: str | None, lang: str = "vi") -> dt.date | None:
    """`--date`: dd/mm/yyyy as a person writes it, or yyyy-mm-dd. None leaves the date line blank to fill by hand."""
    from ..errors import InputError

    if raw is None:
        return None
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            day, month, year = (int(x) for x in text.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    message = {"vi": f"cần ngày của báo cáo dạng dd/mm/yyyy (ví dụ 15/12/2025) hoặc yyyy-mm-dd, nhận được {raw!r}",
               "en": f"expected the report's date as dd/mm/yyyy (e.g. 15/12/2025) or yyyy-mm-dd, got {raw!r}"}[lang]
    raise InputError.one("--date", None, "date", message, "PS332")


def subject(card: Scorecard) -> str:
    return d("subject", card.lang).format(year=card.year or "....", agency=card.agency.name)


def stage_note(card: Scorecard) -> str:
    key = {"appraised": "stage_appraised", "self": "stage_self"}.get(card.stage, "stage_computed")
    return d(key, card.lang)


def items_of(card: Scorecard, field: NodeResult) -> list[ItemResult]:
    return [it for it in card.items if it.code.split(".")[0] == field.code]


@dataclass(frozen=True)
class FieldTable:
    head: list[str]
    rows: list[list[str]]      # one per field, then the total
    widths: list[int]
    note: str | None


def field_table(card: Scorecard) -> FieldTable:
    """The summary by field: max, self-assessed (when the file holds any self-score: the
    province's points where given, else the computed ones, as `self_assessment` scores),
    computed (or appraised) points and the component index. Values are the card's own."""
    from ..reporting import num, pct

    lang = card.lang
    claims = [it for it in card.items if it.claimed is not None]
    appraised = card.stage == "appraised"
    head = [d("no", lang), d("field", lang), d("max", lang)] + ([d("self", lang)] if claims else []) + [d("computed", lang)] \
        + ([d("appraised", lang)] if appraised else []) + [d("index", lang)]

    def computed(items: list[ItemResult]) -> Decimal:
        return sum((it.computed if it.computed is not None else it.points for it in items), Decimal(0))

    rows = []
    for f in card.fields:
        its = items_of(card, f)
        row = [f.code, f.name, num(f.applicable_max, lang)] + ([num(self_points(its), lang)] if claims else []) + [num(computed(its), lang)]
        rows.append(row + ([num(f.points, lang)] if appraised else []) + [pct(f.index, lang)])
    total = ["", d("total_row", lang), num(card.applicable_max, lang)] + ([num(self_points(card.items), lang)] if claims else []) \
        + [num(computed(card.items), lang)] + ([num(card.total, lang)] if appraised else []) + [pct(card.index, lang)]
    widths = [8, 42 - 8 * appraised, 11] + ([13] if claims else []) + [13] + ([12] if appraised else []) + [13]
    return FieldTable(head, rows + [total], widths, d("self_note", lang).format(n=len(claims)) if claims else None)


def self_points(items: list[ItemResult]) -> Decimal:
    """Self-assessed points of a group: the claim where given (never on survey items), else the computed points."""
    return sum((it.claimed if it.claimed is not None and it.assessed_by == "appraisal" else
                (it.computed if it.computed is not None else it.points) for it in items), Decimal(0))


@dataclass(frozen=True)
class Gap:
    """One item without full evidence or with missing data, with the unit's explanation."""
    item: ItemResult
    problems: list[str]
    explanation: str | None


def gaps(card: Scorecard, m: Methodology, facts: Facts) -> list[Gap]:
    """Items the appraiser will question: data missing (AU011/AU012) or evidence missing
    (AU005, AU006, AU008, AU013), from the audit so the report and the audit agree."""
    from ..audit import audit
    from ..reporting import t

    lang = card.lang
    missing = {f.fact: f for f in card.summary.missing.facts} if card.summary.missing else {}
    report = audit(m, facts, lang)
    by_item: dict[str, list[str]] = {}
    for f in report.findings:
        if f.item is None:
            continue
        if f.code in ("AU011", "AU012"):
            names = [n.fact for n in missing.values() if f.item in n.items]
            text = d("no_data", lang).format(facts="; ".join(
                missing[n].description + (f" ({t('missing_at', lang).format(loc=missing[n].location)})" if missing[n].location else "")
                for n in names))
        elif f.code in ("AU005", "AU006", "AU008", "AU013"):
            from ..audit import _inputs
            names = [n for n in _inputs(m, f.item) if n in facts.values and not facts.evidence.get(n)]
            text = d("no_evidence", lang).format(facts="; ".join(m.kind_of(n).description.get(lang) for n in names))
        else:
            continue
        if text not in by_item.setdefault(f.item, []):
            by_item[f.item].append(text)
    return [Gap(card.item(code), probs, facts.explanations.get(code)) for code, probs in
            sorted(by_item.items(), key=lambda kv: tuple(int(p) for p in kv[0].split(".")))]
