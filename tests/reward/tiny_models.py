"""Tiny random models and a tokenizer built offline, for tests: nothing is downloaded.

The tokenizer is a byte-level BPE trained here on a few strings (any text round-trips through it); the models
are 2-layer Llama networks with hidden size 32 and random weights.
"""

from __future__ import annotations

CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
CORPUS = ["<think> reasoning </think> <answer> ```python def return assert ``` </answer>",
          "Write a function to add two numbers. The tests import these names from your solution.",
          "Problem: Reasoning: first, then, so the answer is boxed 0 1 2 3 4 5 6 7 8 9"] * 20


def build_tokenizer(chat_template: bool = True):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    special = ["<pad>", "<s>", "</s>", "<|end|>"]
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=special,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
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
                         eos_token_id=tokenizer.eos_token_id, num_labels=1)
    model = LlamaForSequenceClassification(config) if head == "rm" else LlamaForCausalLM(config)
    return model.eval()
