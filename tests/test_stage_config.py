import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest

from recode.config import ConfigError, StageConfig


@dataclass
class Example(StageConfig):
    name: str = "x"
    steps: int = 3
    lr: float = 1e-4
    flag: bool = False
    limit: int | None = None
    tasks: list[str] = field(default_factory=lambda: ["mbpp-train"])
    since: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.steps < 1:
            raise ConfigError("steps: must be at least 1")


def test_yaml_file_then_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("steps: 5\nlr: 1e-6\ntasks: [a, b]\nsince: 2024-08-01\noptions: {batch_size: 4}\n")
    cfg = Example.load(path, ["flag=true", "limit=10", "options.port=8000", "tasks=c,d"])
    assert (cfg.steps, cfg.lr, cfg.flag, cfg.limit) == (5, 1e-6, True, 10)
    assert cfg.tasks == ["c", "d"] and cfg.since == datetime.date(2024, 8, 1).isoformat()
    assert cfg.options == {"batch_size": 4, "port": 8000}
    assert Example.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("data, message", [
    ({"stepz": 1}, "unknown key.*stepz.*known keys"),
    ({"steps": "many"}, "steps must be int"),
    ({"steps": True}, "steps must be int"),
    ({"name": None}, "name may not be null"),
    ({"tasks": 3}, "tasks must be a list"),
    ({"options": [1]}, "options must be a mapping"),
    ({"steps": 0}, "steps: must be at least 1"),
])
def test_bad_values_name_the_key(data, message):
    with pytest.raises(ConfigError, match=message):
        Example.from_dict(data, "c.yaml")


def test_bad_files_and_overrides(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        Example.load(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("steps: [1\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        Example.load(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        Example.load(tmp_path / "list.yaml")
    with pytest.raises(ConfigError, match="expected key=value"):
        Example.load(None, ["steps"])
    with pytest.raises(ConfigError, match="name is not a mapping"):
        Example.load(None, ["name=x", "name.sub=1"])
