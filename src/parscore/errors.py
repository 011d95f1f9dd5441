"""Input problems, located precisely enough for an official to fix the file.

Every bad input ends as an `InputError` carrying one or more `Problem`s; the CLI
prints them as `file:line: field: message` and exits 2. Nothing else escapes.

Messages are raised in English, which is their message id; `Problem.render(lang)`
translates the message through the catalogue (`parscore.i18n`, `messages/<lang>.yaml`)
and keeps the file, line, field and code as they are. `str(problem)` is always the
English line, so library users and logs get a stable text; the CLI prints `render`
in the language chosen with `--lang` / PARSCORE_LANG (Vietnamese by default).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_LONG = re.compile(r"\S{121,}")


def _cut(match: re.Match[str]) -> str:
    return match.group(0)[:60] + f"… ({len(match.group(0))} characters)"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str
    code: str = "PS000"

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str | None = None) -> str:
        """`file:line: field: message [CODE]`, the message in `lang` (default: the process
        language, see parscore.i18n); English when the catalogue has no translation."""
        from .i18n import translate

        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        message = " ".join(self.message.split())  # one problem, one line
        if lang != "en":
            message = translate(self.code, message, lang)
        message = _LONG.sub(_cut, message)  # a 5,000-digit value is echoed in one short line
        return f"{where}:{field} {message} [{self.code}]"


class InputError(Exception):
    """One or more problems with files handed to parscore (exit code 2)."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.field, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, file: str, line: int | None, field: str, message: str, code: str = "PS000") -> "InputError":
        return cls([Problem(file, line, field, message, code)])
