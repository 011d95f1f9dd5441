"""parscore: score, explain and audit Vietnam's provincial PAR INDEX as data and rules.

    >>> import parscore
    >>> m = parscore.load_methodology("par-province-892")
    >>> facts = parscore.load_facts("fixtures/ca-mau-2025/targets-met.yaml", m)
    >>> card = parscore.score(m, facts)          # a Scorecard (pydantic model)
    >>> card.index, card.group
"""
from .errors import InputError, Problem

# Every other name is imported on first use (PEP 562), so `import parscore.cli` and
# `parscore score` pay only for the modules they use: each is what one CLI command is a
# thin shell over. `from parscore import score` works as for any attribute.
_LAZY = {
    "Facts": "loading", "Methodology": "loading", "load_facts": "loading", "load_methodology": "loading",
    "Deduction": "models", "ItemResult": "models", "Scorecard": "models",
    "render_scorecard": "reporting", "to_json": "reporting", "score": "scorecard",
    "load_inputs": "workflow", "with_extras": "workflow", "simulate": "simulation", "Planner": "planner",
    "audit": "audit", "appraise": "appraisal", "import_xlsx": "excel", "write_scorecard": "excel",
    "render_html": "html_report", "rank_units": "ranking", "project": "projection",
}

__all__ = ["InputError", "Problem", *_LAZY]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value   # the next lookup is a plain attribute
        return value
    raise AttributeError(f"module 'parscore' has no attribute {name!r}")
