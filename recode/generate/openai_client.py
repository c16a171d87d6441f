"""Generation through any OpenAI-compatible chat server (vLLM, SGLang, llama.cpp, TGI, `recode generate serve`,
or the OpenAI API itself), one request per prompt from a thread pool.

Transient failures (HTTP 429, 5xx, timeouts, dropped connections) are retried with exponential backoff; other
errors (a bad request, an unknown model) fail at once, with the server's message. A server that returns fewer
than `n` choices (some cap `n`) is asked again for the rest.
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from recode.generate.base import Chat, GenerationError, Generator, ProgressFn, SamplingConfig, apply_stop

DEFAULT_BASE_URL = "http://localhost:8000/v1"


class OpenAIGenerator(Generator):
    name = "openai"

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None, concurrency: int = 8,
                 timeout: float = 600.0, max_retries: int = 5, backoff_s: float = 1.0, check: bool = True) -> None:
        """A client for `model` served at `base_url` (default: $OPENAI_BASE_URL, else localhost:8000/v1).

        Args:
            api_key: default $OPENAI_API_KEY, else "EMPTY" (local servers ignore it).
            concurrency: requests in flight at once.
            timeout: seconds per request.
            max_retries: retries of one request on 429, 5xx, timeouts and connection errors.
            backoff_s: first retry delay; doubled at each retry (with jitter).
            check: ask the server for its model list now, so a wrong URL fails before any work.
        """
        try:
            import openai
        except ImportError as exc:
            raise GenerationError("the openai backend needs the openai package: pip install 'recode-rl[generate]'") \
                from exc
        super().__init__(model)
        if concurrency < 1:
            raise GenerationError(f"concurrency must be >= 1, got {concurrency}")
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        self.openai = openai
        # Retries are ours (below), so that every failure mode gets the same backoff and the same final message.
        self.client = openai.OpenAI(base_url=self.base_url, api_key=api_key or os.environ.get("OPENAI_API_KEY")
                                    or "EMPTY", timeout=timeout, max_retries=0)
        self.concurrency, self.max_retries, self.backoff_s = concurrency, max_retries, backoff_s
        self._lock = threading.Lock()
        if check:  # one quick retry only: a server that is not there at all is usually a wrong URL
            self._call(self.client.models.list, retries=min(1, max_retries))

    def _transient(self, exc: Exception) -> bool:
        o = self.openai
        if isinstance(exc, (o.APIConnectionError, o.RateLimitError, o.InternalServerError)):
            return True
        return isinstance(exc, o.APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500)

    def _call(self, fn, retries: int | None = None, **kwargs):
        """`fn(**kwargs)`, retried on transient errors; any failure becomes a GenerationError naming the server."""
        retries = self.max_retries if retries is None else retries
        for attempt in range(retries + 1):
            try:
                return fn(**kwargs)
            except self.openai.OpenAIError as exc:
                if not self._transient(exc):
                    raise GenerationError(f"server {self.base_url} refused the request: {exc}") from exc
                if attempt == retries:
                    if isinstance(exc, self.openai.APIConnectionError):
                        raise GenerationError(f"cannot reach an OpenAI-compatible server at {self.base_url} "
                                              f"({exc}); start one or pass the right base_url") from exc
                    raise GenerationError(f"server {self.base_url} kept failing after {retries} retries: {exc}") \
                        from exc
                time.sleep(self.backoff_s * 2 ** attempt * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _one(self, chat: Chat, sampling: SamplingConfig) -> list[str]:
        texts: list[str] = []
        while len(texts) < sampling.n:
            kwargs = {"model": self.model, "messages": chat, "n": sampling.n - len(texts),
                      "temperature": sampling.temperature, "max_tokens": sampling.max_new_tokens}
            if not sampling.greedy:
                kwargs.update(top_p=sampling.top_p, seed=sampling.seed + len(texts))
            if sampling.stop:
                kwargs["stop"] = sampling.stop
            response = self._call(self.client.chat.completions.create, **kwargs)
            if not response.choices:
                raise GenerationError(f"server {self.base_url} returned no choices for model {self.model!r}")
            texts += [apply_stop(c.message.content or "", sampling.stop) for c in response.choices]
            if response.usage is not None:
                with self._lock:
                    self.stats.prompt_tokens += response.usage.prompt_tokens or 0
                    self.stats.completion_tokens += response.usage.completion_tokens or 0
        return texts[:sampling.n]

    def _generate(self, chats: list[Chat], sampling: SamplingConfig,
                  on_progress: ProgressFn | None) -> list[list[str]]:
        outs: list[list[str] | None] = [None] * len(chats)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(self.concurrency) as ex:
            futures = {ex.submit(self._one, chat, sampling): i for i, chat in enumerate(chats)}
            try:
                for done, future in enumerate(as_completed(futures), 1):
                    outs[futures[future]] = future.result()
                    if on_progress:
                        on_progress(done, len(chats))
            except BaseException:
                for f in futures:
                    f.cancel()  # a failure ends the run; do not keep the server busy
                raise
        self.stats.seconds += time.perf_counter() - t0
        return outs  # type: ignore[return-value]

    def close(self) -> None:
        if getattr(self, "client", None) is not None:
            self.client.close()
            self.client = None
