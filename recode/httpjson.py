"""The JSON-over-HTTP plumbing shared by our standard-library servers (`recode reward serve`,
`recode generate serve`): keep-alive, quiet logs, JSON replies, bounded JSON request bodies."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any


class BodyError(ValueError):
    """A request body that cannot be read: answered with `status` and the message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class JSONHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    max_body_bytes = 64 << 20

    def log_message(self, format, *args) -> None:
        pass  # one line per request would flood a training or benchmark log

    def send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_json(self) -> Any:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise BodyError("a Content-Length header is required", 411)
        if int(length) > self.max_body_bytes:
            raise BodyError(f"the body is over {self.max_body_bytes >> 20} MiB; send smaller requests", 413)
        try:
            return json.loads(self.rfile.read(int(length)))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BodyError(f"the request body is not valid JSON ({exc})") from None
