"""What the reasoning reward model reads: the problem and the reasoning, and nothing else.

One function, shared by the reward (scoring rollouts) and reward-model training (scoring preference pairs), so
the two can never drift apart. The paper's RM reads the `<think>` content plus the problem (paper-notes §3); the
code is left out on purpose: the outcome reward already judges it, and an RM that sees code could learn to
reward code instead of reasoning.

With a tokenizer that has a chat template, the input is the chat [user: problem, assistant: reasoning] rendered
by that template (how sequence-classification RMs built from chat models are trained); without one it is the
plain `RM_TEMPLATE`.
"""

from __future__ import annotations

RM_TEMPLATE = "Problem:\n{problem}\n\nReasoning:\n{reasoning}"


def rm_messages(problem: str, reasoning: str) -> list[dict[str, str]]:
    """The chat the RM scores. Example: `rm_messages("Add a and b.", "Use +.")[1]["role"] == "assistant"`."""
    return [{"role": "user", "content": problem.strip()}, {"role": "assistant", "content": reasoning.strip()}]


def rm_input(problem: str, reasoning: str, tokenizer=None) -> str:
    """The RM's input text for one (problem, reasoning).

    Args:
        problem: the task's user prompt (problem statement and starter code).
        reasoning: the content of `<think>`, stripped.
        tokenizer: the RM's tokenizer; its chat template is used when it has one.

    Example:
        >>> print(rm_input("Add a and b.", "Use +."))
        Problem:
        Add a and b.
        <BLANKLINE>
        Reasoning:
        Use +.
    """
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(rm_messages(problem, reasoning), tokenize=False)
    return RM_TEMPLATE.format(problem=problem.strip(), reasoning=reasoning.strip())


def prepare_rm_tokenizer(tokenizer, max_length: int | None = None):
    """Padding and truncation for RM inputs: right padding (the model pools at the last non-pad token, so a score
    does not depend on its batch), left truncation (a long input loses its start, the pooled end stays), and the
    eos token as pad when there is none."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.pad_token is None:
        raise ValueError("the tokenizer has neither a pad nor an eos token")
    tokenizer.padding_side, tokenizer.truncation_side = "right", "left"
    if max_length is not None:
        tokenizer.model_max_length = max_length
    return tokenizer


def encode_rm_inputs(tokenizer, problems: list[str], reasonings: list[str], max_length: int) -> list[list[int]]:
    """Token ids of the RM inputs, the same for training, scoring and the reward. A chat template already
    wrote the special tokens (BOS etc.); the plain template needs the tokenizer's."""
    chat = bool(getattr(tokenizer, "chat_template", None))
    texts = [rm_input(p, r, tokenizer) for p, r in zip(problems, reasonings)]
    return tokenizer(texts, add_special_tokens=not chat, truncation=True, max_length=max_length)["input_ids"]
