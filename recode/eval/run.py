"""`recode eval run`: generate with any backend, extract the code (or answer), score, and summarize pass@k.

A run folder holds:

    summary.json              pass@k per benchmark (and per bucket, base/plus), counts, timings, the exact
                              config, package versions
    generations.jsonl         the resumable generation cache (recode.generate.cache): a rerun continues
    <benchmark>/samples.jsonl EvalPlus-compatible: task_id, completion_id, solution (the extracted program, or
                              the final answer for math), completion (the raw model output), no_code
    <benchmark>/results.jsonl one verdict per sample (recode.eval.score), status `no_code` when the output
                              had no program

Prompts: `plain` mode sends the benchmark's own instruction (`Benchmark.user_prompt`); `reasoning` mode adds
ReCode's system prompt (`recode.text.SYSTEM_PROMPTS[domain]`), exactly as training does (`Task.messages`).
Code is extracted by `recode.text.parse_completion` from either mode; in plain mode an unfenced reply that
is valid Python with a definition is taken whole. A reply without code is scored as an empty program (it
fails) and counted as `no_code`. With `prompt_imports`, the import lines of the benchmark's prompt that a
solution lacks are put before it (a completion-style model inherits them from the prompt; a chat model
often assumes them).

The run's configuration is `EvalConfig`: one flat dataclass, loadable from YAML, every key checked.
`EvalConfig.load(path, overrides=["n=10"])` applies `key=value` overrides (YAML values).
"""

from __future__ import annotations

import ast
import os
import platform
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recode.config import ConfigError, StageConfig
from recode.generate import BACKENDS, Generator, SamplingConfig, make_generator
from recode.generate.cache import generate_cached
from recode.io import write_json, write_jsonl
from recode.text import SYSTEM_PROMPTS, parse_completion, strip_trailing_special

ProgressFn = Callable[[str, int, int], None]  # (phase, done, total)
_IMPORT = re.compile(r"^(?:import|from)\s+[\w.]+")


MODES = ("plain", "reasoning")


