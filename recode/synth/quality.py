"""Quality controls on rewrites: a variant is kept only if it is still reasoning about the same problem.

`check_variant` returns the reasons a variant is rejected (empty: kept). The checks:

- format: empty, or adds tags (`<think>`, `<answer>`, chat special tokens) or a chat preamble the RM would
  learn as a marker ("Here is the rewritten reasoning") that the original does not have. `clean_rewrite` strips the harmless wrappers
  (a leading "Rewritten reasoning:" label, surrounding quotes) before the checks.
- leaks_code: a fenced code block, or more verbatim lines of the seed's program than the original has:
  the RM must judge the reasoning, not find the answer in it.
- changes_problem: the original's *anchors* (identifiers and numbers of the problem statement that the
  original reasoning mentions, e.g. the function name and example values) are mostly gone
  (kept share < `min_anchor_overlap`).
- length: words(variant) / words(original) outside [min_length_ratio, max_length_ratio], so that "longer is
  better" cannot explain the pairs (pairs.py reports how well it does anyway).
- near_duplicate: fewer than `min_changed_words` words differ (case and punctuation ignored) from the original
  or from an already kept sibling. A rewrite that changes one fact is a useful minimal contrast, so the default
  is 1: only rewrites that change nothing are dropped.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_TAGS = re.compile(r"</?(think|answer)>|<\|[^|<>\s]{1,40}\|>", re.IGNORECASE)
_PREAMBLE = re.compile(r"^\s*(sure|certainly|of course|here is|here's|below is|i have rewritten|as requested)\b",
                       re.IGNORECASE)
_LABEL = re.compile(r"^\s*(\*\*)?(rewritten|improved|revised|degraded|optimized)( reasoning)?(\s*:\s*\*\*|\*\*\s*:|\s*:)\s*",
                    re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?")
_COMMON = set(re.findall(r"\w+", """a an and are as at be but by can do each else for from function given has have if
in is it its list of on or return returns that the then this to using value values when which with write you your
number numbers string strings should test code pass assert true false none"""))


def clean_rewrite(text: str) -> str:
    """Strip wrappers a rewrite may come in: a label line, surrounding quotes, trailing special tokens.

    Example:
        >>> clean_rewrite('Rewritten reasoning: "First sort the list."')
        'First sort the list.'
    """
    text = re.sub(r"(<\|[^|<>\s]{1,40}\|>\s*)+\Z", "", text.strip()).strip()
    text = _LABEL.sub("", text, count=1).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def words(text: str) -> int:
    return len(text.split())


def _norm_words(text: str) -> list[str]:
    return [w for w in (re.sub(r"[^\w^*+/<>=-]", "", w.lower()) for w in text.split()) if w]


def changed_words(a: str, b: str) -> int:
    """How many words differ between two texts (inserted, deleted or replaced; case and punctuation ignored).

    Example:
        >>> changed_words("It runs in O(n) time.", "it runs in O(n^2) time")
        1
    """
    ops = SequenceMatcher(None, _norm_words(a), _norm_words(b), autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")


def code_lines(code: str) -> set[str]:
    """Lines of a program long enough to be telling when copied verbatim."""
    out = set()
    for line in (code or "").splitlines():
        line = line.strip()
        if len(line) >= 16 and not line.startswith("#"):
            out.add(line)
    return out


def anchors(problem: str, reasoning: str) -> set[str]:
    """Identifiers and numbers of the problem that the reasoning mentions (minus common words)."""
    in_problem = {w for w in _WORD.findall(problem) if w.lower() not in _COMMON and len(w) > 1 or w.isdigit()}
    return {w for w in _WORD.findall(reasoning) if w in in_problem}


def check_variant(original: str, variant: str, problem: str, code: str, *, min_length_ratio: float,
                  max_length_ratio: float, min_changed_words: int, min_anchor_overlap: float,
                  siblings: list[str] = ()) -> list[str]:
    """Reasons to reject `variant` (a rewrite of `original` for `problem`, whose program is `code`)."""
    reasons = []
    if not variant.strip():
        return ["format: empty"]
    # Only what the rewrite adds counts: a seed that opens with "Here is ..." passes that on to its rule variants.
    if _TAGS.search(variant) and not _TAGS.search(original):
        reasons.append("format: tags")
    if _PREAMBLE.match(variant) and not _PREAMBLE.match(original):
        reasons.append("format: preamble")
    if _FENCE.search(variant) and not _FENCE.search(original):
        reasons.append("leaks_code: code block")
    program = code_lines(code)
    if program and len({ln for ln in program if ln in variant}) > len({ln for ln in program if ln in original}):
        reasons.append("leaks_code: program lines")
    kept = anchors(problem, original)
    if kept and len(kept & set(_WORD.findall(variant))) / len(kept) < min_anchor_overlap:
        reasons.append("changes_problem: anchors lost")
    ratio = words(variant) / max(1, words(original))
    if not min_length_ratio <= ratio <= max_length_ratio:
        reasons.append(f"length: ratio {ratio:.2f}")
    if any(changed_words(variant, other) < min_changed_words for other in [original, *siblings]):
        reasons.append("near_duplicate")
    return reasons
