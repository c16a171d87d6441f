"""Variants: for each seed and dimension, an optimized rewrite and degraded rewrites, all through quality control.

LLM rewrites: `variant_samples` samples per (seed, dimension, direction) with the prompts of prompts.py; each is
cleaned (quality.clean_rewrite) and checked (quality.check_variant); the first that passes is kept. Rule-based
degradations (degrade.py) of the dimension are added as further degraded variants. With `judge: true` the
generator is also asked which of (original, rewrite) is better along the dimension, in a seeded random order;
a rewrite the judge does not rank as intended is dropped.

One row of variants.jsonl per (seed, dimension):

    {"seed_id": "Mbpp/601#free2", "task_id": "Mbpp/601", "domain": "code", "dimension": "logical_rigor",
     "problem": "...", "original": "...", "seed_mode": "free", "generator": "smollm2", "prompt_version": "crpl-v1",
     "optimized": {"text": "...", "source": "llm:optimize"} | null,
     "degraded": [{"text": "...", "source": "llm:degrade"}, {"text": "...", "source": "rule:drop_step"}],
     "rejected": [{"source": "llm:degrade", "reasons": ["length: ratio 2.10"]}]}
"""

from __future__ import annotations

import random
from collections import Counter

from recode.synth.config import SynthConfig
from recode.synth.degrade import RULES, apply_rule
from recode.synth.prompts import PROMPT_VERSION, judge_messages, rewrite_messages
from recode.synth.quality import check_variant, clean_rewrite
from recode.synth.seeds import GenerateFn


def _qc(cfg: SynthConfig, seed: dict, text: str, siblings: list[str]) -> list[str]:
    return check_variant(seed["reasoning"], text, seed["problem"], seed.get("artifact") or "",
                         min_length_ratio=cfg.min_length_ratio, max_length_ratio=cfg.max_length_ratio,
                         min_changed_words=cfg.min_changed_words, min_anchor_overlap=cfg.min_anchor_overlap,
                         siblings=siblings)


def llm_rewrites(seeds: list[dict], cfg: SynthConfig, generate: GenerateFn) -> dict[tuple[str, str, str], list[str]]:
    """(seed_id, dimension, direction) -> the sampled rewrites."""
    items = [(s, d, direction) for s in seeds for d in cfg.dimensions for direction in ("optimize", "degrade")]
    keys = [f"variant:{direction}:{d}:{s['seed_id']}" for s, d, direction in items]
    chats = [rewrite_messages(s["problem"], s["reasoning"], d, direction, s.get("domain", "code"))
             for s, d, direction in items]
    outs = generate(keys, chats, cfg.variant_samples, cfg.variant_temperature, cfg.variant_max_new_tokens,
                    "variants (LLM rewrites)")
    return {(s["seed_id"], d, direction): texts for (s, d, direction), texts in zip(items, outs)}


def triple_row(seed: dict, dimension: str, rewrites: dict, cfg: SynthConfig) -> dict:
    """Quality-checked optimized and degraded variants of one seed along one dimension."""
    row = {"seed_id": seed["seed_id"], "task_id": seed["task_id"], "domain": seed.get("domain", "code"),
           "dimension": dimension, "problem": seed["problem"], "original": seed["reasoning"],
           "seed_mode": seed.get("mode"), "generator": seed.get("generator"), "prompt_version": PROMPT_VERSION,
           "optimized": None, "degraded": [], "rejected": []}
    kept: list[str] = []
    for direction in ("optimize", "degrade"):
        source = f"llm:{direction}"
        for text in rewrites.get((seed["seed_id"], dimension, direction), []):
            text = clean_rewrite(text)
            reasons = _qc(cfg, seed, text, kept)
            if reasons:
                row["rejected"].append({"source": source, "reasons": reasons})
                continue
            kept.append(text)
            if direction == "optimize":
                row["optimized"] = {"text": text, "source": source}
            else:
                row["degraded"].append({"text": text, "source": source})
            break
    for name in cfg.rule_degraders:
        if RULES[name][1] != dimension:
            continue
        text = apply_rule(name, seed["reasoning"], seed.get("artifact") or "", f"{cfg.seed}:{seed['seed_id']}")
        if text is None:
            row["rejected"].append({"source": f"rule:{name}", "reasons": ["not applicable"]})
            continue
        reasons = _qc(cfg, seed, text, kept)
        if reasons:
            row["rejected"].append({"source": f"rule:{name}", "reasons": reasons})
        else:
            kept.append(text)
            row["degraded"].append({"text": text, "source": f"rule:{name}"})
    return row


def judge_filter(rows: list[dict], cfg: SynthConfig, generate: GenerateFn) -> None:
    """Drop LLM rewrites that the judge does not rank as intended (optimized > original > degraded)."""
    checks = []  # (row, variant, the variant should win)
    for row in rows:
        if row["optimized"]:
            checks.append((row, row["optimized"], True))
        checks += [(row, v, False) for v in row["degraded"] if v["source"].startswith("llm:")]
    rng = random.Random(cfg.seed)
    flips = [rng.random() < 0.5 for _ in checks]  # variant shown as A when True
    chats = [judge_messages(r["problem"], *((v["text"], r["original"]) if flip else (r["original"], v["text"])),
                            r["dimension"]) for (r, v, _), flip in zip(checks, flips)]
    keys = [f"judge:{r['seed_id']}:{r['dimension']}:{v['source']}:{int(flip)}" for (r, v, _), flip in
            zip(checks, flips)]
    outs = generate(keys, chats, 1, 0.0, 4, "judge")
    for (row, variant, should_win), flip, out in zip(checks, flips, outs):
        answer = out[0].strip().upper()[:1]
        variant_won = (answer == "A") == flip
        if answer not in ("A", "B") or variant_won != should_win:
            row["rejected"].append({"source": variant["source"], "reasons": [f"judge: {out[0].strip()[:20]!r}"]})
            if row["optimized"] is variant:
                row["optimized"] = None
            else:
                row["degraded"].remove(variant)


def make_variants(seeds: list[dict], cfg: SynthConfig, generate: GenerateFn | None) -> tuple[list[dict], dict]:
    """(variants rows, report). `generate` may be None when `llm_variants` and `judge` are off."""
    rewrites = llm_rewrites(seeds, cfg, generate) if cfg.llm_variants else {}
    rows = [triple_row(s, d, rewrites, cfg) for s in seeds for d in cfg.dimensions]
    if cfg.judge and (cfg.llm_variants and generate is not None):
        judge_filter(rows, cfg, generate)
    kept = Counter(v["source"] for r in rows for v in r["degraded"])
    kept.update(r["optimized"]["source"] for r in rows if r["optimized"])
    rejected = Counter(f"{x['source']} | {reason.split(':')[0]}" for r in rows for x in r["rejected"]
                       for reason in x["reasons"])
    return rows, {"rows": len(rows), "kept": dict(sorted(kept.items())), "rejected": dict(sorted(rejected.items()))}
