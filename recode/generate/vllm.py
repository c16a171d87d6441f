"""Generation with vLLM's offline engine (`LLM.chat`): the model's chat template, continuous batching.

vLLM is optional and GPU-only; it is imported when a generator is made, and its absence is a clear error.
"""

from __future__ import annotations

import time

from recode.generate.base import Chat, GenerationError, Generator, ProgressFn, SamplingConfig, apply_stop


class VLLMGenerator(Generator):
    name = "vllm"

    def __init__(self, model: str, dtype: str = "auto", tensor_parallel_size: int = 1,
                 gpu_memory_utilization: float = 0.9, max_model_len: int | None = None, seed: int = 0,
                 **engine_options) -> None:
        """Load `model` (Hub id, local folder or a `recode.models` alias) into a vLLM engine.

        Extra keyword options go to `vllm.LLM` unchanged (e.g. enforce_eager=True).
        """
        try:
            from vllm import LLM
        except ImportError as exc:
            raise GenerationError("the vllm backend needs vLLM (Linux + CUDA): pip install vllm; or use "
                                  "--backend hf, or --backend openai against a running `vllm serve`") from exc
        from recode.models import resolve_model

        super().__init__(model)
        options = {"dtype": dtype, "tensor_parallel_size": tensor_parallel_size, "seed": seed,
                   "gpu_memory_utilization": gpu_memory_utilization, **engine_options}
        if max_model_len is not None:
            options["max_model_len"] = max_model_len
        self.llm = LLM(model=resolve_model(model), **options)

    def _generate(self, chats: list[Chat], sampling: SamplingConfig,
                  on_progress: ProgressFn | None) -> list[list[str]]:
        from vllm import SamplingParams

        params = SamplingParams(n=sampling.n, temperature=sampling.temperature,
                                top_p=1.0 if sampling.greedy else sampling.top_p, max_tokens=sampling.max_new_tokens,
                                seed=None if sampling.greedy else sampling.seed, stop=sampling.stop or None)
        prefill = chats[0][-1]["role"] == "assistant"
        if any((c[-1]["role"] == "assistant") != prefill for c in chats):
            raise GenerationError("vllm backend: either all prompts end with an assistant prefill or none does")
        t0 = time.perf_counter()
        results = self.llm.chat(chats, sampling_params=params, use_tqdm=False, add_generation_prompt=not prefill,
                                continue_final_message=prefill)
        self.stats.seconds += time.perf_counter() - t0
        outs = []
        for r in results:
            self.stats.prompt_tokens += len(r.prompt_token_ids or [])
            self.stats.completion_tokens += sum(len(o.token_ids) for o in r.outputs)
            outs.append([apply_stop(o.text, sampling.stop) for o in r.outputs])
        if on_progress:
            on_progress(len(chats), len(chats))
        return outs

    def close(self) -> None:
        self.llm = None
