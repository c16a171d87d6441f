"""Benchmark registry: name -> class. Add a benchmark by adding a module and one entry here."""

from __future__ import annotations

from recode.datasets.base import Benchmark, Problem, data_dir
from recode.datasets.classic import HumanEval, Mbpp
from recode.datasets.evalplus import HumanEvalPlus, MbppPlus

BENCHMARKS: dict[str, type[Benchmark]] = {
    "humaneval": HumanEval,
    "humaneval+": HumanEvalPlus,
    "mbpp": Mbpp,
    "mbpp+": MbppPlus,
}


class UnknownBenchmark(ValueError):
    pass


def get_benchmark(name: str) -> Benchmark:
    try:
        return BENCHMARKS[name.lower()]()
    except KeyError:
        raise UnknownBenchmark(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}") from None


__all__ = ["BENCHMARKS", "Benchmark", "Problem", "UnknownBenchmark", "data_dir", "get_benchmark"]
