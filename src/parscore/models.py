"""The shapes of parscore's data, validated at the boundaries with pydantic.

Input models (methodology, rules, facts files) forbid unknown fields so a typo is an
error, not a silently ignored line. `Methodology` is a methodology file with its rules
once loaded and checked (`parscore.loading` builds it). Output models (`Scorecard` and
its parts) are the stable JSON contract documented in the README.
"""
from __future__ import annotations

import re
import datetime as dt
from decimal import Decimal
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, field_validator, model_validator

from .dates import PersonDate
from .schema import Num as Num, _bounded, _Input  # models.Num is public

Provenance = Literal["official", "published", "plan-126", "reconstructed"]
# Strongest first: a number from the decision's own table, one stated by published results of a
# round scored under it, a target of Plan 126, or a reconstruction.
PROVENANCES: tuple[str, ...] = ("official", "published", "plan-126", "reconstructed")
WhenNotArising = Literal["full_points", "not_applicable"]
AssessedBy = Literal["appraisal", "survey"]
Better = Literal["higher", "lower", "none"]
FactType = Literal["count", "number", "percent", "boolean", "date"]
Status = Literal["full", "partial", "zero", "missing_facts", "not_applicable", "projected"]
STATUSES: tuple[str, ...] = ("full", "partial", "zero", "missing_facts", "not_applicable", "projected")

RULE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _rule_id(v: str) -> str:
    if not RULE_ID_RE.match(v):
        raise ValueError("rule ids are kebab-case: lowercase letters, digits and '-'")
    return v


RuleId = Annotated[str, AfterValidator(_rule_id)]   # a scoring, bonus or penalty rule's id

# Decimals are exact inside; JSON shows them as plain numbers.
Points = Annotated[Decimal, PlainSerializer(lambda d: float(d), return_type=float, when_used="json")]


