"""The reasoning format, as pure string functions: split `<think>`/`<answer>`, pull out the code or the answer.

A completion in the ReCode format looks like

    <think>
    ... the reasoning ...
    </think>
    <answer>
    ```python
    ... the solution ...
    ```
    </answer>

`parse_completion` never raises: every string, however malformed, gets a `Parsed` with a defined format verdict
and (possibly no) code. The rules, which the reward, the evaluation and the data synthesis all share:

- **Format** (`format_ok`, the reward's R_fmt): exactly one `<think>...</think>` followed by exactly one
  `<answer>...</answer>`, with only whitespace around and between them (trailing special tokens such as
  `<|im_end|>` are ignored), a non-empty reasoning, and, for code, exactly one closed fenced code block in the
  answer (for math, a non-empty answer).
- **Code** (what the sandbox runs): from the answer when there is one; with several answer blocks, the last
  complete one (the model's final word, as with the last `\\boxed{}`). Inside it, the last fenced block tagged
  python/py (or untagged); an unclosed fence (a cut-off generation) runs to the end of the answer; an answer
  with no fence at all is taken as code. Code in the reasoning is never run when an answer exists.
- **Lenient fallback** (`strict=False`, the default): without an answer block, the last python block after
  `</think>` is used, or, without any tags, the last python block anywhere. With `strict=True` there is no code
  unless a complete answer block exists. The outcome reward is defined independently of the format reward, so
  by default a correct program earns R_out even when the tags are wrong (it still loses R_fmt).
- **Math**: the final answer is the content of the last `\\boxed{...}` (braces balanced) in the answer, else the
  whole stripped answer; with the lenient fallback, the last `\\boxed{}` anywhere.

The system prompts that ask for this format live here too, so generation and reward cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_SYSTEM_PROMPT = (
    "You are a careful programmer. First think through the problem step by step inside <think> </think> tags: "
    "understand the task, consider edge cases, and plan the algorithm. Then give your final solution inside "
    "<answer> </answer> tags as a single Python code block (```python ... ```). Write nothing after </answer>."
)

MATH_SYSTEM_PROMPT = (
    "You are a careful mathematician. First think through the problem step by step inside <think> </think> "
    "tags. Then give the final answer inside <answer> </answer> tags, written as \\boxed{...}. Write nothing "
    "after </answer>."
)

SYSTEM_PROMPTS = {"code": CODE_SYSTEM_PROMPT, "math": MATH_SYSTEM_PROMPT}

THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE = "<think>", "</think>", "<answer>", "</answer>"
_TAGS = (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)
# End-of-turn markers a decoder may leave when special tokens are not skipped (ChatML, Llama, Gemma, T5...).
_TRAILING_SPECIAL = re.compile(r"(?:\s*(?:<\|[^|<>\s]{1,40}\|>|</s>|<eos>|<end_of_turn>))+\s*\Z")
# ``` or ~~~ fences with an optional info string; only python-ish (or untagged) blocks are code.
_FENCE_OPEN = re.compile(r"^[ \t]*(```|~~~)[ \t]*([\w+.#-]*)[^\n]*\n", re.MULTILINE)
_PYTHON_TAGS = {"", "python", "py", "python3", "py3"}


@dataclass(frozen=True)
class CodeBlock:
    language: str  # the fence's tag, lower-cased ("" when untagged)
    code: str
    closed: bool  # False: the fence was never closed (a generation cut off mid-block)


@dataclass(frozen=True)
class Parsed:
    """What a completion holds. `reasoning`/`answer` are None when their block is missing."""

    reasoning: str | None
    answer: str | None
    code: str | None  # the program to run (code domain), or None
    final_answer: str | None  # the math answer (boxed content or the whole answer), or None
    format_ok: bool
    problems: tuple[str, ...]  # why the format is not ok (empty when it is); short, for logs
    code_source: str | None  # "answer" | "after_think" | "anywhere" | None

    @property
    def reasoning_words(self) -> int:
        return len(self.reasoning.split()) if self.reasoning else 0


def strip_trailing_special(text: str) -> str:
    """Drop end-of-turn special tokens (and whitespace) at the very end of a decoded completion.

    Example:
        >>> strip_trailing_special("<answer>x</answer><|im_end|>\\n")
        '<answer>x</answer>'
    """
    return _TRAILING_SPECIAL.sub("", text)


def code_blocks(text: str) -> list[CodeBlock]:
    """Fenced blocks in order. A fence that is never closed yields one last block running to the end.

    Example:
        >>> [b.code for b in code_blocks("a\\n```python\\nx = 1\\n```\\nb\\n```\\ny = 2")]
        ['x = 1', 'y = 2']
    """
    blocks, pos = [], 0
    while (m := _FENCE_OPEN.search(text, pos)) is not None:
        fence, lang = m.group(1), m.group(2).lower()
        close = re.compile(rf"^[ \t]*{re.escape(fence)}[ \t]*$", re.MULTILINE).search(text, m.end())
        if close is None:
            blocks.append(CodeBlock(lang, text[m.end():].rstrip(), closed=False))
            break
        blocks.append(CodeBlock(lang, text[m.end():close.start()].rstrip("\n"), closed=True))
        pos = close.end()
    return blocks


def python_code(text: str) -> tuple[str | None, int]:
    """The last python (or untagged) block of `text`, and how many python blocks there are.

    Returns (None, 0) when the text has fences but none is python; the text itself when it has no fence.
    """
    blocks = code_blocks(text)
    if not blocks:
        stripped = text.strip()
        return (stripped or None), 0
    python = [b for b in blocks if b.language in _PYTHON_TAGS]
    if not python:
        return None, 0
    return python[-1].code, len(python)


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` (or `\\fbox{...}`), braces balanced; None if there is none.

    Example:
        >>> last_boxed(r"so \\boxed{1} or rather \\boxed{\\frac{1}{2}}")
        '\\\\frac{1}{2}'
    """
    starts = [m.end() for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text)]
    for start in reversed(starts):
        depth, i = 1, start
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            return text[start:i - 1].strip()
    return None


