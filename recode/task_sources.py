"""Task files from the local datasets: MBPP (train/validation), LeetCodeDataset train, KodCode demo, GSM8K train.

Each builder reads the files under `recode.datasets.base.data_dir()` (see shared/data/SOURCES.md) and returns
`Task`s with tests the sandbox can run and the reference solution that preflight checks:

- MBPP: the original split (1-10 prompt, 11-510 test, 511-600 validation, 601-974 train); asserts from
  `test_list` with `test_setup_code`; the first assert is shown in the problem so the function name is known.
- LeetCodeDataset v0.2.0 train: `check(candidate)` tests with `candidate = Solution().method`; the dataset's
  imports preamble (`prompt`) is prepended to every program, as the dataset's own evaluation does.
- KodCode demo: pytest files written `from solution import f`. Made runnable here: the import is dropped (the
  program's names are already in the tests' namespace) and each `test_*` function (or `Test*` class method)
  becomes one step of a `check(candidate)`: `assert test_x() is None`, which fails exactly when pytest would.
- GSM8K train/test: math tasks; the reference answer is the number after `####` (thousands separators removed);
  the worked solution, minus its `<<calculator>>` notes, is the reference reasoning.
- MATH-500: the local test file; `answer` is the reference, `solution` the reference reasoning.
- Hub math sets (MATH train, AIME 2024/2025, Minerva Math): see `HUB_MATH`. They are read from a local copy under
  `data_dir()/<name>/` when there is one, else with `datasets.load_dataset` (lazily imported).
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from recode.datasets.base import data_dir
from recode.io import DataError, read_jsonl
from recode.tasks import Task, Tests
from recode.text import last_boxed

MBPP_SPLITS = {"prompt": range(1, 11), "test": range(11, 511), "validation": range(511, 601),
               "train": range(601, 975)}


def _data_file(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise DataError(f"data not found at {path}; set RECODE_DATA_DIR to the folder that holds {'/'.join(parts)}")
    return path


def called_function(assert_line: str) -> str | None:
    """The first non-builtin function called in an assert (MBPP's entry point).

    Example:
        >>> called_function("assert set(similar(a, b)) == set((4, 5))")
        'similar'
    """
    try:
        tree = ast.parse(assert_line.strip())
    except SyntaxError:
        return None
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    return next((n.func.id for n in calls if not hasattr(builtins, n.func.id)), None)


def mbpp_tasks(split: str = "train") -> list[Task]:
    ids = MBPP_SPLITS[split]
    tasks = []
    for rec in read_jsonl(_data_file("mbpp", "mbpp.jsonl"), required=("task_id", "text", "code", "test_list")):
        if int(rec["task_id"]) not in ids:
            continue
        example = rec["test_list"][0].strip()
        problem = f"{rec['text'].strip()}\nYour code should pass this test:\n{example}"
        tests = Tests("assert", test_code="\n".join(rec["test_list"]), entry_point=called_function(example),
                      setup_code=rec.get("test_setup_code") or "")
        tasks.append(Task(f"Mbpp/{rec['task_id']}", "mbpp", "code", problem, tests, solution=rec["code"],
                          split=split))
    return tasks


_STARTER_MARK = "Please complete the following python code precisely:"


def _split_leetcode_query(query: str) -> tuple[str, str]:
    """LeetCodeDataset's `query` is the statement, a fixed sentence and the starter code in a fence."""
    head, mark, tail = query.partition(_STARTER_MARK)
    if not mark:
        return query.strip(), ""
    match = re.search(r"```(?:python)?\n(.*?)```", tail, re.DOTALL)
    return head.strip(), (match.group(1).strip() if match else "")


def leetcode_tasks() -> list[Task]:
    path = _data_file("leetcodedataset", "LeetCodeDataset-v0.2.0-train.jsonl.gz")
    tasks = []
    for rec in read_jsonl(path, required=("task_id", "prompt", "query", "completion", "test", "entry_point")):
        problem, starter = _split_leetcode_query(rec["query"])
        tests = Tests("assert", test_code=rec["test"], entry_point=rec["entry_point"], prelude=rec["prompt"])
        meta = {"difficulty": (rec.get("meta") or {}).get("difficulty")}
        tasks.append(Task(f"leetcode/{rec['task_id']}", "leetcodedataset", "code", problem, tests,
                          starter_code=starter, solution=rec["completion"], split="train", meta=meta))
    return tasks


def pytest_to_check(test_code: str, where: str = "test code") -> tuple[str, list[str]]:
    """Rewrite a pytest file that imports from `solution` into assert tests the sandbox runs.

    Returns (test code with a `check(candidate)` whose steps call each test, names imported from solution).
    Tests that need fixtures (arguments) or `import solution` cannot be rewritten and raise DataError.
    """
    try:
        module = ast.parse(test_code)
    except SyntaxError as exc:
        raise DataError(f"{where}: does not parse: {exc}") from None
    names, body, calls = [], [], []
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and node.module == "solution":
            names += [a.asname or a.name for a in node.names]
            continue
        if isinstance(node, ast.Import) and any(a.name == "solution" for a in node.names):
            raise DataError(f"{where}: `import solution` is not supported (use `from solution import ...`)")
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            continue  # `if __name__ == "__main__": pytest.main()`
        body.append(node)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            if node.args.args or node.args.posonlyargs or node.args.kwonlyargs:
                raise DataError(f"{where}: {node.name} takes arguments (pytest fixtures are not supported)")
            calls.append(f"{node.name}()")
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            calls += [f"{node.name}().{m.name}()" for m in node.body
                      if isinstance(m, ast.FunctionDef) and m.name.startswith("test")]
    if not calls:
        raise DataError(f"{where}: no test functions found")
    steps = "".join(f"    assert {call} is None\n" for call in calls)
    return ast.unparse(ast.Module(body=body, type_ignores=[])) + f"\n\n\ndef check(candidate):\n{steps}", names


def kodcode_tasks() -> list[Task]:
    tasks = []
    for path in sorted(_data_file("kodcode").glob("Verified_KodCode_*_Complete.json")):
        for n, rec in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            meta = rec.get("metadata") or {}
            where = f"{path.name} item {n}"
            mode = meta.get("mode", "unknown")
            test_code, names = pytest_to_check(rec["test_code"], where)
            problem = (meta.get("original_instruction") or rec["instruction"]).strip()
            if names:
                problem += f"\nThe tests import these names from your solution: {', '.join(names)}."
            # In prefill mode the instruction is a signature and docstring to complete; in the other modes it
            # holds a full solution, so it must not be shown.
            starter = rec["instruction"] if mode == "prefill" else ""
            tests = Tests("assert", test_code=test_code, entry_point=names[0] if names else None)
            tasks.append(Task(f"kodcode/{mode}/{meta.get('prompt_id', n)}", "kodcode", "code", problem, tests,
                              starter_code=starter, solution=rec["response"], split="train",
                              meta={"mode": mode}))
    return tasks


_CALC_NOTE = re.compile(r"<<[^<>]*>>")


def gsm8k_tasks(split: str = "train") -> list[Task]:
    name = "train.jsonl.gz" if split == "train" else "test.jsonl"
    tasks = []
    for i, rec in enumerate(read_jsonl(_data_file("gsm8k", name), required=("question", "answer"))):
        rationale, sep, final = rec["answer"].rpartition("####")
        if not sep:
            raise DataError(f"gsm8k/{name} record {i}: no '####' final answer")
        answer = final.strip().replace(",", "")
        tasks.append(Task(f"gsm8k/{split}/{i}", "gsm8k", "math", rec["question"].strip(),
                          Tests("answer", answer=answer), solution=answer, split=split,
                          meta={"reference_reasoning": _CALC_NOTE.sub("", rationale).strip()}))
    return tasks


def math500_tasks() -> list[Task]:
    required = ("problem", "solution", "answer", "subject", "level", "unique_id")
    tasks = []
    for rec in read_jsonl(_data_file("math500", "test.jsonl"), required=required):
        tasks.append(Task(f"math500/{rec['unique_id']}", "math500", "math", rec["problem"].strip(),
                          Tests("answer", answer=rec["answer"]), solution=rec["answer"], split="test",
                          meta={"subject": rec["subject"], "level": rec["level"],
                                "reference_reasoning": rec["solution"]}))
    return tasks


@dataclass(frozen=True)
class HubMath:
    """A math set on the Hugging Face Hub. Field names are tried in order (copies of one set differ in case)."""

    name: str  # the source name, and the folder under data_dir() that may hold a local copy
    hub_id: str
    split: str
    config: str | None = None
    problem: tuple[str, ...] = ("problem", "Problem", "question")
    answer: tuple[str, ...] = ("answer", "Answer")  # without one, the last \boxed{} of the solution
    solution: tuple[str, ...] = ("solution", "Solution")
    ident: tuple[str, ...] = ("id", "ID", "problem_idx", "unique_id")
    meta: tuple[str, ...] = ("level", "type", "subject", "year", "url")


HUB_MATH: dict[str, HubMath] = {
    "math-train": HubMath("math-train", "DigitalLearningGmbH/MATH-lighteval", "train"),
    "aime24": HubMath("aime24", "HuggingFaceH4/aime_2024", "train"),
    "aime25": HubMath("aime25", "math-ai/aime25", "test"),
    "minerva": HubMath("minerva", "math-ai/minervamath", "test"),
}
_DATA_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".parquet")