class Text(_Input):
    """A human text in both languages; Vietnamese is the default shown."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


def _check_max(v: Decimal) -> Decimal:
    if v < 0:
        raise ValueError("a maximum cannot be negative")
    if v != v.quantize(Decimal("0.01")):
        raise ValueError("maxima have at most 2 decimal places")
    return v


class _Node(_Input):
    code: str
    name: Text
    max: Num
    provenance: Provenance
    citation: str | None = None
    note: str | None = None

    @field_validator("max")
    @classmethod
    def _max(cls, v: Decimal) -> Decimal:
        return _check_max(v)

    @field_validator("code", mode="before")
    @classmethod
    def _quoted_code(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise ValueError(f'write the code in quotes, e.g. "{v}" (unquoted, 1.10 would be read as 1.1)')
        return v

    @model_validator(mode="after")
    def _official_needs_citation(self) -> "_Node":
        if self.provenance in ("official", "published") and not self.citation:
            raise ValueError(f"provenance '{self.provenance}' needs a citation")
        return self


class SubCriterion(_Node):
    assessed_by: AssessedBy
    evidence_required: bool = False


class Criterion(_Node):
    sub_criteria: list[SubCriterion] = Field(min_length=1)


class FieldNode(_Node):
    criteria: list[Criterion] = Field(min_length=1)


class Group(_Input):
    code: str
    min: Num
    name: Text | None = None


class Expected(_Input):
    fields: int
    criteria: int
    sub_criteria: int
    sources: list[str] | None = None     # where each count is stated (they may disagree)


class Constraint(_Input):
    """A total several fields must add up to, known although their split is not."""

    fields: list[str] = Field(min_length=2)
    total: Num
    provenance: Provenance
    citation: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _cited(self) -> "Constraint":
        if self.provenance in ("official", "published") and not self.citation:
            raise ValueError(f"provenance '{self.provenance}' needs a citation")
        return self


class Cap(_Input):
    """Bonus or penalty points an internal index allows, and their cap."""

    cap: Num = Field(ge=0)
    provenance: Provenance = "reconstructed"
    citation: str | None = None
    note: str | None = None


UnitLevel = Literal["province", "department", "commune"]


class SurveyPolicy(_Input):
    """Whether the survey part may be absent for a unit, and what then happens."""

    optional: bool = False
    when_absent: Literal["missing", "rescale"] = "missing"
    provenance: Provenance = "reconstructed"
    citation: str | None = None
    note: str | None = None


class MethodologyFile(_Input):
    id: str
    version: str
    name: Text
    citation: str
    rules: str
    total: Num
    appraisal_total: Num | None = None
    survey_total: Num | None = None
    expected: Expected | None = None
    groups: list[Group] = Field(min_length=1)
    fields: list[FieldNode] = Field(min_length=1)
    constraints: list[Constraint] = Field(default_factory=list)
    # What an item scores when its situation did not arise in the year (nothing to inspect,
    # no late dossier): full points by default, since published field maxima never shrink.
    when_not_arising: WhenNotArising = "full_points"
    bonus: Cap | None = None
    penalty: Cap | None = None
    # Conventions of provinces' internal indices; the defaults are the national table's.
    applies_to: UnitLevel = "province"
    denominator: Literal["fixed", "applicable"] = "fixed"
    survey: SurveyPolicy | None = None
    facts_from: list[str] = Field(default_factory=list)
    feeds_into: str | None = None
    issuer: Text | None = None      # who issues the methodology and publishes its ranking (e.g. UBND tỉnh Cà Mau)


# ---------------------------------------------------------------- rules files


class FactSpec(_Input):
    type: FactType
    unit: Text
    better: Better
    description: Text
    part_of: str | None = None
    min: Num | None = None
    max: Num | None = None


class DerivedSpec(_Input):
    unit: Text
    better: Better
    description: Text
    ratio: list[str] | None = Field(default=None, min_length=2, max_length=2)
    sum: list[str] | None = Field(default=None, min_length=1)
    difference: list[str] | None = Field(default=None, min_length=2, max_length=2)

    @model_validator(mode="after")
    def _one_formula(self) -> "DerivedSpec":
        _exactly_one(self, ("ratio", "sum", "difference"), "a derived fact")
        return self

    @property
    def inputs(self) -> list[str]:
        return list(self.ratio or self.sum or self.difference or [])

    @property
    def formula(self) -> str:
        return "ratio" if self.ratio else "sum" if self.sum else "difference"


class Condition(_Input):
    fact: str
    equals: Any = None
    at_most: Num | None = None
    at_least: Num | None = None

    @model_validator(mode="after")
    def _one_test(self) -> "Condition":
        given = [k for k in ("equals", "at_most", "at_least") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a condition needs exactly one of equals, at_most, at_least")
        return self


# The scoring kinds live in kinds/, one module each; their spec models are re-exported here.
from .kinds import for_score, on_change, specs  # noqa: E402
from .kinds.boolean import BooleanScore  # noqa: E402
from .kinds.compare import BASELINE, BASELINE_SUFFIX as BASELINE_SUFFIX, CompareScore  # noqa: E402
from .kinds.per_occurrence import PerOccurrenceScore  # noqa: E402
from .kinds.proportional import ProportionalScore  # noqa: E402
from .kinds.survey import SurveyScore  # noqa: E402
from .kinds.tiers import Tier, TiersScore  # noqa: E402

# A rule's `score:`: one of the registered kinds' specs, told apart by `kind`.
# To a type checker a score is a `kinds.base.Spec` (kind and fact): the union is built at run
# time from the registry, which no static checker can follow.
if TYPE_CHECKING:
    from .kinds.base import Spec as Score
else:
    Score = Annotated[Union[specs()], Field(discriminator="kind")]


class RuleSpec(_Input):
    id: RuleId
    item: str
    provenance: Provenance
    citation: str | None = None
    note: str | None = None
    not_applicable_when: Condition | None = None   # the situation did not arise (see when_not_arising)
    when_not_arising: WhenNotArising | None = None  # None: the methodology's default
    shows: list[str] = Field(default_factory=list)  # further facts the explanation shows (not scored)
    score: Score
    explain: Text
    feeds: list[str] = Field(default_factory=list)   # codes of the methodology named by `feeds_into`


RELATIONS = ("equals", "at_most", "at_least")


def _exactly_one(model: BaseModel, keys: tuple[str, ...], what: str) -> str:
    """The one of `keys` a model gives; a ValueError (a located problem) when none or several."""
    given = [k for k in keys if getattr(model, k) is not None]
    if len(given) != 1:
        raise ValueError(f"{what} needs exactly one of {', '.join(keys)}")
    return given[0]


class FactConstraint(_Input):
    """Reported facts that must agree: the sum of `sum` equals, is at most or is at least
    the sum of the facts on the other side. Checked whenever every fact it names is given;
    a violation is an error (`score`, `validate`) or a finding (`audit`), never a silent
    not-applicable item."""

    id: str = Field(min_length=1)
    sum: list[str] = Field(min_length=1)
    equals: list[str] | None = None
    at_most: list[str] | None = None
    at_least: list[str] | None = None
    why: Text

    @field_validator("sum", "equals", "at_most", "at_least", mode="before")
    @classmethod
    def _one_name_is_a_list(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _one_relation(self) -> "FactConstraint":
        _exactly_one(self, RELATIONS, "a constraint")
        return self

    @property
    def relation(self) -> tuple[str, list[str]]:
        key = _exactly_one(self, RELATIONS, "a constraint")
        return key, getattr(self, key)

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(self.sum + self.relation[1]))

class AdjustmentRule(_Input):
    """A bonus or penalty earned from one fact: `each` point(s) per unit of a count or
    number, or `points` once when a yes/no fact equals `when`."""

    id: str
    fact: str
    each: Num | None = Field(default=None, gt=0)
    points: Num | None = Field(default=None, gt=0)
    when: bool = True
    provenance: Provenance
    citation: str | None = None
    note: str | None = None
    explain: Text

    @model_validator(mode="after")
    def _one_award(self) -> "AdjustmentRule":
        if (self.each is None) == (self.points is None):
            raise ValueError("a bonus or penalty rule needs exactly one of 'each' (per unit of a count) or 'points' (once, for a yes/no fact)")
        return self


class RulesFile(_Input):
    facts: dict[str, FactSpec] = Field(default_factory=dict)
    derived: dict[str, DerivedSpec] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    constraints: list[FactConstraint] = Field(default_factory=list)
    bonus: list[AdjustmentRule] = Field(default_factory=list)
    penalty: list[AdjustmentRule] = Field(default_factory=list)
    describe: dict[str, Text] = Field(default_factory=dict)   # a fact's description at this methodology's scope


def _rebuild_score() -> None:
    """A kind registered after import (a test's own kind) joins the `Score` union."""
    globals()["Score"] = Annotated[Union[specs()], Field(discriminator="kind")]   # the alias, for readers of models.Score
    RuleSpec.model_fields["score"].annotation = Union[specs()]  # type: ignore[assignment]
    RuleSpec.model_rebuild(force=True)
    RulesFile.model_rebuild(force=True)


on_change(_rebuild_score)


# ---------------------------------------------------------------- the methodology, loaded

# A fact's typed value: counts are int, numbers and percentages Decimal, yes/no bool, dates date.
FactValue = Union[int, Decimal, bool, dt.date]


@dataclass(frozen=True)
class Methodology:
    """A scoring table with its rules, checked against every invariant it declares."""

    id: str
    version: str
    name: Text
    citation: str
    path: str
    total: Decimal
    groups: tuple[Group, ...]
    fields: tuple[FieldNode, ...]
    facts: dict[str, FactSpec]
    derived: dict[str, DerivedSpec]
    rules: dict[str, RuleSpec]  # by item code, in tree order
    digest: str
    overlay: str | None = None
    bonus: Any = None      # Cap, for internal indices with bonus points
    penalty: Any = None    # Cap, for internal indices with penalty points
    when_not_arising: str = "full_points"   # the default policy for items whose situation did not arise
    constraints: tuple[Constraint, ...] = ()   # published totals over fields (the methodology file's `constraints:`)
    expected: Expected | None = None
    appraisal_total: Decimal | None = None
    survey_total: Decimal | None = None
    fact_constraints: tuple[FactConstraint, ...] = ()   # consistency between reported facts (rules files)
    fact_constraint_files: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # id -> (file, line)

    def when_not_arising_of(self, rule: RuleSpec) -> str:
        """full_points (the maximum never shrinks) or not_applicable (the item leaves it)."""
        return rule.when_not_arising or self.when_not_arising
    # Conventions of provinces' internal indices (docs/rule-format.md); defaults are the national table's.
    applies_to: str = "province"
    denominator: str = "fixed"
    survey: Any = None     # SurveyPolicy or None
    feeds_into: str | None = None
    bonus_rules: tuple[AdjustmentRule, ...] = ()
    penalty_rules: tuple[AdjustmentRule, ...] = ()
    facts_from: tuple[str, ...] = ()
    issuer: Text | None = None
    # Where each rule (by id) and derived fact (by name) is written, relative to the methodology
    # file's directory (`../rules/par-province-892/field-1.yaml:42`), so a trace names the same
    # place on every machine and in the wheel.
    rule_at: dict[str, str] = field(default_factory=dict)
    derived_at: dict[str, str] = field(default_factory=dict)
    # tables other modules derive from this methodology, built once (as `CompiledRules.cache`);
    # a copy made with `dataclasses.replace` starts with its own
    cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @cached_property
    def codes(self) -> set[str]:
        """Every field, criterion and sub-criterion code."""
        return {f.code for f in self.fields} | {c.code for f in self.fields for c in f.criteria} | set(self.leaves)

    @cached_property
    def leaves(self) -> dict[str, SubCriterion]:
        return {s.code: s for f in self.fields for c in f.criteria for s in c.sub_criteria}

    @cached_property
    def wholes(self) -> dict[str, str]:
        """Each reported fact that is a part of another (`part_of`) → its whole."""
        return {n: spec.part_of for n, spec in self.facts.items() if spec.part_of}

    def parents(self, code: str) -> tuple[FieldNode, Criterion]:
        for f in self.fields:
            for c in f.criteria:
                if any(s.code == code for s in c.sub_criteria):
                    return f, c
        raise KeyError(code)

    @cached_property
    def derive_order(self) -> dict[str, int]:
        """Each derived fact's place in the order the reference matcher derives them: passes
        over the declaration order, each taking the facts whose derived inputs are already
        placed. A card lists an item's derive steps in this order whichever engine fired them:
        durable may fire a chain's steps in another order that is just as valid."""
        placed: dict[str, int] = {}
        pending = list(self.derived)
        while pending:
            later = []
            for n in pending:
                if all(i in placed or i not in self.derived for i in self.derived[n].inputs):
                    placed[n] = len(placed)
                else:
                    later.append(n)
            if len(later) == len(pending):   # a cycle (refused when the rules are loaded): declaration order
                for n in later:
                    placed[n] = len(placed)
                break
            pending = later
        return placed

    def kind_of(self, name: str) -> FactSpec | DerivedSpec:
        return self.facts.get(name) or self.derived[name]

    def inputs_of(self, name: str) -> list[str]:
        """The reported facts a fact or derived fact rests on, in declaration order."""
        if name in self.facts:
            return [name]
        out: list[str] = []
        for part in self.derived[name].inputs:
            out += [n for n in self.inputs_of(part) if n not in out]
        return out

    def reads(self, rule: RuleSpec) -> list[str]:
        """Facts and derived facts a rule reads: the scored fact, its inputs, the N/A fact."""
        return self._reads[rule.id]

    @cached_property
    def _reads(self) -> dict[str, list[str]]:
        return {r.id: self._compute_reads(r) for r in self.rules.values()}

    def _compute_reads(self, rule: RuleSpec) -> list[str]:
        names = [rule.score.fact]
        for n in _closure(self, rule.score.fact):
            if n not in names:
                names.append(n)
        if rule.not_applicable_when and rule.not_applicable_when.fact not in names:
            names.append(rule.not_applicable_when.fact)
        for extra in for_score(rule.score).extra_reads(rule.score) + list(rule.shows):
            for n in [extra, *_closure(self, extra)]:
                if n not in names:
                    names.append(n)
        return names

    def baseline_reads(self, rule: RuleSpec) -> list[str]:
        """Facts whose baseline (last year's) value the rule compares with."""
        return for_score(rule.score).baseline_reads(rule.score)

    @property
    def adjustment_rules(self) -> list[tuple[str, AdjustmentRule]]:
        """Bonus and penalty rules, as (kind, rule)."""
        return [("bonus", r) for r in self.bonus_rules] + [("penalty", r) for r in self.penalty_rules]

    def users_of(self, fact: str) -> list[str]:
        return [code for code, r in self.rules.items() if fact in self.reads(r)]


def _closure(m: Methodology, name: str) -> list[str]:
    if name not in m.derived:
        return []
    out: list[str] = []
    for part in m.derived[name].inputs:
        for n in [part, *_closure(m, part)]:
            if n not in out:
                out.append(n)
    return out


# ---------------------------------------------------------------- facts files


class Evidence(_Input):
    number: str
    date: PersonDate | None = None  # 28/11/2025 or 2025-11-28
    issuer: str | None = None
    title: str | None = None


class Agency(_Input):
    code: str
    name: str


# ---------------------------------------------------------------- scorecard (output)


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True)


