"""Dates as people type them: 28/11/2025 (day first, as Vietnamese officials write),
3/4/2025, or 2025-11-28.

A date that cannot be read is an error naming the value, never dropped. A day-first
reading that could be taken the other way round (03/04/2025: 3 April or 4 March?) is
recorded in `ambiguous_readings`, so the CLI can say on stderr how it was read.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")

# (as typed, the date read) for every day-first date whose day and month could swap
ambiguous_readings: list[tuple[str, dt.date]] = []


VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")   # Indochina Time, no daylight saving


def today_in_vietnam(now: dt.datetime | None = None) -> dt.date:
    """Today's date where the deadlines are set: a server kept on UTC would still be on
    yesterday until 07:00 in Vietnam, and judge a task due today as not yet due."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(VIETNAM).date()


def parse_date(text: str) -> dt.date:
    """`dd/mm/yyyy`, `d/m/yyyy` (also with `.` or `-`) or `YYYY-MM-DD`; ValueError otherwise."""
    s = str(text).strip()
    m = _DMY.fullmatch(s)
    if m:
        day, month, year = (int(g) for g in m.groups())
        try:
            d = dt.date(year, month, day)
        except ValueError as exc:
            raise ValueError(f"'{s}' is not a real date ({exc}); write the date as dd/mm/yyyy (e.g. 28/11/2025) or YYYY-MM-DD") from None
        if day <= 12 and month <= 12 and day != month and (s, d) not in ambiguous_readings:
            ambiguous_readings.append((s, d))
        return d
    if _ISO.fullmatch(s):
        try:
            return dt.date.fromisoformat(s)
        except ValueError as exc:
            raise ValueError(f"'{s}' is not a real date ({exc}); write the date as dd/mm/yyyy (e.g. 28/11/2025) or YYYY-MM-DD") from None
    raise ValueError(f"expected a real date written dd/mm/yyyy or YYYY-MM-DD, got '{s}'")


def _person_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return parse_date(value)
    return value


# A date field a person fills in (evidence dates, appraisal dates, deadlines).
PersonDate = Annotated[dt.date, BeforeValidator(_person_date)]


def reading_vi(d: dt.date) -> str:
    return f"ngày {d.day} tháng {d.month} năm {d.year}"


def take_readings() -> list[tuple[str, dt.date]]:
    out = list(ambiguous_readings)
    ambiguous_readings.clear()
    return out


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


def reading_notes(lang: str, readings: list[tuple[str, dt.date]] | None = None) -> list[str]:
    """One line per ambiguous day-first date read since the last call (or per one of
    `readings`, e.g. a batch input's), in `lang`."""
    out = []
    for text, d in (take_readings() if readings is None else readings):
        if lang == "en":
            out.append(f"note: '{text}' was read day first, as {d.day} {_MONTHS_EN[d.month - 1]} {d.year}")
        else:
            out.append(f"lưu ý: '{text}' được đọc theo thứ tự ngày/tháng/năm là {reading_vi(d)}")
    return out
