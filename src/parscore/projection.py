"""Projection: the index as a range before MoHA's survey is published.

Appraisal facts are what the province reports and stay as given. Survey facts (the
facts read by items assessed by survey) that are not known yet are drawn, sample after
sample, around last year's values (the baseline): for each sample one shared draw z₀
and one draw zᵢ per fact give

    value = baseline + sd × (√shared · z₀ + √(1 − shared) · zᵢ)

clipped to the fact's range (0–100 for a percentage) and rounded to 0.01 as published.
`sd` per fact and `shared` come from `criteria/spreads/<methodology>.yaml` (each with
its basis in published year-over-year changes) and may be overridden by a user file
(`--spread FILE`, same format, any subset). Each sample's survey items are scored by
the fast engine's own decision for those rules (`FastBackend.decide`: the same
productions and Decimal points as a full scorecard); the other items' points are
computed once. A survey fact without a baseline value is never drawn from nothing: it
is reported and stays missing (0 points, as on the scorecard) in every sample.

Randomness: Python's `random.Random(seed)` (Mersenne Twister, `gauss`), so a seed
gives the same numbers on any platform and Python version that keeps that generator
(default seed 892). Percentiles are nearest-rank: p5 is the ⌈0.05·n⌉-th smallest index.
"""
from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .baseline import LastYear, load_baseline, survey_facts
from .cards import ZERO, group_of, index_of
from .errors import InputError, Problem
from .evaluation import canonical, engine_for
from .fastpath import evaluate as fast_evaluate, number
from .loading import FactValue, Facts, Methodology
from .peers import PeerTable
from .yamlio import load_yaml

__all__ = ["Projection", "Spread", "Spreads", "load_baseline", "load_spreads", "project", "survey_facts"]

DEFAULT_SEED = 892
MAX_SAMPLES = 1_000_000
SD_LIMIT = Decimal(50)


@dataclass(frozen=True)
class Spread:
    sd: Decimal
    provenance: str
    basis: str
    file: str


@dataclass(frozen=True)
class Spreads:
    shared: Decimal
    facts: dict[str, Spread]
    files: tuple[str, ...]


def default_spread_file(m: Methodology) -> Path:
    return Path(m.path).parent / "spreads" / f"{m.id}.yaml"


def load_spreads(m: Methodology, user_file: str | None = None) -> Spreads:
    """The methodology's spread file, then the user's entries over it."""
    shared = Decimal("0")
    facts: dict[str, Spread] = {}
    files: list[str] = []
    default = default_spread_file(m)
    for path in ([str(default)] if default.exists() else []) + ([user_file] if user_file else []):
        s, f = _read_spread_file(path, m)
        if s is not None:
            shared = s
        facts.update(f)
        files.append(_shown(path))
    return Spreads(shared, facts, tuple(files))


def _shown(path: str) -> str:
    """A path as the user would write it: relative to the working directory when inside it."""
    import os
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _read_spread_file(path: str, m: Methodology) -> tuple[Decimal | None, dict[str, Spread]]:
    doc = load_yaml(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("facts", {}), dict):
        raise InputError.one(doc.file, 1, "", "expected a mapping with shared: (0–1) and facts: {fact: {sd: N, basis: \"...\"}}",
                             "PS370")
    problems: list[Problem] = []
    shared = None
    if "shared" in data:
        shared = _decimal(data["shared"])
        if shared is None or not Decimal(0) <= shared <= Decimal(1):
            problems.append(Problem(doc.file, doc.line(("shared",)), "shared",
                                    f"expected the shared share of variance as a number from 0 to 1, got {data['shared']!r}", "PS373"))
            shared = None
    known = survey_facts(m)
    out: dict[str, Spread] = {}
    for name, spec in (data.get("facts") or {}).items():
        where = doc.line(("facts", name))
        if name not in known:
            from .loading._common import _hint
            problems.append(Problem(doc.file, where, f"facts.{name}",
                                    f"'{name}' is not a survey fact of {m.id}{_hint(str(name), set(known))}", "PS371"))
            continue
        raw = spec.get("sd") if isinstance(spec, dict) else spec
        sd = _decimal(raw)
        if sd is None or not ZERO <= sd <= SD_LIMIT:
            problems.append(Problem(doc.file, where, f"facts.{name}.sd",
                                    f"expected a standard deviation in points from 0 to {SD_LIMIT}, e.g. sd: 2.28, got {raw!r}", "PS372"))
            continue
        basis = str(spec.get("basis", "")) if isinstance(spec, dict) else ""
        prov = str(spec.get("provenance", "user")) if isinstance(spec, dict) else "user"
        out[name] = Spread(sd, prov, basis, doc.file)
    if problems:
        raise InputError(problems)
    return shared, out