class Deduction(_Output):
    points: Points
    reason: str
    rule: str
    facts: dict[str, str | None]
    thresholds: dict[str, str]


class TraceStep(_Output):
    rule: str
    kind: Literal["derive", "score", "not_applicable"]
    inputs: dict[str, str | None]
    output: str
    location: str | None = None   # the rule's (or derived fact's) `file:line`, relative to the methodology's directory


class HistoryEntry(_Output):
    """One step of an item's appraisal history: self-score, a round, or the unit's explanation."""

    stage: str                       # self | computed | round-N | explanation
    points: Points | None = None
    by: str | None = None
    date: str | None = None
    reason: str | None = None
    evidence: list[str] = Field(default_factory=list)


class ItemResult(_Output):
    code: str
    name: str
    points: Points
    max: Points
    status: Status
    assessed_by: AssessedBy
    provenance: Provenance
    rule: str
    rule_provenance: Provenance
    claimed: Points | None = None
    facts: dict[str, str | None]
    evidence: dict[str, list[Evidence]] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    deductions: list[Deduction]
    trace: list[TraceStep]
    computed: Points | None = None   # set when points come from an appraisal stage
    history: list[HistoryEntry] | None = None
    reason: str | None = None        # why an item scored without a deduction (its situation did not arise; projected)
    baseline: dict[str, str | None] | None = None   # last year's values of the facts compared with them


