"""Helpers of the loop tests: a real webhook receiver on loopback (a tiny HTTP server in a
thread) that verifies each call's HMAC-SHA256 signature, and loop set-up shortcuts."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "test-webhook-secret"


class WebhookReceiver:
    """Receives webhook calls; answers 500 to the first ``fail_first`` calls, 401 to a call
    whose signature does not verify, 200 otherwise. ``accepted`` keeps each delivery once."""

    def __init__(self, secret: str = SECRET, fail_first: int = 0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.calls: list[dict[str, Any]] = []
        self.accepted: dict[str, dict[str, Any]] = {}
        self.duplicates = 0
        self.bad_signatures = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                code = receiver.handle(dict(self.headers.items()), body)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        stamp = headers.get("X-Cxm-Timestamp", "")
        mac = hmac.new(self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
        return hmac.compare_digest("sha256=" + mac.hexdigest(), headers.get("X-Cxm-Signature", ""))

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            ok = self.verify(headers, body)
            self.calls.append({"headers": headers, "verified": ok})
            if not ok:
                self.bad_signatures += 1
                return 401
            if self.fail_first > 0:
                self.fail_first -= 1
                return 500
            delivery = headers["X-Cxm-Delivery"]
            if delivery in self.accepted:
                self.duplicates += 1
            else:
                self.accepted[delivery] = json.loads(body)
            return 200

    def events(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.accepted.values() if e["event"] == name]

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
