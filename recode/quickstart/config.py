"""The quickstart's one config: sizes of every stage, chosen so the full run fits in 15 minutes on a 2-core CPU
(generation is the bottleneck there: about 33 tokens/s for SmolLM2-135M in batches of 16, BENCHMARKS.md).

`configs/quickstart/ci.yaml` shrinks everything further for a CI smoke test; every key can be overridden
(`recode quickstart --set train_steps=4`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recode.config import ConfigError, StageConfig


@dataclass
class QuickstartConfig(StageConfig):
    run_dir: str = "runs/quickstart"  # every stage writes into its own folder here; finished stages are skipped
    model: str = "smollm2"  # policy, generator and reward-model base: Hub id, local folder, or smollm2 (embedded)
    device: str = "auto"  # auto = cuda when available, else cpu
    seed: int = 0
    max_new_tokens: int = 160  # generation length of every sampling stage (reasoning + code)
    # -- CRPL: seeds from MBPP train problems, LLM and rule-based variants, pairs
    synth_tasks: list[str] = field(default_factory=lambda: ["mbpp-train"])
    synth_problems: int = 8  # problems to draw seeds from (short ones first: small models cope with them)
    synth_seed_samples: int = 1  # free samples per problem; reference-guided seeds fill in where none passes
    synth_llm_variants: bool = True  # also ask the model for optimized/degraded rewrites (else rules only)
    # -- reward model: LoRA Bradley-Terry on the pairs
    rm_steps: int = 16
    rm_batch_size: int = 4
    rm_max_length: int = 384  # tokens of (problem, reasoning)
    rm_lora_layers: int | None = 6  # adapt only the last N layers (no backward pass below them); None: all
    # -- CG-GRPO
    train_tasks: list[str] = field(default_factory=lambda: ["mbpp-train"])
    train_steps: int = 3
    train_prompts_per_step: int = 2
    train_group_size: int = 4
    train_learning_rate: float = 1e-5
    # -- evaluation of the base and the trained policy
    eval_benchmarks: list[str] = field(default_factory=lambda: ["humaneval+", "mbpp+"])
    eval_limit: int = 10  # first N problems of each benchmark
    eval_mode: str = "plain"  # plain (the benchmark's own instruction, as EvalPlus) | reasoning (<think>/<answer>)
    # -- reward-model accuracy: LCB-RB-style pairs built from LeetCodeDataset test problems
    rmbench_tasks: str = "leetcodedataset"  # a dated code benchmark of recode.datasets (its Easy problems)
    rmbench_problems: int = 4
    rmbench_samples: int = 6

    def validate(self) -> None:
        for key in ("synth_problems", "synth_seed_samples", "rm_steps", "train_steps", "train_prompts_per_step",
                    "eval_limit", "rmbench_problems", "rmbench_samples", "max_new_tokens"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: must be at least 1")
        if self.train_group_size < 2:
            raise ConfigError("train_group_size: GRPO needs at least 2 completions per prompt")
        if self.eval_mode not in ("reasoning", "plain"):
            raise ConfigError(f"eval_mode: {self.eval_mode!r} is not reasoning or plain")