class NodeResult(_Output):
    code: str
    name: str
    points: Points
    max: Points
    applicable_max: Points
    index: Points | None
    lead_unit: str | None = None
    provenance: Provenance | None = None   # of the node's maximum (fields: `published` where results quote it)
    citation: str | None = None


class MissingFact(_Output):
    """One reported fact an item needs and the file does not give: where to supply it."""

    fact: str
    description: str
    items: list[str]
    location: str | None = None   # workbook `Sheet!Cell`, or `file:line` of a `value: null`


class MissingData(_Output):
    """The headline's first line: items that could not be scored and the points they hold."""

    items: int
    points: Points
    facts: list[MissingFact]


class Summary(_Output):
    """How much of the score rests on which provenance, and how items ended."""

    items: int
    by_status: dict[str, int]
    maxima_by_provenance: dict[str, Points]
    rules_by_provenance: dict[str, int]
    reconstructed_share: Points
    missing: MissingData | None = None   # None only on cards stored before this key existed
    field_maxima_by_provenance: dict[str, Points] = Field(default_factory=dict)
    constraints: list[dict[str, str]] = Field(default_factory=list)   # published totals the table is checked against


class FieldRankInfo(_Output):
    field: str
    best: int
    worst: int
    of: int
    anchors: int


class RankInfo(_Output):
    rank: int
    of: int
    previous_rank: int | None
    change: int | None
    peers: str
    year: int | None = None              # the year whose provinces the rank is among
    previous_of: int | None = None
    scaled_from: int | None = None       # the peer table's size, when the rank was scaled to `of`
    raw_rank: int | None = None          # the rank among the table's rows, before scaling
    table_year: int | None = None
    fields: list[FieldRankInfo] | None = None   # field component ranks, where peers give field results


