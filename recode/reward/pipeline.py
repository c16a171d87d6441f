"""The reward pipeline: completions in, `RewardParts` out. Every trainer adapter calls `RewardPipeline.score`.

For a batch of rollouts it
1. parses each completion (recode/text.py): R_fmt, the reasoning, the code or final answer;
2. verifies: code in the sandbox (many programs at once), math with math-verify in its own thread;
3. scores the reasoning with the process scorer, only for rollouts whose gate is open (plus an optional
   monitoring sample of closed ones), batched in a thread of its own. When overlapping (`overlap`: always,
   or auto with a scorer that does not need the CPU the sandbox uses: an RM on a GPU or behind a server), the
   sandbox runs the rollouts in `overlap_chunks` batches and the scorer starts on each batch's passing
   rollouts while the sandbox runs the next one (gate `none` needs no verdict, so scoring starts at once);
   otherwise the scorer runs once, after the sandbox, on everything at once (on a 2-core CPU a CPU RM and the
   sandbox only slow each other down: see BENCHMARKS.md);
4. maps raw scores to R_proc in [0, 1] and combines: R = R_fmt + R_out + w * gate * R_proc (parts.py).

A rollout whose gate is open but whose reasoning is empty gets R_proc = 0 without an RM call: there is nothing
to score. Scorer and sandbox failures raise; they are never turned into rewards.
"""

from __future__ import annotations

import queue
import threading
import time
import zlib
from dataclasses import dataclass

from recode.reward.config import RewardConfig
from recode.reward.parts import RewardParts, gate_value, summarize, total_reward
from recode.reward.scorers import Scorer, ScorerError, build_scorer, to_unit
from recode.reward.verifiers import VERIFIERS, Verdict
from recode.sandbox import SandboxPool
from recode.tasks import Task
from recode.text import Parsed, parse_completion


@dataclass
class Rollout:
    task: Task
    completion: str
    group: str | None = None  # rollouts ranked together by rank/minmax mappings; default: the task id
    proc_raw: float | None = None  # a raw process score computed elsewhere (verl's RM worker): no scorer call


@dataclass
class RewardBatch:
    parts: list[RewardParts]
    timings: dict[str, float]  # seconds per stage (overlapping stages add up to more than total_s), counts

    @property
    def totals(self) -> list[float]:
        return [p.total for p in self.parts]

    def metrics(self) -> dict[str, float]:
        """summarize(parts) plus the timings under `time/`."""
        return {**summarize(self.parts), **{f"reward_time/{k}": float(v) for k, v in self.timings.items()}}


class _ScoringThread(threading.Thread):
    """Scores rollout indices as they are queued, taking whatever has accumulated as one scorer call."""

    def __init__(self, scorer: Scorer, problems: list[str], reasonings: list[str]):
        super().__init__(daemon=True)
        self.scorer, self.problems, self.reasonings = scorer, problems, reasonings
        self.todo: queue.Queue = queue.Queue()
        self.raw: dict[int, float] = {}
        self.seconds, self.calls = 0.0, 0
        self.error: BaseException | None = None

    def put(self, index: int) -> None:
        self.todo.put(index)

    def finish(self) -> None:
        self.todo.put(None)

    def run(self) -> None:
        done = False
        while not done:
            batch = [self.todo.get()]
            while True:
                try:
                    batch.append(self.todo.get_nowait())
                except queue.Empty:
                    break
            done = None in batch
            batch = [i for i in batch if i is not None]
            if batch and self.error is None:
                self._score(batch)

    def _score(self, batch: list[int]) -> None:
        start = time.perf_counter()
        try:
            scores = self.scorer.score([self.problems[i] for i in batch], [self.reasonings[i] for i in batch])
            if len(scores) != len(batch):
                raise ScorerError(f"the scorer returned {len(scores)} scores for {len(batch)} inputs")
            self.raw.update(zip(batch, (float(s) for s in scores)))
        except BaseException as exc:  # noqa: BLE001 - re-raised by the pipeline in the caller's thread
            self.error = exc
        self.seconds += time.perf_counter() - start
        self.calls += 1


