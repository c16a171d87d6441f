"""Math answer checks with math-verify, each under a hard time limit, in worker processes.

math-verify's own timeouts use SIGALRM, which works only in a process's main thread, and sympy can hang on
adversarial expressions. So the checks run in long-lived worker processes (started on first use, kept warm);
the caller waits on each check with a deadline and kills and replaces a worker that runs over. A check that
times out scores "timeout" (R_out = 0); a worker that cannot start raises, because that is infrastructure.
"""

from __future__ import annotations

import json
import os
import queue
import re
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def normalize_answer(text: str) -> str:
    """Drop LaTeX currency signs and thin spaces, and thousands separators from a plain number.

    math-verify reads `\\$18.90` as no number at all, and MATH-500 writes money that way (`\\$32,\\!348`).

    Example:
        >>> normalize_answer(r"\\$32,\\!348"), normalize_answer("1,000"), normalize_answer("(1, 2]")
        ('32348', '1000', '(1, 2]')
    """
    stripped = text.replace("\\$", "").replace("\\!", "").strip()
    return stripped.replace(",", "") if _THOUSANDS.fullmatch(stripped) else stripped


def _wrap(answer: str) -> str:
    """math-verify extracts from LaTeX: a bare answer is put in \\boxed{} so its whole text is the expression."""
    return answer if "\\boxed" in answer or "$" in answer else f"\\boxed{{{answer}}}"


def _check(pred: str, gold: str, parse, verify) -> bool:
    gold_parsed = parse(_wrap(normalize_answer(gold)), parsing_timeout=None)
    pred_parsed = parse(_wrap(normalize_answer(pred)), parsing_timeout=None)
    return bool(pred_parsed) and bool(verify(gold_parsed, pred_parsed, timeout_seconds=None))


def serve() -> None:
    """Worker loop (`python -m recode.reward.mathcheck`): JSON lines [prediction, gold] in, [kind, value] out."""
    from math_verify import parse, verify

    out = sys.stdout
    out.write(json.dumps(["ready", None]) + "\n")
    out.flush()
    for line in sys.stdin:
        pred, gold = json.loads(line)
        try:
            reply = ["ok", _check(pred, gold, parse, verify)]
        except Exception as exc:  # noqa: BLE001 - a check that errors is a wrong answer, reported
            reply = ["error", f"{type(exc).__name__}: {exc}"[:300]]
        out.write(json.dumps(reply) + "\n")
        out.flush()


@dataclass
class MathVerdict:
    equal: bool
    status: str  # "pass" | "wrong" | "no_answer" | "timeout" | "error"
    seconds: float
    detail: str | None = None


class _Worker:
    """One checking process, spoken to over pipes (a subprocess, not multiprocessing: no re-import of __main__)."""

    def __init__(self):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        self.proc = subprocess.Popen([sys.executable, "-m", "recode.reward.mathcheck"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        reply = self.read(120.0)
        if reply is None or reply[0] != "ready":
            self.kill()
            raise RuntimeError("math-verify worker did not start (is math-verify installed?)")

    def send(self, pred: str, gold: str) -> None:
        self.proc.stdin.write(json.dumps([pred, gold]) + "\n")
        self.proc.stdin.flush()

    def read(self, timeout_s: float) -> list | None:
        """The next reply, or None if none came within `timeout_s` (or the process died)."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        line = self.proc.stdout.readline() if ready else ""
        return json.loads(line) if line else None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


class MathChecker:
    """Checks (prediction, gold) pairs in `workers` processes with a per-check `timeout_s`."""

    def __init__(self, workers: int = 1, timeout_s: float = 10.0):
        self.n_workers, self.timeout_s = workers, timeout_s
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._busy = threading.Lock()  # one batch at a time: batches share the workers

    def _ensure_workers(self) -> None:
        with self._lock:
            while len(self._workers) < self.n_workers:
                self._workers.append(_Worker())

    def _run_one(self, k: int, pred: str, gold: str) -> MathVerdict:
        worker = self._workers[k]
        start = time.perf_counter()
        worker.send(pred, gold)
        reply = worker.read(self.timeout_s)
        if reply is None:
            worker.kill()  # the check is stuck (sympy): kill it, and start a fresh worker for the next one
            self._workers[k] = _Worker()
            return MathVerdict(False, "timeout", time.perf_counter() - start, f"over {self.timeout_s:g} s")
        kind, value = reply
        seconds = time.perf_counter() - start
        if kind == "error":
            return MathVerdict(False, "error", seconds, value)
        return MathVerdict(bool(value), "pass" if value else "wrong", seconds)

    def check(self, pairs: list[tuple[str | None, str]]) -> list[MathVerdict]:
        """One verdict per (prediction or None, gold answer), in order."""
        verdicts: list[MathVerdict | None] = [None] * len(pairs)
        todo: queue.Queue = queue.Queue()
        for i, (pred, gold) in enumerate(pairs):
            if pred is None or not pred.strip():
                verdicts[i] = MathVerdict(False, "no_answer", 0.0)
            else:
                todo.put(i)
        if todo.empty():
            return verdicts
        with self._busy:
            self._ensure_workers()
            self._drain_all(todo, verdicts, pairs)
        return verdicts

    def _drain_all(self, todo: queue.Queue, verdicts: list, pairs: list) -> None:
        def drain(k: int) -> None:
            while True:
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    return
                verdicts[i] = self._run_one(k, pairs[i][0], pairs[i][1])

        threads = [threading.Thread(target=drain, args=(k,)) for k in range(len(self._workers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def close(self) -> None:
        with self._lock:
            for w in self._workers:
                w.kill()
            self._workers = []


if __name__ == "__main__":
    serve()
