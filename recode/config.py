"""Stage configs: one flat dataclass per stage, loadable from YAML, overridable with `key=value`, every key checked.

    @dataclass
    class SynthConfig(StageConfig):
        tasks: list[str] = field(default_factory=lambda: ["mbpp-train"])
        seed_samples: int = 4

    SynthConfig.load("configs/synth/cpu.yaml", overrides=["seed_samples=8", "generator_options.batch_size=16"])

Unknown keys and wrongly typed values raise `ConfigError` naming the file and the key, so a typo never falls
back to a default silently. Values of overrides are YAML (`dimensions=[logical_rigor]`); a dotted key
(`reward.scorer=hf`) sets one entry of a mapping field. Subclasses check their own rules in `validate`.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, get_args, get_origin, get_type_hints

import yaml


class ConfigError(ValueError):
    """A configuration that cannot work; the message names the file and the key to fix."""


def _scalar(key: str, value: Any, allowed: list, where: str) -> Any:
    for t in allowed:
        if t is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if t is float and isinstance(value, str):  # YAML 1.1 reads `1e-6` (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
        if t is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if t is bool and isinstance(value, bool):
            return value
        if t is str and isinstance(value, str):
            return value
        if t is str and hasattr(value, "isoformat"):  # YAML reads 2024-08-01 as a date: keep it as text
            return value.isoformat()
        if t is str and isinstance(value, (int, float)) and not isinstance(value, bool):  # `version: 1`
            return str(value)
    names = " or ".join(getattr(t, "__name__", str(t)) for t in allowed)
    raise ConfigError(f"{where}: {key} must be {names}, got {value!r}")


def coerce(key: str, value: Any, hint: Any, where: str) -> Any:
    """Check a YAML value against a field's annotation: scalars, `X | None`, `list[X]` and `dict[str, X]`."""
    origin = get_origin(hint)
    if origin is list:
        if isinstance(value, str) and get_args(hint) == (str,):  # `--set dims=a,b` as well as `[a, b]`
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise ConfigError(f"{where}: {key} must be a list, got {value!r}")
        (item,) = get_args(hint)
        return [coerce(f"{key}[{i}]", v, item, where) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {key} must be a mapping, got {value!r}")
        return dict(value)
    allowed = list(get_args(hint)) if origin is not None else [hint]
    if value is None:
        if type(None) in allowed:
            return None
        raise ConfigError(f"{where}: {key} may not be null")
    nested = [t for t in allowed if get_origin(t) in (list, dict)]
    if nested:  # `list[str] | None` and the like
        return coerce(key, value, nested[0], where)
    return _scalar(key, value, [t for t in allowed if t is not type(None)], where)


def read_yaml(path: str | os.PathLike) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values, got {type(data).__name__}")
    return data


def apply_overrides(data: dict[str, Any], overrides: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """`key=value` (a YAML value) into a copy of `data`; `field.key=value` sets one entry of a mapping field."""
    data = dict(data)
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"override {item!r}: expected key=value")
        parsed = yaml.safe_load(value) if value.strip() else None
        head, dot, sub = key.partition(".")
        if dot:
            if data.get(head) is not None and not isinstance(data[head], dict):
                raise ConfigError(f"override {item!r}: {head} is not a mapping")
            data[head] = {**(data.get(head) or {}), sub: parsed}
        else:
            data[key] = parsed
    return data


class StageConfig:
    """from_dict / load / to_dict for a config dataclass. Subclasses are dataclasses; they may define `validate`
    (called after construction) and `prepare(data, path)` (adjusts the raw mapping read from a file)."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        pass

    @classmethod
    def prepare(cls, data: dict[str, Any], path: str | os.PathLike | None) -> dict[str, Any]:
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str | None = None):
        where = where or cls.__name__
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a mapping of keys to values, got {type(data).__name__}")
        hints = get_type_hints(cls)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
        return cls(**{k: coerce(k, v, hints[k], where) for k, v in data.items()})

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, overrides: list[str] | tuple[str, ...] = ()):
        """Read a YAML file (or start from the defaults), then apply `key=value` overrides."""
        data = cls.prepare(read_yaml(path), path) if path is not None else {}
        return cls.from_dict(apply_overrides(data, overrides), str(path) if path else None)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
