"""The `parscore` command: a thin layer over the library API.

Exit codes: 0 success; 1 audit findings at the --fail-on severity; 2 invalid input (every problem printed as
`file:line: field: message [code]` on stderr, never a traceback).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

from decimal import Decimal

from typing import TYPE_CHECKING

# Only what every command needs is imported here; each command imports the modules it uses,
# so `parscore score` does not pay for the workbook, document, planner or history code.
from .errors import InputError, Problem
from .i18n import LANGS, translate, argparse_language, language_from_argv, set_language, text, translate_parser
from .files import StdoutBytes, open_output, resolve_format, short, stop_tracking, track_reads, visible, visible_json, write_output, write_stdout

if TYPE_CHECKING:
    from .loading import Facts, FactValue, Methodology
    from .models import Scorecard
    from .peers import PeerTable
    from .planner import Plan, Planner
    from .units import LeadUnits

DEFAULT_STORE = "parscore-history.sqlite"   # history.DEFAULT_STORE, named here for the --store help text


def _methodology_for(args: argparse.Namespace, facts_path: str) -> Methodology:
    from .loading import methodology_of_document, read_facts_document

    doc = read_facts_document(facts_path)
    return methodology_of_document(doc, args.methodology, getattr(args, "overlay", None))


def _load(args: argparse.Namespace) -> tuple[Methodology, Facts]:
    from .baseline import project_survey
    from .workflow import load_inputs

    m, facts = load_inputs(args.facts, args.methodology, getattr(args, "overlay", None), lang=getattr(args, "lang", "vi"))
    if getattr(args, "baseline", None):   # the survey third projected from last year (--baseline)
        facts = project_survey(m, facts, args.baseline)
    return m, facts


def _units(args: argparse.Namespace, m: Methodology, facts: Facts) -> LeadUnits | None:
    from .units import check_units_agency, load_lead_units, with_leads

    path = getattr(args, "units", None) or facts.lead_units
    units = load_lead_units(path, m) if path else None
    check_units_agency(units, facts.agency.code)
    return with_leads(units, facts.leads)


def _peers(args: argparse.Namespace) -> PeerTable | None:
    from .peers import load_peers

    return load_peers(args.peers) if getattr(args, "peers", None) else None


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import DISCARD, jobs_of, ranking, run_batch
    from .dates import reading_notes
    from .render.common import num, pct, tabulate

    if args.facts:
        raise InputError.one("--batch", None, "batch", "give either a facts file or --batch IN, not both", "PS384")
    if args.format_given and args.format not in ("json", "table"):
        raise InputError.one("--format", None, "format", "--batch writes JSON Lines (-f json, the default) or a ranking table (-f table)", "PS384")
    workers = _whole(args.jobs, "--jobs", "PS385", 1) if args.jobs is not None else None
    jobs = jobs_of(args.batch, args.methodology, args.overlay, args.lang)
    as_table = args.format == "table" and args.format_given
    with contextlib.ExitStack() as stack:
        out: Any   # the cards' JSON Lines (the ranking table is written after the run)
        if as_table:
            out = DISCARD
        elif args.output:
            out = stack.enter_context(open_output(args.output, args.lang))
        else:   # JSON Lines are UTF-8 whatever the terminal's encoding: bytes, to the buffer
            out = StdoutBytes()
        # the cards go straight to the output; the results keep the ranking's columns
        results = list(run_batch(jobs, args.methodology, args.overlay, args.lang, args.engine or "fast", workers,
                                 progress=sys.stderr.isatty(), out=out))
        if out is not DISCARD:
            out.flush()

    rows = ranking(results)
    table = tabulate([[r[0], r[1], r[2], num(r[3], args.lang), pct(r[4], args.lang), r[5], r[6]] for r in rows],
                     headers=text("cli", args.lang)["ranking_head"], tablefmt="simple", disable_numparse=True) + "\n"
    judged = sorted({r.methodology for r in results if r.line is not None})
    if len(judged) > 1:   # a province's card and a department's, say: their indices do not compare
        table += "\n" + text("cli", args.lang)["ranking_mixed"].format(methodologies=", ".join(judged)) + "\n"
    if as_table:
        _emit(table, args)
    elif sys.stderr.isatty():   # a person is watching; a pipeline's stderr carries only problems
        sys.stderr.write(table)
    for r in results:   # how each input's dates were read, with the input's place
        _stderr("".join(visible(f"parscore: {r.where}: {note}") + "\n" for note in reading_notes(args.lang, list(r.readings))))
    bad = [r for r in results if r.problems]
    for r in bad:
        _stderr("".join(f"parscore: {visible(problem.render(args.lang))}\n" for problem in r.problems))
    if bad:
        print(text("cli", args.lang)["batch_done"].format(ok=len(rows), bad=len(bad)), file=sys.stderr)
        return 2
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from .render import render
    from .scorecard import score
    from .workflow import with_extras

    if args.batch:
        # a province's internal index (-m par-department-ca-mau): its units scored and ranked;
        # otherwise many agencies or scenarios as JSON Lines on the fast engine
        if args.methodology and _is_unit_methodology(args.methodology, args.overlay):
            args.facts = args.batch
            return cmd_rank(args)
        return cmd_batch(args)
    if not args.facts:
        raise InputError.one("score", None, "FACTS", "give a facts file (.yaml or .xlsx), or --batch IN", "PS384")
    m, facts = _load(args)
    units, peers = _units(args, m, facts), _peers(args)
    card = with_extras(score(m, facts, args.lang, args.engine or "durable"), facts, peers, units)
    _require_output(args)
    if args.format == "xlsx":
        from .excel import write_scorecard

        _write_workbook(args, lambda buf: write_scorecard(card, m, buf, facts, units))
        return 0
    if args.format in ("html", "pdf", "docx"):
        from .planner import Planner

        plan = Planner(m, facts, args.lang, units).plan() if facts.values and args.format != "docx" else None
        return _document(card, m, facts, plan, args)
    else:
        text = render("scorecard", args.format, card)
        if args.format != "json":
            text += render("extras", args.format, card)
            if card.unit is not None:
                text += render("unit_info", args.format, card)
    _emit(text, args)
    return 0


def _document(card: Scorecard, m: Methodology, facts: Facts, plan: object, args: argparse.Namespace) -> int:
    """The documents officials print and sign: HTML, PDF (printed by Chromium), .docx."""
    from .render import render
    from .render.official import parse_date

    on = parse_date(getattr(args, "date", None), args.lang)
    data: bytes | str
    if args.format == "docx":
        buf = io.BytesIO()
        render("scorecard", "docx", card, m, facts, buf, on)
        data = buf.getvalue()
    else:   # html, or pdf: the HTML report printed by Chromium
        data = render("scorecard", args.format, card, plan, m, on)
    write_output(args.output, data, args.lang)   # never over an input; says on stderr what it wrote
    return 1 if card.appraisal_errors else 0


def cmd_rank(args: argparse.Namespace) -> int:
    """Every unit in a folder (or a workbook with one sheet per unit), scored and ranked."""
    from .loading import load_methodology
    from .ranking import rank_path
    from .render import render

    if not args.methodology:
        raise InputError.one("--methodology", None, "methodology", "name the units' methodology, e.g. -m par-department-ca-mau", "PS410")
    m = load_methodology(args.methodology, overlay=args.overlay)
    ranking = rank_path(args.facts, m, args.lang)
    fmt = args.format
    if fmt in ("xlsx", "html"):
        _require_output(args)
    if fmt in ("xlsx", "html"):
        write_output(args.output, render("ranking", fmt, ranking, args.decision), args.lang)
    else:
        _emit(render("ranking", fmt, ranking), args)
    if ranking.skipped:
        print(text("cli", args.lang)["unit_files"]["skipped"].format(n=len(ranking.skipped), files=", ".join(ranking.skipped)), file=sys.stderr)
    return 0


def _is_unit_methodology(ref: str, overlay: str | None) -> bool:
    from .conventions import is_unit_methodology
    from .loading import load_methodology

    return bool(is_unit_methodology(load_methodology(ref, overlay=overlay)))


def _require_output(args: argparse.Namespace) -> None:
    """Workbooks, documents and HTML pages go to a file, never to the terminal."""
    if args.format in ("xlsx", "html", "pdf", "docx") and not args.output:
        raise InputError.one("--output", None, "output", f"--format {args.format} needs -o FILE", "PS190")


def _write_workbook(args: argparse.Namespace, build: Callable[[io.BytesIO], None], default: str | None = None) -> None:
    """A workbook is built in memory, then written like every other output (files.write_output)."""
    target: str | None = args.output or default
    if target is None:
        raise InputError.one("--output", None, "output", f"--format {args.format} needs -o FILE", "PS190")
    buf = io.BytesIO()
    build(buf)
    write_output(target, buf.getvalue(), args.lang, replace=args.output is not None)


def cmd_template(args: argparse.Namespace) -> int:
    from .excel import write_split_templates, write_template
    from .loading import load_methodology
    from .units import load_lead_units

    m = load_methodology(args.id or args.methodology or "par-province-892", overlay=args.overlay)
    if args.units and _is_roster(args.units):
        return _unit_templates(args, m)
    units = load_lead_units(args.units, m) if args.units else None
    if args.split_by_unit:
        for path in write_split_templates(m, args.split_by_unit, args.lang, units):
            _wrote(str(path), args.lang)
        return 0
    # without -o the template goes to ./facts.xlsx, but never over a file that is already there
    _write_workbook(args, lambda buf: write_template(m, buf, args.lang, units), default="facts.xlsx")
    return 0


def _wrote(path: str, lang: str) -> None:
    """A file written by a writer of its own (split templates): said like every other output."""
    from .files import announce_written

    announce_written(path, Path(path).stat().st_size, lang)


def _is_roster(path: str) -> bool:
    from .yamlio import load_yaml

    data = load_yaml(path).data
    return isinstance(data, dict) and "roster" in data


def _unit_templates(args: argparse.Namespace, m: Methodology) -> int:
    """A unit roster: one workbook per unit in a folder, or one workbook with a sheet per unit (-o X.xlsx)."""
    from .unit_workbook import load_roster, units_workbook, write_unit_templates

    roster = load_roster(args.units, m)
    out = args.output or "."   # a folder of workbooks (existing files are kept), or one workbook with -o X.xlsx
    if str(out).lower().endswith(".xlsx"):
        write_output(out, units_workbook(m, roster, args.lang, out), args.lang)
        return 0
    for s_ in write_unit_templates(m, roster, out, args.lang):
        print(text("cli", args.lang)["unit_files"]["kept"].format(file=s_), file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .excel import import_many
    from .loading import load_methodology

    import yaml

    m = load_methodology(args.methodology or "par-province-892", overlay=args.overlay)
    _, doc = import_many(args.xlsx, m, args.lang)
    _emit(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), args)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from .loading import parse_fact_value
    from .render import render
    from .simulation import load_scenario, simulate

    m, facts = _load(args)
    changes: dict[str, FactValue | None] = {}
    name, note = None, None
    if args.scenario:
        name, note, changes = load_scenario(args.scenario, m)
    for item in args.set or []:
        if "=" not in item:
            raise InputError.one("--set", None, item, "expected FACT=VALUE, e.g. --set par_inspection_units_inspected=25", "PS131")
        k, v = item.split("=", 1)
        changes[k.strip()] = parse_fact_value(k.strip(), v, m)
    if not changes:
        raise InputError.one("simulate", None, "", "nothing to change: give --set FACT=VALUE or --scenario FILE", "PS131")
    sim = simulate(m, facts, changes, args.lang, _peers(args), name, note, _units(args, m, facts))
    _emit(render("simulation", args.format, sim), args)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from .planner import Planner
    from .render import render
    from .workflow import plan_context

    m, facts = _load(args)
    units, peers = _units(args, m, facts), _peers(args)
    target = None
    if args.target is not None:
        target = _index_arg(args.target)
    p = Planner(m, facts, args.lang, units).plan(target)
    text = render("plan", args.format, p, m, args.lang, args.unit, **plan_context(p, facts, peers, units))
    if args.units_dir:   # which departments' and communes' results move the provincial items
        text = _with_unit_contributions(text, p, m, args)
    _emit(text, args)
    return 0


def _with_unit_contributions(text: str, p: Plan, m: Methodology, args: argparse.Namespace) -> str:
    """Append (or, for JSON, add as `units`) the units whose results feed each provincial item."""
    import json

    from .feeds import contributions, load_unit_cards, render_contributions, render_contributions_json

    cards, skipped = load_unit_cards(args.units_dir, m.id, args.lang)
    before, after = p.before, p.after
    improved = set()
    if after is not None:
        improved = {it.code for it in after.items if it.points > before.item(it.code).points}
    rows = contributions(before, cards, improved)
    if args.format == "json":
        data = json.loads(text)
        data["units"] = render_contributions_json(rows)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return text + render_contributions(rows, args.lang, args.format, skipped)


def _index_arg(raw: str) -> Decimal:
    from .workflow import parse_target

    return parse_target(raw)


def cmd_audit(args: argparse.Namespace) -> int:
    # a filled template is checked like the YAML it imports to; contradictions become findings
    from .audit import audit
    from .render import render
    from .workflow import load_inputs

    m, facts = load_inputs(args.facts, args.methodology, args.overlay, strict=False, lang=args.lang)
    report = audit(m, facts, args.lang)
    _emit(render("audit", args.format, report), args)
    if args.fail_on != "never" and report.at_least(args.fail_on):
        return 1
    return 0


def cmd_appraise(args: argparse.Namespace) -> int:
    from .appraisal import appraise, load_appraisal
    from .excel import write_scorecard
    from .render import render

    m, facts = _load(args)
    card = appraise(m, facts, load_appraisal(args.appraisal, m, facts), args.lang)
    _require_output(args)
    if args.format == "xlsx":
        _write_workbook(args, lambda buf: write_scorecard(card, m, buf, facts, _units(args, m, facts)))
    elif args.format in ("html", "pdf", "docx"):
        return _document(card, m, facts, None, args)
    else:
        _emit(render("appraised", args.format, card), args)
    return 1 if card.appraisal_errors else 0


def _cards_for_history(args: argparse.Namespace) -> list[tuple[Scorecard, str]]:
    """Every stage a facts file (and its appraisal) holds: self, computed, each round."""
    from .appraisal import appraise, load_appraisal, self_assessment
    from .history import inputs_hash
    from .scorecard import score

    m, facts = _load(args)
    base = inputs_hash(args.facts, args.appraisal, extra=m.digest)
    cards = [(score(m, facts, args.lang), base)]
    if facts.claimed:
        cards.insert(0, (self_assessment(m, facts, args.lang), base))
    if args.appraisal:
        a = load_appraisal(args.appraisal, m, facts)
        for k in range(1, len(a.rounds) + 1):
            partial = a.model_copy(update={"rounds": a.rounds[:k]})
            card = appraise(m, facts, partial, args.lang)
            cards.append((card.model_copy(update={"stage": f"round-{a.rounds[k - 1].round}"}), base))
    return cards


def cmd_history(args: argparse.Namespace) -> int:
    from .history import HistoryStore, store_path
    from .render import render

    with HistoryStore(store_path(args.store), readonly=args.action != "add") as store:
        if args.action == "add":
            if not args.target:
                raise InputError.one("history add", None, "FACTS", "give the facts file to store", "PS166")
            args.facts = args.target
            ids = [store.add(card, h, args.note) for card, h in _cards_for_history(args)]
            write_stdout(" ".join(str(i) for i in ids) + "\n")
            store.say_written(args.lang)
        elif args.action == "list":
            _emit(render("history_list", args.format, store.entries(args.target), args.lang), args)
        elif args.action == "show":
            card = store.card(_entry_id(args.target))
            _emit(render("appraised" if card.stage != "computed" else "scorecard", args.format, card), args)
        else:  # trend
            _emit(render("trend", args.format, store.entries(args.target), args.lang), args)
    return 0


def _entry_id(raw: str | None) -> int:
    from .history import MAX_ID

    text = str(raw).removeprefix("history:").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= MAX_ID):
        raise InputError.one("history", None, "id", f"expected an entry id such as 3 (1 to {MAX_ID}), "
                             f"got {short(repr(raw), 40)}", "PS165")
    return int(text)


def _card_from(ref: str, args: argparse.Namespace) -> Scorecard:
    """A scorecard from a JSON file, a history entry (history:ID) or a facts file (scored)."""
    from .history import HistoryStore, store_path
    from .scorecard import score
    from .yamlio import read_text

    if ref.startswith("history:"):
        with HistoryStore(store_path(args.store), readonly=True) as store:
            return store.card(_entry_id(ref))
    if ref.endswith(".json"):
        from pydantic import ValidationError

        from .models import Scorecard

        text = read_text(ref)  # a regular file, capped (files.read_bytes)
        try:
            return Scorecard.model_validate_json(text)
        except ValidationError as exc:
            raise InputError.one(ref, None, "", f"not a parscore scorecard JSON ({exc.error_count()} problems, first: "
                                 f"{exc.errors()[0]['msg']} at {'.'.join(map(str, exc.errors()[0]['loc']))})", "PS170") from None
    args.facts = ref
    m, facts = _load(args)
    return score(m, facts, args.lang)


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff import diff as diff_cards
    from .render import render

    a, b = _card_from(args.a, args), _card_from(args.b, args)
    _emit(render("diff", args.format, diff_cards(a, b, args.a, args.b), args.lang), args)
    return 0


def cmd_plan_status(args: argparse.Namespace) -> int:
    from .dates import parse_date as parse_person_date, today_in_vietnam
    from .render import render
    from .tracking import load_plan, plan_status

    m, facts = _load(args)
    plan = load_plan(args.plan, m, facts.agency.code)
    try:
        on = parse_person_date(args.on) if args.on else today_in_vietnam()
    except ValueError:
        raise InputError.one("--on", None, "on", f"expected a real date dd/mm/yyyy or YYYY-MM-DD, got {args.on!r}", "PS133") from None
    _emit(render("plan_status", args.format, plan_status(m, facts, plan, on, args.lang), args.lang), args)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from .render import render
    from .scorecard import score

    m, facts = _load(args)
    if args.code not in m.leaves:
        from .loading._common import _hint
        raise InputError.one("CODE", None, args.code, f"'{args.code}' is not a sub-criterion of {m.id}{_hint(args.code, set(m.leaves))}", "PS090")
    card = score(m, facts, args.lang, args.engine or "durable")
    _emit(render("explain", args.format, card, m, args.code), args)
    return 0


def cmd_criteria(args: argparse.Namespace) -> int:
    from .loading import load_methodology
    from .render import render

    m = load_methodology(args.id or args.methodology or "par-province-892", overlay=args.overlay)
    _emit(render("criteria", args.format, m, args.lang), args)
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    from .loading import load_methodology
    from .render import render

    m = load_methodology(args.id or args.methodology or "par-province-892", overlay=args.overlay)
    _emit(render("facts", args.format, m, args.lang), args)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Each path checked; all problems at once. `-f json`: one record per path on stdout
    ({path, valid, what | problems}), the problems also on stderr, exit 2 if any."""
    import json

    problems: list[Problem] = []
    records: list[dict[str, object]] = []
    lines: list[str] = []
    for path in args.paths:
        try:
            kind = _validate_one(path, args)
            lines.append(f"{path}: {translate('OK', f'OK ({kind})', args.lang)}\n")
            records.append({"path": path, "valid": True, "what": kind})
        except InputError as exc:
            problems.extend(exc.problems)
            records.append({"path": path, "valid": False, "problems": [
                {"file": p.file, "line": p.line, "field": p.field, "code": p.code, "message": p.message,
                 "text": p.render(args.lang)} for p in exc.problems]})
    if args.format == "json":
        _emit(json.dumps(records, ensure_ascii=False, indent=2) + "\n", args)
    elif lines:
        _emit("".join(lines), args)
    if problems:
        raise InputError(problems)
    return 0


