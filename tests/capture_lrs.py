"""
A capture server for the security tests: a real ``http.server`` on 127.0.0.1 in a thread that
records every request it gets (method, path, raw header lines, body) and answers as scripted.

Modes (``mode``):

* ``"lrs"``: answers as an LRS would: a POST of statements gets ``200`` and their ids, a GET of
  ``statements`` gets a one-statement result (whose ``more`` link points to ``location``, when
  given), a GET of ``about`` the xAPI versions;
* ``"echo"``: answers ``status`` (400 by default) with the request echoed back, as some LRSs and
  proxies do in an error page: the raw header lines, the headers as a JSON object, and the
  decoded HTTP Basic pair (``user:password``) of the ``Authorization`` header, if any;
* ``"redirect"``: answers ``status`` (307 by default) with ``Location: <location><path>``.

Every loop is bounded: the server thread polls every 50 ms and ``close()`` stops it.
"""
import base64
import binascii
import http.server
import json
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class CapturedRequest:
    """One request the server got, as it came over the wire."""

    method: str
    path: str
    header_lines: tuple
    body: bytes

    def header(self, name):
        """The value of the first header called ``name`` (any case), or None."""
        for line in self.header_lines:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None

    def raw(self):
        """The whole request as bytes (request line, header lines, body), for searching."""
        head = "\r\n".join((f"{self.method} {self.path} HTTP/1.1", *self.header_lines))
        return head.encode("latin-1", errors="replace") + b"\r\n\r\n" + self.body


class CaptureServer:
    """The capture server; ``statements_url`` is ``http://127.0.0.1:<port>/xAPI/statements``."""

    def __init__(self, mode="lrs", status=None, location=None):
        self.mode = mode
        self.status = status
        self.location = location
        self.lock = threading.Lock()
        self.requests = []
        handler = _make_handler(self)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def statements_url(self):
        return f"{self.origin}/xAPI/statements"

    def captured(self):
        """A copy of the requests so far."""
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def answer(self, request):
        """``(status, headers, body)`` for one captured request."""
        if self.mode == "redirect":
            return self.status or 307, {"Location": f"{self.location}{request.path}"}, b""
        if self.mode == "echo":
            return self.status or 400, {}, echo_body(request)
        if request.method == "POST":
            try:
                statements = json.loads(request.body)
            except ValueError:
                return 400, {}, b'{"detail": "not JSON"}'
            statements = statements if isinstance(statements, list) else [statements]
            return 200, {}, json.dumps([statement.get("id") for statement in statements]).encode()
        if request.path.split("?")[0].endswith("/about"):
            return 200, {}, b'{"version": ["1.0.3"]}'
        more = f"{self.location}/xAPI/statements?page=2" if self.location else ""  # a "more" link elsewhere
        return 200, {}, json.dumps({"statements": [{"id": "s1"}], "more": more}).encode()


def echo_body(request):
    """The request echoed in the three shapes an error page uses (raw lines, JSON, decoded Basic pair)."""
    decoded = ""
    authorization = request.header("Authorization") or ""
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:]).decode("latin-1")
        except (binascii.Error, ValueError):
            decoded = ""
    headers = dict(line.split(":", 1) for line in request.header_lines if ":" in line)
    text = (
        "Bad request. " + (f"Credentials given: {decoded}. " if decoded else "")
        + json.dumps({"detail": "Bad request", "headers": {k.strip(): v.strip() for k, v in headers.items()}})
        + "\nYou sent:\n" + "\n".join(request.header_lines)
    )
    return text.encode("utf-8")


def _make_handler(server):
    class Handler(http.server.BaseHTTPRequestHandler):
        """Records each request, then answers with ``server.answer``."""

        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            lines = tuple(f"{name}: {value}" for name, value in self.headers.items())
            request = CapturedRequest(self.command, self.path, lines, body)
            with server.lock:
                server.requests.append(request)
            status, headers, answer = server.answer(request)
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if server.mode == "lrs" else "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer)

        do_GET = _handle  # noqa: N815
        do_POST = _handle  # noqa: N815
        do_PUT = _handle  # noqa: N815

    return Handler