def _decimal(v: Any) -> Decimal | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        d = Decimal(str(v))
    except ArithmeticError:
        return None
    return d if d.is_finite() else None


@dataclass
class Projection:
    methodology: dict[str, str]
    agency: dict[str, str]
    year: int | None
    baseline: str
    samples: int
    seed: int
    spreads: list[str]
    shared: Decimal
    drawn: list[dict[str, Any]]          # {fact, baseline, sd, items}
    undrawn: list[dict[str, Any]]        # survey facts to draw without a baseline value
    kept: list[str]                      # survey facts known, kept as given
    index: dict[str, Decimal]            # p5, p50, p95, min, max
    groups: dict[str, Decimal]           # probability (0–1) of each group
    target: Decimal | None
    target_probability: Decimal | None
    fields: list[dict[str, Any]]         # {code, name, p5, p50, p95, target, probability}
    rank: dict[str, Any] | None          # {top, of, probability, p5, p50, p95, peers}
    histogram: list[tuple[int, int]] = field(default_factory=list)   # (whole index point, samples)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict
        return asdict(self)


def _percentile(sorted_vals: list[Any], p: int) -> Any:
    k = max(1, math.ceil(p * len(sorted_vals) / 100))
    return sorted_vals[k - 1]


def _prob(k: int, n: int) -> Decimal:
    return (Decimal(k) / Decimal(n)).quantize(Decimal("0.0001"))