def _validate_one(path: str, args: argparse.Namespace) -> str:
    from .excel import import_xlsx
    from .loading import facts_from_document, load_methodology
    from .peers import load_peers

    from .yamlio import load_yaml

    p = Path(path)
    if p.is_dir():
        found = sorted(p.glob("*.yaml"))
        if not found:
            raise InputError.one(path, None, "", "directory holds no .yaml files", "PS001")
        errs: list[Problem] = []
        for f in found:
            try:
                _validate_one(str(f), args)
            except InputError as exc:
                errs.extend(exc.problems)
        if errs:
            raise InputError(errs)
        return "directory"
    if _is_workbook(path):
        m = load_methodology(args.methodology or "par-province-892", overlay=args.overlay)
        import_xlsx(path, m)
        return f"facts workbook for {m.id}"
    doc = load_yaml(path)
    data = doc.data
    if isinstance(data, dict) and "fields" in data and "id" in data:
        load_methodology(path, overlay=args.overlay)
        return "methodology"
    if isinstance(data, dict) and "rows" in data and "facts" not in data:
        table = load_peers(path)
        return f"{'results' if data.get('kind') == 'results' else 'peer table'} ({len(table.peers)} provinces, {table.year or '—'})"
    if isinstance(data, dict) and ("agency" in data or "year" in data):
        m = _methodology_for(args, path)
        facts_from_document(doc, m)
        return f"facts for {m.id}"
    if isinstance(data, dict) and "rules" in data:
        owner = _owning_methodology(p)
        if owner is None:
            from pydantic import ValidationError
            from .models import RulesFile
            from .yamlio import pydantic_problems
            try:
                RulesFile.model_validate(data)
            except ValidationError as exc:
                raise InputError(pydantic_problems(doc, exc, code="PS044")) from None
            return "rules (shape only: no methodology found above it)"
        load_methodology(owner, overlay=args.overlay)
        return f"rules of {owner}"
    raise InputError.one(path, 1, "", "not a methodology (id, fields), rules (facts, derived, rules) or facts file (agency, year, facts)", "PS008")


