"""
A fault proxy in front of the scenario's Ralph, for what Ralph cannot do on its own: a real
``http.server`` on 127.0.0.1 (a thread of the test process) that forwards each statements POST to
Ralph, except while a fault is on (:meth:`FaultProxy.fault` for a number of seconds):

* ``503``: answers 503, forwards nothing;
* ``429``: answers 429 with ``Retry-After: 1``, forwards nothing;
* ``reset_before``: resets the connection (RST) before forwarding: nothing stored;
* ``reset_after``: forwards (Ralph stores the batch), then resets instead of answering;
* ``truncated``: a proxy's 200 whose body stops short of its ``Content-Length``, nothing stored;
* ``redirect``: 301 to the same statements URL, nothing stored;
* ``trickle``: forwards (Ralph stores the batch), then sends Ralph's answer, status line and
  headers included, one byte every ``TRICKLE_SECONDS`` (each byte resets a per-read timeout);
  ``trickle_body``: the status line and headers at once, the body a byte at a time; ``trickled``
  records, per such POST, how long the client stayed before it closed the connection (None: it
  read the whole answer).

``posts`` counts the POSTs seen per fault (``"pass"`` for forwarded ones).
"""
import http.server
import select
import socket
import struct
import threading
import time
from collections import Counter

import requests

FAULTS = ("503", "429", "reset_before", "reset_after", "truncated", "redirect", "trickle", "trickle_body")
#: Seconds between two bytes of a trickled answer, and the longest a trickle goes on.
TRICKLE_SECONDS = 0.25
TRICKLE_MOST_SECONDS = 60.0


class FaultProxy:
    """The proxy; ``statements_url`` is ``http://127.0.0.1:<port>/xAPI/statements``."""

    def __init__(self, upstream_url, upstream_auth):
        self.upstream_url = upstream_url
        self.upstream_auth = upstream_auth
        self.lock = threading.Lock()
        self.mode = "pass"
        self.trickled = []
        self.until = 0.0
        self.posts = Counter()
        self.session = requests.Session()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, client_address: None  # a reset connection is the point
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def statements_url(self):
        return f"http://127.0.0.1:{self.port}/xAPI/statements"

    def fault(self, mode, seconds):
        """Turn fault ``mode`` on for ``seconds``; the proxy forwards again afterwards."""
        assert mode in FAULTS, mode
        with self.lock:
            self.mode, self.until = mode, time.monotonic() + seconds

    def clear(self):
        """Forward everything again, now."""
        with self.lock:
            self.mode, self.until = "pass", 0.0

    def current(self):
        with self.lock:
            if self.mode != "pass" and time.monotonic() >= self.until:
                self.mode = "pass"
            return self.mode

    def forward(self, body, headers):
        """POST ``body`` to Ralph; ``(status, body)``."""
        forward = {name: value for name, value in headers.items()
                   if name.lower() in ("content-type", "x-experience-api-version")}
        response = self.session.post(self.upstream_url, data=body, headers=forward, auth=self.upstream_auth,
                                     timeout=30)
        return response.status_code, response.content

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.session.close()


def _reset(connection):
    """Close ``connection`` with a TCP reset (SO_LINGER 0) instead of an orderly FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def _make_handler(proxy):  # pylint: disable=too-many-statements  # one handler class, one branch per fault
    class Handler(http.server.BaseHTTPRequestHandler):
        """POST /xAPI/statements goes through the fault of the moment; GET is forwarded to Ralph."""

        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def finish(self):
            try:
                super().finish()
            except (OSError, ValueError):  # the connection was reset on purpose
                pass

        def _reply(self, status, body, extra=(), length=None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # pylint: disable=invalid-name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            mode = proxy.current()
            with proxy.lock:
                proxy.posts[mode] += 1
            if mode == "503":
                self._reply(503, b'{"detail": "chaos: service unavailable"}')
            elif mode == "429":
                self._reply(429, b'{"detail": "chaos: slow down"}', extra=[("Retry-After", "1")])
            elif mode == "reset_before":
                self.close_connection = True
                _reset(self.connection)
            elif mode == "reset_after":
                proxy.forward(body, dict(self.headers))
                self.close_connection = True
                _reset(self.connection)
            elif mode == "truncated":
                self.close_connection = True
                self._reply(200, b'["', length=4096)
                self.wfile.flush()
                _reset(self.connection)
            elif mode == "redirect":
                self._reply(301, b"", extra=[("Location", self.path)])
            elif mode in ("trickle", "trickle_body"):
                status, answer = proxy.forward(body, dict(self.headers))
                self.close_connection = True
                self._trickle(status, answer, head_at_once=mode == "trickle_body")
            else:
                status, answer = proxy.forward(body, dict(self.headers))
                self._reply(status, answer)

        def _trickle(self, status, answer, head_at_once):
            head = (f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(answer)}\r\n\r\n").encode()
            started = time.monotonic()
            stayed = None
            if head_at_once:
                self.connection.sendall(head)
            for byte in answer if head_at_once else head + answer:
                if time.monotonic() - started > TRICKLE_MOST_SECONDS:
                    break
                try:
                    self.connection.sendall(bytes([byte]))
                    time.sleep(TRICKLE_SECONDS)
                    readable, _, _ = select.select([self.connection], [], [], 0)
                    if readable and self.connection.recv(1, socket.MSG_PEEK) == b"":  # the client closed its end
                        raise ConnectionAbortedError
                except OSError:
                    stayed = time.monotonic() - started
                    break
            with proxy.lock:
                proxy.trickled.append(stayed)

        def do_GET(self):  # pylint: disable=invalid-name
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            response = proxy.session.get(f"{proxy.upstream_url}?{query}", auth=proxy.upstream_auth, timeout=30,
                                         headers={"X-Experience-API-Version": "1.0.3"})
            self._reply(response.status_code, response.content)

    return Handler
