"""What a unit's card adds under an internal methodology: its level, how its maximum
was counted, the survey, bonus and penalty points, and the provincial items it feeds."""
from __future__ import annotations

from tabulate import tabulate

from .explanation import fmt_number
from .models import Scorecard

# The unit's level as the report names it.
LEVELS: dict[str, dict[str, str]] = {
    "department": {"vi": "sở, ban, ngành", "en": "department"}, "commune": {"vi": "xã, phường", "en": "commune"},
    "province": {"vi": "tỉnh", "en": "province"}}

U: dict[str, dict[str, str]] = {
    "title": {"vi": "Quy ước của phương pháp đối với đơn vị", "en": "The methodology's conventions for this unit"},
    "level": {"vi": "Cấp đơn vị", "en": "Unit level"},
    "band": {"vi": "Xếp loại", "en": "Band"},
    "max": {"vi": "Điểm tối đa áp dụng cho đơn vị", "en": "Maximum that applies to the unit"},
    "survey": {"vi": "Khảo sát", "en": "Survey"},
    "survey_absent": {"vi": "không có kết quả: phần thẩm định quy đổi về thang 100", "en": "no result: the appraisal is rescaled to 100"},
    "survey_present": {"vi": "có kết quả", "en": "included"},
    "not_assigned": {"vi": "Nhiệm vụ không được giao", "en": "Tasks not assigned"},
    "bonus": {"vi": "Điểm thưởng (đã áp mức tối đa)", "en": "Bonus points (capped)"},
    "penalty": {"vi": "Điểm phạt (đã áp mức tối đa)", "en": "Penalty points (capped)"},
    "feeds": {"vi": "Tiêu chí của tỉnh ({m}) mà kết quả đơn vị đóng góp", "en": "Provincial items ({m}) the unit's results feed"},
    "illustrative": {"vi": "SỐ LIỆU MINH HỌA", "en": "ILLUSTRATIVE FIGURES"},
    "none": {"vi": "không", "en": "none"},
}


def render_unit_info(card: Scorecard, fmt: str) -> str:
    u = card.unit
    if u is None:
        return ""
    lang = card.lang
    md = fmt == "markdown"
    tf = "github" if md else "simple"

    def t(k: str) -> str:
        return U[k][lang]

    rows = [(t("level"), LEVELS.get(u.level, {}).get(lang, u.level)),
            (t("band"), f"{u.band or card.group} ({fmt_number(card.index, lang, 2)}%)"),
            (t("max"), fmt_number(card.applicable_max, lang)),
            (t("survey"), t("survey_absent") if u.survey_absent else t("survey_present")),
            (t("not_assigned"), "; ".join(f"{c}: {r}" for c, r in u.not_assigned.items()) or t("none"))]
    if u.bonus is not None:
        rows.append((t("bonus"), ("+" if u.bonus else "") + fmt_number(u.bonus, lang)))
    if u.penalty is not None:
        rows.append((t("penalty"), ("−" if u.penalty else "") + fmt_number(u.penalty, lang)))
    if u.illustrative:
        rows.insert(0, (t("illustrative"), "illustrative: true"))
    out = ["", "", ("## " if md else "") + t("title"), tabulate(rows, tablefmt=tf, headers=["", ""] if md else ())]
    if card.adjustments:
        out.append(tabulate([[a["kind"], a["id"], a["points"], a["reason"]] for a in card.adjustments], tablefmt=tf,
                            disable_numparse=True, maxcolwidths=[None, None, None, 70]))
    if u.feeds:
        out += ["", ("## " if md else "") + t("feeds").format(m=u.feeds_into)]
        by = {it.code: it for it in card.items}
        out.append(tabulate([[code, by[code].name, ", ".join(codes), fmt_number(by[code].max - by[code].points, lang)
                              if by[code].status != "not_applicable" else "—"] for code, codes in u.feeds.items()],
                            headers=[{"vi": "Mã", "en": "Code"}[lang], {"vi": "Tiêu chí của đơn vị", "en": "Unit's item"}[lang],
                                     {"vi": "Tiêu chí của tỉnh", "en": "Provincial items"}[lang], {"vi": "Điểm bị trừ", "en": "Lost"}[lang]],
                            tablefmt=tf, disable_numparse=True, maxcolwidths=[None, 50, None, None]))
    return "\n".join(out) + "\n"
