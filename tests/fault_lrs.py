"""
A scriptable LRS for faults Ralph cannot produce: a real ``http.server`` on 127.0.0.1 in a thread.

By default it forwards every request to an upstream LRS (the test session's real Ralph) and
returns its answer, so statements that get through are read back from Ralph. On top of that, a
test scripts faults:

* ``fail_next(n, status, retry_after=None)``: the next ``n`` POSTs get ``status`` (503, 429 with
  ``Retry-After`` ...), nothing forwarded;
* ``delay_next(n, seconds, status=None)``: the next ``n`` POSTs wait ``seconds`` before being
  answered (a reply slower than the client's timeout is a timeout), then are forwarded, or answered
  ``status`` without forwarding when given;
* ``reject_ids(ids, status=400)``: a POST holding any of these statement ids is refused whole
  with ``status``, as Ralph refuses a batch with one invalid statement;
* ``answer_next(n, status, body, headers=None, declared_length=None)``: the next ``n`` POSTs get
  this answer, nothing forwarded (a proxy's HTML page, a 200 with other ids, a redirect with its
  ``Location``; ``declared_length`` larger than the body: the connection closes before the
  ``Content-Length`` is met, a truncated answer);
* ``trickle_next(n, interval, body=None)``: the next ``n`` POSTs are forwarded, and the answer's
  headers come at once but its body one byte every ``interval`` seconds (``body`` replaces the
  upstream's answer when given);
* ``limit_body(max_bytes)``: a POST whose body is larger than ``max_bytes`` is answered 413, as
  nginx answers above its ``client_max_body_size`` (nothing forwarded; None lifts the limit);
* ``stop()`` / ``start()``: the LRS goes down (connection refused) and comes back on the same port.

It counts every POST (``posts``: status and ids per request; ``post_times``: when each was
answered; ``started``: POSTs received, answered or not) and the ids forwarded upstream and accepted
(``accepted_ids``), the body size of each POST (``body_sizes``) and the most POSTs handled at
once (``max_concurrent``). Without an upstream it answers 200 itself and keeps the statements.
"""
import http.server
import json
import socket
import threading
import time
from collections import Counter

import requests