class RewardPipeline:
    """Computes rewards and their parts for batches of rollouts. Use as a context manager, or call `close()`.

    Args:
        config: the reward configuration.
        pool: an open SandboxPool to share (else one is opened on first use with config.sandbox_workers).
        scorer: a process scorer to use instead of building config.scorer (tests, servers sharing one RM).
    """

    def __init__(self, config: RewardConfig, pool: SandboxPool | None = None, scorer: Scorer | None = None):
        self.config = config
        self.scorer = scorer if scorer is not None else build_scorer(config)
        self.verifiers = {domain: make(config, pool) for domain, make in VERIFIERS.items()}

    def __enter__(self) -> RewardPipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for verifier in self.verifiers.values():
            verifier.close()
        if self.scorer is not None:
            self.scorer.close()

    @property
    def overlapping(self) -> bool:
        """Whether the scorer runs while the sandbox works (config.overlap; `auto` asks the scorer)."""
        if self.scorer is None or self.config.overlap == "never":
            return False
        return self.config.overlap == "always" or getattr(self.scorer, "uses_cpu", True) is False

    def parse(self, rollout: Rollout) -> Parsed:
        return parse_completion(rollout.completion, rollout.task.domain, strict=self.config.strict_extraction,
                                think_prefilled=self.config.think_prefilled)

    def _gate(self, i: int, fmt: list[float], verdicts: list[Verdict | None]) -> float:
        v = verdicts[i]
        return gate_value(self.config.gate, v.out if v else 0.0, v.pass_rate if v else 0.0, fmt[i],
                          self.config.gate_requires_format)

    def _monitored(self, rollout: Rollout) -> bool:
        """A fixed pseudo-random sample of gate-closed rollouts scored for the logs (config.monitor_closed)."""
        share = self.config.monitor_closed
        return share > 0 and zlib.crc32(rollout.completion.encode()) / 2**32 < share

    def score(self, rollouts: list[Rollout]) -> RewardBatch:
        """Rewards and parts for each rollout, in order, and the batch's timings."""
        cfg, start = self.config, time.perf_counter()
        parsed = [self.parse(r) for r in rollouts]
        fmt = [1.0 if p.format_ok else 0.0 for p in parsed]
        timings = {"parse_s": time.perf_counter() - start, "sandbox_s": 0.0, "math_s": 0.0}
        verdicts: list[Verdict | None] = [None] * len(rollouts)
        scoring = None
        if self.scorer is not None:
            scoring = _ScoringThread(self.scorer, [r.task.user_prompt() for r in rollouts],
                                     [p.reasoning or "" for p in parsed])
            if self.overlapping:
                scoring.start()
        queued: set[int] = set()
        given: dict[int, float] = {}  # raw scores that came with the rollouts
        lock = threading.Lock()  # release() is called from the math thread and from this one

        def release(indices) -> None:
            """Queue for scoring each rollout whose gate is now known to be open (or that is monitored)."""
            with lock:
                for i in indices:
                    if scoring is None or not parsed[i].reasoning or i in queued or not (
                            self._gate(i, fmt, verdicts) > 0 or self._monitored(rollouts[i])):
                        continue
                    queued.add(i)
                    if rollouts[i].proc_raw is not None:
                        given[i] = float(rollouts[i].proc_raw)
                    else:
                        scoring.put(i)

        if cfg.gate == "none":
            release(range(len(rollouts)))  # the gate does not wait for verdicts
        try:
            self._verify(rollouts, parsed, verdicts, timings, release)
        except BaseException:
            if scoring is not None and scoring.is_alive():
                scoring.finish()  # let the thread end; the sandbox's error is what the caller needs
            raise
        if scoring is not None:
            if not self.overlapping:
                scoring.start()
            scoring.finish()
            scoring.join()
            if scoring.error is not None:
                raise ScorerError(f"process scorer failed: {scoring.error}") from scoring.error
        raw = {**scoring.raw, **given} if scoring is not None else {}
        parts = self._combine(rollouts, parsed, fmt, verdicts, raw)
        timings.update(rm_s=scoring.seconds if scoring else 0.0, rm_calls=float(scoring.calls if scoring else 0),
                       rm_scored=float(len(raw) - len(given)), rm_given=float(len(given)),
                       rollouts=float(len(rollouts)),
                       total_s=time.perf_counter() - start)
        return RewardBatch(parts, timings)

    def _verify(self, rollouts, parsed, verdicts, timings, release) -> None:
        """Run both verifiers (math in a thread, code in chunks here), releasing rollouts as verdicts arrive."""
        fail_fast = self.config.gate != "pass_rate"  # a pass rate needs every test run
        code = [i for i, r in enumerate(rollouts) if r.task.domain == "code"]
        math = [i for i, r in enumerate(rollouts) if r.task.domain == "math"]
        math_thread, math_error = None, []
        if math:
            def run_math() -> None:
                t = time.perf_counter()
                try:
                    items = [(rollouts[i].task, parsed[i].final_answer) for i in math]
                    for i, v in zip(math, self.verifiers["math"].verify(items)):
                        verdicts[i] = v
                except BaseException as exc:  # noqa: BLE001 - re-raised below, in the caller's thread
                    math_error.append(exc)
                    return
                timings["math_s"] = time.perf_counter() - t
                release(math)

            math_thread = threading.Thread(target=run_math, daemon=True)
            math_thread.start()
        chunked = self.overlapping and self.config.gate != "none"  # gate none does not wait for verdicts
        n_chunks = min(self.config.overlap_chunks, len(code)) if chunked else 1
        for k in range(n_chunks):
            chunk = code[k * len(code) // n_chunks:(k + 1) * len(code) // n_chunks]
            t = time.perf_counter()
            items = [(rollouts[i].task, parsed[i].code) for i in chunk]
            for i, v in zip(chunk, self.verifiers["code"].verify(items, fail_fast=fail_fast)):
                verdicts[i] = v
            timings["sandbox_s"] += time.perf_counter() - t
            release(chunk)
        if math_thread is not None:
            math_thread.join()
            if math_error:
                raise math_error[0]

    def _unit(self, raw: dict[int, float], indices: list[int], rollouts: list[Rollout]) -> dict[int, float]:
        cfg = self.config
        if not indices:
            return {}
        groups = [rollouts[i].group or rollouts[i].task.task_id for i in indices]
        unit = to_unit([raw[i] for i in indices], groups, cfg.proc_mapping, cfg.proc_temperature, cfg.proc_offset,
                       self.scorer.outputs)
        return dict(zip(indices, unit))

    def _combine(self, rollouts, parsed, fmt, verdicts, raw) -> list[RewardParts]:
        gates = [self._gate(i, fmt, verdicts) for i in range(len(rollouts))]
        # Group mappings (rank, minmax) compare gate-open rollouts only; monitored closed ones are mapped apart.
        unit = {**self._unit(raw, [i for i in raw if gates[i] > 0], rollouts),
                **self._unit(raw, [i for i in raw if gates[i] == 0], rollouts)}
        parts = []
        for i, (p, v) in enumerate(zip(parsed, verdicts)):
            proc = unit.get(i)
            if gates[i] > 0 and proc is None:
                proc = 0.0  # open gate, empty reasoning: nothing to score
            total = total_reward(fmt[i], v.out, gates[i], proc, self.config.proc_weight)
            parts.append(RewardParts(
                total=total, fmt=fmt[i], out=v.out, proc=proc, gate=gates[i], gate_open=gates[i] > 0,
                proc_raw=raw.get(i), pass_rate=v.pass_rate, status=v.status, n_tests=v.n_tests,
                n_passed=v.n_passed, format_problems=list(p.problems), code_source=p.code_source,
                reasoning_chars=len(p.reasoning or ""), reasoning_words=p.reasoning_words, verify_s=v.seconds,
                detail=v.detail))
        return parts
