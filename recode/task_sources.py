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
- GSM8K train: math tasks; the reference answer is the number after `####` (thousands separators removed); the
  worked solution, minus its `<<calculator>>` notes, is the reference reasoning.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from collections.abc import Callable
from pathlib import Path

from recode.datasets.base import data_dir
from recode.io import DataError, read_jsonl
from recode.tasks import Task, Tests

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


# name -> builder. Add a source by writing a builder above and one entry here.
SOURCES: dict[str, Callable[[], list[Task]]] = {
    "mbpp-train": lambda: mbpp_tasks("train"),
    "mbpp-validation": lambda: mbpp_tasks("validation"),
    "leetcode-train": leetcode_tasks,
    "kodcode-demo": kodcode_tasks,
    "gsm8k-train": lambda: gsm8k_tasks("train"),
}