def project(m: Methodology, facts: Facts, baseline: LastYear, spreads: Spreads, samples: int = 10_000,
            seed: int = DEFAULT_SEED, target: Decimal | None = None, field_targets: dict[str, Decimal] | None = None,
            peers: PeerTable | None = None, top: int = 10, redraw: bool = False,
            keep: list[tuple[dict[str, Decimal], Decimal]] | None = None) -> Projection:
    """Draw the unknown survey facts `samples` times and score each sample (see the module doc).

    `keep`, a list, receives each sample's drawn values and index (the tests re-score them)."""
    if not 1 <= samples <= MAX_SAMPLES:
        raise InputError.one("--samples", None, "samples", f"expected a whole number from 1 to {MAX_SAMPLES}, got {samples}", "PS374")
    survey = survey_facts(m)
    # a survey fact is kept only when this year's file gives it: one filled in from last year
    # (`score --baseline`'s projection) is an estimate, and drawing around it is the point
    kept = [f for f in survey if f in facts.values and f not in facts.projected and not redraw]
    to_draw = [f for f in survey if f not in kept]
    undrawn: list[dict[str, Any]] = [{"fact": f, "items": survey[f]} for f in to_draw if f not in baseline.values]
    to_draw = [f for f in to_draw if f in baseline.values]
    no_sd = [f for f in to_draw if f not in spreads.facts]
    if no_sd:
        where = spreads.files[-1] if spreads.files else str(default_spread_file(m))
        raise InputError([Problem(where, None, f"facts.{f}", f"no spread for survey fact '{f}'; add `{f}: {{sd: 2.5, basis: \"...\"}}` "
                                  "to a --spread FILE", "PS376") for f in no_sd])
    start = facts.with_values({f: None for f in to_draw + [u["fact"] for u in undrawn]})
    engine = engine_for(m, "fast")
    session = fast_evaluate(engine, start)
    values = dict(session.values)
    nums = {n: number(v) for n, v in values.items()}
    drawn_items = [code for code in m.leaves if any(f in to_draw for n in m.reads(m.rules[code]) for f in m.inputs_of(n))]
    chained = any(f in spec.inputs for spec in m.derived.values() for f in to_draw)
    field_of = {s.code: i for i, fnode in enumerate(m.fields) for c in fnode.criteria for s in c.sub_criteria}
    leaf_max = {code: leaf.max for code, leaf in m.leaves.items()}
    nf = len(m.fields)
    # Sums run in whole hundredths (int): every item's points are cut to 0.01 and every maximum
    # is a multiple of 0.01 (checked), so the sums are exact and cheap; the index is computed
    # from them with the scorecard's own `index_of`.
    if any((mx * 100) % 1 for mx in leaf_max.values()):
        raise InputError.one(m.path, None, "max", "projection needs maxima in hundredths of a point", "PS377")
    cents = {code: int(mx * 100) for code, mx in leaf_max.items()}
    fixed_pts, fixed_app = [0] * nf, [0] * nf
    for code in m.leaves:
        if code in drawn_items:
            continue
        v = session.verdicts.get(code)
        if v is not None and v.kind == "not_applicable":
            continue
        fixed_app[field_of[code]] += cents[code]
        if v is not None:
            fixed_pts[field_of[code]] += int(v.points * 100)

    rng = random.Random(seed)
    a, b = math.sqrt(float(spreads.shared)), math.sqrt(1 - float(spreads.shared))
    draws = []
    for f in to_draw:
        spec = m.facts[f]
        lo = float(spec.min) if spec.min is not None else 0.0
        hi = float(spec.max) if spec.max is not None else (100.0 if spec.type == "percent" else math.inf)
        last = baseline.values[f]
        assert isinstance(last, (int, Decimal)), f"survey fact {f} is a number"  # survey items read percentages
        draws.append((f, float(last), float(spreads.facts[f].sd), lo, hi))
    gauss = rng.gauss
    floor = math.floor
    item_facts = [(code, field_of[code], cents[code],
                   tuple(f for f in to_draw if any(f in m.inputs_of(n) for n in m.reads(m.rules[code]))))
                  for code in drawn_items]
    outcome: dict[tuple[Any, ...], tuple[bool, int]] = {}   # (item, drawn values) -> (applicable, hundredths)
    # (points, applicable) in hundredths → index: the total's clamped to 0–100, a field's as is
    # (None when nothing in it applies); two memos, so one never answers for the other.
    index_memo: dict[tuple[int, int], Decimal] = {}
    field_memo: dict[tuple[int, int], Decimal | None] = {}
    indices: list[Decimal] = []
    field_idx: list[list[Decimal | None]] = [[] for _ in range(nf)]
    backend = engine.backend
    for _ in range(samples):
        z0 = gauss(0.0, 1.0)
        q: dict[str, int] = {}
        for f, base, sd, lo, hi in draws:
            q[f] = floor(min(hi, max(lo, base + sd * (a * z0 + b * gauss(0.0, 1.0)))) * 100 + 0.5)
        pts, app = list(fixed_pts), list(fixed_app)
        for code, i, mx, fs in item_facts:
            key = (code, *[q[f] for f in fs])
            res = outcome.get(key)
            if res is None:
                res = outcome[key] = _outcome(m, engine, backend, start, values, nums, code, fs, q, chained)
            if res[0]:
                app[i] += mx
                pts[i] += res[1]
        total, applicable = sum(pts), sum(app)
        idx = index_memo.get((total, applicable))
        if idx is None:
            idx = index_memo[(total, applicable)] = min(Decimal(100), max(ZERO, _index(total, applicable) or ZERO))
        indices.append(idx)
        if keep is not None:
            keep.append(({f: Decimal(v).scaleb(-2) for f, v in q.items()}, idx))
        for i in range(nf):
            key = (pts[i], app[i])
            if key in field_memo:
                fi = field_memo[key]
            else:
                fi = field_memo[key] = _index(pts[i], app[i])
            field_idx[i].append(fi)
    return _summarise(m, facts, baseline, spreads, samples, seed, target, field_targets or {}, peers, top,
                      indices, field_idx, draws, undrawn, kept)


