"""A scenario folder (or built-in name) loaded whole: settings, tables, the checks between them.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from scheduler.errors import InputError, Problem
from scheduler.scenario.config_file import parse_config, yaml_line
from scheduler.scenario.hiring import candidates_of
from scheduler.scenario.loaders import MAX_AGENTS, load_agents, load_history, load_preferences, load_time_off
from scheduler.scenario.schema import Agent, PreferenceRow, ScenarioConfig, TimeOff
from scheduler.scenario.views import Scenario

_PACKAGED = Path(__file__).resolve().parent.parent / "_scenarios"  # in an installed wheel
BUILTIN_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "scenarios"


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return True  # let read_text say what is wrong with it



def _inside(folder: Path, name: str) -> list[Problem]:
    """An input file must lie in the scenario folder: one reached by a link (or through a linked
    folder) that leads out of it is refused, not read (file settings may not name other folders)."""
    home = folder.resolve()
    try:
        real = (folder / name).resolve()
    except (OSError, RuntimeError):  # a link that loops
        return [Problem(name, "(file)", "a link that loops", "a file inside the scenario folder")]
    if real == home or real.is_relative_to(home):
        return []
    return [Problem(name, "(file)", f"a link outside the scenario folder, to {real}",
                    "a file inside the scenario folder (copy it in: links out of the folder are not followed)")]


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A built-in scenario name (double11) or a folder holding scenario.yaml."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    if p.is_file() and p.name.endswith((".yaml", ".yml")):
        return p.parent
    builtin = BUILTIN_DIR / str(name_or_path)
    if re.fullmatch(r"[a-z0-9_]+", str(name_or_path)) and (builtin / "scenario.yaml").exists():
        return builtin
    names = ", ".join(builtin_names())
    raise InputError(
        [Problem(str(name_or_path), "SCENARIO", "no such folder or built-in scenario", f"a scenario folder, or one of: {names}")]
    )


def builtin_names() -> list[str]:
    if not BUILTIN_DIR.exists():
        return []
    return sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / "scenario.yaml").exists())


def input_hash(folder: Path, names: list[str]) -> str:
    """SHA-256 over the input files (name and bytes), so any change to any input changes it."""
    h = hashlib.sha256()
    for n in names:
        p = folder / n
        if p.exists():
            h.update(n.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario folder (or built-in name); raise InputError listing every problem.

    >>> sc = load_scenario("double11")
    >>> sc.n_slots, [q.id for q in sc.config.queues]
    (72, ['presale', 'aftersale'])
    """
    folder = resolve_scenario_path(name_or_path)
    if problems := _inside(folder, "scenario.yaml"):
        raise InputError(problems)
    config, root = parse_config(folder / "scenario.yaml")
    problems = [p for n in (config.files.history, config.files.agents, config.files.time_off, config.files.preferences)
                if n for p in _inside(folder, n)]
    if problems:
        raise InputError(problems)
    history = agents = None
    try:
        history = load_history(folder / config.files.history, config)
    except InputError as exc:
        problems += exc.problems
    try:
        agents = load_agents(folder / config.files.agents, config)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    assert history is not None and agents is not None
    by_id = {a.agent_id: a for a in agents}
    time_off: list[TimeOff] = []
    prefs: list[PreferenceRow] = []
    names = ["scenario.yaml", config.files.history, config.files.agents]
    if config.files.time_off and _exists(folder / config.files.time_off):
        names.append(config.files.time_off)
        try:
            time_off = load_time_off(folder / config.files.time_off, by_id, config)
        except InputError as exc:
            problems += exc.problems
    if config.files.preferences and _exists(folder / config.files.preferences):
        names.append(config.files.preferences)
        try:
            prefs = load_preferences(folder / config.files.preferences, by_id, config)
        except InputError as exc:
            problems += exc.problems
    problems += _cross_checks(config, agents, config.files.agents, root)
    problems += _pay_checks(config, agents, root)
    candidates = candidates_of(config)
    problems += _candidate_checks(candidates, agents, config.files.agents, root)
    if problems:
        raise InputError(problems)
    return Scenario(
        config=config,
        folder=folder.resolve(),
        history=history,
        agents=agents + candidates,
        time_off=time_off,
        preference_rows=prefs,
        input_sha256=input_hash(folder, names),
    )


