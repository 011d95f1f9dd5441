"""Every sentence the Excel route says to a person, in Vietnamese (default) and English:
the `text.excel` keys of messages/vi.yaml and messages/en.yaml."""
from __future__ import annotations

from typing import Any

from ..i18n import text


def msg(key: str, lang: str, **kw: Any) -> str:
    return str(text("excel", "en" if lang == "en" else "vi")[key]).format(**kw)
