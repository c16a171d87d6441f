"""Math benchmarks (GSM8K test, MATH-500, AIME 2024/2025, Minerva Math), scored by final-answer equivalence.

Problems come from the task sources (`recode.task_sources`), so evaluation and training read one schema. A
sample is a generated completion; its final answer is extracted as the reward extracts it (`recode.text`:
the last `\\boxed{}` of the `<answer>` block, else the whole answer block, else the last `\\boxed{}` after the
reasoning). GSM8K answers are numbers, so there a completion without one falls back to its last number (the
usual GSM8K rule). Answers are checked against the reference with math-verify in worker processes with a
per-check time limit (`recode.reward.mathcheck`), the same check as the reward's outcome gate.

Each result row also carries `answer_key`, a normalized form of the extracted answer that majority voting
(maj@k) groups samples by.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from fractions import Fraction

from recode.datasets.base import Benchmark, Problem
from recode.io import DataError
from recode.reward.mathcheck import MathChecker, normalize_answer
from recode.text import parse_completion

MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_FRAC = re.compile(r"^(-?)\\frac\{(-?\d+)\}\{(\d+)\}$")
_SPACING = re.compile(r"\\left|\\right|\\[,;:! ]|\\displaystyle|\s+")
_WORD = re.compile(r"[A-Za-z]{2,}")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_TEXT = re.compile(r"\\(?:text|textbf|mathrm|mbox)\{([^{}]*)\}")


def last_number(text: str) -> str | None:
    """The last number in `text`, thousands separators removed (GSM8K's answer rule).

    Example:
        >>> last_number("She pays 3 x $1,250.50 = $3,751.50.")
        '3751.50'
    """
    matches = _NUMBER.findall(text or "")
    return matches[-1].replace(",", "") if matches else None


def answer_key(answer: str | None) -> str | None:
    """A normalized form of an answer for majority voting: layout, `\\text{}`, `dfrac`, `^\\circ`, `\\%` and
    thousands separators are dropped; numbers, including integer fractions, become one decimal form.

    Voting groups by this string; it does not decide correctness (math-verify does). Different forms that
    this does not unify ("x+1" vs "1+x") vote separately.

    Example:
        >>> [answer_key(a) for a in [r"\\dfrac{1}{2}", "0.50", "1/2", r"\\left( 1, 2 \\right)", r"90^\\circ"]]
        ['0.5', '0.5', '0.5', '(1,2)', '90']
    """
    if answer is None or not answer.strip():
        return None
    key = normalize_answer(answer)
    key = _SPACING.sub("", _TEXT.sub(r"\1", key))
    key = key.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("^\\circ", "").replace("^{\\circ}", "")
    key = key.replace("\\%", "").replace("%", "").rstrip(".")
    key = normalize_answer(key)
    frac = _FRAC.match(key)
    try:
        if frac:
            value = Fraction(int(frac.group(2)), int(frac.group(3))) * (-1 if frac.group(1) else 1)
        elif re.fullmatch(r"-?\d+/\d+", key):
            value = Fraction(key)
        else:
            value = Fraction(key) if _NUMBER.fullmatch(key) else None
    except (ValueError, ZeroDivisionError):
        value = None
    return f"{float(value):.12g}" if value is not None else key


class MathBenchmark(Benchmark):
    """A benchmark of math problems with reference final answers. Subclasses set `name` and `source`."""

    domain = "math"
    source: str = ""  # the task source (`recode.task_sources.SOURCES`) that holds the problems
    number_fallback = False  # GSM8K: without a \boxed{} or an answer block, the last number of the completion
    bucket_fields: tuple[str, ...] = ()  # meta fields reported per value (MATH-500: level, subject)

    def __init__(self, path: str | None = None) -> None:
        """`path`: a local file or folder (or another Hub id) for a Hub set, e.g. `aime24:path=aime.parquet`."""
        from recode.task_sources import HUB_MATH

        if path is not None and self.source not in HUB_MATH:
            raise TypeError(f"{self.name} reads the local data folder; set RECODE_DATA_DIR instead of path")
        super().__init__()
        self.path = path

    def load(self) -> dict[str, Problem]:
        from recode.task_sources import SOURCES, hub_math_tasks

        out = {}
        for task in hub_math_tasks(self.source, self.path) if self.path else SOURCES[self.source]():
            out[task.task_id] = Problem(task.task_id, task.problem, "", task.tests.answer,
                                        {"answer": task.tests.answer, "meta": task.meta})
        return out

    def source_hash(self) -> str:
        content = json.dumps([(p.task_id, p.prompt, p.raw["answer"]) for p in self.problems.values()])
        return hashlib.sha256(content.encode()).hexdigest()

    def user_prompt(self, problem: Problem) -> str:
        """The problem and the usual instruction of math evaluations (Qwen2.5-Math's wording)."""
        return f"{problem.prompt.strip()}\n{MATH_INSTRUCTION}"

    def buckets(self, problem: Problem) -> dict[str, str]:
        """Labels to split scores by (MATH-500: {"level": "3", "subject": "Algebra"}); none elsewhere."""
        meta = problem.raw.get("meta", {})
        return {f: str(meta[f]) for f in self.bucket_fields if meta.get(f) is not None}

    def extract_answer(self, completion: str) -> tuple[str | None, bool]:
        """(final answer or None, whether the completion is in the reasoning format)."""
        parsed = parse_completion(completion, "math")
        answer = parsed.final_answer
        if self.number_fallback:
            if answer is None:  # no answer block and no \boxed{}: the last number of the whole completion
                answer = last_number(completion)
            elif _WORD.search(_COMMAND.sub("", answer)):  # prose or units around it: "The answer is 18."
                answer = last_number(answer) or answer
        return (answer if answer and answer.strip() else None), parsed.format_ok  # "\\boxed{}" is no answer

    def make_job(self, problem: Problem, solution: str, fail_fast: bool = True, job_id: str = ""):
        raise ValueError(f"{self.name} is a math benchmark: answers are checked with math-verify, not run")

    def completion_of(self, sample: dict, where: str) -> str:
        for field in ("completion", "solution", "answer"):
            if isinstance(sample.get(field), str):
                return sample[field]
        raise DataError(f"{where}: needs a string field `completion` (the generated text)")

    def score(self, samples: list[dict], *, workers: int = 0, pool=None,
              on_progress: Callable[[str, int, int], None] | None = None, source: str = "sample",
              timeout_s: float = 10.0, checker: MathChecker | None = None) -> list[dict]:
        """One result row per sample, in order (see the module docstring).

        Args:
            workers: math-verify processes (0: one); `pool` (a sandbox pool) is not used: nothing runs.
            timeout_s: per check; a check that runs over is killed and scores as wrong ("timeout").
            checker: an open MathChecker to reuse (tests, repeated calls).
        """
        prepared = []
        for n, sample in enumerate(samples, 1):
            where = f"{source} line {n}"
            if not isinstance(sample, dict) or not isinstance(sample.get("task_id"), str):
                raise DataError(f"{where}: missing string field `task_id`")
            if sample["task_id"] not in self.problems:
                example = next(iter(self.problems))
                raise DataError(f"{where}: task_id {sample['task_id']!r} is not in {self.name} "
                                f"(ids look like {example!r})")
            prepared.append((sample["task_id"], *self.extract_answer(self.completion_of(sample, where))))
        own = checker is None
        checker = checker or MathChecker(workers=workers or 1, timeout_s=timeout_s)
        try:
            verdicts = checker.check([(answer, self.problems[tid].raw["answer"]) for tid, answer, _ in prepared])
        finally:
            if own:
                checker.close()
        if on_progress:
            on_progress("scoring", len(prepared), len(prepared))
        seen: Counter = Counter()
        rows = []
        for (task_id, answer, format_ok), verdict in zip(prepared, verdicts):
            rows.append({"task_id": task_id, "completion_id": seen[task_id], "passed": verdict.equal,
                         "base_passed": verdict.equal, "plus_passed": None, "status": verdict.status,
                         "answer": answer, "answer_key": answer_key(answer),
                         "reference": self.problems[task_id].raw["answer"], "format_ok": format_ok,
                         "first_failure": verdict.detail, "time_s": round(verdict.seconds, 4)})
            seen[task_id] += 1
        return rows


class Gsm8k(MathBenchmark):
    name, source, number_fallback = "gsm8k", "gsm8k-test", True


class Math500(MathBenchmark):
    name, source, bucket_fields = "math500", "math500", ("level", "subject")


class Aime24(MathBenchmark):
    name, source = "aime24", "aime24"


class Aime25(MathBenchmark):
    name, source = "aime25", "aime25"


class MinervaMath(MathBenchmark):
    name, source = "minerva", "minerva"
