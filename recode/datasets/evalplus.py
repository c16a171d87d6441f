"""HumanEval+ and MBPP+ (EvalPlus): differential tests on `base_input` and `plus_input`.

Scored as EvalPlus scores them: expected outputs from the canonical solution, per-input time limits
`max(1 s, 4 x reference time)`, a float tolerance (`atol`, or 1e-6 for float outputs), and EvalPlus's
special oracles, here named entries of `recode.sandbox.compare.ORACLES` chosen per task below. `passed`
means base and plus tests all pass ("base + extra" in EvalPlus's tables).
"""

from __future__ import annotations

import json
from pathlib import Path

from recode.datasets.base import Benchmark, Problem
from recode.datasets.sources import DataSource, parsed, sha256_file
from recode.datasets.groundtruth import REFERENCE_LIMITS, blob_dir
from recode.io import read_jsonl
from recode.sandbox import CallTests, Job, JobResult, Status
from recode.sandbox import codec
from recode.sandbox.codec import Opaque, has_bytes
from recode.sandbox.compare import BYTE_EXACT_ORACLES


def _tuple_each(args):
    return [tuple(a) for a in args]


def _tuple_items_each(args):
    return [[tuple(x) for x in a] for a in args]


def _deep_tuple(value):
    return tuple(_deep_tuple(v) for v in value) if isinstance(value, list) else value


# MBPP+ stores inputs as JSON, which has no tuples, sets or complex numbers. These conversions restore the
# argument types the canonical solutions were written for (the same restoration EvalPlus applies on load).
_MBPP_ARG_TYPES = {
    "tuple_each": (_tuple_each, [2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596,
                                 616, 630, 726, 740, 744, 809]),
    "tuple_items_each": (_tuple_items_each, [63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614,
                                             780]),
    "first_items_tuple": (lambda a: [[tuple(x) for x in a[0]], *a[1:]], [75, 413, 444, 753]),
    "second_tuple": (lambda a: [a[0], tuple(a[1]), *a[2:]], [106, 750]),
    "sets_or_empty_dict": (lambda a: [[set(x) if isinstance(x, list) and x else {} for x in a[0]]], [115]),
    "float_complex": (lambda a: (float(a[0]), complex(a[1])), [124]),
    "first_tuple": (lambda a: [tuple(a[0]), *a[1:]], [250, 307, 405, 446, 617, 720, 763, 808]),
    "tuple_of_tuples_each": (lambda a: [tuple(tuple(x) for x in arg) for arg in a], [259, 401, 445]),
    "mixed_tuple": (lambda a: [tuple(tuple(x) if isinstance(x, list) else x for x in a[0])], [278]),
    "dict_values_tuple": (lambda a: [{k: tuple(v) for k, v in a[0].items()}, *a[1:]], [722]),
    "complex": (lambda a: [complex(a[0])], [252]),
    "deep_tuple": (_deep_tuple, [580, 615, 791]),
}
_MBPP_CONVERT = {tid: fn for fn, ids in _MBPP_ARG_TYPES.values() for tid in ids}

_MBPP_ORACLES = {
    **{ep: "set" for ep in ["similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly",
                            "larg_nnum", "intersection_array", "find_dissimilar", "Diff"]},
    **{ep: "not_none" for ep in ["check_str", "text_match_three", "text_starta_endb"]},
    "surface_Area": "surface_area",
    "digit_distance_nums": "digit_distance",
    "sum_div": "sum_div",
    "are_equivalent": "always",
}


