"""scenario.yaml read safely: UTF-8 text, YAML without object tags or repeated keys, and
validation problems that name the setting and its line.
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    ValidationError,
)

from scheduler.errors import InputError, Problem
from scheduler.scenario.schema import MAX_FILE_BYTES, FieldError, ScenarioConfig


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that keeps timestamps as text (pydantic parses them and insists on an offset)."""


_StrictLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping_no_dupes(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: list[Any] = []
    for knode, _ in node.value:
        k = loader.construct_object(knode, deep=deep)
        try:
            dupe = k in seen
        except Exception:  # noqa: BLE001 - an odd key; construct_mapping below says what is wrong
            dupe = False
        if dupe:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {short_repr(k)}", knode.start_mark
            )
        seen.append(k)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_no_dupes)


def read_text(path: Path, label: str | None = None) -> str:
    """Read a text file as UTF-8 (with or without the BOM Excel writes); say so clearly if not."""
    label = label or path.name
    try:
        if not path.exists():
            raise InputError([Problem(label, "(file)", "no such file", f"an existing file at {path}")])
        if not path.is_file():
            raise InputError([Problem(label, "(file)", "a folder or special file", "a regular file")])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                [Problem(label, "(file)", f"{size / 2**20:.0f} MiB", f"at most {MAX_FILE_BYTES // 2**20} MiB")]
            )
        data = path.read_bytes()
    except OSError as exc:  # unreadable: permissions, a name too long, ...
        raise InputError([Problem(label, "(file)", str(exc.strerror or exc), f"a readable file at {path}")]) from None
    resave = "UTF-8; in Excel use Save As > 'CSV UTF-8 (comma delimited)', in an editor save as UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            [Problem(label, "(encoding)", "UTF-16 text (Excel's 'Unicode Text')", resave, 1)]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = "bytes that are not UTF-8"
        try:
            data.decode("gbk")
            hint = "GBK/GB2312 text (Excel's default for Chinese)"
        except UnicodeDecodeError:
            pass
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(label, "(encoding)", f"{hint} at byte {exc.start}", resave, line)]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError([Problem(label, "(encoding)", "NUL bytes (a binary or UTF-16 file?)", "UTF-8 text", line)])
    return text


def _loc_to_field(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 3


def short_repr(value: Any) -> str:
    """repr that stays short (YAML aliases can make a value with a billion leaves)."""
    return _REPR.repr(value)


def yaml_line(root: yaml.Node | None, loc: tuple) -> int | None:
    """The line (1-based) in the YAML text of the setting at `loc`, or of its nearest parent there."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            hit = None
            for k, v in node.value:  # the last match wins, as in the loaded mapping (merge keys come first)
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    hit = (k, v)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _pydantic_problems(
    exc: ValidationError, file: str, row: int | None = None, prefix: str = "", root: yaml.Node | None = None
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc_t = tuple(err["loc"])
        found = short_repr(err.get("input"))
        allowed = err["msg"]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            loc_t += cause.loc
            found, allowed = short_repr(cause.found), str(cause)
        elif err["type"] == "value_error" and allowed.startswith("Value error, "):
            allowed = allowed[len("Value error, "):]
        if err["type"] == "missing":
            found = "nothing (field missing)"
        if err["type"] == "extra_forbidden":
            allowed = "no such field here (check the spelling against the template: scheduler init)"
        loc = _loc_to_field(loc_t)
        fieldname = f"{prefix}{loc}" if prefix else loc
        line = row if row is not None else yaml_line(root, loc_t)
        problems.append(Problem(file, fieldname, found, allowed, line))
    return problems


def _parse_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Safe YAML: (data, node tree for line numbers). Tags that would construct objects are refused."""
    text = read_text(path, path.name)
    loader = None
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
        raw = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        row = mark.line + 1 if mark is not None else None
        if isinstance(exc, yaml.reader.ReaderError):
            row = text.count("\n", 0, exc.position) + 1
        what = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        what = str(what).removeprefix("found ")
        raise InputError(
            [Problem(path.name, "(YAML syntax)", str(what), "valid YAML (plain values, no tags)", row)]
        ) from None
    except RecursionError:
        raise InputError(
            [Problem(path.name, "(YAML syntax)", "values nested too deeply", "settings nested a few levels deep")]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return raw, node


def parse_config(path: Path) -> tuple[ScenarioConfig, yaml.Node | None]:
    raw, node = _parse_yaml(path)
    if not isinstance(raw, dict):
        found = "an empty file" if raw is None else f"a {type(raw).__name__} ({short_repr(raw)})"
        raise InputError(
            [Problem(path.name, "(top level)", found, "a mapping of settings, name: ..., horizon: ... (see scheduler init)", 1)]
        )
    try:
        return ScenarioConfig.model_validate(raw), node
    except ValidationError as exc:
        raise InputError(_pydantic_problems(exc, path.name, root=node)) from None


def load_config(path: Path) -> ScenarioConfig:
    """Parse scenario.yaml safely (no object-constructing tags) and validate it."""
    return parse_config(path)[0]



def without_setting(text: str, key: str) -> str:
    """scenario.yaml's text without one top-level setting (its lines cut, every other line and
    comment kept as written); a flow-style document is written anew without it."""
    root = yaml.compose(text, Loader=_StrictLoader)
    if not isinstance(root, yaml.MappingNode):
        return text
    for k, v in root.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            if root.flow_style:
                data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a safe loader (timestamps kept as text)
                data.pop(key, None)
                return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
            lines = text.splitlines(keepends=True)
            first = k.start_mark.line
            last = v.end_mark.line if v.end_mark.column > 0 else v.end_mark.line - 1
            return "".join(lines[:first] + lines[last + 1:])
    return text
