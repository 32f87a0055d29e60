"""
The LRS client's deadline covers the whole request, status line and headers included (#13).

A loopback server of the test's own (one thread, 127.0.0.1, at most ``MAX_CONNECTIONS`` connections,
every write bounded) answers a statements POST by trickling its answer one byte every
``STEP_SECONDS``, and counts the bytes the client took before it hung up. ``requests`` alone applies
its timeout per socket read, so each trickled byte would reset it and the whole head would be read
(the chaos scenario ``[trickle]`` measured one POST held 18.9 s with a 3 s timeout). The assertions
are counts, not wall-clock times: the server sleeps at least ``STEP_SECONDS`` per byte, so ``sent``
bytes mean the client stayed at least ``sent * STEP_SECONDS`` seconds; more than the deadline's worth
plus a margin is a failure however loaded the machine is.

The answer is what an xAPI LRS sends for a statements POST (xAPI 1.0.3, Part Three, 2.1.2
"PUT/POST Statements": 200 with the array of the stored ids), as the client's own
``unconfirmed`` check reads it (openedx_xapi_router/lrs/messages.py).
"""
import json
import socket
import threading
import time
import uuid

import pytest

from openedx_xapi_router.lrs.client import LrsClient, Outcome, RetryableLrsError

STEP_SECONDS = 0.02
TIMEOUT = 1.0
#: Bytes the server may send before the client must have hung up: the deadline's worth, plus 1 s.
MOST_BYTES = int((TIMEOUT + 1.0) / STEP_SECONDS)
MAX_CONNECTIONS = 4


def _statement():
    return {"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:a@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://example.org/course/1"}}


def _answer(ids, padding=0):
    """A whole HTTP answer to a statements POST of ``ids``, with ``padding`` bytes of a header."""
    body = json.dumps(ids).encode()
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + (b"X-Padding: " + b"p" * padding + b"\r\n" if padding else b"")
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    return head, body


class TrickleServer:
    """
    Answers each request on a connection with ``plan[n]`` for the n-th request overall:
    ``("trickle", padding)``: the head and body one byte every STEP_SECONDS (a ``padding`` header
    makes the head long); ``("at_once", 0)``: the whole answer in one write.
    ``sent`` lists the bytes sent per trickled answer before the client hung up; ``connections``
    counts the connections accepted; ``requests`` the requests read.
    """

    def __init__(self, plan):
        self.plan = list(plan)
        self.sent = []
        self.connections = 0
        self.requests = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/xAPI/statements"

    def close(self):
        self.stop.set()
        self.thread.join(timeout=10)
        self.listener.close()
        assert not self.thread.is_alive()

    def _serve(self):
        for _ in range(200):  # at most 40 s of accepting
            if self.stop.is_set() or self.connections >= MAX_CONNECTIONS:
                return
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(5)
                self._connection(conn)

    def _connection(self, conn):
        buffer = b""
        for _ in range(len(self.plan) + 1):  # a bounded number of requests per connection
            request, buffer = self._read_request(conn, buffer)
            if request is None or self.requests >= len(self.plan):
                return
            kind, padding = self.plan[self.requests]
            self.requests += 1
            ids = [statement["id"] for statement in json.loads(request)]
            head, body = _answer(ids, padding)
            if kind == "at_once":
                conn.sendall(head + body)
                continue
            if not self._trickle(conn, head + body):
                return

    def _trickle(self, conn, answer):
        """Send ``answer`` a byte at a time; True when all of it went out."""
        sent = 0
        try:
            for byte in answer:
                if self.stop.is_set():
                    break
                conn.sendall(bytes([byte]))
                sent += 1
                time.sleep(STEP_SECONDS)
        except OSError:  # the client hung up
            pass
        self.sent.append(sent)
        return sent == len(answer)

    @staticmethod
    def _read_request(conn, buffer):
        """``(body, rest)`` of the next request on ``conn``, or ``(None, b"")`` when it closed."""
        try:
            for _ in range(1000):
                if b"\r\n\r\n" in buffer:
                    head, _, rest = buffer.partition(b"\r\n\r\n")
                    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length:"))
                    if len(rest) >= length:
                        return rest[:length], rest[length:]
                part = conn.recv(65536)
                if not part:
                    return None, b""
                buffer += part
        except OSError:
            pass
        return None, b""


@pytest.fixture(name="trickle_server")
def trickle_server_fixture():
    servers = []

    def start(plan):
        servers.append(TrickleServer(plan))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_a_head_trickled_a_byte_at_a_time_fails_at_the_deadline(trickle_server):
    server = trickle_server([("trickle", 400), ("at_once", 0)])
    head_length = len(_answer([str(uuid.uuid4())], 400)[0])
    with LrsClient(server.url, ("user", "secret"), timeout=TIMEOUT, allow_insecure_http=True) as client:
        with pytest.raises(RetryableLrsError) as raised:
            client.post_statements([_statement()])
        assert "timed out" in str(raised.value)
        # The same client's next POST goes out on a new connection and is delivered.
        statement = _statement()
        assert client.post_statements([statement]).outcome is Outcome.OK
    assert server.requests == 2
    assert server.connections == 2
    assert len(server.sent) == 1
    # The client hung up inside the head (the status line and headers were never all read), within the
    # deadline's worth of bytes plus a margin. Per-read timeouts would have taken all head_length bytes.
    assert 0 < server.sent[0] <= MOST_BYTES < head_length, (server.sent, MOST_BYTES, head_length)


def test_a_kept_alive_connection_outlives_an_earlier_request_s_deadline(trickle_server):
    """The deadline timer of a request that ended in time is cancelled: it must not shut the socket the
    pool hands to the next request once the first deadline has passed."""
    server = trickle_server([("at_once", 0), ("at_once", 0)])
    with LrsClient(server.url, ("user", "secret"), timeout=TIMEOUT, allow_insecure_http=True) as client:
        assert client.post_statements([_statement()]).outcome is Outcome.OK
        time.sleep(TIMEOUT + 0.5)  # past the first request's deadline; no assertion on time
        assert client.post_statements([_statement()]).outcome is Outcome.OK
    assert (server.requests, server.connections, server.sent) == (2, 1, [])
