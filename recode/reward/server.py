"""`recode reward serve`: the reward as an HTTP service, for OpenRLHF (`--remote_rm_url`) and anything else.

Standard library only (`ThreadingHTTPServer`): each connection gets a thread, and a `RewardService`
(batching.py) gathers the rollouts of all requests that arrive within `max_wait_s` (up to `max_batch`) into
one pipeline call, so many small concurrent requests (OpenRLHF sends one rollout per request) share sandbox
batches and RM forward passes. Endpoints (JSON in and out; schemas in docs/reward.md):

- `GET /health` -> {"status": "ok", "tasks": n, "gate": ..., "scorer": ..., "isolation": ...}
- `POST /reward` -> {"completions": [...], "task_ids": [...] | "tasks": [task objects], "groups"?: [...]}
  answers {"rewards": [...], "parts": [{fmt, out, proc, gate_open, status, ...}], "metrics": {...}, "timings": {...}}
- `POST /get_reward` (OpenRLHF) -> {"query": [...], "prompts": [...], "labels": [...]}; the completion is the
  query minus its prompt, the label is the task id (or a task object as JSON); answers
  {"rewards": [...], "scores": [...], "extra_logs": {"fmt": [...], "out": [...], "proc": [...], ...}}.
  Either endpoint accepts either request shape.
- `POST /score` -> {"problems": [...], "reasonings": [...]}; answers {"scores": [raw scores]} (the process
  scorer alone: what `scorer: remote` calls).

Malformed requests get a 4xx with {"error": "..."} that says what to fix; scorer or sandbox failures a 503.
"""

from __future__ import annotations

import json
from http.server import ThreadingHTTPServer

from recode.httpjson import BodyError, JSONHandler
from recode.io import DataError
from recode.reward.batching import RewardService
from recode.reward.parts import summarize
from recode.reward.pipeline import Rollout
from recode.tasks import Task

MAX_BODY_BYTES = 64 << 20


