"""The hacking monitor on synthetic metric series, and its stop action inside a trainer's control flow."""

from __future__ import annotations

import json

from recode.train.monitor import LENGTH_KEY, PASS_KEY, PROC_KEY, HackingMonitor, make_monitor_callback


def feed(monitor, procs, passes, lengths=None):
    started = []
    for step, (proc, pass_rate) in enumerate(zip(procs, passes), start=1):
        metrics = {PROC_KEY: proc, PASS_KEY: pass_rate, LENGTH_KEY: (lengths or [100] * len(procs))[step - 1]}
        started += [(step, s["signal"]) for s in monitor.update(step, metrics)]
    return started


def test_rising_proc_with_flat_pass_rate_warns_once():
    monitor = HackingMonitor(window=4, proc_rise=0.05)
    started = feed(monitor, [0.2, 0.2, 0.3, 0.4, 0.5, 0.6], [0.3, 0.3, 0.3, 0.29, 0.3, 0.28])
    assert started == [(4, "proc_up_pass_flat")]  # once, while it lasts


def test_rising_proc_with_rising_pass_rate_is_learning():
    assert feed(HackingMonitor(window=4), [0.2, 0.3, 0.4, 0.5, 0.6], [0.1, 0.2, 0.3, 0.4, 0.5]) == []


def test_runs_without_process_reward_are_not_judged():
    assert feed(HackingMonitor(window=2), [None] * 4, [0.1, 0.1, 0.1, 0.1]) == []


def test_length_explosion():
    started = feed(HackingMonitor(window=4, length_factor=3.0), [0.5] * 6, [0.5] * 6, [50, 50, 60, 120, 200, 400])
    assert started == [(5, "length_explosion")]


class _State:
    def __init__(self, step):
        self.global_step, self.is_world_process_zero = step, True


class _Control:
    should_training_stop = should_save = False


def test_stop_action_saves_and_stops(tmp_path):
    callback = make_monitor_callback(HackingMonitor(window=2), tmp_path, action="stop")
    control = _Control()
    for step, (proc, pass_rate) in enumerate([(0.1, 0.5), (0.9, 0.5)], start=1):
        callback.on_log(None, _State(step), control, logs={"loss": 0.0, PROC_KEY: proc, PASS_KEY: pass_rate})
    assert control.should_training_stop and control.should_save
    record = json.loads((tmp_path / "monitor.jsonl").read_text().splitlines()[0])
    assert record["step"] == 2 and record["signal"] == "proc_up_pass_flat" and record["action"] == "stop"
    assert callback.stopped_by == record
