"""Files → validated models: methodologies with their rules, and facts files.

Every problem found is collected with its file and line, and all are raised together,
so a province editing a methodology sees the whole list at once. One module per thing
loaded: `methodology` (the tree, its sums and codes), `rules` (facts, derived facts,
rules and their checks; each scoring kind checks its own `score:`), `facts` (a facts
file). `Methodology` itself lives with the models (`parscore.models`); every name is
re-exported here, so `from parscore.loading import X` keeps working.
"""
from __future__ import annotations

# noqa: F401 throughout: these names are re-exported
from ..models import FactValue, Methodology, _closure  # noqa: F401
from ._common import _did_you_mean, _fmt, _hint, _relative, _show  # noqa: F401
from .facts import (  # noqa: F401
    DEFAULT_METHODOLOGY, FACTS_KEYS, Facts, _agency, _baseline, _claimed, _derived_value, _expr, _leads, _number,
    _typed, check_fact_value, check_parts, facts_from_document, find_contradictions, load_facts, methodology_ref,
    methodology_of_document, parse_fact_value, read_facts_document,
)
from .methodology import (  # noqa: F401
    _CACHE, _build_methodology, _check_code, _check_sum, _check_tree, _leaf_path, _resolve_methodology,
    load_methodology, resolve_methodology,
)
from .rules import TEMPLATE_KEYS, _check_rules, _find_cycle, _load_rules  # noqa: F401

__all__ = [
    "DEFAULT_METHODOLOGY", "FACTS_KEYS", "TEMPLATE_KEYS", "FactValue", "Facts", "Methodology", "check_fact_value",
    "check_parts", "facts_from_document", "find_contradictions", "load_facts", "load_methodology", "methodology_ref",
    "methodology_of_document", "parse_fact_value", "read_facts_document", "resolve_methodology",
]
