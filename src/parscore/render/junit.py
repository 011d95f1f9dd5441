"""JUnit XML: the audit's findings as test cases, for CI dashboards (`audit -f junit`)."""
from __future__ import annotations

from typing import Any

DOCUMENTS = ("audit",)


def audit(report: Any) -> str:
    from ..audit import to_junit

    return to_junit(report)
