"""The config's schema (``schema.yaml`` beside this module): its only validator of keys, types, ranges
and choices, with one readable line per error, and the choices other modules read from its enums."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import jsonschema
import yaml


class ConfigError(ValueError):
    """A configuration value is missing, unknown, of the wrong type or range, or at odds with another.
    ``keys``: the dotted keys the message names, so that a caller can say which file set them."""

    def __init__(self, message: str, keys: Iterable[str] = ()):
        super().__init__(message)
        self.keys = tuple(keys)

    def in_file(self, path: str | Path) -> ConfigError:
        return ConfigError(f"{path}: {self}", self.keys)


# ---------------------------------------------------------------------------------------------- the schema

SCHEMA: dict = yaml.load(
    resources.files(__package__).joinpath("schema.yaml").read_text(encoding="utf-8"),
    Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
)
# An integer key takes an int: JSON Schema would also take 2.0, which `range` and tensor sizes do not.
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)


def _node(pointer: str) -> dict:
    """The schema node at a JSON pointer (``/properties/synthetic``), references followed."""
    node = SCHEMA
    for part in filter(None, pointer.split("/")):
        node = node[part]
        while "$ref" in node:
            node = _node(node["$ref"].removeprefix("#"))
    return node


@functools.cache
def _validator(pointer: str):
    """A validator of the subtree at ``pointer`` (the whole config for ""); its ``$ref``s resolve in ``$defs``."""
    node = SCHEMA
    for part in filter(None, pointer.split("/")):
        node = node[part]
    return _Validator({**node, "$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"]})


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")


def _key(prefix: str, path: Iterable = ()) -> str:
    """``synthetic.strategies[0].name`` from the prefix ``synthetic.`` and the path (strategies, 0, name).
    A name of other characters (a space, a dot, a line break) shows quoted, ``poems['a\\n']``, so that the
    key stays on one line and seqgan.config._sets can find it again."""
    key = prefix.rstrip(".")
    for part in path:
        if isinstance(part, int):
            key += f"[{part}]"
        elif not _PLAIN_NAME.fullmatch(str(part)):
            key += f"[{str(part)!r}]"
        else:
            key += f".{part}" if key else str(part)
    return key or "(top level)"


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_finite(value, prefix: str, path: tuple = ()) -> None:
    """JSON Schema's bounds let NaN through (every comparison with it is false): refuse it, and infinities."""
    if isinstance(value, float) and not math.isfinite(value):
        key = _key(prefix, path)
        raise ConfigError(f"config key '{key}': must be a finite number, got {value}", [key])
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for name, item in items:
        _check_finite(item, prefix, (*path, name))


_NO_FINAL_NEWLINE = "(?!.*\\n)"  # the patterns' guard: Python's $ also matches before a final newline
_TYPES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}
_EXPECTED = {
    "type": lambda types: "expected " + " or ".join(_TYPES[t] for t in ([types] if isinstance(types, str) else types)),
    "minimum": lambda bound: f"must be >= {bound}",
    "exclusiveMinimum": lambda bound: f"must be > {bound}",
    "maximum": lambda bound: f"must be <= {bound}",
    "exclusiveMaximum": lambda bound: f"must be < {bound}",
    "enum": lambda choices: f"expected one of: {', '.join(map(str, choices))}",
    "const": lambda value: f"must be {value!r}",
    "minItems": lambda n: f"needs at least {n} {'entry' if n == 1 else 'entries'}",
    "maxItems": lambda n: f"needs at most {n} {'entry' if n == 1 else 'entries'}",
    "uniqueItems": lambda _: "needs unique entries",
    "contains": lambda item: f"must contain {item['const']!r}" if "const" in item else "is missing a required entry",
    # The guard against a final newline (see schema.yaml) is the regex dialect's business, not the reader's.
    "pattern": lambda pattern: "must match " + pattern.replace(_NO_FINAL_NEWLINE, ""),
    "minLength": lambda n: f"needs at least {n} character{'' if n == 1 else 's'}",
}


def _readable(error: jsonschema.ValidationError, prefix: str) -> ConfigError:
    """One line from a jsonschema error: the dotted key, what was expected, the value."""
    path, value = tuple(error.absolute_path), error.instance
    if error.validator == "required":
        key = _key(prefix, (*path, next(k for k in error.validator_value if k not in value)))
        return ConfigError(f"missing config key '{key}'", [key])
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        key = _key(prefix, (*path, min((k for k in value if k not in known), key=str)))
        return ConfigError(f"unknown config key '{key}' (expected one of: {', '.join(known)})", [key])
    key = _key(prefix, path)
    if isinstance(value, float) and not math.isfinite(value) and error.validator != "type":
        expected = "must be a finite number"  # an infinity beyond a bound: say what is wrong with it
    else:
        expected = _EXPECTED.get(error.validator, lambda _: error.message)(error.validator_value)
    return ConfigError(f"config key '{key}': {expected}, got {_show(value)}", [key])


def _validate(data, pointer: str, prefix: str) -> None:
    """Check ``data`` against the schema node at ``pointer``; an error names the key ``prefix`` + its path.
    The schema first, so that an error names a key it knows (NaN inside a mapping given where a string is
    due is that key's type error); then NaN and infinities, which its number bounds let through."""
    error = jsonschema.exceptions.best_match(_validator(pointer).iter_errors(data))
    if error is not None:
        raise _readable(error, prefix)
    _check_finite(data, prefix)


def _enum(pointer: str) -> tuple[str, ...]:
    return tuple(_node(pointer)["enum"])


_SYNTHETIC = "/properties/synthetic/properties"
METHODS = _enum(f"{_SYNTHETIC}/methods/items")  # Table 1 rows
RANDOM_DEFINITIONS = _enum(f"{_SYNTHETIC}/random/items")  # what "Random" means (the paper does not say)
# The discriminator's precision: auto resolves per device when a job starts (seqgan/device.py).
PRECISIONS = _enum("/$defs/precision")
SMOOTHINGS = _enum("/$defs/smoothing")  # nltk SmoothingFunction methods (seqgan.metrics.bleu implements them)
