"""Runs the stages in order, each into its own folder; a stage whose manifest exists is skipped on a rerun.

A stage's `manifest.json` is written last (with the stage's own summary and its time), so its presence means the
stage finished. A killed stage runs again and picks up its own resumable state (generation caches, checkpoints).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from recode.io import write_json
from recode.quickstart.config import QuickstartConfig


@dataclass
class Stage:
    name: str
    title: str  # what the stage does, one line
    run: Callable[[QuickstartConfig, Path, Console], dict]  # (config, run dir, console) -> summary of its outputs
    describe: Callable[[dict], str]  # summary -> the line printed when the stage is done


def manifest_path(run_dir: Path, stage: str) -> Path:
    return run_dir / stage / "manifest.json"


def read_manifest(run_dir: Path, stage: str) -> dict | None:
    path = manifest_path(run_dir, stage)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def run_stages(cfg: QuickstartConfig, stages: list[Stage], console: Console, redo: tuple[str, ...] = ()) -> dict:
    """Run (or skip) every stage; returns {stage: manifest}. `redo`: stages to run again even if finished."""
    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / "config.json", cfg.to_dict())
    unknown = sorted(set(redo) - {s.name for s in stages})
    if unknown:
        raise ValueError(f"--redo: unknown stage(s) {', '.join(unknown)}; stages: {', '.join(s.name for s in stages)}")
    manifests: dict[str, dict] = {}
    for i, stage in enumerate(stages, 1):
        head = f"[{i}/{len(stages)}] {stage.name}"
        done = read_manifest(run_dir, stage.name)
        if done is not None and stage.name not in redo:
            console.print(f"{head}: done before ({done['seconds']:.0f} s), skipped: {stage.describe(done['summary'])}")
            manifests[stage.name] = done
            continue
        folder = run_dir / stage.name
        if stage.name in redo and folder.exists():
            shutil.rmtree(folder)
        # A stage cut short keeps its folder: generation caches and checkpoints let it continue where it stopped.
        folder.mkdir(parents=True, exist_ok=True)
        console.rule(f"{head}: {stage.title}")
        started = time.time()
        summary = stage.run(cfg, run_dir, console)
        manifest = {"stage": stage.name, "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
                    "seconds": round(time.time() - started, 1), "summary": summary}
        write_json(manifest_path(run_dir, stage.name), manifest)
        manifests[stage.name] = manifest
        console.print(f"{head}: done in {manifest['seconds']:.0f} s: {stage.describe(summary)}")
    return manifests