@dataclass
class EvalConfig(StageConfig):
    # -- what to evaluate
    model: str = "smollm2"  # Hub id, local folder, `smollm2`, or the model name an OpenAI-compatible server knows
    name: str | None = None  # the row label in reports (default: the model)
    benchmarks: list[str] = field(default_factory=lambda: ["humaneval+", "mbpp+"])  # names or `name:key=value`
    limit: int | None = None  # the first N problems of each benchmark (None: all)
    mode: str = "plain"  # plain: the benchmark's own instruction | reasoning: ReCode's <think>/<answer> format
    out: str = "runs/eval/default"  # run folder: summary.json, generations.jsonl, <benchmark>/{samples,results}.jsonl
    # -- decoding (recode.generate.SamplingConfig)
    n: int = 1  # samples per problem; pass@k is reported for k in 1, 10, 100 up to n
    temperature: float = 0.0  # 0: greedy
    top_p: float = 1.0
    max_new_tokens: int = 512
    seed: int = 0
    # -- generation backend
    backend: str = "hf"  # hf | vllm | openai
    device: str = "auto"  # hf: auto, cpu, cuda, cuda:1 ...
    dtype: str = "auto"  # hf/vllm: auto = bfloat16 on GPU, float32 on CPU (hf)
    batch_size: int = 32  # hf: sequences decoded together
    static_cache: bool | None = None  # hf: static KV cache + compiled decoding (None: on for CUDA)
    base_url: str | None = None  # openai: server URL (default $OPENAI_BASE_URL, else http://localhost:8000/v1)
    api_key_env: str = "OPENAI_API_KEY"  # openai: environment variable holding the key (never stored)
    concurrency: int = 8  # openai: requests in flight
    timeout_s: float = 600.0  # openai: per request
    chunk_size: int | None = None  # prompts between two writes of the generation cache (None: see chunk())
    # -- scoring
    workers: int = 0  # sandbox workers (0: one per core)
    prompt_imports: bool = True  # code: add the prompt's own import lines a solution lacks (see run.py)

    def __post_init__(self) -> None:
        if isinstance(self.benchmarks, str):
            self.benchmarks = split_specs(self.benchmarks)
        super().__post_init__()

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode: {self.mode!r}; choose {' or '.join(MODES)}")
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend: {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        if not self.benchmarks or not all(isinstance(b, str) and b for b in self.benchmarks):
            raise ConfigError(f"benchmarks: a non-empty list of benchmark names, got {self.benchmarks!r}")
        if len(set(self.benchmarks)) != len(self.benchmarks):
            raise ConfigError(f"benchmarks: {self.benchmarks} names one benchmark twice")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"limit: must be at least 1, got {self.limit}")
        for key in ("batch_size", "concurrency", "chunk_size"):
            if getattr(self, key) is not None and getattr(self, key) < 1:
                raise ConfigError(f"{key}: must be at least 1")
        if self.workers < 0:
            raise ConfigError("workers: must be >= 0")
        try:
            self.sampling()
        except ValueError as exc:
            raise ConfigError(str(exc).replace("sampling.max_new_tokens", "max_new_tokens")
                              .replace("sampling.", "")) from None

    def sampling(self) -> SamplingConfig:
        return SamplingConfig(n=self.n, temperature=self.temperature, top_p=self.top_p,
                              max_new_tokens=self.max_new_tokens, seed=self.seed)

    def generator_options(self) -> dict[str, Any]:
        """Constructor options of the chosen backend."""
        if self.backend == "hf":
            return {"device": self.device, "dtype": self.dtype, "batch_size": self.batch_size,
                    "static_cache": self.static_cache}
        if self.backend == "vllm":
            return {"dtype": self.dtype, "seed": self.seed}
        return {"base_url": self.base_url, "api_key": os.environ.get(self.api_key_env),
                "concurrency": self.concurrency, "timeout": self.timeout_s}

    def chunk(self) -> int:
        """Prompts per cache write. HF on a CPU: one batch (slow: save often); else 1024 (few, large generate
        calls keep GPU batches full and a static cache compiled once)."""
        if self.chunk_size is not None:
            return self.chunk_size
        if self.backend == "hf":
            from recode.models import resolve_device

            if resolve_device(self.device) == "cpu":
                return self.batch_size
        return 1024

    @property
    def label(self) -> str:
        """The report's row name: `name`, else the model (a local folder by its own name)."""
        return self.name or (Path(self.model).name if Path(self.model).exists() else self.model)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str | None = None) -> EvalConfig:
        # Benchmark specs carry their own commas (`livecodebench:release=v5,since=2024-08-01`): split them here,
        # before the generic list handling splits at every comma.
        if isinstance(data, dict) and isinstance(data.get("benchmarks"), str):
            data = {**data, "benchmarks": split_specs(data["benchmarks"])}
        return super().from_dict(data, where)


def split_specs(text: str) -> list[str]:
    """Comma-separated benchmark specs, where a spec's own options also use commas.

    Example:
        >>> split_specs("humaneval+,livecodebench:release=release_v5,since=2024-08-01,mbpp+")
        ['humaneval+', 'livecodebench:release=release_v5,since=2024-08-01', 'mbpp+']
    """
    out: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        if "=" in piece and ":" not in piece and out and ":" in out[-1]:
            out[-1] += "," + piece  # another option of the previous spec
        else:
            out.append(piece)
    return out


def build_prompt(bench, problem, mode: str) -> list[dict[str, str]]:
    user = {"role": "user", "content": bench.user_prompt(problem)}
    if mode == "reasoning":
        return [{"role": "system", "content": SYSTEM_PROMPTS[bench.domain]}, user]
    return [user]


def _looks_like_python(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)) for n in tree.body)


