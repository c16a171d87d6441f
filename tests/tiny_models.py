"""Tiny random models and tokenizers built offline, for fast CPU tests: nothing is downloaded.

Tokenizers are byte-level BPEs trained here (any text round-trips through them); models are 2-layer Llama
networks with hidden size 32 and random weights. `build_tokenizer` is trained on a few strings (quick);
`make_tiny_model` saves a model folder whose tokenizer knows MBPP's words and has a ChatML chat template and a
pad token, like the instruct models the stages expect (fixtures `tiny_lm` and `tiny_rm` in conftest.py).
"""

from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS = ["<think> reasoning </think> <answer> ```python def return assert ``` </answer>",
          "Write a function to add two numbers. The tests import these names from your solution.",
          "Problem: Reasoning: first, then, so the answer is boxed 0 1 2 3 4 5 6 7 8 9"] * 20


def _bpe(texts: list[str], vocab_size: int, special: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer, tok.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special,
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tok


def build_tokenizer(chat_template: bool = True):
    from transformers import PreTrainedTokenizerFast

    tok = _bpe(CORPUS, 400, ["<pad>", "<s>", "</s>", "<|end|>"])
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>")
    if chat_template:
        wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def build_model(tokenizer, head: str, seed: int = 0):
    """head: "rm" (sequence classification, 1 label) or "lm" (causal LM)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, num_labels=1, tie_word_embeddings=False)
    model = LlamaForSequenceClassification(config) if head == "rm" else LlamaForCausalLM(config)
    return model.eval()


def _mbpp_tokenizer():
    from transformers import PreTrainedTokenizerFast

    from recode.tasks import load_tasks

    texts = [t.problem + "\n" + (t.solution or "") for t in load_tasks("mbpp-train")]
    texts += ["<think>reason step by step</think><answer>```python\ndef f(x):\n    return x\n```</answer>"] * 20
    tok = _bpe(texts, 2000, ["<pad>", "</s>", "<|im_start|>", "<|im_end|>"])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<|im_end|>",
                                        additional_special_tokens=["<|im_start|>", "</s>"])
    tokenizer.chat_template = CHATML_TEMPLATE
    return tokenizer


def make_tiny_model(directory: Path, kind: str = "causal", seed: int = 0) -> str:
    """Save a tiny random Llama (`causal` LM or one-label `seqcls` reward model) with its tokenizer."""
    tokenizer = _mbpp_tokenizer()
    build_model(tokenizer, "lm" if kind == "causal" else "rm", seed).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return str(directory)