def _outcome(m: Methodology, engine: Any, backend: Any, start: Facts, values: dict[str, Any], nums: dict[str, Any],
             code: str, fs: tuple[str, ...], q: dict[str, int], chained: bool) -> tuple[bool, int]:
    """(counts in the maximum, points) of one item for the drawn values `q` (hundredths).

    The outcome depends only on the item's drawn facts (everything else is fixed), so the
    caller remembers it per distinct value: most samples repeat values already scored."""
    drawn: dict[str, FactValue | None] = {f: Decimal(q[f]).scaleb(-2) for f in fs}
    if chained:  # a derived fact rests on a drawn one: score the whole sample
        v = fast_evaluate(engine, start.with_values(drawn)).verdicts.get(code)
        fired = None if v is None else (v.kind, v.points)
    else:
        for f, d in drawn.items():
            values[f] = canonical(d)
            nums[f] = d
        res = backend.decide(code, values, nums)
        fired = None if res is None else (res[0].kind, res[2])
    if fired is not None and fired[0] == "not_applicable":
        return False, 0
    return True, 0 if fired is None else int(fired[1] * 100)


def _index(points: int, applicable: int) -> Decimal | None:
    """`cards.index_of` of sums held in hundredths."""
    return index_of(Decimal(points).scaleb(-2), Decimal(applicable).scaleb(-2))


def _summarise(m: Methodology, facts: Facts, baseline: LastYear, spreads: Spreads, samples: int, seed: int,
               target: Decimal | None, field_targets: dict[str, Decimal], peers: PeerTable | None, top: int,
               indices: list[Decimal], field_idx: list[list[Decimal | None]], draws: list[tuple[Any, ...]],
               undrawn: list[dict[str, Any]], kept: list[str]) -> Projection:
    n = len(indices)
    srt = sorted(indices)
    groups = {g.code: 0 for g in m.groups}
    for x in indices:
        groups[group_of(m, x)] += 1
    fields = []
    for i, fnode in enumerate(m.fields):
        vals = sorted(x for x in field_idx[i] if x is not None)
        ft = field_targets.get(fnode.code, target)
        fields.append({"code": fnode.code, "name": fnode.name.get("vi"), "name_en": fnode.name.get("en"),
                       "p5": _percentile(vals, 5) if vals else None, "p50": _percentile(vals, 50) if vals else None,
                       "p95": _percentile(vals, 95) if vals else None, "target": ft,
                       "probability": None if ft is None or not vals else _prob(sum(1 for x in vals if x >= ft), n)})
    rank = None
    if peers is not None:
        others = sorted(p.index for p in peers.peers if p.code != facts.agency.code)
        ranks = sorted(1 + len(others) - bisect.bisect_right(others, x) for x in indices)
        rank = {"top": top, "of": len(others) + 1, "probability": _prob(sum(1 for r in ranks if r <= top), n),
                "p5": _percentile(ranks, 5), "p50": _percentile(ranks, 50), "p95": _percentile(ranks, 95),
                "peers": peers.file}
    hist: dict[int, int] = {}
    for x in indices:
        k = int(x.to_integral_value(rounding="ROUND_FLOOR"))
        hist[k] = hist.get(k, 0) + 1
    return Projection(
        methodology={"id": m.id, "version": m.version, "digest": m.digest},
        agency={"code": facts.agency.code, "name": facts.agency.name}, year=facts.year, baseline=baseline.file,
        samples=samples, seed=seed, spreads=list(spreads.files), shared=spreads.shared,
        drawn=[{"fact": f, "baseline": canonical(baseline.values[f]), "sd": spreads.facts[f].sd,
                "items": survey_facts(m)[f]} for f, *_ in draws],
        undrawn=undrawn, kept=kept,
        index={"p5": _percentile(srt, 5), "p50": _percentile(srt, 50), "p95": _percentile(srt, 95),
               "min": srt[0], "max": srt[-1]},
        groups={k: _prob(v, n) for k, v in groups.items()},
        target=target, target_probability=None if target is None else _prob(sum(1 for x in indices if x >= target), n),
        fields=fields, rank=rank, histogram=sorted(hist.items()),
    )