def _read_records(path: Path) -> list[dict]:
    """Records of one local data file (JSONL, a JSON list, or Parquet)."""
    if path.name.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise DataError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow)") from None
        return pq.read_table(path).to_pylist()
    if path.name.endswith(".json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise DataError(f"{path}: expected a JSON list of records")
        return data
    return read_jsonl(path)


def _local_records(spec: HubMath, path: Path) -> list[dict]:
    """A file, or a folder (a saved copy of the Hub repository): its data files named after the split, else all."""
    if path.is_file():
        return _read_records(path)
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_DATA_SUFFIXES))
    files = [p for p in files if spec.split in p.name] or files
    if not files:
        raise DataError(f"{path}: no .jsonl, .json or .parquet files for {spec.name}")
    return [rec for f in files for rec in _read_records(f)]


def _hub_records(spec: HubMath) -> list[dict]:
    try:
        import datasets
    except ImportError:
        raise DataError(f"{spec.name}: loading {spec.hub_id} needs the `datasets` package (pip install datasets), "
                        f"or put its files under {data_dir() / spec.name}") from None
    try:
        return list(datasets.load_dataset(spec.hub_id, spec.config, split=spec.split))
    except Exception as exc:  # noqa: BLE001 - offline, renamed, gated: all mean "get the files another way"
        raise DataError(f"{spec.name}: cannot load {spec.hub_id} (split {spec.split}) from the Hugging Face Hub "
                        f"({type(exc).__name__}: {str(exc)[:200]}). Offline? Copy its data files (Parquet/JSONL) "
                        f"into {data_dir() / spec.name}/ or pass a local path (benchmarks: {spec.name}:path=FILE)") from None