class _EvalPlusBenchmark(Benchmark):
    has_plus = True
    source: DataSource
    oracles: dict[str, str] = {}

    def source_hash(self) -> str:
        return sha256_file(self.source.path())

    def _inputs(self, record: dict, key: str) -> list:
        value = record[key]
        value = json.loads(value) if isinstance(value, str) else value
        return [] if value == {} else value  # a few MBPP+ records store "no plus inputs" as {}

    def _records(self, path: Path) -> list[dict]:
        return [dict(rec, base_input=self._inputs(rec, "base_input"), plus_input=self._inputs(rec, "plus_input"))
                for rec in read_jsonl(path, required=("task_id", "prompt", "entry_point", "canonical_solution",
                                                      "base_input", "plus_input"))]

    def load(self) -> dict[str, Problem]:
        records = parsed(self.source.path(), self.name.replace("+", "plus"), self._records)
        return {rec["task_id"]: Problem(rec["task_id"], rec["prompt"], rec["entry_point"],
                                        rec["prompt"] + rec["canonical_solution"], rec) for rec in records}

    def groups(self, problem: Problem) -> list[str]:
        return ["base"] * len(problem.raw["base_input"]) + ["plus"] * len(problem.raw["plus_input"])

    def _tests(self, problem: Problem, **kw) -> CallTests:
        oracle = self.oracles.get(problem.entry_point, "default")
        return CallTests(problem.entry_point, problem.raw["base_input"] + problem.raw["plus_input"],
                         atol=float(problem.raw.get("atol") or 0), oracle=oracle,
                         output_transform="not_none" if oracle == "not_none" else None,
                         groups=self.groups(problem), **kw)

    def _reference_job(self, problem: Problem) -> Job:
        return Job(problem.canonical_solution, self._tests(problem), id=problem.task_id, fail_fast=False,
                   limits=REFERENCE_LIMITS)

    def _digest(self, problem: Problem, result: JobResult) -> dict:
        ok = [v.status is Status.PASS for v in result.tests]
        # Byte-level comparison is only sound where no bytes value is expected (see codec.encode).
        raw = [v.raw if good and not has_bytes(v.output) else None for v, good in zip(result.tests, ok)]
        # Where the encoding is kept, the decoded value is not: the worker decodes it only for a mismatch, and
        # unpickling hundreds of MB of decoded outputs would cost more than the tests (HumanEval+: 0.9 s of 11).
        expected = [None if r is not None else v.output if good else Opaque("reference solution failed")
                    for v, good, r in zip(result.tests, ok, raw)]
        # Large encodings travel to the workers as digests (see plan.py), computed here once for the cache, which
        # keeps their bytes on disk apart (groundtruth.py). Only where equal means byte-equal: other oracles need
        # the expected value itself for every comparison.
        exact = self.oracles.get(problem.entry_point, "default") in BYTE_EXACT_ORACLES
        digests = [v.digest or (codec.digest(r) if exact and r is not None and len(r) > codec.DIGEST_MIN_BYTES
                                else None) for v, r in zip(result.tests, raw)]
        return {"expected": expected, "expected_raw": raw, "expected_digest": digests,
                "times": [v.time_s or 0.0 for v in result.tests], "reference_ok": ok}

    def make_job(self, problem: Problem, solution: str, fail_fast: bool = True, job_id: str = "") -> Job:
        truth = self.truth.get(problem.task_id)
        if truth is None:
            raise RuntimeError(f"call prepare() for {problem.task_id} before make_job")
        return Job(solution, self._tests(problem, expected=truth["expected"], expected_raw=truth["expected_raw"],
                                         expected_digest=truth["expected_digest"], expected_dir=str(blob_dir()),
                                         reference_times=truth["times"]),
                   id=job_id or problem.task_id, fail_fast=fail_fast)


class HumanEvalPlus(_EvalPlusBenchmark):
    name = "humaneval+"
    source = DataSource(("humanevalplus", "HumanEvalPlus.jsonl.gz"), "HUMANEVAL_OVERRIDE_PATH",
                        "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz",
                        "272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101")
    oracles = {"find_zero": "find_zero"}
    # HumanEval/32's canonical solution fails the inlined asserts of HumanEvalPlus-OriginFmt, but satisfies the
    # find_zero oracle on every input, so it has no flaw here.


class MbppPlus(_EvalPlusBenchmark):
    name = "mbpp+"
    # The local copy is v0.1.0 (399 tasks); online, the current release v0.2.0 (378 tasks) is fetched; a file
    # given in MBPP_OVERRIDE_PATH (EvalPlus's variable) wins over both.
    source = DataSource(("mbppplus", "MbppPlus-v0.1.0.jsonl.gz"), "MBPP_OVERRIDE_PATH",
                        "https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus.jsonl.gz",
                        "af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63")
    oracles = _MBPP_ORACLES

    def _inputs(self, record: dict, key: str) -> list:
        convert = _MBPP_CONVERT.get(int(record["task_id"].split("/")[-1]))
        inputs = super()._inputs(record, key)
        return [convert(a) for a in inputs] if convert else inputs
