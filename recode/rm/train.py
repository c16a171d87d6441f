"""Bradley-Terry training of a reasoning-process reward model with TRL's RewardTrainer.

Any causal LM becomes a 1-label sequence-classification model (the head is new), trained fully or with LoRA on
pre-tokenized pairs (recode/rm/data.py; the encoding shared with scoring is in recode/reward/rm_input.py). Output directory:

    model/          the RM: a plain HF folder (LoRA merged), what `scorer: hf` + `rm_model:` of the reward load
    adapter/        the LoRA adapter and head (only with lora and merge_lora: false)
    rm_card.json    base model, data hashes, config, training loss, held-out accuracy
    eval.json       held-out pair accuracy per pair type / dimension / rejected source, with the length baseline
    config.yaml     the resolved config

Multi-GPU: `accelerate launch --config_file configs/rm/accelerate_deepspeed_zero2.yaml -m recode.rm.train_main
--config ...` (see docs/rm.md); the trainer picks up the launcher's distributed state.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import yaml

from recode.io import write_json
from recode.rm.config import RMTrainConfig
from recode.reward.rm_input import prepare_rm_tokenizer
from recode.rm.data import pair_dataset, read_pairs
from recode.rm.evaluate import evaluate_model


def _sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_model(cfg: RMTrainConfig):
    """(sequence-classification model with 1 label, tokenizer) from any causal LM or RM."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from recode.models import ModelError, resolve_model

    path = resolve_model(cfg.model)
    dtype = torch.float32 if cfg.dtype == "auto" else getattr(torch, cfg.dtype)
    try:
        tokenizer = prepare_rm_tokenizer(AutoTokenizer.from_pretrained(path), cfg.max_length)
        torch.manual_seed(cfg.seed)  # the new head is random: seed it
        model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1, dtype=dtype)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load {cfg.model!r} ({path}) as a reward model: {exc}") from exc
    model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def trl_args(cfg: RMTrainConfig, cuda: bool):
    from trl import RewardConfig

    bf16 = cuda if cfg.bf16 is None else cfg.bf16
    try:
        return RewardConfig(
            output_dir=str(Path(cfg.output_dir) / "trainer"), learning_rate=cfg.learning_rate,
            num_train_epochs=cfg.num_train_epochs, max_steps=cfg.max_steps,
            per_device_train_batch_size=cfg.per_device_train_batch_size,
            per_device_eval_batch_size=cfg.eval_batch_size,
            gradient_accumulation_steps=cfg.gradient_accumulation_steps, warmup_steps=cfg.warmup_steps,
            lr_scheduler_type=cfg.lr_scheduler_type, weight_decay=cfg.weight_decay,
            max_length=None,  # inputs are truncated as the scorer truncates them (data.py), never dropped
            center_rewards_coefficient=cfg.center_rewards_coefficient,
            bf16=bf16, use_cpu=not cuda, seed=cfg.seed, logging_steps=cfg.logging_steps, save_strategy="no",
            report_to="none", **({"gradient_checkpointing": True} if cfg.gradient_checkpointing else {}), **cfg.trl)
    except TypeError as exc:
        from recode.reward.config import ConfigError

        raise ConfigError(f"trl: {exc}") from None


def linear_names(model) -> list[str]:
    """Leaf names of the linear layers inside the transformer blocks (what peft's "all-linear" selects)."""
    import torch

    return sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                   if isinstance(module, torch.nn.Linear) and ".layers." in name})


def peft_config(cfg: RMTrainConfig, model):
    from peft import LoraConfig, TaskType

    targets = cfg.lora_target_modules
    targets = targets if targets == "all-linear" else [t.strip() for t in targets.split(",") if t.strip()]
    n_layers = model.config.num_hidden_layers
    layers = list(range(max(0, n_layers - cfg.lora_layers), n_layers)) if cfg.lora_layers else None
    if layers and targets == "all-linear":
        targets = linear_names(model)  # peft takes layers_to_transform only with explicit module names
    # SEQ_CLS keeps the new score head trainable and saved (modules_to_save).
    return LoraConfig(task_type=TaskType.SEQ_CLS, r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                      lora_dropout=cfg.lora_dropout, target_modules=targets, layers_to_transform=layers)


