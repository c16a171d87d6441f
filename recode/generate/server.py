"""A small OpenAI-compatible HTTP server around any Generator (standard library only).

Endpoints: `GET /v1/models` and `POST /v1/chat/completions` (fields: model, messages, n, temperature, top_p,
max_tokens or max_completion_tokens, seed, stop; no streaming, no tools). Errors are OpenAI-style JSON:
`{"error": {"message", "type", "param", "code"}}` with a 4xx/5xx status.

Requests that arrive together with the same decoding settings are generated as one batch (one thread owns the
generator), so concurrent clients get the batched throughput of the backend.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from concurrent.futures import Future
from http.server import ThreadingHTTPServer

from recode.generate.base import GenerationError, Generator, SamplingConfig, check_prompts
from recode.httpjson import BodyError, JSONHandler

MAX_BODY = 32 << 20


class RequestError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.param, self.code = status, param, code

    def body(self) -> dict:
        kind = "invalid_request_error" if self.status < 500 else "server_error"
        return {"error": {"message": str(self), "type": kind, "param": self.param, "code": self.code}}


def parse_request(body: dict, served: str) -> tuple[list[dict], SamplingConfig]:
    """Validate a chat-completions body; every problem is a 400 naming the field (404 for another model)."""
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    if body.get("model") not in (served, None, ""):
        raise RequestError(404, f"model {body.get('model')!r} is not served here; this server has {served!r}",
                           "model", "model_not_found")
    if body.get("stream"):
        raise RequestError(400, "streaming is not supported by this server", "stream")
    try:
        chat = check_prompts([body.get("messages")])[0]
    except GenerationError as exc:
        raise RequestError(400, f"messages: {str(exc).removeprefix('prompt 0').strip(': ')}", "messages") from None
    def get(key: str, default):
        return default if body.get(key) is None else body[key]

    stop = get("stop", [])
    try:
        sampling = SamplingConfig(n=get("n", 1), temperature=get("temperature", 1.0), top_p=get("top_p", 1.0),
                                  max_new_tokens=get("max_completion_tokens", get("max_tokens", 512)),
                                  seed=get("seed", 0), stop=[stop] if isinstance(stop, str) else stop)
    except (TypeError, ValueError) as exc:
        field = str(exc).split()[0].removeprefix("sampling.")
        param = {"max_new_tokens": "max_tokens"}.get(field, field)
        raise RequestError(400, str(exc).replace("sampling.max_new_tokens", "max_tokens")
                           .replace("sampling.", ""), param) from None
    return chat, sampling


class Batcher:
    """One thread runs the generator; requests with equal sampling that queue up together form one batch."""

    def __init__(self, generator: Generator, max_batch: int = 64, wait_s: float = 0.02) -> None:
        self.generator, self.max_batch, self.wait_s = generator, max_batch, wait_s
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def submit(self, chat: list[dict], sampling: SamplingConfig) -> Future:
        future: Future = Future()
        self.queue.put((chat, sampling, future))
        return future

    def _loop(self) -> None:
        while True:
            first = self.queue.get()
            if first is None:
                return
            batch, later = [first], []
            deadline = time.monotonic() + self.wait_s
            while len(batch) < self.max_batch and (left := deadline - time.monotonic()) > 0:
                try:
                    item = self.queue.get(timeout=left)
                except queue.Empty:
                    break
                if item is None:
                    later.append(item)
                    break
                (batch if item[1] == first[1] else later).append(item)
            for item in later:
                self.queue.put(item)
            self._run(batch)

    def _run(self, batch: list) -> None:
        try:
            outs = self.generator.generate([c for c, _, _ in batch], batch[0][1])
        except Exception as exc:  # noqa: BLE001 - every waiting request must get an answer
            for _, _, future in batch:
                future.set_exception(exc)
            return
        for (_, _, future), texts in zip(batch, outs):
            future.set_result(texts)

    def close(self) -> None:
        self.queue.put(None)


def make_handler(batcher: Batcher, served: str, count_tokens):
    class Handler(JSONHandler):
        max_body_bytes = MAX_BODY

        def _send(self, status: int, payload: dict) -> None:
            self.send_json(status, payload)

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send(200, {"object": "list", "data": [{"id": served, "object": "model", "created": 0,
                                                             "owned_by": "recode"}]})
            else:
                self._send(404, RequestError(404, f"no route GET {self.path}").body())

        def do_POST(self) -> None:
            try:
                if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                    raise RequestError(404, f"no route POST {self.path}; use /v1/chat/completions")
                try:
                    body = self.read_json()
                except BodyError as exc:
                    raise RequestError(exc.status, str(exc)) from None
                chat, sampling = parse_request(body, served)
                try:
                    texts = batcher.submit(chat, sampling).result()
                except GenerationError as exc:
                    raise RequestError(500, f"generation failed: {exc}") from None
                self._send(200, completion_body(served, texts, sampling, count_tokens, chat))
            except RequestError as exc:
                self._send(exc.status, exc.body())
            except Exception as exc:  # noqa: BLE001 - the client gets a JSON error, the server keeps serving
                self._send(500, RequestError(500, f"{type(exc).__name__}: {exc}").body())

    return Handler


def completion_body(served: str, texts: list[str], sampling: SamplingConfig, count_tokens, chat) -> dict:
    counts = [count_tokens(t) for t in texts]
    choices = [{"index": i, "message": {"role": "assistant", "content": t}, "logprobs": None,
                "finish_reason": "length" if c >= sampling.max_new_tokens else "stop"}
               for i, (t, c) in enumerate(zip(texts, counts))]
    prompt_tokens = sum(count_tokens(m["content"]) for m in chat)
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": served, "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": sum(counts),
                      "total_tokens": prompt_tokens + sum(counts)}}


def token_counter(generator: Generator):
    """Token counts for `usage`: the generator's tokenizer when it has one, else whitespace words."""
    tokenizer = getattr(generator, "tokenizer", None)
    if tokenizer is not None:
        return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])
    return lambda text: len(text.split())


def serve(generator: Generator, host: str = "127.0.0.1", port: int = 8000, served_name: str | None = None,
          max_batch: int = 64, ready=None) -> None:
    """Serve until interrupted. `ready(url)` is called once the socket listens (port 0 = any free port)."""
    served = served_name or generator.model
    batcher = Batcher(generator, max_batch=max_batch)
    httpd = ThreadingHTTPServer((host, port), make_handler(batcher, served, token_counter(generator)))
    httpd.daemon_threads = True
    if ready:
        ready(f"http://{host}:{httpd.server_address[1]}/v1")
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()
        batcher.close()