def _owning_methodology(rules_file: Path) -> str | None:
    """The methodology whose `rules:` directory holds this file."""
    from .files import read_bytes
    from .yamlio import decode

    from .resources import methodology_dirs
    import yaml

    target = rules_file.resolve().parent
    homes = [p for d in methodology_dirs() if d.is_dir() for p in sorted(d.glob("*.yaml"))]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: every methodology is read, 10x faster
    for cand in homes + sorted(rules_file.resolve().parents[1].glob("*.yaml")):
        try:
            data = yaml.load(decode(read_bytes(cand), str(cand)), Loader=loader)
        except (yaml.YAMLError, InputError):
            continue
        if isinstance(data, dict) and isinstance(data.get("rules"), str):
            if (cand.parent / data["rules"]).resolve() == target:
                return str(cand)
    return None


def cmd_project(args: argparse.Namespace) -> int:
    from .projection import DEFAULT_SEED, load_baseline, load_spreads, project
    from .render import render

    if args.format == "html" and not args.output:
        raise InputError.one("--output", None, "output", "--format html needs -o FILE", "PS190")
    from .workflow import load_inputs, parse_target

    # not `_load`: the survey facts this year's file lacks are drawn here, not filled in once
    m, facts = load_inputs(args.facts, args.methodology, getattr(args, "overlay", None), lang=args.lang)
    baseline = load_baseline(args.baseline, m, facts.agency.code, facts.year)
    field_targets: dict[str, Decimal] = {}
    for item in args.field_target or []:
        code, _, raw = item.partition("=")
        code = code.strip()
        if code not in {f.code for f in m.fields} or not raw:
            raise InputError.one("--field-target", None, item, "expected FIELD=INDEX with a field code, e.g. --field-target 3=92", "PS378")
        if code in field_targets:
            raise InputError.one("--field-target", None, item, f"field {code} is given twice; give each field's target once",
                                 "PS378")
        field_targets[code] = parse_target(raw, "--field-target", item)
    p = project(m, facts, baseline, load_spreads(m, args.spread), _whole(args.samples, "--samples", "PS374", 1),
                _whole(args.seed, "--seed", "PS375", 0) if args.seed is not None else DEFAULT_SEED,
                _index_arg(args.target) if args.target is not None else None, field_targets, _peers(args),
                _whole(args.top, "--top", "PS379", 1), args.redraw_survey)
    for u in p.undrawn:
        print(text("cli", args.lang)["undrawn"].format(file=args.baseline, fact=u["fact"], items=", ".join(u["items"])), file=sys.stderr)
    _emit(render("projection", args.format, p, args.lang), args)
    return 0


