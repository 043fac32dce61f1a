"""Loading the YAML files under config/ (dataset ids, variables, regions, thresholds).

Every file with a model in ``ocean_assets.config_models`` is validated here, the single loading
point: readers get checked values with every default filled in, and a bad value is refused with
one line naming the file, the key path and the allowed range.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from ocean_assets.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


class ConfigError(ValueError):
    """A config file is missing or malformed; the message names the file and the key."""


def display_path(path: Path) -> str:
    """``config/ocean.yaml`` for the project's own files, the full path otherwise."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def validate(name: str, data: Any, where: str | None = None) -> dict[str, Any]:
    """``data`` checked against the model of ``config/{name}.yaml``, as a plain mapping with every
    default filled in; a file without a model comes back unchanged. ConfigError: one line."""
    from ocean_assets.config_models import MODELS

    where = where or f"config/{name}.yaml"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: top level must be a mapping")
    model = MODELS.get(name)
    if model is None:
        return data
    return parse(model, data, where).model_dump(by_alias=True)


def parse(model: type[M], data: Any, where: str, prefix: tuple[str, ...] = ()) -> M:
    """``data`` as a ``model`` instance; ConfigError naming ``where``, the key (below ``prefix``,
    the section ``data`` came from) and the range."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(error_line(where, exc, model.model_json_schema(by_alias=True), prefix)) from None


@lru_cache(maxsize=32)
def _load(path: Path, mtime: float, name: str) -> dict[str, Any]:
    with path.open() as fh:
        data = yaml.safe_load(fh) or {}
    return validate(name, data, display_path(path))


def load_config(name: str, config_dir: Path | None = None) -> dict[str, Any]:
    """Load and validate ``config/{name}.yaml``; cached until the file changes."""
    directory = config_dir or get_settings().config_dir
    path = Path(directory) / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    return _load(path, path.stat().st_mtime, name)


def check_all(config_dir: Path | None = None) -> None:
    """Validate every config file that has a model (missing files are left to their readers)."""
    from ocean_assets.config_models import MODELS

    directory = Path(config_dir or get_settings().config_dir)
    for name in MODELS:
        if (directory / f"{name}.yaml").exists():
            load_config(name, directory)


def yaml_error_line(exc: Any) -> str:
    """One line for a YAML syntax error: file, line, column and the parser's complaint."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "YAML"
    problem = getattr(exc, "problem", None) or type(exc).__name__
    context = getattr(exc, "context", None)
    return " ".join(f"{where}: malformed YAML: {problem}{f' ({context})' if context else ''}".split())


def require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise ConfigError(f"{where}: missing key {key!r}")
    return mapping[key]


# --- one line per validation error -----------------------------------------------------------

def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref / allOf and drop the null branch of an optional value."""
    while True:
        if "$ref" in node:
            node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
        elif len(node.get("allOf", ())) == 1:
            node = {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}
        elif "anyOf" in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"]
            if len(options) != 1:
                return node
            node = {**options[0], **{k: v for k, v in node.items() if k != "anyOf"}}
        else:
            return node


def schema_at(schema: dict[str, Any], loc: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON-schema node of a key path and of its parent ({} when the path leaves the schema)."""
    defs = schema.get("$defs", {})
    parent: dict[str, Any] = {}
    node = _resolve(schema, defs)
    for part in loc:
        if part == "[key]":
            return parent, _resolve(parent.get("propertyNames", {}), defs)
        if isinstance(part, int):
            items = node.get("prefixItems")
            child = items[part] if items and part < len(items) else node.get("items", {})
        elif part in node.get("properties", {}):
            child = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            child = node["additionalProperties"]
        else:
            return node, {}
        parent, node = node, _resolve(child, defs)
    return parent, node


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def allowed(node: dict[str, Any]) -> str:
    """The allowed values of a schema node in words ('' when unconstrained)."""
    if "enum" in node or "const" in node:
        return "one of " + ", ".join(str(v) for v in node.get("enum", [node.get("const")]))
    lo, hi = node.get("minimum"), node.get("maximum")
    xlo, xhi = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    if lo is not None and hi is not None:
        return f"between {_num(lo)} and {_num(hi)}"
    parts = [f">= {_num(lo)}" if lo is not None else "", f"> {_num(xlo)}" if xlo is not None else "",
             f"<= {_num(hi)}" if hi is not None else "", f"< {_num(xhi)}" if xhi is not None else ""]
    if any(parts):
        return " and ".join(p for p in parts if p)
    if "pattern" in node:
        return f"text matching {node['pattern']}"
    if "minItems" in node:
        return f"at least {node['minItems']} item(s)"
    if "minProperties" in node:
        return f"at least {node['minProperties']} entry(ies)"
    return ""


def key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


_KINDS = {"float": "a number", "int": "an integer", "bool": "true or false", "string_type": "text",
          "dict": "a mapping", "model": "a mapping", "list": "a list", "tuple": "a list", "date": "a date (YYYY-MM-DD)"}


def error_line(where: str, exc: Any, schema: dict[str, Any], prefix: tuple[str, ...] = ()) -> str:
    """The first validation error as ``file: key.path = value: must be ...`` (+ how many more)."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc, kind = tuple(err["loc"]), err["type"]
    path = key_path(prefix + loc) or "(top level)"
    parent, node = schema_at(schema, loc)
    words = allowed(node)
    if kind == "missing":
        line = f"{where}: {path}: " + ("missing item" if isinstance(loc[-1], int) else "required key missing")
    elif kind == "extra_forbidden":
        known = ", ".join(parent.get("properties", {}))
        line = f"{where}: {path}: unknown key" + (f" (allowed: {known})" if known else "")
    elif loc and loc[-1] == "[key]":
        line = f"{where}: {path}: unknown name" + (f"; must be {words}" if words else f" ({err['msg']})")
    elif kind in ("value_error", "assertion_error"):
        line = f"{where}: {path}: {err['msg'].removeprefix('Value error, ')}"
    else:
        kind_word = next((w for prefix, w in _KINDS.items() if kind.startswith(prefix)), None)
        if kind_word is None:
            what = f"must be {words}" if words else err["msg"][:1].lower() + err["msg"][1:]
        else:
            what = f"must be {kind_word}" + (f" {words}" if words else "")
        line = f"{where}: {path} = {_show(err.get('input'))}: {what}"
    more = len(errors) - 1
    return line + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")