def _candidate_checks(candidates: list[Agent], agents: list[Agent], agents_file: str, root: yaml.Node | None) -> list[Problem]:
    """Candidate ids must not be taken by the team, and the team plus candidates must stay within
    the agents limit (a pool is a list of would-be rows of agents.csv)."""
    problems = []
    team = {a.agent_id for a in agents}
    for a in candidates:
        if a.agent_id in team:
            problems.append(Problem("scenario.yaml", f"hiring.pools.{a.pool}", f"candidate id {a.agent_id!r}, already an agent in {agents_file}",
                                    "a pool id whose candidates (<pool>-01, ...) are not agent ids of the team",
                                    yaml_line(root, ("hiring", "pools", a.pool))))
            break
    if len(agents) + len(candidates) > MAX_AGENTS:
        problems.append(Problem("scenario.yaml", "hiring.pools", f"{len(candidates):,} candidates beside {len(agents):,} agents",
                                f"at most {MAX_AGENTS:,} agents and candidates together", yaml_line(root, ("hiring", "pools"))))
    return problems


def _cross_checks(
    config: ScenarioConfig, agents: list[Agent], agents_file: str, root: yaml.Node | None = None
) -> list[Problem]:
    """Rules between files: every queue someone can serve, contract rules that make sense."""
    problems = []
    served = {s for a in agents for s in a.skills} | {s for p in config.hiring.pools.values() if p.max for s in p.skills}
    for q in config.queues:
        if q.id not in served:
            problems.append(
                Problem(agents_file, "skills", f"no agent with skill {q.id!r}", f"at least one agent who can serve queue {q.id!r}")
            )
    slot = config.horizon.slot_minutes
    for cid, c in config.contracts.items():
        for k, span in enumerate(c.shift_spans_hours):
            if (span * 60) % slot:
                problems.append(
                    Problem("scenario.yaml", f"contracts.{cid}.shift_spans_hours", f"{span:g}", f"whole slots of {slot} min",
                            yaml_line(root, ("contracts", cid, "shift_spans_hours", k)))
                )
        for k, st in enumerate(c.start_times):
            if (st.hour * 60 + st.minute) % slot or st.second or st.microsecond:
                problems.append(
                    Problem("scenario.yaml", f"contracts.{cid}.start_times", st.isoformat("minutes"), f"times on the {slot}-minute slot grid",
                            yaml_line(root, ("contracts", cid, "start_times", k)))
                )
        if c.break_minutes % slot:
            problems.append(
                Problem("scenario.yaml", f"contracts.{cid}.break_minutes", str(c.break_minutes), f"whole slots of {slot} min",
                        yaml_line(root, ("contracts", cid, "break_minutes")))
            )
    return problems


def _pay_checks(config: ScenarioConfig, agents: list[Agent], root: yaml.Node | None = None) -> list[Problem]:
    """The pay scheme against the contracts and agents: a base for every contract, levels only
    for agents of agents.csv, and a level for every agent when there is no default."""
    pay = config.pay
    if pay is None:
        return []
    out = []

    def bad(loc: tuple, found: str, allowed: str) -> None:
        out.append(Problem("scenario.yaml", ".".join(str(p) for p in loc), found, allowed, yaml_line(root, loc)))

    for cid in sorted(set(config.contracts) - set(pay.base)):
        bad(("pay", "base"), f"no base for contract {cid!r}", f"a base for every contract: {sorted(config.contracts)}")
    for cid in sorted(set(pay.base) - set(config.contracts)):
        bad(("pay", "base", cid), repr(cid), f"a contract from contracts: {sorted(config.contracts)}")
    ids = {a.agent_id for a in agents}
    for aid in sorted(set(pay.agent_levels) - ids):
        bad(("pay", "agent_levels", aid), repr(aid), f"an agent_id of {config.files.agents}")
    if pay.default_level is None:
        missing = sorted(ids - set(pay.agent_levels))
        if missing:
            bad(("pay", "agent_levels"), f"no level for {len(missing)} agent(s): {', '.join(missing[:5])}",
                "a level for every agent, or pay.default_level")
    return out