def _first(rec: dict, keys: tuple[str, ...]) -> Any:
    return next((rec[k] for k in keys if rec.get(k) is not None and str(rec[k]).strip()), None)


def hub_math_tasks(name: str, source: str | None = None) -> list[Task]:
    """Tasks of a `HUB_MATH` set, from `source` (a local file/folder or another Hub id), a local copy under
    `data_dir()/<name>/`, or the set's Hub id, in that order."""
    spec = HUB_MATH[name]
    local = Path(source) if source and Path(source).exists() else data_dir() / name
    if local.exists():
        records, where = _local_records(spec, local), str(local)
    else:
        spec = replace(spec, hub_id=source) if source else spec
        records, where = _hub_records(spec), spec.hub_id
    tasks = []
    for i, rec in enumerate(records):
        problem, solution = _first(rec, spec.problem), _first(rec, spec.solution)
        answer = _first(rec, spec.answer)
        answer = str(answer).strip() if answer is not None else last_boxed(solution or "")
        if not problem or not answer:
            raise DataError(f"{where} record {i}: needs a problem ({'/'.join(spec.problem)}) and an answer "
                            f"({'/'.join(spec.answer)}, or a \\boxed{{}} in {'/'.join(spec.solution)})")
        ident = _first(rec, spec.ident)
        meta = {k: rec[k] for k in spec.meta if rec.get(k) is not None}
        if solution:
            meta["reference_reasoning"] = str(solution)
        tasks.append(Task(f"{name}/{ident if ident is not None else i}", name, "math", str(problem).strip(),
                          Tests("answer", answer=answer), solution=answer, split=spec.split, meta=meta))
    return tasks


# name -> builder. Add a source by writing a builder above and one entry here.
SOURCES: dict[str, Callable[[], list[Task]]] = {
    "mbpp-train": lambda: mbpp_tasks("train"),
    "mbpp-validation": lambda: mbpp_tasks("validation"),
    "leetcode-train": leetcode_tasks,
    "kodcode-demo": kodcode_tasks,
    "gsm8k-train": lambda: gsm8k_tasks("train"),
    "gsm8k-test": lambda: gsm8k_tasks("test"),
    "math500": math500_tasks,
    **{name: (lambda name=name: hub_math_tasks(name)) for name in HUB_MATH},
}
