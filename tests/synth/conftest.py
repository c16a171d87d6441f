"""A scripted generation backend: answers seed, rewrite and judge prompts the way a capable model would, with
known flaws on purpose (a failing sample, a rewrite that leaks code), so the pipeline's filters can be checked."""

from typing import ClassVar

import pytest

from recode.generate.base import Generator
from recode.tasks import load_tasks
from recode.text import format_completion

REASONING = ("The function {name} must handle the input described in the problem.\n"
             "First, consider the empty input: the loop body never runs, so the initial value is returned.\n"
             "Then iterate over the elements once and update the result, because each element matters.\n"
             "The loop visits each element once, so the time is O(n).\n"
             "Finally, return the result, which matches the example test.")


def reasoning_for(task) -> str:
    return REASONING.format(name=task.tests.entry_point or "f")


class ScriptedGenerator(Generator):
    name = "scripted"
    calls: ClassVar[list] = []  # batch sizes of the calls made, across instances

    def __init__(self, model: str, tasks: str = "mbpp-train", **_):
        super().__init__(model)
        self.tasks = {t.user_prompt(): t for t in load_tasks(tasks, 5)}

    def _task(self, text):
        return next(t for p, t in self.tasks.items() if p in text)

    def _one(self, chat, i):
        _system, user = chat[0]["content"], chat[-1]["content"]
        if "Answer A or B" in user:
            return "A" if "Explanation A:\nThe function" in user and "O(n^2)" not in user.split("Explanation B")[0] \
                else "B"
        if user.startswith("Problem:"):  # a rewrite
            original = user.split("Original reasoning:\n", 1)[1].split("\n\nInstruction:", 1)[0]
            if "Correct every" in user or "Make every step" in user or "Make the reasoning flow" in user:
                return original.replace("each element matters", "every element can change the result")
            if i == 0:
                return original + "\n```python\nprint(1)\n```"  # leaks code: must be rejected
            return original.replace("O(n)", "O(n^2)")
        task = self._task(user)
        if "correct solution" in user:  # reference-guided
            return f"<think>\n{reasoning_for(task)}\n</think>"
        code = task.solution if i == 0 else "def nothing():\n    return None"
        return format_completion(reasoning_for(task), code)

    def _generate(self, chats, sampling, on_progress):
        ScriptedGenerator.calls.append(len(chats))
        self.stats.prompt_tokens += 10 * len(chats)
        self.stats.completion_tokens += 20 * len(chats) * sampling.n
        return [[self._one(chat, i) for i in range(sampling.n)] for chat in chats]


@pytest.fixture
def scripted(monkeypatch):
    from recode.generate import BACKENDS

    monkeypatch.setitem(BACKENDS, "scripted", ScriptedGenerator)
    ScriptedGenerator.calls = []
    return ScriptedGenerator
