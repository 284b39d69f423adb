"""`--vary KEY=V1,V2,...`: settings of scenario.yaml named by a dotted key, their values, and the
variants they make (the cartesian product), each checked by the scenario's own pydantic schema
before anything runs, so a typo or a refused value is an exit 2, not a failed night of solves.

The keys are found by walking `ScenarioConfig` itself, never a list kept here: a setting added to
the schema (say `hiring.pools.students.max`) can be varied as soon as it exists. Sections keyed by
an id (`contracts.full_time`, a pool) take the ids the scenario has; lists take an index or, for
queues, the queue's id (`queues.presale.aht_seconds`).
"""

from __future__ import annotations

import copy
import itertools
import math
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from scheduler.errors import InputError, Problem
from scheduler.scenario import FieldError, ScenarioConfig, read_text

MAX_VARIANTS = 10_000
"""More variants than a night on a large cluster plans: a range with a step too small, most likely."""

SettingPath = tuple[str | int, ...]


class _TextTimes(yaml.SafeLoader):
    """YAML scalars as the scenario loader reads them: timestamps stay text (pydantic parses them)."""


_TextTimes.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Vary:
    """One `--vary` option: the dotted key, where it sits in scenario.yaml, and its values in order."""

    key: str
    path: SettingPath
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Variant:
    """One point of the sweep: the value of every varied key, and the scenario.yaml it makes."""

    values: dict[str, Any]
    raw: dict


def read_raw(folder: Path) -> dict:
    """scenario.yaml as plain data (the scenario was already loaded and validated whole)."""
    data = yaml.load(read_text(folder / "scenario.yaml"), Loader=_TextTimes)  # noqa: S506 - a SafeLoader
    return data if isinstance(data, dict) else {}


def _problem(option: str, found: str, allowed: str) -> InputError:
    return InputError([Problem("command line", option, found, allowed)])


def split_values(text: str) -> list[str]:
    """V1,V2,... split at the commas outside brackets and quotes (a value may be a list: [8, 9])."""
    out, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur).strip())
    return out


_RANGE = re.compile(r"^\s*(-?[0-9.]+)\s*\.\.\s*(-?[0-9.]+)\s*(?::\s*(-?[0-9.]+))?\s*$")


def _number(text: str) -> Decimal:
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not d.is_finite():
        raise ValueError(text)
    return d


def range_values(text: str, option: str) -> list[Any] | None:
    """`a..b:step` (both ends included, step 1 when left out) as its numbers; None if not a range."""
    m = _RANGE.match(text)
    if not m:
        return None
    allowed = "a range a..b:step of numbers with a <= b and a step > 0 (e.g. 0..40:5)"
    try:
        a, b = _number(m[1]), _number(m[2])
        step = _number(m[3]) if m[3] is not None else Decimal(1)
    except ValueError:
        raise _problem(option, repr(text), allowed) from None
    if step <= 0:
        raise _problem(option, f"{text!r}: a step of {step}", allowed)
    if b < a:
        raise _problem(option, f"{text!r}: an empty range ({a} is above {b})", allowed)
    count = int((b - a) / step) + 1
    if count > MAX_VARIANTS:
        raise _problem(option, f"{text!r}: {count:,} values", f"at most {MAX_VARIANTS:,} values (a larger step)")
    whole = all(x == x.to_integral_value() for x in (a, step))
    return [int(a + k * step) if whole else float(a + k * step) for k in range(count)]


def scalar(text: str) -> Any:
    """One value as YAML reads it in scenario.yaml: 80000 a number, p50 text, true a yes, [8, 9] a list."""
    try:
        return yaml.load(text, Loader=_TextTimes)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError:
        return text


def parse_option(option: str) -> tuple[str, list[Any]]:
    """`KEY=V1,V2,...` or `KEY=a..b:step` as (key, values)."""
    key, eq, rest = option.partition("=")
    key = key.strip()
    shown = f"--vary {option}"
    if not eq or not key:
        raise _problem("--vary", repr(option), "KEY=V1,V2,... or KEY=a..b:step, e.g. solver.staffing_quantile=p50,p80,p90")
    if not rest.strip():
        raise _problem(shown, "no values", "at least one value after '=': V1,V2,... or a range a..b:step")
    values: list[Any] = []
    for part in split_values(rest):
        if not part:
            raise _problem(shown, f"an empty value in {rest!r}", "values separated by single commas")
        rng = range_values(part, shown)
        values += rng if rng is not None else [scalar(part)]
    return key, values


