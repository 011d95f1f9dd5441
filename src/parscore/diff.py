"""Diff between any two scorecards: two years, self-assessment vs appraisal, or the
same facts before and after a methodology change. Every changed point is listed with
the explanation on each side."""
from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from .models import Points, Scorecard


class ItemDiff(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name: str
    a: Points | None
    b: Points | None
    delta: Points
    status_a: str | None
    status_b: str | None
    reasons_a: list[str]
    reasons_b: list[str]


class ScorecardDiff(BaseModel):
    model_config = ConfigDict(frozen=True)
    a: dict[str, str]
    b: dict[str, str]
    total_a: Points
    total_b: Points
    index_a: Points
    index_b: Points
    group_a: str
    group_b: str
    rank_a: int | None = None
    rank_b: int | None = None
    items: list[ItemDiff]
    fields: list[dict[str, str]]
    # what the two cards were judged under: "same" rules; "other_rules" (the same methodology,
    # another version or overlay: a change may come from the rules, not the facts); or
    # "other_methodology" (an item code need not name the same criterion on both sides)
    judged_under: str = "same"


def describe(card: Scorecard, label: str) -> dict[str, str]:
    return {"label": label, "agency": card.agency.name, "year": str(card.year), "stage": card.stage,
            "methodology": f"{card.methodology['id']} {card.methodology['version']}", "digest": card.methodology.get("digest", "")}


def diff(a: Scorecard, b: Scorecard, label_a: str = "A", label_b: str = "B") -> ScorecardDiff:
    ia = {it.code: it for it in a.items}
    ib = {it.code: it for it in b.items}
    codes = list(ia) + [c for c in ib if c not in ia]
    items = []
    for c in codes:
        x, y = ia.get(c), ib.get(c)
        px, py = (x.points if x else None), (y.points if y else None)
        rx = [d.reason for d in x.deductions] if x else []
        ry = [d.reason for d in y.deductions] if y else []
        if px != py or (x and y and x.status != y.status) or (x is None) != (y is None):
            either = x or y
            assert either is not None  # every code comes from a or b
            items.append(ItemDiff(code=c, name=either.name, a=px, b=py,
                                  delta=(py or Decimal(0)) - (px or Decimal(0)), status_a=x.status if x else None,
                                  status_b=y.status if y else None, reasons_a=rx, reasons_b=ry))
    fa = {f.code: f for f in a.fields}
    fields = [{"code": f.code, "a": str(fa[f.code].index) if f.code in fa else "", "b": str(f.index)}
              for f in b.fields if f.code not in fa or fa[f.code].index != f.index]
    return ScorecardDiff(a=describe(a, label_a), b=describe(b, label_b), total_a=a.total, total_b=b.total,
                         index_a=a.index, index_b=b.index, group_a=a.group, group_b=b.group,
                         rank_a=a.rank.rank if a.rank else None, rank_b=b.rank.rank if b.rank else None,
                         items=items, fields=fields, judged_under=judged_under(a, b))


def judged_under(a: Scorecard, b: Scorecard) -> str:
    """Whether two cards were judged under the same rules (`ScorecardDiff.judged_under`)."""
    ma, mb = a.methodology, b.methodology
    if ma.get("id") != mb.get("id"):
        return "other_methodology"
    if (ma.get("version"), ma.get("digest"), a.overlay) != (mb.get("version"), mb.get("digest"), b.overlay):
        return "other_rules"
    return "same"
