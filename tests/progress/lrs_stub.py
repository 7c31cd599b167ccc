"""A small Learning Record Store on a real local HTTP port, for the sender's tests.

It serves the xAPI 1.0.3 `statements` resource at `/xAPI/statements`, the way an LRS does:
- POST with a JSON array (or one statement): stores the whole batch and answers 200 with the ids, or
  stores nothing and answers 409 when it already holds one of the ids, 400 when one statement is invalid
  (checked with ralph) or an id appears twice;
- PUT `?statementId=…` with one statement: 204 once stored, 409 when the id is already held, 400 when
  the statement is invalid or its id is not the parameter;
- 401 without the right Basic credentials, 400 without an `X-Experience-API-Version: 1.0.x` header.

It can be switched down (`down = True`: 503), stopped (connection refused) and started again on the
same port, or made to lose its answer (`lose_next_answers`: it stores the batch, then closes the
connection without answering). Every statement it receives is kept in `received`, whatever the answer.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement

STATEMENTS_PATH = "/xAPI/statements"


@dataclass(frozen=True)
class Request:
    method: str
    ids: list[str]
    status: int


def _is_valid(statement) -> bool:
    if not isinstance(statement, dict) or not statement.get("id"):
        return False  # our statements always carry their own id
    try:
        BaseXapiStatement(**statement)
    except (ValidationError, TypeError):
        return False
    return True


class LrsStub:
    def __init__(self, username: str = "capnum", password: str = "secret-lrs"):
        self.username = username
        self.password = password
        self.lock = threading.Lock()
        self.stored: dict[str, dict] = {}  # id → statement, in the order they were stored
        self.store_log: list[str] = []  # every id each time it was stored (a duplicate would show here)
        self.received: list[dict] = []  # every statement received, accepted or not
        self.requests: list[Request] = []
        self.down = False
        self.lose_next_answers = 0
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ----------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self) -> LrsStub:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: a client is refused the connection until `start()` again (same port)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None

    def preload(self, statements: list[dict]) -> None:
        """The LRS already holds these (as if it had stored them and our side lost its answer)."""
        with self.lock:
            for statement in statements:
                self._store(statement)

    def counts(self) -> Counter:
        """How many times each statement id was stored."""
        with self.lock:
            return Counter(self.store_log)

    def posted_batches(self) -> list[list[str]]:
        """The ids of each POST the LRS accepted, in order."""
        with self.lock:
            return [request.ids for request in self.requests if request.method == "POST" and request.status == 200]

    # --- behaviour --------------------------------------------------------------------------------

    def _store(self, statement: dict) -> None:
        self.stored[statement["id"]] = statement
        self.store_log.append(statement["id"])

    def _authorized(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return header == f"Basic {expected}"

    def _post(self, body) -> tuple[int, object]:
        statements = body if isinstance(body, list) else [body]
        self.received.extend(statements)
        if not statements or not all(_is_valid(statement) for statement in statements):
            return 400, {"message": "invalid statement"}
        ids = [statement["id"] for statement in statements]
        if len(set(ids)) != len(ids):
            return 400, {"message": "duplicate statement id in the batch"}
        if any(statement_id in self.stored for statement_id in ids):
            return 409, {"message": "statement id already stored"}
        for statement in statements:
            self._store(statement)
        return 200, ids

    def _put(self, statement_id: str | None, body) -> tuple[int, object]:
        self.received.append(body)
        if not statement_id or not _is_valid(body) or body["id"] != statement_id:
            return 400, {"message": "invalid statement"}
        if statement_id in self.stored:
            return 409, {"message": "statement id already stored"}
        self._store(body)
        return 204, None

    def _handler_class(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

            def _handle(self, method: str):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if url.path != STATEMENTS_PATH:
                    return self._answer(404, {"message": "not found"})
                if not stub._authorized(self.headers.get("Authorization")):
                    return self._answer(401, {"message": "unauthorized"})
                if not (self.headers.get("X-Experience-API-Version") or "").startswith("1.0."):
                    return self._answer(400, {"message": "missing X-Experience-API-Version"})
                if stub.down:
                    return self._answer(503, {"message": "maintenance"})
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._answer(400, {"message": "invalid JSON"})
                with stub.lock:
                    if method == "POST":
                        status, payload = stub._post(body)
                    else:
                        statement_id = parse_qs(url.query).get("statementId", [None])[0]
                        status, payload = stub._put(statement_id, body)
                    items = body if isinstance(body, list) else [body]
                    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
                    stub.requests.append(Request(method, ids, status))
                    lose = stub.lose_next_answers > 0
                    if lose:
                        stub.lose_next_answers -= 1
                if lose:
                    self.close_connection = True  # stored (or not), but the client never hears back
                    return None
                return self._answer(status, payload)

            def _answer(self, status: int, payload):
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("X-Experience-API-Version", "1.0.3")
                if payload is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None

        return Handler
