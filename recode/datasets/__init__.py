"""Benchmark registry: name -> class. Add a benchmark by adding a module and one entry here."""

from __future__ import annotations

from recode.datasets.base import Benchmark, Problem, data_dir
from recode.datasets.classic import HumanEval, Mbpp
from recode.datasets.evalplus import HumanEvalPlus, MbppPlus
from recode.datasets.math_benchmarks import Aime24, Aime25, Gsm8k, Math500, MinervaMath

BENCHMARKS: dict[str, type[Benchmark]] = {
    "humaneval": HumanEval,
    "humaneval+": HumanEvalPlus,
    "mbpp": Mbpp,
    "mbpp+": MbppPlus,
    "gsm8k": Gsm8k,
    "math500": Math500,
    "aime24": Aime24,
    "aime25": Aime25,
    "minerva": MinervaMath,
}


class UnknownBenchmark(ValueError):
    pass


def get_benchmark(name: str) -> Benchmark:
    try:
        return BENCHMARKS[name.lower()]()
    except KeyError:
        raise UnknownBenchmark(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}") from None


__all__ = ["BENCHMARKS", "Benchmark", "Problem", "UnknownBenchmark", "data_dir", "get_benchmark"]
