"""The hacking monitor: reward hacking made visible while the run goes, not after.

Two signals, checked after every step over the last `window` steps (first half against second half):
- **proc_up_pass_flat**: the mean R_proc (`reward/proc_mean_scored`) rose by at least `proc_rise` while the
  pass rate changed by at most `pass_tolerance`: the policy is learning to please the reasoning RM, not to
  solve the task (what an ungated R_proc invites);
- **length_explosion**: the mean reasoning length (`reward/reasoning_words_mean`) of the latest half-window is
  more than `length_factor` times that of the run's first half-window.

Each signal warns once when it starts (again only after it has cleared), writes a record to monitor.jsonl
and, with action `stop`, ends the run after saving a checkpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

PROC_KEY, PASS_KEY, LENGTH_KEY = "reward/proc_mean_scored", "reward/pass_rate", "reward/reasoning_words_mean"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


@dataclass
class HackingMonitor:
    """Feed it each step's metrics with `update`; it returns the signals that just started."""

    window: int = 20
    proc_rise: float = 0.05
    pass_tolerance: float = 0.0
    length_factor: float = 3.0
    history: list[dict] = field(default_factory=list)
    active: set[str] = field(default_factory=set)

    def update(self, step: int, metrics: dict) -> list[dict]:
        self.history.append({"step": step, **{k: metrics.get(k) for k in (PROC_KEY, PASS_KEY, LENGTH_KEY)}})
        found = {s["signal"]: s for s in self.check()}
        started = [s for name, s in found.items() if name not in self.active]
        self.active = set(found)
        return started

    def _series(self, key: str, records: list[dict]) -> list[float] | None:
        values = [r[key] for r in records if r.get(key) is not None]
        return values if len(values) == len(records) else None

    def check(self) -> list[dict]:
        """The signals present now (see the module docstring)."""
        if len(self.history) < self.window:
            return []
        recent, half = self.history[-self.window:], self.window // 2
        first, second = recent[:half], recent[half:]
        signals = []
        proc1, proc2 = self._series(PROC_KEY, first), self._series(PROC_KEY, second)
        pass1, pass2 = self._series(PASS_KEY, first), self._series(PASS_KEY, second)
        if proc1 and proc2 and pass1 and pass2:
            d_proc, d_pass = _mean(proc2) - _mean(proc1), _mean(pass2) - _mean(pass1)
            if d_proc >= self.proc_rise and d_pass <= self.pass_tolerance:
                signals.append({"signal": "proc_up_pass_flat", "proc_change": d_proc, "pass_change": d_pass,
                                "message": f"R_proc rose by {d_proc:+.3f} over the last {self.window} steps while "
                                           f"the pass rate changed by {d_pass:+.3f}: possible reward hacking"})
        base = self._series(LENGTH_KEY, self.history[:half])
        latest = self._series(LENGTH_KEY, second)
        if base and latest and _mean(base) > 0 and _mean(latest) > self.length_factor * _mean(base):
            signals.append({"signal": "length_explosion", "baseline_words": _mean(base),
                            "recent_words": _mean(latest),
                            "message": f"reasoning length {_mean(latest):.0f} words is over "
                                       f"{self.length_factor:g}x its start ({_mean(base):.0f} words)"})
        return signals


def make_monitor_callback(monitor: HackingMonitor, run_dir: str | Path, action: str = "warn", console=None):
    """A TrainerCallback running `monitor` on each training log; `action` stop ends the run (with a checkpoint)."""
    from rich.console import Console
    from transformers import TrainerCallback

    console = console or Console(stderr=True)
    path = Path(run_dir) / "monitor.jsonl"

    class MonitorCallback(TrainerCallback):
        def __init__(self):
            self.monitor, self.stopped_by = monitor, None

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or "loss" not in logs or any(k.startswith("eval_") for k in logs):
                return
            for signal in self.monitor.update(state.global_step, logs):
                record = {"step": state.global_step, "action": action, **signal}
                if state.is_world_process_zero:
                    with path.open("a", encoding="utf-8") as f:
                        f.write(json.dumps(record) + "\n")
                    console.print(f"[bold yellow]hacking monitor, step {state.global_step}:[/] {signal['message']}"
                                  + (" -- stopping the run" if action == "stop" else ""), soft_wrap=True)
                if action == "stop":
                    self.stopped_by = record
                    control.should_training_stop = True
                    control.should_save = True
            return control

    return MonitorCallback()
