"""Many small concurrent callers, one pipeline: gather their rollouts into shared batches.

A `RewardPipeline` runs one batch at a time (its sandbox pool and RM are not reentrant), and per-rollout calls
waste the sandbox's parallelism and the RM's batching. Engines that ask for rewards one rollout at a time from
many threads (OpenRLHF over HTTP, verl's reward loop, verl's per-sample `compute_score`) go through a
`RewardService`: one thread takes every request that arrives within `max_wait_s` (up to `max_batch` rollouts),
scores them in one pipeline call and hands each caller its slice.
"""

from __future__ import annotations

import queue
import threading
import time

from recode.reward.parts import RewardParts
from recode.reward.pipeline import RewardPipeline, Rollout


class _Pending:
    def __init__(self, rollouts: list[Rollout]):
        self.rollouts, self.done = rollouts, threading.Event()
        self.parts: list[RewardParts] | None = None
        self.timings: dict[str, float] | None = None
        self.error: BaseException | None = None
        self.queued_at = time.perf_counter()


class RewardService:
    """Batches concurrent `submit` calls into pipeline calls. `submit` blocks until its rollouts are scored.

    Args:
        pipeline: the pipeline; the service's thread is its only caller.
        max_batch: rollouts per pipeline call, at most (a single larger request still goes in one call).
        max_wait_s: how long the first request of a batch waits for company.
    """

    def __init__(self, pipeline: RewardPipeline, max_batch: int = 1024, max_wait_s: float = 0.02):
        self.pipeline, self.max_batch, self.max_wait_s = pipeline, max_batch, max_wait_s
        self._queue: queue.Queue = queue.Queue()
        self.batches_run = 0
        self._thread = threading.Thread(target=self._loop, daemon=True, name="recode-reward-batcher")
        self._thread.start()

    def submit(self, rollouts: list[Rollout]) -> tuple[list[RewardParts], dict[str, float]]:
        """Parts for `rollouts` (in order) and the timings of the pipeline call that scored them."""
        pending = _Pending(rollouts)
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.parts, pending.timings

    def _gather(self) -> list[_Pending]:
        batch = [self._queue.get()]
        size, deadline = len(batch[0].rollouts), time.perf_counter() + self.max_wait_s
        while size < self.max_batch:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                break
            batch.append(item)
            size += len(item.rollouts)
        return batch

    def _loop(self) -> None:
        while True:
            batch = self._gather()
            rollouts = [r for p in batch for r in p.rollouts]
            started = time.perf_counter()
            try:
                result = self.pipeline.score(rollouts)
            except Exception as exc:  # noqa: BLE001 - handed to every waiting caller, raised in its thread
                for p in batch:
                    p.error = exc
                    p.done.set()
                continue
            self.batches_run += 1
            offset = 0
            for p in batch:
                p.parts = result.parts[offset:offset + len(p.rollouts)]
                p.timings = dict(result.timings, batch_rollouts=float(len(rollouts)), queue_s=started - p.queued_at)
                offset += len(p.rollouts)
                p.done.set()
