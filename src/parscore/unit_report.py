"""What a unit's card adds under an internal methodology: its level, how its maximum
was counted, the survey, bonus and penalty points, and the provincial items it feeds."""
from __future__ import annotations

from tabulate import tabulate

from .explanation import fmt_number
from .i18n import text
from .models import Scorecard


def render_unit_info(card: Scorecard, fmt: str) -> str:
    u = card.unit
    if u is None:
        return ""
    lang = card.lang
    md = fmt == "markdown"
    tf = "github" if md else "simple"

    def t(k: str) -> str:
        return str(text("unit", lang)[k])

    rows = [(t("level"), text("unit", lang)["levels"].get(u.level, u.level)),
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
                            headers=text("unit", lang)["feeds_head"],
                            tablefmt=tf, disable_numparse=True, maxcolwidths=[None, 50, None, None]))
    return "\n".join(out) + "\n"