class UnitRow(_Output):
    unit: str
    items: int
    points: Points
    max: Points
    lost: Points


class UnitInfo(_Output):
    """How a unit's card was counted under its methodology's declared conventions."""

    level: str                       # department | commune | province
    denominator: str                 # fixed | applicable
    band: str | None = None          # the name of the card's group (band), e.g. "Tốt"
    illustrative: bool = False
    survey_absent: bool = False      # True: no survey fact given and the appraisal was rescaled to 100
    not_assigned: dict[str, str] = Field(default_factory=dict)   # item code -> why the unit has no such task
    bonus: Points | None = None      # capped bonus points added
    penalty: Points | None = None    # capped penalty points taken off
    feeds_into: str | None = None    # the provincial methodology its items feed
    feeds: dict[str, list[str]] = Field(default_factory=dict)    # item code -> provincial item codes



class Scorecard(_Output):
    methodology: dict[str, str]
    overlay: str | None = None
    agency: Agency
    year: int | None
    lang: Literal["vi", "en"]
    stage: str = "computed"          # computed | self | appraised
    total: Points
    max: Points
    applicable_max: Points
    index: Points
    group: str
    claimed_total: Points | None = None
    counting: dict[str, str]
    summary: Summary
    fields: list[NodeResult]
    criteria: list[NodeResult]
    items: list[ItemResult]
    rank: RankInfo | None = None
    by_unit: list[UnitRow] | None = None
    adjustments: list[dict[str, str]] | None = None   # bonus and penalty points applied
    # the two parts of the index: appraisal (68) and survey (32); survey points include any projected ones
    appraisal_points: Points | None = None
    appraisal_max: Points | None = None
    survey_points: Points | None = None
    survey_max: Points | None = None
    projected_points: Points | None = None           # survey points projected from last year (--baseline)
    index_without_projection: Points | None = None   # the index with projected items counted as missing
    projection_source: str | None = None
    appraisal_errors: list[str] | None = None
    unit: UnitInfo | None = None     # the conventions of a provincial internal index, when scored under one

    def item(self, code: str) -> ItemResult:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)
