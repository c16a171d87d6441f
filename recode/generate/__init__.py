"""Generation backends behind one interface: chats in, n completions per chat out (see `base.py`).

    from recode.generate import SamplingConfig, make_generator
    with make_generator("hf", "smollm2", batch_size=16) as gen:
        outs = gen.generate([[{"role": "user", "content": "Say hi"}]], SamplingConfig(max_new_tokens=16))
"""

from __future__ import annotations

from recode.generate.base import (
    GenerationError,
    GenerationStats,
    Generator,
    SamplingConfig,
    apply_stop,
    check_prompts,
    make_generator,
)
from recode.generate.hf import HFGenerator
from recode.generate.openai_client import OpenAIGenerator
from recode.generate.vllm import VLLMGenerator

# Registry: backend name -> class. Backends import their heavy dependencies only when constructed.
BACKENDS: dict[str, type[Generator]] = {"hf": HFGenerator, "vllm": VLLMGenerator, "openai": OpenAIGenerator}

__all__ = ["BACKENDS", "GenerationError", "GenerationStats", "Generator", "HFGenerator", "OpenAIGenerator",
           "SamplingConfig", "VLLMGenerator",
           "apply_stop", "check_prompts", "make_generator"]
