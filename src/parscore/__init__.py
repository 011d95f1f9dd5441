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

__all__ = [
    "Deduction", "Facts", "InputError", "ItemResult", "Methodology", "Problem", "Scorecard",
    "load_facts", "load_methodology", "render_scorecard", "score", "to_json",
]
