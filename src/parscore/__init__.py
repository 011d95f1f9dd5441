"""parscore: score, explain and audit Vietnam's provincial PAR INDEX as data and rules.

    >>> import parscore
    >>> m = parscore.load_methodology("par-province-892")
    >>> facts = parscore.load_facts("fixtures/ca-mau-2025/targets-met.yaml", m)
    >>> card = parscore.score(m, facts)          # a Scorecard (pydantic model)
    >>> card.index, card.group
"""
from .errors import InputError, Problem
from .loading import Facts, Methodology, load_facts, load_methodology
from .models import Deduction, ItemResult, Scorecard
from .reporting import render_scorecard, to_json
from .scorecard import score

# The rest of the library, imported on first use so `parscore score` starts quickly:
# each is what one CLI command is a thin shell over.
_LAZY = {
    "load_inputs": "workflow", "with_extras": "workflow", "simulate": "simulation", "Planner": "planner",
    "audit": "audit", "appraise": "appraisal", "import_xlsx": "excel", "write_scorecard": "excel",
    "render_html": "html_report", "rank_units": "ranking", "project": "projection",
}

__all__ = [
    "Deduction", "Facts", "InputError", "ItemResult", "Methodology", "Problem", "Scorecard",
    "load_facts", "load_methodology", "render_scorecard", "score", "to_json", *_LAZY,
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'parscore' has no attribute {name!r}")