def _blocks(text: str, open_tag: str, close_tag: str) -> list[tuple[int, int, int, int]]:
    """(open start, content start, content end, close end) of each complete, non-nested block."""
    out, pos = [], 0
    while (start := text.find(open_tag, pos)) != -1:
        end = text.find(close_tag, start + len(open_tag))
        if end == -1:
            break
        out.append((start, start + len(open_tag), end, end + len(close_tag)))
        pos = end + len(close_tag)
    return out


def _format_problems(text: str, domain: str, thinks, answers) -> list[str]:
    """Why `text` is not `<think>...</think><answer>...</answer>`; empty when it is."""
    problems = [f"{tag} appears {text.count(tag)} times" for tag in _TAGS if text.count(tag) != 1]
    if problems:
        return problems
    (t0, t1, t2, t3), (a0, a1, a2, a3) = thinks[0], answers[0]
    if a0 < t3:
        return ["<answer> comes before </think>"]
    if text[:t0].strip() or text[t3:a0].strip() or text[a3:].strip():
        problems.append("text outside the <think> and <answer> blocks")
    if not text[t1:t2].strip():
        problems.append("empty reasoning")
    answer = text[a1:a2]
    if domain == "math":
        return problems + ([] if answer.strip() else ["empty answer"])
    blocks = code_blocks(answer)
    if not blocks:
        problems.append("no code block in the answer")
    elif not all(b.closed for b in blocks):
        problems.append("unclosed code block in the answer")
    elif len(blocks) != 1:
        problems.append(f"{len(blocks)} code blocks in the answer (expected one)")
    elif blocks[0].language not in _PYTHON_TAGS:
        problems.append(f"the code block is {blocks[0].language!r}, not python")
    return problems


def parse_completion(text: str, domain: str = "code", strict: bool = False, think_prefilled: bool = False) -> Parsed:
    """Split a completion into reasoning and answer and extract what the verifier needs. Never raises.

    Args:
        text: the generated text (decoded; special tokens at the end are ignored).
        domain: "code" (extract a python program) or "math" (extract the final answer).
        strict: no code/answer unless a complete `<answer>` block exists (see the module docstring).
        think_prefilled: the prompt already ended with `<think>` (some chat templates add it), so the
            completion starts inside the reasoning; `<think>` is put back before parsing.

    Example:
        >>> p = parse_completion("<think>add them</think><answer>```python\\ndef f(a, b): return a + b\\n```</answer>")
        >>> p.format_ok, p.code
        (True, 'def f(a, b): return a + b')
    """
    if domain not in SYSTEM_PROMPTS:
        raise ValueError(f"unknown domain {domain!r}; choose one of {', '.join(SYSTEM_PROMPTS)}")
    text = strip_trailing_special(text if isinstance(text, str) else "")
    if think_prefilled and not text.lstrip().startswith(THINK_OPEN):
        text = THINK_OPEN + text
    thinks, answers = _blocks(text, THINK_OPEN, THINK_CLOSE), _blocks(text, ANSWER_OPEN, ANSWER_CLOSE)
    reasoning = text[thinks[0][1]:thinks[0][2]].strip() if thinks else None
    answer = text[answers[-1][1]:answers[-1][2]] if answers else None
    code = final = source = None
    if answer is not None:
        source = "answer"
        code = python_code(answer)[0] if domain == "code" else None
        final = (last_boxed(answer) or answer.strip() or None) if domain == "math" else None
    elif not strict:
        think_end = text.rfind(THINK_CLOSE)
        rest, source = (text[think_end + len(THINK_CLOSE):], "after_think") if think_end != -1 else (text, "anywhere")
        if domain == "code":
            fenced = [b for b in code_blocks(rest) if b.language in _PYTHON_TAGS]
            code = fenced[-1].code if fenced else None  # bare prose is never run as code
        else:
            final = last_boxed(rest)
        if code is None and final is None:
            source = None
    problems = _format_problems(text, domain, thinks, answers)
    return Parsed(reasoning=reasoning, answer=answer.strip() if answer is not None else None,
                  code=code if code and code.strip() else None, final_answer=final, format_ok=not problems,
                  problems=tuple(problems), code_source=source if (code or final) else None)


def format_completion(reasoning: str, solution: str, domain: str = "code") -> str:
    """Write a completion in the ReCode format (used for reference solutions and synthetic data).

    Example:
        >>> parse_completion(format_completion("easy", "x = 1")).format_ok
        True
    """
    if domain == "code":
        body = f"```python\n{solution.strip()}\n```"
    else:
        body = solution.strip() if "\\boxed" in solution else f"\\boxed{{{solution.strip()}}}"
    return f"{THINK_OPEN}\n{reasoning.strip()}\n{THINK_CLOSE}\n{ANSWER_OPEN}\n{body}\n{ANSWER_CLOSE}"
