"""The base of every input model: unknown fields forbidden, numbers finite and plausible.

Shared by `models` and the scoring kinds' spec models (`kinds/`), which cannot import
`models` (it builds its `Score` union from the kinds' registry).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _bounded(v: Decimal) -> Decimal:
    if not v.is_finite() or abs(v) > Decimal(10) ** 12:
        raise ValueError("a number this large (or not finite) is not plausible here")
    return v


# Every number read from a methodology or rules file: finite and of a plausible size.
Num = Annotated[Decimal, AfterValidator(_bounded)]