def _unwrap(tp: Any) -> Any:
    """The type a setting holds, without `| None` and `Annotated[...]` around it."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else (args[0] if len(args) == 1 else tp)
            if not models and len(args) != 1:
                return tp
        else:
            return tp


def _fields(model: type[BaseModel], prefix: str) -> str:
    return ", ".join(f"{prefix}{name}" for name in model.model_fields)


def resolve_key(key: str, raw: dict) -> SettingPath:
    """Where a dotted key sits in scenario.yaml, checked against the schema; InputError otherwise."""
    option = f"--vary {key}"
    tp: Any = ScenarioConfig
    node: Any = raw
    path: list[str | int] = []
    parts = key.split(".")
    for k, part in enumerate(parts):
        here = ".".join(parts[:k])
        prefix = f"{here}." if here else ""
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                raise _problem(option, f"no setting {part!r} in {here or 'scenario.yaml'}",
                               f"a scenario setting: {_fields(tp, prefix)}")
            tp = tp.model_fields[part].annotation
            path.append(part)
            node = node.get(part) if isinstance(node, dict) else None
        elif origin is dict:
            key_tp, tp = typing.get_args(tp)
            choices = list(typing.get_args(key_tp)) if typing.get_origin(key_tp) is typing.Literal else None
            have = list(node) if isinstance(node, dict) else []
            if part not in (choices if choices is not None else have):
                ids = ", ".join(f"{prefix}{c}" for c in (choices or have)) or "none in this scenario"
                raise _problem(option, f"no {part!r} in {here}", f"one of: {ids}" if choices else f"one of the scenario's ids: {ids}")
            path.append(part)
            node = node.get(part) if isinstance(node, dict) else None
        elif origin is list:
            (tp,) = typing.get_args(tp)
            items = node if isinstance(node, list) else []
            ids = [it.get("id") for it in items if isinstance(it, dict)]
            if part.isdigit() and int(part) < len(items):
                index = int(part)
            elif part in ids:
                index = ids.index(part)
            else:
                shown = ", ".join(f"{prefix}{i}" for i in ids if i) or f"{prefix}0 .. {prefix}{len(items) - 1}"
                raise _problem(option, f"no item {part!r} in {here}",
                               f"an item of the scenario's {here}: {shown}" if items else f"{here} is empty in this scenario")
            path.append(index)
            node = items[index]
        else:
            raise _problem(option, f"{here} is a single value, not a section", f"the setting {here} itself")
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        raise _problem(option, f"{key} is a section, not a setting", f"one of its settings: {_fields(tp, key + '.')}")
    return tuple(path)


def set_value(raw: dict, path: SettingPath, value: Any) -> dict:
    """A copy of scenario.yaml's data with the setting at `path` set (sections made when missing)."""
    out = copy.deepcopy(raw)
    node: Any = out
    for part, nxt in itertools.pairwise(path):
        if isinstance(part, int):
            node = node[part]
        else:
            if not isinstance(node.get(part), dict | list):
                node[part] = [] if isinstance(nxt, int) else {}
            node = node[part]
    node[path[-1]] = value
    return out


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def _refusal(err: dict, varies: list[Vary], values: dict[str, Any]) -> Problem:
    """A schema error of one variant, put on the `--vary` option whose setting it is about."""
    loc = tuple(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError):  # a check between settings names the one it is about
        loc, msg = loc + tuple(cause.loc), str(cause)
    for v in varies:
        n = len(v.path)
        if loc[:n] == v.path or v.path[: len(loc)] == loc:
            return Problem("command line", f"--vary {v.key}", repr(values[v.key]), msg)
    where = ".".join(str(p) for p in loc) or "scenario.yaml"
    combo = ", ".join(f"{k}={_shown(x)}" for k, x in values.items())
    return Problem("command line", "--vary", combo, f"{where}: {msg}")


def make_variants(raw: dict, options: list[str]) -> tuple[list[Vary], list[Variant]]:
    """The variants the `--vary` options ask for, every one valid by the schema (else InputError
    listing every refused value; nothing has run yet)."""
    if not options:
        raise _problem("--vary", "no --vary option", "at least one --vary KEY=V1,V2,... (e.g. solver.staffing_quantile=p50,p80,p90)")
    varies: list[Vary] = []
    for opt in options:
        key, values = parse_option(opt)
        if any(v.key == key for v in varies):
            raise _problem(f"--vary {key}", "the same key twice", "each key once, with all its values: KEY=V1,V2,...")
        varies.append(Vary(key, resolve_key(key, raw), tuple(values)))
    count = math.prod(len(v.values) for v in varies)
    if count > MAX_VARIANTS:
        raise _problem("--vary", f"{count:,} variants", f"at most {MAX_VARIANTS:,} variants in one sweep")
    variants, problems, seen = [], [], set()
    for combo in itertools.product(*(v.values for v in varies)):
        values = {v.key: x for v, x in zip(varies, combo, strict=True)}
        data = raw
        for v, x in zip(varies, combo, strict=True):
            data = set_value(data, v.path, x)
        try:
            ScenarioConfig.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                p = _refusal(err, varies, values)
                if (p.field, p.found, p.allowed) not in seen:
                    seen.add((p.field, p.found, p.allowed))
                    problems.append(p)
            continue
        variants.append(Variant(values, data))
    if problems:
        raise InputError(problems)
    return varies, variants


_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


def folder_name(values: dict[str, Any]) -> str:
    """A variant's plan folder, named by its values (so a rerun finds it whatever the order of
    the sweep): `solver.staffing_quantile=p50__economics.gmv_target_yuan=300000`."""
    parts = [f"{k}={_shown(v)}" for k, v in values.items()]
    name = _UNSAFE.sub("_", "__".join(parts)).strip("._") or "variant"
    return name if len(name) <= 150 else name[:150]


def variant_yaml(variant: Variant, source: str) -> str:
    """The variant's scenario.yaml: the source's settings with the varied ones set."""
    head = f"# {source}, varied by scheduler sweep: " + ", ".join(f"{k}={_shown(v)}" for k, v in variant.values.items())
    return head.replace("\n", " ") + "\n" + yaml.safe_dump(variant.raw, allow_unicode=True, sort_keys=False)
