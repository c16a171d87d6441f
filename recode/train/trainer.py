"""CG-GRPO on TRL: `GRPOTrainer` with the gated reward of `recode.reward`, per-step timings and our run directory.

`ReCodeGRPOTrainer` adds no algorithm: it times the three phases of a step (generation, reward, and the rest:
log-probabilities, backward and optimizer, called "update"), counts generated tokens and peak memory, and
puts these into the step's logs. `build_trainer` turns a `TrainConfig` into a trainer; `train` runs it in a run
directory and resumes from the last checkpoint there.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from recode.reward.config import ConfigError
from recode.reward.pipeline import RewardPipeline
from recode.reward.trl_adapter import TRLReward, trl_rows
from recode.tasks import Task, load_tasks
from recode.train.config import TrainConfig


def _trl():
    from trl import GRPOConfig, GRPOTrainer

    return GRPOConfig, GRPOTrainer


def _make_trainer_class():
    """The subclass is built on first use, so importing recode.train does not import TRL (and torch)."""
    _, GRPOTrainer = _trl()

    class ReCodeGRPOTrainer(GRPOTrainer):
        """GRPOTrainer whose logs also hold time/* (seconds per phase), tokens/* and memory/* for each step."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._phase = {"generation_s": 0.0, "reward_s": 0.0, "completion_tokens": 0.0}
            self._step_started = None

        def _mode(self) -> str:
            return "train" if self.model.training else "eval"

        def _generate_single_turn(self, prompt_ids, *args, **kwargs):
            start = time.perf_counter()
            if getattr(self, "_plain_generation", False):
                with plain_forward(self.accelerator.unwrap_model(self.model_wrapped)):
                    completion_ids, logprobs = super()._generate_single_turn(prompt_ids, *args, **kwargs)
            else:
                completion_ids, logprobs = super()._generate_single_turn(prompt_ids, *args, **kwargs)
            _sync(self.accelerator.device)
            if self._mode() == "train":
                self._phase["generation_s"] += time.perf_counter() - start
                self._phase["completion_tokens"] += float(sum(len(ids) for ids in completion_ids))
            return completion_ids, logprobs

        def _calculate_rewards(self, *args, **kwargs):
            start = time.perf_counter()
            rewards = super()._calculate_rewards(*args, **kwargs)
            if self._mode() == "train":
                self._phase["reward_s"] += time.perf_counter() - start
            return rewards

        def training_step(self, *args, **kwargs):
            if self._step_started is None:  # the first micro-batch of an optimizer step (generation happens here)
                self._step_started = time.perf_counter()
            return super().training_step(*args, **kwargs)

        def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
            if self._mode() == "train" and "loss" in logs and self._step_started is not None:
                _sync(self.accelerator.device)
                logs.update(step_timings(time.perf_counter() - self._step_started, self._phase))
                logs.update(peak_memory(self.accelerator.device))
                self._phase = dict.fromkeys(self._phase, 0.0)
                self._step_started = None
            super().log(logs, start_time)

    return ReCodeGRPOTrainer


def step_timings(step_s: float, phase: dict[str, float]) -> dict[str, float]:
    """time/step_s split into generation, reward and update (= the rest: log-probs, backward, optimizer).

    Example:
        >>> step_timings(10.0, {"generation_s": 6.0, "reward_s": 1.0, "completion_tokens": 1200.0})["time/update_s"]
        3.0
    """
    gen, reward, tokens = phase["generation_s"], phase["reward_s"], phase["completion_tokens"]
    return {"time/step_s": step_s, "time/generation_s": gen, "time/reward_s": reward,
            "time/update_s": max(step_s - gen - reward, 0.0), "tokens/completion": tokens,
            "tokens/generation_per_s": tokens / gen if gen > 0 else 0.0,
            "tokens/step_per_s": tokens / step_s if step_s > 0 else 0.0}


def peak_memory(device) -> dict[str, float]:
    """Peak GPU memory allocated by torch (CUDA), else the process's peak resident memory, in GiB."""
    import torch

    if getattr(device, "type", str(device)) == "cuda" and torch.cuda.is_available():
        return {"memory/peak_gpu_gib": torch.cuda.max_memory_allocated(device) / 2**30}
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"memory/peak_rss_gib": kib / 2**20 if sys.platform != "darwin" else kib / 2**30}


def _sync(device) -> None:
    """Wait for queued GPU work, so that a phase's time is its own (a no-op on CPU)."""
    import torch

    if getattr(device, "type", None) == "cuda":
        torch.cuda.synchronize(device)


@dataclass
class TaskSets:
    train: list[Task]
    eval: list[Task]


def load_task_sets(cfg: TrainConfig) -> TaskSets:
    """Training and held-out tasks; a task in both is dropped from training (held-out means unseen)."""
    def load(specs: list[str], limit: int | None) -> list[Task]:
        tasks: dict[str, Task] = {}
        for spec in specs:
            for task in load_tasks(spec, limit=limit):
                tasks.setdefault(task.task_id, task)
        return list(tasks.values())

    eval_tasks = load(cfg.eval_tasks, cfg.eval_limit)
    held_out = {t.task_id for t in eval_tasks}
    train_tasks = [t for t in load(cfg.train_tasks, cfg.train_limit) if t.task_id not in held_out]
    if not train_tasks:
        raise ConfigError(f"train_tasks: {', '.join(cfg.train_tasks)} gave no tasks (after removing eval tasks)")
    return TaskSets(train_tasks, eval_tasks)


def grpo_args(cfg: TrainConfig, use_cpu: bool):
    """TRL's GRPOConfig for this run (every key of `cfg.trl` passed through)."""
    GRPOConfig, _ = _trl()
    bf16 = (not use_cpu) if cfg.bf16 == "auto" else cfg.bf16 == "true"
    kwargs = {
        "output_dir": cfg.output_dir, "max_steps": cfg.max_steps, "learning_rate": cfg.learning_rate,
        "beta": cfg.beta, "epsilon": cfg.epsilon, "epsilon_high": cfg.epsilon_high, "loss_type": cfg.loss_type,
        "seed": cfg.seed, "num_generations": cfg.num_generations, "temperature": cfg.temperature,
        "top_p": cfg.top_p, "max_completion_length": cfg.max_completion_length,
        "per_device_train_batch_size": cfg.per_device_train_batch_size,
        "gradient_accumulation_steps": cfg.gradient_accumulation_steps,
        "gradient_checkpointing": cfg.gradient_checkpointing, "save_strategy": "steps", "save_steps": cfg.save_steps,
        "save_total_limit": cfg.save_total_limit, "logging_steps": 1, "report_to": cfg.report_targets(),
        "bf16": bf16, "use_cpu": use_cpu, "model_init_kwargs": _model_init_kwargs(cfg, use_cpu),
        "log_completions": False, "disable_tqdm": True, "pad_to_multiple_of": cfg.pad_to_multiple_of,
    }
    if "tensorboard" in kwargs["report_to"]:  # transformers 5 reads the folder from the environment only
        os.environ.setdefault("TENSORBOARD_LOGGING_DIR", str(Path(cfg.output_dir) / "tb"))
    if cfg.eval_steps and cfg.eval_tasks:
        kwargs.update(eval_strategy="steps", eval_steps=cfg.eval_steps, num_generations_eval=cfg.num_generations_eval,
                      per_device_eval_batch_size=cfg.num_generations_eval * max(1, 8 // cfg.num_generations_eval))
    if cfg.fast_generation and not use_cpu:
        kwargs["cache_implementation"] = "static"
    if cfg.vllm_enabled():
        kwargs.update(use_vllm=True, vllm_mode=cfg.vllm_mode,
                      vllm_gpu_memory_utilization=cfg.vllm_gpu_memory_utilization)
        if cfg.vllm_server_base_url:
            kwargs["vllm_server_base_url"] = cfg.vllm_server_base_url
    kwargs.update(cfg.trl)
    return GRPOConfig(**kwargs)


def _model_init_kwargs(cfg: TrainConfig, use_cpu: bool) -> dict:
    from recode.models import resolve_dtype

    # auto: float32 weights, as TRL loads them: the optimizer needs full-precision weights (a 1e-6 step vanishes
    # in bfloat16); on GPU, bf16 mixed precision does the compute. DeepSpeed configs set bfloat16 (it keeps fp32
    # master weights itself).
    dtype = resolve_dtype("float32" if cfg.dtype == "auto" else cfg.dtype, "cpu" if use_cpu else "cuda")
    return {"dtype": str(dtype).removeprefix("torch.")}


def peft_config(cfg: TrainConfig):
    if not cfg.lora:
        return None
    try:
        from peft import LoraConfig
    except ImportError:
        raise ConfigError("lora: true needs peft (pip install peft)") from None
    targets = cfg.lora_target_modules
    modules = targets if targets == "all-linear" else [m.strip() for m in targets.split(",") if m.strip()]
    return LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=modules, task_type="CAUSAL_LM")


def build_trainer(cfg: TrainConfig, reward_func, tasks: TaskSets, callbacks=(), use_cpu: bool | None = None):
    """A ReCodeGRPOTrainer for `cfg`, scoring with `reward_func` (a TRLReward or a wrapper of one)."""
    from datasets import Dataset

    from recode.models import load_tokenizer, resolve_model

    if use_cpu is None:
        import torch

        use_cpu = not torch.cuda.is_available()
    args = grpo_args(cfg, use_cpu)
    trainer = _make_trainer_class()(
        model=resolve_model(cfg.model), reward_funcs=[reward_func], args=args,
        train_dataset=Dataset.from_list(trl_rows(tasks.train)),
        eval_dataset=Dataset.from_list(trl_rows(tasks.eval)) if tasks.eval and cfg.eval_steps else None,
        processing_class=load_tokenizer(cfg.model), peft_config=peft_config(cfg), callbacks=list(callbacks))
    if cfg.fast_generation and not use_cpu and not args.use_vllm:
        enable_compiled_decoding(trainer, max_prompt_tokens(trainer.processing_class, tasks.train + tasks.eval))
    for callback in list(trainer.callback_handler.callbacks):  # our RunLogger prints the steps instead
        if type(callback).__name__ in ("PrinterCallback", "ProgressCallback"):
            trainer.remove_callback(callback)
    return trainer


def enable_compiled_decoding(trainer, max_prompt_tokens: int | None = None) -> None:
    """Let generate() compile its one-token decoding step over the static KV cache (CUDA graphs).

    TRL builds its GenerationConfig with disable_compile=True; with cache_implementation="static" transformers
    compiles the model's forward for decoding once compilation is allowed, which is what makes the static cache
    fast. A static cache sized per call (prompt + new tokens) would change shape, and so recompile, whenever the
    longest prompt of a batch changes; sizing it once for the longest prompt of the run avoids that (newer
    transformers read `max_cache_len`; older ones keep the largest size seen in `_previous_max_cache_length`).
    """
    from transformers.generation import GenerationMixin

    trainer.generation_config.disable_compile = False
    trainer._plain_generation = True  # see plain_forward
    if max_prompt_tokens:
        size = max_prompt_tokens + trainer.max_completion_length
        trainer.generation_config.max_cache_len = size
        for module in trainer.accelerator.unwrap_model(trainer.model).modules():
            if isinstance(module, GenerationMixin):
                module._previous_max_cache_length = max(getattr(module, "_previous_max_cache_length", -1), size)


@contextmanager
def plain_forward(model):
    """Run `model` without accelerate's autocast wrapper (and with autocast off) inside the block.

    Under bf16 mixed precision accelerate wraps `model.forward` in autocast, so the keys and values written to
    the KV cache come out in bfloat16 while a static cache is allocated in the weights' dtype (float32): on
    transformers 5.17 the compiled decoding step then fails in `index_copy_` (Float vs BFloat16, measured on an
    H200). Generating in the weights' own dtype keeps cache and activations alike; it changes nothing else,
    since TRL recomputes the log-probabilities of the sampled tokens with the training forward.
    """
    import torch

    original, wrapped = model.__dict__.get("_original_forward"), model.__dict__.get("forward")
    swap = original is not None and wrapped is not None
    if swap:
        model.forward = original
    try:
        device = getattr(model, "device", None) or next((p.device for p in model.parameters()), torch.device("cpu"))
        with torch.autocast(device_type=device.type, enabled=False):
            yield
    finally:
        if swap:
            model.forward = wrapped


def max_prompt_tokens(tokenizer, tasks: list[Task]) -> int:
    """Tokens of the longest chat-formatted prompt (with the generation prompt) among `tasks`."""
    texts = [tokenizer.apply_chat_template(t.messages(), add_generation_prompt=True, tokenize=False) for t in tasks]
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]] if texts else []
    return max(lengths, default=0)


def process_reward_config(cfg: TrainConfig):
    """The reward config for this process: under `accelerate launch`, each process puts its RM on its own GPU
    (rm_device auto) and gets an equal share of the CPU cores for its sandbox (sandbox_workers 0)."""
    import dataclasses

    rc = cfg.reward_settings()
    local_rank, local_world = int(os.environ.get("LOCAL_RANK", "-1")), int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    changes = {}
    if local_rank >= 0 and rc.rm_device == "auto" and rc.scorer == "hf":
        import torch

        if torch.cuda.is_available():
            changes["rm_device"] = f"cuda:{local_rank}"
    if local_world > 1 and rc.sandbox_workers == 0:
        changes["sandbox_workers"] = max(1, (os.cpu_count() or 1) // local_world)
    return dataclasses.replace(rc, **changes) if changes else rc


def make_reward(cfg: TrainConfig, tasks: TaskSets, pipeline: RewardPipeline | None = None, run_dir=None):
    """The TRL reward function: TRLReward over the run's tasks, wrapped to write rollout samples."""
    from recode.train.callbacks import SampleWriter

    pipeline = pipeline or RewardPipeline(process_reward_config(cfg))
    by_id = {t.task_id: t for t in tasks.train + tasks.eval}
    return SampleWriter(TRLReward(pipeline, by_id), run_dir, cfg.samples_per_step)
