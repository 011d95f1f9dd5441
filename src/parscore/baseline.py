"""A previous year's facts, the baseline that projections (and score/plan) start from.

Kept as one small function so that every command reading a baseline reads it the same
way: a baseline is an ordinary facts file (agency, year, facts), typed and checked
against the methodology's catalogue like any other.
"""
from __future__ import annotations

import os

from .loading import Facts, Methodology, load_facts


def load_baseline(path: str | os.PathLike[str], m: Methodology) -> Facts:
    """Last year's facts file, checked against `m` (bad values are located errors, exit 2)."""
    return load_facts(path, m)
