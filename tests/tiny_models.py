"""Tiny random models for fast CPU tests: a 2-layer Llama with a BPE tokenizer trained on MBPP texts.

The tokenizer has a ChatML chat template and a pad token, like the instruct models the stages expect.
Build once per test session (see conftest.py); nothing here touches the network.
"""

from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from recode.tasks import load_tasks

    texts = [t.problem + "\n" + (t.solution or "") for t in load_tasks("mbpp-train")]
    texts += ["<think>reason step by step</think><answer>```python\ndef f(x):\n    return x\n```</answer>"] * 20
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer, tok.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    specials = ["<pad>", "</s>", "<|im_start|>", "<|im_end|>"]
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=2000, special_tokens=specials,
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<|im_end|>",
                                        additional_special_tokens=["<|im_start|>", "</s>"])
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def make_tiny_model(directory: Path, kind: str = "causal", seed: int = 0) -> str:
    """Save a tiny random Llama (`causal` LM or one-label `seqcls` reward model) with its tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification

    tokenizer = _tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, num_labels=1, max_position_embeddings=2048,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                         bos_token_id=None, tie_word_embeddings=False)
    cls = LlamaForCausalLM if kind == "causal" else LlamaForSequenceClassification
    cls(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return str(directory)