def extract_code(text: str, prompt: str = "", add_imports: bool = True) -> str | None:
    """The program in a reply (either mode), or None. See the module docstring for the rules."""
    code = parse_completion(text, "code").code
    if code is None and "<think>" not in text and "<answer>" not in text:
        whole = strip_trailing_special(text).strip()
        code = whole if whole and _looks_like_python(whole) else None
    if code is None or not add_imports:
        return code
    have = {line.strip() for line in code.splitlines()}
    missing = [line for line in prompt.splitlines() if _IMPORT.match(line) and line.strip() not in have]
    return "\n".join(missing + [code]) if missing else code


def bench_dir(out: Path, spec: str) -> Path:
    """A folder name for a benchmark spec (`livecodebench:release=v5` -> `livecodebench_release-v5`)."""
    return out / re.sub(r"[^\w+.-]+", "_", spec.replace("=", "-")).strip("_")


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("recode-rl", "torch", "transformers", "vllm", "openai", "math-verify"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


@dataclass
class _Bench:
    spec: str
    bench: Any
    problems: list
    keys: list[str]
    prompts: list[list[dict]]


def _load_benchmarks(config: EvalConfig) -> list[_Bench]:
    from recode.datasets import get_benchmark

    out = []
    for spec in config.benchmarks:
        bench = get_benchmark(spec)
        problems = list(bench.problems.values())[:config.limit]
        out.append(_Bench(spec, bench, problems, [f"{spec}/{p.task_id}" for p in problems],
                          [build_prompt(bench, p, config.mode) for p in problems]))
    return out


def make_samples(b: _Bench, texts: list[list[str]], config: EvalConfig) -> list[dict]:
    samples = []
    for problem, outs in zip(b.problems, texts):
        for i, text in enumerate(outs):
            sample = {"task_id": problem.task_id, "completion_id": i, "completion": text}
            if b.bench.domain == "code":
                code = extract_code(text, problem.prompt, config.prompt_imports)
                sample.update(solution=code or "", no_code=code is None)
            else:
                sample["solution"] = parse_completion(text, b.bench.domain).final_answer or ""
            samples.append(sample)
    return samples


def generate_all(config: EvalConfig, benches: list[_Bench], generator: Generator | None,
                 progress: ProgressFn | None) -> tuple[list[list[list[str]]], dict]:
    """One cached generation over every benchmark's prompts (one pass: better batches)."""
    keys = [k for b in benches for k in b.keys]
    prompts = [p for b in benches for p in b.prompts]
    own = generator is None
    t0 = time.perf_counter()
    generator = generator or make_generator(config.backend, config.model, **config.generator_options())
    load_s = time.perf_counter() - t0
    counts: dict = {}
    try:
        t1 = time.perf_counter()
        texts = generate_cached(generator, keys, prompts, config.sampling(), Path(config.out) / "generations.jsonl",
                                model=f"{config.backend}:{config.model}", chunk_size=config.chunk(),
                                on_progress=(lambda d, t: progress("generate", d, t)) if progress else None,
                                counts=counts)
        stats = dict(generator.stats.as_dict(), **counts, load_s=round(load_s, 2),
                     wall_s=round(time.perf_counter() - t1, 2))
    finally:
        if own:
            generator.close()
    split, start = [], 0
    for b in benches:
        split.append(texts[start:start + len(b.keys)])
        start += len(b.keys)
    return split, stats


def summarize_bench(b: _Bench, rows: list[dict], samples: list[dict], n: int) -> dict:
    from recode.eval.metrics import summarize, summarize_buckets, summarize_majority, summarize_skipped

    ks = [k for k in (1, 10, 100) if k <= n]
    out = {"benchmark": b.bench.name, "spec": b.spec, "domain": b.bench.domain, "n_tasks": len(b.problems),
           "n_samples": len(rows), **summarize(rows, "passed", ks)}
    if b.bench.has_plus:
        out["base"] = summarize(rows, "base_passed", ks)
        out["plus"] = summarize(rows, "plus_passed", ks)
    buckets = {p.task_id: b.bench.buckets(p) for p in b.problems}
    if any(buckets.values()):
        out["buckets"] = summarize_buckets(rows, buckets, "passed", ks)
    out["status_counts"] = dict(Counter(r["status"] for r in rows))
    if b.bench.domain == "code":
        out["no_code"] = sum(s["no_code"] for s in samples)
        skipped = summarize_skipped(rows)
        if skipped.get("tasks"):  # tasks whose libraries are missing here: named, never counted as failures
            out["skipped"] = skipped
    else:
        out["no_answer"] = sum(r.get("answer") is None for r in rows)
        out.update(summarize_majority(rows))  # maj@k over the samples' normalized answers, k up to n
    formats = [parse_completion(s["completion"], b.bench.domain).format_ok for s in samples]
    out["format_ok"] = sum(formats) / len(formats) if formats else 0.0
    return out


def run_eval(config: EvalConfig, *, generator: Generator | None = None, pool=None, score: bool = True,
             progress: ProgressFn | None = None) -> dict:
    """Generate (resumably), write samples, score them and write results and summary.json; returns the summary.

    Args:
        generator: an open generator to use (else one is made from the config and closed at the end).
        pool: an open SandboxPool for code benchmarks (else one with `config.workers` is opened here).
        score: False = generation only (samples.jsonl, no results).
        progress: called as (phase, done, total).
    """
    t0 = time.perf_counter()
    out = Path(config.out)
    benches = _load_benchmarks(config)
    texts, gen_stats = generate_all(config, benches, generator, progress)
    all_samples = [make_samples(b, t, config) for b, t in zip(benches, texts)]
    for b, samples in zip(benches, all_samples):
        write_jsonl(bench_dir(out, b.spec) / "samples.jsonl", samples)
    summary = {"name": config.label, "model": config.model, "config": config.to_dict(),
               "versions": package_versions(), "device": _device_name(config), "generation": gen_stats,
               "benchmarks": {}, "timing": {}}
    if score:
        with _code_pool(benches, pool, config.workers) as sandbox:
            for b, samples in zip(benches, all_samples):
                summary["benchmarks"][b.spec] = _score_one(b, samples, sandbox, config, progress)
    summary["timing"]["total_s"] = round(time.perf_counter() - t0, 2)
    write_json(out / ("summary.json" if score else "generation.json"), summary)
    return summary


def _score_one(b: _Bench, samples: list[dict], sandbox, config: EvalConfig, progress: ProgressFn | None) -> dict:
    t0 = time.perf_counter()
    rows = b.bench.score(samples, workers=config.workers, pool=sandbox,
                         on_progress=(lambda ph, d, t: progress(f"{b.spec}: {ph}", d, t)) if progress else None,
                         source=str(bench_dir(Path(config.out), b.spec) / "samples.jsonl"))
    for row, sample in zip(rows, samples):
        if sample.get("no_code"):
            row["status"] = "no_code"
    write_jsonl(bench_dir(Path(config.out), b.spec) / "results.jsonl", rows)
    result = summarize_bench(b, rows, samples, config.n)
    result["scoring_s"] = round(time.perf_counter() - t0, 2)
    return result


def _code_pool(benches: list[_Bench], pool, workers: int):
    """The given pool, or one opened for the run when a code benchmark needs it (math needs none)."""
    from contextlib import nullcontext

    from recode.sandbox import SandboxPool

    if pool is not None or not any(b.bench.domain == "code" for b in benches):
        return nullcontext(pool)
    return SandboxPool(workers=workers or None)


def _device_name(config: EvalConfig) -> str:
    if config.backend == "openai":
        return f"server {config.base_url or os.environ.get('OPENAI_BASE_URL') or 'default'}"
    try:
        import torch

        if torch.cuda.is_available() and config.device != "cpu":
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return f"cpu ({os.cpu_count()} cores)"
