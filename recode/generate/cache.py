"""Resumable generation: completions are appended to a JSONL file as they are made, and a rerun reuses them.

Each line is one completion:

    {"model": ..., "key": ..., "sample": 0, "config": "<SamplingConfig.key()>", "prompt": "<hash>", "text": ...}

A completion is reused when model, item key, sample index, decoding config and prompt all match, so changing
any of them regenerates only what changed. Lines are written (and flushed to disk) after each chunk of
prompts, so a killed run loses at most one chunk; a half-written last line is ignored. One process per file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from recode.generate.base import Chat, GenerationError, Generator, SamplingConfig, check_prompts
from recode.io import DataError


def prompt_hash(chat: Chat) -> str:
    return hashlib.sha256(json.dumps(chat, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def drop_partial_line(path: Path) -> None:
    """A run killed mid-write leaves a last line without its newline: cut it (that completion is made again)."""
    if not path.exists():
        return
    with open(path, "rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


def load_cache(path: Path) -> dict[tuple, str]:
    """(model, key, sample, config, prompt) -> text; a malformed line is an error naming file:line."""
    out: dict[tuple, str] = {}
    if not path.exists():
        return out
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                out[(r["model"], r["key"], int(r["sample"]), r["config"], r["prompt"])] = r["text"]
            except (ValueError, KeyError, TypeError) as exc:
                raise DataError(f"{path}:{n}: not a generation cache line ({exc!r}); delete the file to start "
                                "over") from None
    return out


def generate_cached(generator: Generator, keys: Sequence[str], prompts: Sequence[Chat], sampling: SamplingConfig,
                    path: str | Path, *, model: str | None = None, chunk_size: int = 256,
                    on_progress: Callable[[int, int], None] | None = None,
                    counts: dict | None = None) -> list[list[str]]:
    """`sampling.n` completions per prompt (like `Generator.generate`), reusing those already in `path`.

    Args:
        keys: a unique, stable name per prompt (e.g. "humaneval+/HumanEval/0").
        model: the name the cache records (default: `generator.model`).
        chunk_size: prompts generated between two writes to the cache.
        on_progress: (prompts complete, total), counting cached prompts as complete.
        counts: if given, receives {"cached": completions reused, "generated": completions made}.
    """
    if len(keys) != len(prompts):
        raise GenerationError(f"{len(keys)} keys for {len(prompts)} prompts")
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if list(keys).count(k) > 1)
        raise GenerationError(f"duplicate prompt key {dup!r}: keys must be unique")
    chats = check_prompts(prompts)
    path = Path(path)
    model, config = model or generator.model, sampling.key()
    hashes = [prompt_hash(c) for c in chats]
    drop_partial_line(path)
    cache = load_cache(path)
    outs: list[list[str | None]] = [[cache.get((model, k, s, config, h)) for s in range(sampling.n)]
                                    for k, h in zip(keys, hashes)]
    todo = [i for i, o in enumerate(outs) if None in o]
    # Longest prompts first, across chunks: a static KV cache is then sized by the first chunk.
    todo.sort(key=lambda i: -sum(len(m["content"]) for m in chats[i]))
    reused = sum(s is not None for o in outs for s in o)
    done = len(chats) - len(todo)
    if on_progress:
        on_progress(done, len(chats))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        for start in range(0, len(todo), chunk_size):
            chunk = todo[start:start + chunk_size]
            _fill_chunk(generator, chunk, chats, outs, sampling, f, (model, keys, config, hashes),
                        (lambda d, _t, base=done: on_progress(base + d, len(chats))) if on_progress else None)
            done += len(chunk)
    if counts is not None:
        counts.update(cached=reused, generated=len(chats) * sampling.n - reused)
    return outs  # type: ignore[return-value]


def _fill_chunk(generator, chunk, chats, outs, sampling, f, ident, on_progress) -> None:
    """Generate the missing samples of `chunk` (grouped by how many each lacks) and append them to `f`."""
    model, keys, config, hashes = ident
    by_missing: dict[int, list[int]] = {}
    for i in chunk:
        by_missing.setdefault(sum(s is None for s in outs[i]), []).append(i)
    finished = 0
    for missing, items in by_missing.items():
        sub = replace(sampling, n=missing)
        texts = generator.generate([chats[i] for i in items], sub,
                                   (lambda d, t, b=finished: on_progress(b + d, len(chunk))) if on_progress else None)
        lines = []
        for i, new in zip(items, texts):
            slots = [s for s, text in enumerate(outs[i]) if text is None]
            for s, text in zip(slots, new):
                outs[i][s] = text
                lines.append(json.dumps({"model": model, "key": keys[i], "sample": s, "config": config,
                                         "prompt": hashes[i], "text": text}, ensure_ascii=False))
        f.write("\n".join(lines) + "\n")
        f.flush()
        os.fsync(f.fileno())
        finished += len(items)