class RequestError(ValueError):
    """A malformed request: answered with `status` and the message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class TaskRegistry:
    """Tasks a request may name by id; a request may also carry its own task objects."""

    def __init__(self, tasks: dict[str, Task]):
        self.tasks = tasks

    def __len__(self) -> int:
        return len(self.tasks)

    def task(self, value, where: str) -> Task:
        """A task from a task id (looked up) or a task object (or its JSON text)."""
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise RequestError(f"{where}: not valid task JSON ({exc.msg})") from None
        if isinstance(value, dict):
            try:
                return Task.from_dict(value, where)
            except DataError as exc:
                raise RequestError(str(exc)) from None
        if not isinstance(value, str):
            raise RequestError(f"{where}: expected a task id (string) or a task object, got {type(value).__name__}")
        if value not in self.tasks:
            example = next(iter(self.tasks), None)
            hint = f" (ids look like {example!r})" if example else " (this server was started without tasks)"
            raise RequestError(f"{where}: unknown task id {value!r}{hint}")
        return self.tasks[value]


def _list(body: dict, key: str, n: int | None = None, kind: type = str) -> list:
    value = body.get(key)
    if not isinstance(value, list):
        raise RequestError(f"`{key}` must be a list, got {type(value).__name__}")
    if n is not None and len(value) != n:
        raise RequestError(f"`{key}` has {len(value)} items but there are {n} completions")
    bad = next((i for i, v in enumerate(value) if kind is not None and not isinstance(v, kind)), None)
    if bad is not None:
        raise RequestError(f"`{key}[{bad}]` must be a {kind.__name__}, got {type(value[bad]).__name__}")
    return value


def _completion(query: str, prompt: str, i: int) -> str:
    """OpenRLHF sends the decoded prompt + response; the response is what follows the prompt."""
    if query.startswith(prompt):
        return query[len(prompt):]
    tail = prompt[-200:]
    at = query.rfind(tail) if tail else -1
    if at == -1:
        raise RequestError(f"query[{i}] does not contain prompts[{i}]; cannot tell the completion apart")
    return query[at + len(tail):]


def parse_rollouts(registry: TaskRegistry, body) -> tuple[list[Rollout], bool]:
    """Rollouts from either request shape; returns (rollouts, whether it was OpenRLHF's shape)."""
    if not isinstance(body, dict):
        raise RequestError(f"the request body must be a JSON object, got {type(body).__name__}")
    if "query" in body:
        queries = _list(body, "query")
        prompts = _list(body, "prompts", len(queries))
        labels = _list(body, "labels", len(queries), kind=None)
        return [Rollout(registry.task(lab, f"labels[{i}]"), _completion(q, p, i))
                for i, (q, p, lab) in enumerate(zip(queries, prompts, labels))], True
    if "completions" not in body or ("task_ids" not in body and "tasks" not in body):
        raise RequestError("expected `completions` with `task_ids` (or `tasks`), or OpenRLHF's "
                           "`query`, `prompts` and `labels`")
    completions = _list(body, "completions")
    key = "task_ids" if "task_ids" in body else "tasks"
    refs = _list(body, key, len(completions), kind=None)
    groups = _list(body, "groups", len(completions)) if body.get("groups") is not None else [None] * len(refs)
    return [Rollout(registry.task(ref, f"{key}[{i}]"), c, g)
            for i, (ref, c, g) in enumerate(zip(refs, completions, groups))], False


def openrlhf_reply(parts) -> dict:
    """OpenRLHF's reward-server reply: rewards, scores (same), and numeric per-rollout extra logs."""
    rewards = [p.total for p in parts]
    logs = {"fmt": [p.fmt for p in parts], "out": [p.out for p in parts],
            "proc": [p.proc if p.proc is not None else 0.0 for p in parts],
            "proc_scored": [0.0 if p.proc is None else 1.0 for p in parts],
            "gate_open": [1.0 if p.gate_open else 0.0 for p in parts], "pass_rate": [p.pass_rate for p in parts],
            "reasoning_words": [float(p.reasoning_words) for p in parts]}
    return {"rewards": rewards, "scores": rewards, "extra_logs": logs}


class RewardHandler(JSONHandler):
    server_version = "recode-reward/1"
    max_body_bytes = MAX_BODY_BYTES
    service: RewardService  # set by make_server
    registry: TaskRegistry

    def _reply(self, status: int, payload: dict) -> None:
        self.send_json(status, payload)

    def _body(self):
        try:
            return self.read_json()
        except BodyError as exc:
            raise RequestError(str(exc), exc.status) from None

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/health":
            pipeline = self.service.pipeline
            code = pipeline.verifiers["code"]
            self._reply(200, {"status": "ok", "tasks": len(self.registry), "gate": pipeline.config.gate,
                              "scorer": pipeline.config.scorer, "batches": self.service.batches_run,
                              "isolation": code.pool.level})
        elif self.path.rstrip("/") in ("/reward", "/get_reward", "/score"):
            self._reply(405, {"error": f"{self.path} takes POST"})
        else:
            self._reply(404, {"error": f"no such endpoint {self.path}; try /health, /reward, /get_reward, /score"})

    def do_POST(self) -> None:
        path = self.path.rstrip("/")
        try:
            if path not in ("/reward", "/get_reward", "/score"):
                raise RequestError(f"no such endpoint {self.path}; POST to /reward, /get_reward or /score", 404)
            body = self._body()
            self._reply(200, self._score(body) if path == "/score" else self._reward(body))
        except RequestError as exc:
            self._reply(exc.status, {"error": str(exc)})
        except Exception as exc:  # noqa: BLE001 - the pipeline failed: not the client's fault
            self._reply(503, {"error": f"reward computation failed: {type(exc).__name__}: {exc}"})

    def _reward(self, body) -> dict:
        rollouts, openrlhf = parse_rollouts(self.registry, body)
        if not rollouts:
            raise RequestError("no completions in the request")
        parts, timings = self.service.submit(rollouts)
        if openrlhf:
            return openrlhf_reply(parts)
        return {"rewards": [p.total for p in parts], "parts": [p.to_dict() for p in parts],
                "metrics": summarize(parts), "timings": timings}

    def _score(self, body) -> dict:
        scorer = self.service.pipeline.scorer
        if scorer is None:
            raise RequestError("this server has no process scorer (gate outcome_only)")
        if not isinstance(body, dict):
            raise RequestError("the request body must be a JSON object with `problems` and `reasonings`")
        reasonings = _list(body, "reasonings")
        problems = _list(body, "problems", len(reasonings))
        return {"scores": scorer.score(problems, reasonings)}


class RewardHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog (5) resets connections when a trainer opens hundreds at once.
    request_queue_size = 1024


def make_server(service: RewardService, tasks: dict[str, Task], host: str = "127.0.0.1",
                port: int = 8000) -> ThreadingHTTPServer:
    """A server bound to (host, port) (port 0: any free port); call `serve_forever()` and `shutdown()`."""
    handler = type("BoundRewardHandler", (RewardHandler,), {"service": service, "registry": TaskRegistry(tasks)})
    return RewardHTTPServer((host, port), handler)
