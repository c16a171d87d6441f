"""Deterministic wrong solutions, like the ones an RL policy writes, made from the canonical solutions.

One mutant per task. The program is ``prompt + canonical_solution`` (EvalPlus's full ``solution``), parsed with
``ast``; one mutation is applied and the module is written back with
``ast.unparse`` (comments and formatting are lost, behaviour is kept). The kind is drawn per task from a
``random.Random`` seeded with ``f"{seed}/{task_id}"``, so a task's mutant does not depend on the other tasks:

=====================  ======  =================================================================
kind                   weight  what it does
=====================  ======  =================================================================
wrong_constant         0.25    one int literal (bools excluded) becomes value + 1
swapped_comparison     0.25    one comparison operator is negated: < >=, > <=, == !=, in / not in, is
return_none            0.20    one ``return <expr>`` becomes ``return None`` (``return None`` first if none)
raise_exception        0.20    ``raise ValueError(...)`` as the first statement (after the docstring)
infinite_loop          0.10    ``while True: pass`` as the first statement (after the docstring)
=====================  ======  =================================================================

Constants and comparisons are only taken from the canonical-solution lines (the code a model would write),
never from the given prompt (HumanEval+ prompts hold helpers such as ``poly`` for HumanEval/32). Returns and
inserted statements concern the entry-point function itself.

A kind that does not apply to a task (no int literal, no comparison) is left out of that task's draw and the
weights of the others are renormalised, so the realised mix drifts a little from the weights (printed by the
CLI). Some mutants stay correct by accident (a constant that does not matter, a dead comparison): that is
fine and realistic; the benchmark compares verdicts, it does not assume every mutant fails.

    python benchmarks/mutants.py --benchmark humaneval+ --seed 0 --out runs/mutants_humaneval+.jsonl
"""

from __future__ import annotations

import argparse
import ast
import random
from collections import Counter

from bench_data import BENCHMARKS, load_problems, write_jsonl

WEIGHTS = {
    "wrong_constant": 0.25,
    "swapped_comparison": 0.25,
    "return_none": 0.20,
    "raise_exception": 0.20,
    "infinite_loop": 0.10,
}

NEGATED = {
    ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}


def entry_function(tree: ast.Module, entry_point: str) -> ast.FunctionDef:
    """The last top-level definition of the entry point (the one a caller gets after exec)."""
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == entry_point]
    if not defs:
        raise ValueError(f"no top-level function {entry_point!r}")
    return defs[-1]


def own_nodes(fn: ast.FunctionDef):
    """Nodes of fn's body, not descending into nested functions, lambdas or classes (their returns differ)."""
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def written_nodes(tree: ast.Module, first_line: int, node_type: type) -> list:
    """Nodes of node_type in the canonical-solution part of the program (line >= first_line), in source order."""
    nodes = [n for n in ast.walk(tree) if isinstance(n, node_type) and n.lineno >= first_line]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def int_literals(tree: ast.Module, first_line: int) -> list[ast.Constant]:
    return [n for n in written_nodes(tree, first_line, ast.Constant) if type(n.value) is int]


def comparisons(tree: ast.Module, first_line: int) -> list[tuple[ast.Compare, int]]:
    nodes = written_nodes(tree, first_line, ast.Compare)
    return [(n, i) for n in nodes for i, op in enumerate(n.ops) if type(op) in NEGATED]


def body_start(fn: ast.FunctionDef) -> int:
    """Index of the first statement after the docstring."""
    first = fn.body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    return 1 if is_doc else 0


def applicable_kinds(tree: ast.Module, first_line: int) -> list[str]:
    kinds = list(WEIGHTS)
    if not int_literals(tree, first_line):
        kinds.remove("wrong_constant")
    if not comparisons(tree, first_line):
        kinds.remove("swapped_comparison")
    return kinds


def mutate(tree: ast.Module, fn: ast.FunctionDef, first_line: int, kind: str, rng: random.Random) -> str:
    """Apply one mutation of ``kind`` in place; return a one-line description."""
    if kind == "wrong_constant":
        node = rng.choice(int_literals(tree, first_line))
        node.value += 1
        return f"line {node.lineno}: {node.value - 1} -> {node.value}"
    if kind == "swapped_comparison":
        node, i = rng.choice(comparisons(tree, first_line))
        old = node.ops[i]
        node.ops[i] = NEGATED[type(old)]()
        return f"line {node.lineno}: {type(old).__name__} -> {type(node.ops[i]).__name__}"
    if kind == "return_none":
        returns = sorted((n for n in own_nodes(fn) if isinstance(n, ast.Return) and n.value is not None),
                         key=lambda n: (n.lineno, n.col_offset))
        if returns:
            node = rng.choice(returns)
            node.value = ast.Constant(None)
            return f"line {node.lineno}: return <expr> -> return None"
        fn.body.insert(body_start(fn), ast.Return(ast.Constant(None)))
        return "return None inserted first"
    if kind == "raise_exception":
        fn.body.insert(body_start(fn), ast.parse("raise ValueError('unsupported input')").body[0])
        return "raise ValueError first"
    if kind == "infinite_loop":
        fn.body.insert(body_start(fn), ast.parse("while True:\n    pass").body[0])
        return "while True: pass first"
    raise ValueError(f"unknown mutation kind {kind!r}")


def make_mutant(problem: dict, seed: int) -> dict:
    task_id = problem["task_id"]
    rng = random.Random(f"{seed}/{task_id}")
    tree = ast.parse(problem["prompt"] + problem["canonical_solution"])
    fn = entry_function(tree, problem["entry_point"])
    first_line = problem["prompt"].count("\n") + 1  # where canonical_solution starts
    kinds = applicable_kinds(tree, first_line)
    kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
    detail = mutate(tree, fn, first_line, kind, rng)
    solution = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    return {"task_id": task_id, "solution": solution, "mutation": kind, "mutation_detail": detail}


def make_mutants(problems: list[dict], seed: int = 0) -> list[dict]:
    return [make_mutant(p, seed) for p in problems]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmark", choices=sorted(BENCHMARKS), required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="EvalPlus-format JSONL: task_id, solution, mutation")
    args = parser.parse_args(argv)
    mutants = make_mutants(load_problems(args.benchmark), args.seed)
    write_jsonl(args.out, mutants)
    mix = Counter(m["mutation"] for m in mutants)
    print(f"{len(mutants)} mutants -> {args.out}")
    for kind, weight in WEIGHTS.items():
        print(f"  {kind:<20} {mix[kind]:>4}  ({mix[kind] / len(mutants):.0%}, weight {weight:.0%})")


if __name__ == "__main__":
    main()
