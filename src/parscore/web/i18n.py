"""The page's own words (`text.web` of messages/<lang>.yaml), Vietnamese first. Terms the
reports share come from reporting.t."""
from __future__ import annotations

from ..i18n import text
from ..render.common import t as report_text


def tr(key: str, lang: str) -> str:
    page = text("web", lang)
    return str(page[key]) if key in page else report_text(key, lang)