class FaultLrs:
    """The scriptable LRS; ``statements_url`` is ``http://127.0.0.1:<port>/xAPI/statements``."""

    def __init__(self, upstream_url=None, upstream_auth=None, port=0):
        self.upstream_url = upstream_url
        self.upstream_auth = upstream_auth
        self.lock = threading.Lock()
        self.script = []          # [kind, remaining, params] in order
        self.rejected_ids = {}    # statement id -> status
        self.body_limit = None    # bytes; a larger POST body is answered 413
        self.body_sizes = []      # the body size of every POST, in order
        self.concurrent = 0       # POSTs being handled now
        self.max_concurrent = 0   # the most POSTs handled at once
        self.posts = []           # (status, [ids]) per POST
        self.post_times = []      # time.monotonic() of each answer
        self.started = 0
        self.paths = []           # the path of every POST received
        self.connections = set()
        self.accepted_ids = Counter()
        self.stored = {}
        self._session = requests.Session()
        self.server = None
        self.thread = None
        self.port = port
        self.start()

    @property
    def statements_url(self):
        """The statements URL to configure an endpoint with."""
        return f"http://127.0.0.1:{self.port}/xAPI/statements"

    def start(self):
        """Listen (again) on the port."""
        handler = _make_handler(self)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stop listening: connections are refused until :meth:`start`."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        with self.lock:  # kept-alive connections too: a down LRS answers nothing
            connections, self.connections = list(self.connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        """Stop and release everything."""
        self.stop()
        self._session.close()

    def fail_next(self, count, status, retry_after=None):
        """Answer the next ``count`` POSTs with ``status`` (and ``Retry-After`` when given)."""
        with self.lock:
            self.script.append(["fail", count, {"status": status, "retry_after": retry_after}])

    def delay_next(self, count, seconds, status=None):
        """Wait ``seconds`` before answering each of the next ``count`` POSTs (with ``status``, if given)."""
        with self.lock:
            self.script.append(["delay", count, {"seconds": seconds, "status": status}])

    def limit_body(self, max_bytes):
        """Answer 413 to any POST whose body is larger than ``max_bytes`` (None: no limit)."""
        with self.lock:
            self.body_limit = max_bytes

    def reject_ids(self, ids, status=400):
        """Refuse, whole, any POST that holds one of ``ids``."""
        with self.lock:
            for statement_id in ids:
                self.rejected_ids[statement_id] = status

    def answer_next(self, count, status, body=b"", headers=None, declared_length=None):
        """Answer the next ``count`` POSTs with ``status``, ``body`` and ``headers``, nothing forwarded."""
        with self.lock:
            self.script.append(["answer", count, {"status": status, "body": body, "headers": dict(headers or {}),
                                                  "declared_length": declared_length}])

    def trickle_next(self, count, interval, body=None):
        """Forward the next ``count`` POSTs, then send each answer's body a byte every ``interval`` seconds."""
        with self.lock:
            self.script.append(["trickle", count, {"interval": interval, "body": body}])

    def post_statuses(self):
        """The status of every POST so far, in order."""
        with self.lock:
            return [status for status, _ in self.posts]

    def _next_step(self):
        with self.lock:
            if not self.script:
                return None
            step = self.script[0]
            step[1] -= 1
            if step[1] <= 0:
                self.script.pop(0)
            return step[0], step[2]

    def handle_post(self, body, headers):
        """``(status, extra headers, body bytes)`` for one POST."""
        try:
            statements = json.loads(body)
        except ValueError:
            return self._record(400, [], {}, b'{"detail": "not JSON"}')
        statements = statements if isinstance(statements, list) else [statements]
        ids = [statement.get("id") for statement in statements]
        with self.lock:
            self.started += 1
            self.body_sizes.append(len(body))
            too_large = self.body_limit is not None and len(body) > self.body_limit
        if too_large:
            return self._record(413, ids, {"Content-Type": "text/html"},
                                b"<html><head><title>413 Request Entity Too Large</title></head></html>")
        step = self._next_step()
        if step is not None and step[0] == "delay":
            time.sleep(step[1]["seconds"])
            if step[1]["status"] is not None:
                return self._record(step[1]["status"], ids, {}, b'{"detail": "scripted slow failure"}')
            step = None
        if step is not None and step[0] == "answer":
            params = step[1]
            return self._record(params["status"], ids, params["headers"], params["body"],
                                declared_length=params["declared_length"])
        trickle = step[1] if step is not None and step[0] == "trickle" else None
        if step is not None and step[0] == "fail":
            extra = {"Retry-After": str(step[1]["retry_after"])} if step[1]["retry_after"] is not None else {}
            return self._record(step[1]["status"], ids, extra, b'{"detail": "scripted failure"}')
        if len(set(ids)) != len(ids):
            return self._record(400, ids, {}, b'{"detail": "Duplicate statement IDs"}')
        with self.lock:
            refused = [self.rejected_ids[i] for i in ids if i in self.rejected_ids]
        if refused:
            return self._record(refused[0], ids, {}, b'{"detail": "scripted rejection of a statement"}')
        if self.upstream_url is None:
            with self.lock:
                for statement in statements:
                    self.stored[statement["id"]] = statement
            answer = json.dumps(ids).encode() if trickle is None or trickle["body"] is None else trickle["body"]
            return self._record(200, ids, {}, answer, accepted=True,
                                trickle=None if trickle is None else trickle["interval"])
        forward = {name: value for name, value in headers.items() if name.lower() in (
            "content-type", "x-experience-api-version")}
        response = self._session.post(self.upstream_url, data=body, headers=forward, auth=self.upstream_auth,
                                      timeout=30)
        answer = response.content if trickle is None or trickle["body"] is None else trickle["body"]
        return self._record(response.status_code, ids, {}, answer,
                            accepted=response.status_code < 300 or response.status_code == 409,
                            trickle=None if trickle is None else trickle["interval"])

    def _record(self, status, ids, extra, body, accepted=False, declared_length=None, trickle=None):
        with self.lock:
            self.posts.append((status, ids))
            self.post_times.append(time.monotonic())
            if accepted:
                self.accepted_ids.update(ids)
        return status, extra, body, {"declared_length": declared_length, "trickle": trickle}


def _make_handler(lrs):
    class Handler(http.server.BaseHTTPRequestHandler):
        """Routes POST /xAPI/statements to the FaultLrs; GET is forwarded upstream (or 404)."""

        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            with lrs.lock:
                lrs.connections.add(self.connection)

        def finish(self):
            try:
                super().finish()
            finally:
                with lrs.lock:
                    lrs.connections.discard(self.connection)

        def log_message(self, format, *args):
            pass

        def _reply(self, status, extra, body, options=None):
            options = options or {}
            declared = options.get("declared_length")
            self.send_response(status)
            if not any(name.lower() == "content-type" for name in extra):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if declared is None else declared))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            if options.get("trickle"):
                self.wfile.flush()
                for index in range(len(body)):  # bounded: one byte per interval, the body's length
                    self.wfile.write(body[index:index + 1])
                    self.wfile.flush()
                    time.sleep(options["trickle"])
                return
            self.wfile.write(body)
            if declared is not None and declared > len(body):
                self.wfile.flush()
                self.close_connection = True  # the answer ends before its Content-Length

        def do_POST(self):  # pylint: disable=invalid-name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lrs.lock:
                lrs.paths.append(self.path)
            with lrs.lock:
                lrs.concurrent += 1
                lrs.max_concurrent = max(lrs.max_concurrent, lrs.concurrent)
            try:
                status, extra, answer, options = lrs.handle_post(body, dict(self.headers))
            except Exception as error:  # pylint: disable=broad-except
                status, extra, answer, options = 502, {}, json.dumps({"detail": repr(error)}).encode(), {}
            finally:
                with lrs.lock:
                    lrs.concurrent -= 1
            try:
                self._reply(status, extra, answer, options)
            except OSError:  # the client gave up (timeout)
                pass

        def do_GET(self):  # pylint: disable=invalid-name
            if lrs.upstream_url is None or not self.path.startswith("/xAPI/statements"):
                self._reply(404, {}, b'{"detail": "not found"}')
                return
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            response = lrs._session.get(  # pylint: disable=protected-access
                f"{lrs.upstream_url}?{query}", auth=lrs.upstream_auth, timeout=30,
                headers={"X-Experience-API-Version": self.headers.get("X-Experience-API-Version", "1.0.3")},
            )
            self._reply(response.status_code, {}, response.content)

    return Handler