def _whole(raw: str, option: str, code: str, least: int) -> int:
    try:
        n = int(str(raw).replace("_", ""))
    except ValueError:
        n = None
    if n is None or n < least:
        raise InputError.one(option, None, option.lstrip("-"), f"expected a whole number ≥ {least}, got {raw!r}", code)
    return n


def _emit(text: str, args: argparse.Namespace) -> None:
    """Text output: control characters a user typed are made visible, then it goes to -o FILE
    (never over an input; said on stderr) or to standard output."""
    text = visible_json(text) if getattr(args, "format", None) == "json" else visible(text)
    out = getattr(args, "output", None)
    if out:
        write_output(out, text, getattr(args, "lang", "vi"))
    else:
        write_stdout(text)


def _is_workbook(path: str) -> bool:
    return str(path).lower().endswith(".xlsx")


def cmd_serve(args: argparse.Namespace) -> int:
    from .web.server import run

    return run(args.host, args.port, args.allow_remote, args.lang)


# Renderer dispatch for scorecards: text formats, the workbook, and the documents (html, pdf, docx).
DOCUMENT_FORMATS = ("table", "json", "markdown", "xlsx", "html", "pdf", "docx")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parscore", description="Score, explain and check the provincial PAR INDEX (Chỉ số CCHC).")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, formats: Sequence[str] = ("table", "json", "markdown"),
               writes: Sequence[str] | None = None) -> None:
        p.add_argument("--methodology", "-m", help="methodology id (criteria/<id>.yaml) or path; default: the facts file's, else par-province-892")
        p.add_argument("--overlay", help="a partial methodology merged over the base (e.g. a province's official table)")
        p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of everything a person reads (default vi)")
        p.add_argument("--format", "-f", choices=formats, default=None,
                       help="default: from the -o file's extension (.json, .md, .xlsx, .html), else table")
        p.add_argument("--output", "-o", help="write to this file instead of stdout (never over an input file)")
        p.set_defaults(writes=tuple(writes if writes is not None else formats))

    def engine(p: argparse.ArgumentParser) -> None:
        p.add_argument("--engine", choices=("durable", "reference", "fast", "python"),
                       help="rule engine: durable (durable_rules, the default; --batch: fast), reference (the naive "
                            "Decimal matcher; python is its old name) or fast (generated Python); all give the same card")

    def planning(p: argparse.ArgumentParser) -> None:
        p.add_argument("--peers", help="a peer table (CSV or YAML) of other provinces' indices, for the projected rank")
        p.add_argument("--units", help="a lead-unit assignment file (default: the facts file's lead_units)")
        p.add_argument("--baseline", metavar="LAST-YEAR",
                       help="last year's facts file, or a published results file: fills every missing survey fact with last "
                            "year's value, marked projected")

    p = sub.add_parser("score", help="score a facts file (.yaml, or a filled .xlsx template), or many with --batch")
    p.add_argument("facts", nargs="?")
    common(p, formats=DOCUMENT_FORMATS)
    p.add_argument("--date", help="html/pdf/docx: the report's date, dd/mm/yyyy (default: left blank to fill in when signed)")
    planning(p)
    engine(p)
    p.add_argument("--batch", metavar="IN", help="score many: a directory of facts files, a .jsonl file (one facts "
                   "document per line) or a workbook with one agency per sheet (template --units); JSON Lines out, "
                   "one card per line, in input order")
    p.add_argument("--jobs", help="--batch: worker processes (default: all cores; at most 61)")
    p.add_argument("--decision", help="rank/batch HTML: the decision the ranking is published with, e.g. '125/QĐ-UBND ngày 20/01/2026'")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("rank", help="score many units (a folder of facts files, or a workbook with one sheet per unit) and rank them")
    p.add_argument("facts", metavar="DIR|WORKBOOK")
    common(p, formats=("table", "json", "markdown", "xlsx", "html"))
    p.add_argument("--decision", help="HTML/xlsx: the decision the ranking is published with, e.g. '125/QĐ-UBND ngày 20/01/2026'")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("simulate", help="what if some facts changed")
    p.add_argument("facts")
    p.add_argument("--set", action="append", metavar="FACT=VALUE", help="a fact change (FACT= with nothing makes the fact missing); repeatable")
    p.add_argument("--scenario", help="a scenario file: name, note, set: {fact: value}")
    common(p)
    planning(p)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("plan", help="improvements ranked by points gained; with --target the smallest set reaching it")
    p.add_argument("facts")
    p.add_argument("--target", help="target index, e.g. 92")
    p.add_argument("--unit", help="show only improvements led by this unit (name contains)")
    p.add_argument("--units-dir", help="a folder of departments' and communes' facts files: list, per provincial item, "
                   "the units whose results feed it and their shortfall")
    common(p)
    planning(p)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("audit", help="check a self-assessment: claims, evidence, survey items, totals, contradictions")
    p.add_argument("facts")
    p.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default="error",
                   help="exit 1 when findings of this severity or worse exist (default error)")
    common(p, formats=("table", "json", "markdown", "junit"))
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("template", help="an Excel facts template generated from the fact catalogue "
                       "(default ./facts.xlsx, never replacing a file already there)")
    p.add_argument("id", nargs="?")
    common(p, writes=("xlsx",))
    p.add_argument("--units", help="a lead-unit assignment file, to fill the lead-unit column; or a unit roster "
                   "(roster, year, level, units): one workbook per unit in the folder -o, or one sheet per unit when -o ends in .xlsx")
    p.add_argument("--split-by-unit", metavar="DIR", help="write one workbook per lead unit into DIR (needs --units); never overwrites")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import", help="filled Excel templates (one, or one per lead unit) or scorecard workbooks → one YAML facts file")
    p.add_argument("xlsx", nargs="+")
    common(p, writes=("yaml",))
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("appraise", help="apply appraisal rounds to a self-assessment: final scores and history")
    p.add_argument("facts")
    p.add_argument("appraisal")
    common(p, formats=DOCUMENT_FORMATS)
    p.add_argument("--date", help="html/pdf/docx: the report's date, dd/mm/yyyy (default: left blank to fill in when signed)")
    p.set_defaults(func=cmd_appraise)

    p = sub.add_parser("history", help="the assessment history store: add | list | show | trend")
    p.add_argument("action", choices=("add", "list", "show", "trend"))
    p.add_argument("target", nargs="?", help="add: FACTS; list/trend: AGENCY code; show: ID")
    p.add_argument("--appraisal", help="add: also store each appraisal round of this file")
    p.add_argument("--store", help=f"the SQLite store (default $PARSCORE_HISTORY or ./{DEFAULT_STORE})")
    p.add_argument("--note", help="add: a note kept with the entries")
    common(p)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("diff", help="compare two scorecards: JSON files, history:ID, or facts files")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--store", help="the history store for history:ID references")
    common(p)
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("plan-status", help="a plan's tasks: met, not met or unknown; overdue; points at stake")
    p.add_argument("facts")
    p.add_argument("plan")
    p.add_argument("--on", help="the date to judge deadlines on (YYYY-MM-DD; default today in Vietnam)")
    common(p)
    p.set_defaults(func=cmd_plan_status)

    p = sub.add_parser("explain", help="one sub-criterion's facts, thresholds, deductions and trace")
    p.add_argument("facts")
    p.add_argument("code")
    common(p)
    engine(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("project", help="the index as a range before the survey is published: draws unknown survey facts around last year's")
    p.add_argument("facts")
    p.add_argument("--baseline", required=True, help="last year's facts file (survey values are drawn around it)")
    p.add_argument("--samples", default="10000", help="number of samples (default 10000)")
    p.add_argument("--seed", help="random seed (default 892); the same seed gives the same numbers")
    p.add_argument("--target", help="target index, e.g. 90: the probability of reaching it (and each field's, by default)")
    p.add_argument("--field-target", action="append", metavar="FIELD=INDEX", help="a field component's own target; repeatable")
    p.add_argument("--top", default="10", help="with --peers: the probability of ranking in the top N (default 10)")
    p.add_argument("--spread", help="a spread file overriding criteria/spreads/<methodology>.yaml")
    p.add_argument("--redraw-survey", action="store_true", help="also draw survey facts the file gives (treat them as not yet known)")
    common(p, formats=("table", "json", "markdown", "html"))
    p.add_argument("--peers", help="a peer table (CSV or YAML) of other provinces' indices, for the rank")
    p.set_defaults(func=cmd_project)

    p = sub.add_parser("criteria", help="the methodology tree with maxima and provenance")
    p.add_argument("id", nargs="?")
    common(p)
    p.set_defaults(func=cmd_criteria)

    p = sub.add_parser("facts", help="the fact catalogue")
    p.add_argument("id", nargs="?")
    common(p)
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser("serve", help="a local web page for officials and an HTTP API (loopback only by default)")
    p.add_argument("--port", type=int, default=8892, help="port (default 8892)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this computer only)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (no login: only on a trusted network)")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the messages printed (default vi)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("validate", help="check methodology, rule and facts files")
    p.add_argument("paths", nargs="+")
    common(p)
    p.set_defaults(func=cmd_validate)
    return parser


EXIT_BROKEN_PIPE = 141  # what a shell reports for a writer whose reader went away (128 + SIGPIPE)


class Stopped(BaseException):
    """The process was asked to end (SIGTERM from `timeout`, `kill` or a service manager;
    SIGHUP when its terminal closes). Raised where the program is, like KeyboardInterrupt
    for Ctrl-C, so every cleanup runs (an -o file's temporary copy is removed, batch
    workers are stopped) before `main` returns 128 + the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: Any) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def _stopping_cleanly() -> Any:
    """SIGTERM and SIGHUP raise `Stopped` while a command runs (and are put back as they were
    after). Only the main thread can take signals; called from another, nothing changes."""
    import signal
    import threading

    kept: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is not None and signal.getsignal(signum) in (signal.SIG_DFL, None):
                kept[signum] = signal.signal(signum, _stop)
    try:
        yield
    finally:
        for signum, handler in kept.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    # names typed on the command line compare like names read from files: NFC
    from .dates import reading_notes

    raw = [unicodedata.normalize("NFC", a) for a in (sys.argv[1:] if argv is None else argv)]
    lang = language_from_argv(raw)  # before the parser exists: its help and errors are in this language
    set_language(lang)
    reading_notes(lang)  # forget readings of an earlier in-process run
    token = track_reads()  # so no output can overwrite a file this run read
    try:
        with _stopping_cleanly():
            args = parse_arguments(raw, lang)
            args.lang = lang
            args.format_given = any(a in ("-f", "--format") or a.startswith(("--format=", "-f")) for a in raw)
            args.format = resolve_format(getattr(args, "output", None), getattr(args, "format", None),
                                         getattr(args, "writes", ("table",)))
            return int(args.func(args))
    except InputError as exc:
        _problems(exc, lang)
        return 2
    except BrokenPipeError:  # `parscore ... | head`: stop quietly, as Unix tools do
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a path the system refuses (too long, no permission, a device...)
        name = str(exc.filename or "")[:200]
        problem = Problem(name, None, "", f"cannot be read or written: {exc.strerror or exc}", "PS001")
        _stderr(visible(f"parscore: {problem.render(lang)}") + "\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except Stopped as stop:
        return 128 + stop.signum
    finally:
        stop_tracking(token)
        notes = reading_notes(lang)  # how a date like 03/04/2025 was read
        if notes:
            _stderr("".join(visible(f"parscore: {note}") + "\n" for note in notes))
        set_language(None)


@lru_cache(maxsize=None)
def _parser(lang: str) -> argparse.ArgumentParser:
    """The command line untranslated, for the quiet parse: built once per language and
    process (about 5 ms; a program calling `main` many times, such as the test suite, pays it
    once). Parsing never changes it."""
    return _new_parser(lang)


def _new_parser(lang: str) -> argparse.ArgumentParser:
    parser = build_parser()
    parser.add_argument("--lang", choices=LANGS, default=lang, help="language of everything a person reads (default vi)")
    return parser


def parse_arguments(raw: Sequence[str], lang: str) -> argparse.Namespace:
    """The command line, parsed. The help texts and argparse's phrases are translated only
    when a person will read them: a quiet parse comes first, and only when it stops (--help,
    a usage error) is a parser built and translated into `lang` to say so, the same way. A
    command that parses does not read the translations at all."""
    quiet = io.StringIO()
    try:
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            return _parser(lang).parse_args(raw)
    except SystemExit:
        pass   # help or an error: said below, in the person's language
    with argparse_language(lang):
        parser = _new_parser(lang)
        translate_parser(parser, lang)
        return parser.parse_args(raw)


def _problems(exc: InputError, lang: str) -> None:
    _stderr("".join(f"parscore: {visible(problem.render(lang))}\n" for problem in exc.problems))


def _stderr(text: str) -> None:
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass

if __name__ == "__main__":
    raise SystemExit(main())