def save_model(trainer, cfg: RMTrainConfig, tokenizer) -> Path:
    """The trained RM as a plain HF folder under output_dir/model (LoRA merged unless merge_lora is off).

    `trainer.save_model` gathers sharded weights (DeepSpeed ZeRO-3, FSDP); a LoRA adapter is merged into a fresh
    copy of the base model on the main process, so merging never touches sharded parameters.
    """
    out = Path(cfg.output_dir)
    if not cfg.lora:
        trainer.save_model(str(out / "model"))
        tokenizer.save_pretrained(out / "model")
        return out / "model"
    trainer.save_model(str(out / "adapter"))
    if not cfg.merge_lora:
        return out / "adapter"
    if trainer.is_world_process_zero():
        from peft import PeftModel

        base, _ = load_model(cfg)
        merged = PeftModel.from_pretrained(base, str(out / "adapter")).merge_and_unload()
        merged.config.pad_token_id = tokenizer.pad_token_id
        merged.save_pretrained(out / "model")
        tokenizer.save_pretrained(out / "model")
    trainer.accelerator.wait_for_everyone()
    return out / "model"


def train(cfg: RMTrainConfig, callbacks=()) -> dict:
    """Train, save, evaluate on the held-out pairs; returns the RM card (also written to output_dir)."""
    import torch
    from trl import RewardTrainer

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False))
    train_rows = read_pairs(cfg.train_pairs)
    val_rows = read_pairs(cfg.val_pairs) if cfg.val_pairs else []
    cuda = torch.cuda.is_available()
    model, tokenizer = load_model(cfg)
    started = time.perf_counter()
    base_eval = None
    from accelerate import PartialState

    if cfg.eval_base and val_rows and PartialState().is_main_process:
        model.save_pretrained(out / "base")  # the untrained RM (random head), scored exactly as the trained one
        tokenizer.save_pretrained(out / "base")
        base_eval = evaluate_model(str(out / "base"), val_rows, cfg.eval_batch_size, cfg.max_length)
    trainer = RewardTrainer(model=model, args=trl_args(cfg, cuda), processing_class=tokenizer,
                            train_dataset=pair_dataset(train_rows, tokenizer, cfg.max_length),
                            peft_config=peft_config(cfg, model) if cfg.lora else None,
                            callbacks=list(callbacks))
    result = trainer.train()
    train_s = time.perf_counter() - started
    model_dir = save_model(trainer, cfg, tokenizer)
    history = [h for h in trainer.state.log_history if "loss" in h]
    if not trainer.is_world_process_zero():
        return {}
    evaluation = evaluate_model(str(model_dir), val_rows, cfg.eval_batch_size, cfg.max_length) if val_rows and \
        (not cfg.lora or cfg.merge_lora) else None
    card = {"base_model": cfg.model, "model_dir": str(model_dir), "lora": cfg.lora,
            "rm_input": "recode.reward.rm_input.rm_input (chat template of the tokenizer)",
            "score_to_unit": "sigmoid (the reward's proc_mapping)", "train_pairs": cfg.train_pairs,
            "train_pairs_sha256": _sha256(cfg.train_pairs), "n_train_pairs": len(train_rows),
            "val_pairs": cfg.val_pairs, "n_val_pairs": len(val_rows),
            "val_pairs_sha256": _sha256(cfg.val_pairs) if cfg.val_pairs else None,
            "train_loss": round(result.training_loss, 4), "steps": trainer.state.global_step,
            "train_seconds": round(train_s, 1), "device": "cuda" if cuda else "cpu",
            "loss_history": [{"step": h["step"], "loss": round(h["loss"], 4),
                              "accuracy": round(h.get("accuracy", float("nan")), 4)} for h in history],
            "val": evaluation, "val_untrained": base_eval}
    write_json(out / "rm_card.json", card)
    if evaluation is not None:
        write_json(out / "eval.json", {"trained": evaluation, "untrained": base_eval})
    return card


def summary_lines(card: dict) -> list[str]:
    head = (f"trained {card['steps']} steps on {card['n_train_pairs']} pairs in {card['train_seconds']} s "
            f"(loss {card['train_loss']}); model: {card['model_dir']}")
    lines = [head]
    for name, entry in (card.get("val") or {}).items():
        base = (card.get("val_untrained") or {}).get(name, {}).get("accuracy")
        line = (f"  {name:32s} n={entry['n']:4d}  acc {entry['accuracy']:.3f}  "
                f"longer-is-better {entry.get('longer_is_better', float('nan')):.3f}")
        lines.append(line + (f"  untrained {base:.3f}" if base is not None else ""))
    return lines
