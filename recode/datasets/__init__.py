"""Benchmark registry: name -> class. Add a benchmark by adding a module and one entry here."""

from __future__ import annotations

from recode.datasets.base import Benchmark, Problem, data_dir
from recode.datasets.bigcodebench import BigCodeBench, BigCodeBenchHard
from recode.datasets.classic import HumanEval, Mbpp
from recode.datasets.evalplus import HumanEvalPlus, MbppPlus
from recode.datasets.leetcode import LeetCodeDataset
from recode.datasets.livecodebench import LiveCodeBench
from recode.datasets.math_benchmarks import Aime24, Aime25, Gsm8k, Math500, MinervaMath

BENCHMARKS: dict[str, type[Benchmark]] = {
    "humaneval": HumanEval,
    "humaneval+": HumanEvalPlus,
    "mbpp": Mbpp,
    "mbpp+": MbppPlus,
    "livecodebench": LiveCodeBench,
    "bigcodebench": BigCodeBench,
    "bigcodebench-hard": BigCodeBenchHard,
    "leetcodedataset": LeetCodeDataset,
    "gsm8k": Gsm8k,
    "math500": Math500,
    "aime24": Aime24,
    "aime25": Aime25,
    "minerva": MinervaMath,
}


class UnknownBenchmark(ValueError):
    pass


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """`name` or `name:key=value,key=value` (constructor options, as a command line passes them).

    Example:
        >>> parse_spec("livecodebench:release=release_v5,since=2024-08-01")
        ('livecodebench', {'release': 'release_v5', 'since': '2024-08-01'})
    """
    name, _, rest = spec.partition(":")
    options = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UnknownBenchmark(f"benchmark option {item!r} in {spec!r} is not key=value")
        options[key.strip()] = value.strip()
    return name.strip(), options


def get_benchmark(name: str, **options) -> Benchmark:
    """A registry entry; `options` (or a `name:key=value,...` suffix) go to its constructor."""
    name, parsed = parse_spec(name)
    try:
        cls = BENCHMARKS[name.lower()]
    except KeyError:
        raise UnknownBenchmark(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}") from None
    options = {**parsed, **options}
    try:
        return cls(**options)
    except TypeError as exc:
        if not options:
            raise
        raise UnknownBenchmark(f"{name} does not take option(s) {', '.join(options)} ({exc})") from None


__all__ = ["BENCHMARKS", "Benchmark", "Problem", "UnknownBenchmark", "data_dir", "get_benchmark", "parse_spec"]
