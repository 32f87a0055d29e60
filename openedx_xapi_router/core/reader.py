"""
Reading tracking-log lines, with recovery: bytes in, :class:`~openedx_xapi_router.core.event.TrackingEvent` out.

A tracking log written by the LMS is one JSON object per line, but real files are dirty: partial
writes, crash artefacts, lines from another logger, a logger header before the JSON. Each line
either gives an event or is rejected with a :class:`~openedx_xapi_router.core.errors.LineRejected`
whose ``kind`` says why, using the defect names of the tracking-log generator's manifest
(``../shared/tools/README.md``), so a report can be checked against a manifest line for line:

========================== =====================================================================
kind                       the line
========================== =====================================================================
blank_line                 is empty or whitespace only
nul_bytes                  has NUL bytes over part of the event (a crash artefact; see nul_padding)
invalid_utf8               is not UTF-8
oversized                  is longer than 50,000 characters (the LMS never writes such a line)
truncated_json             starts like a JSON object but does not parse
not_json                   is neither JSON nor a logger-prefixed JSON object
non_object_json            is JSON, but not an object
missing_event_type         has neither ``name`` nor ``event_type``
missing_time               has neither ``time`` nor ``timestamp``
bad_time                   has a time that is not ISO 8601 with a UTC offset
unparseable_server_event   is a server event whose ``event`` string is not JSON (except a cut page view)
invalid_course_key         has a ``context.course_id`` that is neither empty nor a course key
wrong_type                 has a ``name`` or ``context`` of the wrong JSON type
========================== =====================================================================

Recovered (the event is used, the recovery counted):

- ``logger_prefix``: a ``YYYY-MM-DD HH:MM:SS,mmm LEVEL pid [tracking] ... -`` header (and a space) before the
  JSON object.
- ``nul_padding``: a run of NUL bytes *before* a complete line (JSON object or logger-prefixed),
  as a writer that crashed leaves the file: the space it had reserved is zero-filled and the next
  write follows on the same line. The NULs are dropped and the rest is read as a line of its own
  (a logger header after them counts as ``nul_padding``, the outer recovery). NULs anywhere else
  overwrite part of the event, which stays rejected as ``nul_bytes``; so does a line of NULs only.
  (The tracking-log generator's ``nul_bytes`` defect always overwrites bytes after the first
  ``{``, so its manifest and this reader agree.)

Not a rejection: an event type nobody transforms (the pipeline counts it as unsupported), and a
line repeated byte for byte (an ordinary event; it gives the same statement with the same id,
which an LRS stores once).
"""
import gzip
import io
import re
import zlib

import orjson

from openedx_xapi_router.core.errors import InvalidEvent, LineRejected, UnreadableInput
from openedx_xapi_router.core.event import normalize

#: The LMS drops events longer than this (``TRACK_MAX_EVENT``), so a longer line was not written by it.
MAX_LINE_CHARS = 50_000

#: A ``logging`` header before the JSON, as some deployments write the tracking log.
LOGGER_PREFIX_RE = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \d+ \[tracking\] .*? - (?=\{)")

_GZIP_MAGIC = b"\x1f\x8b"


#: How much :func:`read_lines` asks the stream for at a time (one ``read1``: at most one read of
#: the file, so a pipe's lines come as they are written). The lines are split out of it in C.
READ_CHUNK_BYTES = 65_536


def read_lines(fileobj, source_name="<input>"):
    """
    Yield ``(line_number, raw_bytes)`` for every line of ``fileobj`` (binary), numbered from 1.

    ``raw_bytes`` has no line ending (LF or CR LF). A gzip stream (by its magic bytes) is
    decompressed; anything else is read as it is. Raises :class:`UnreadableInput` naming
    ``source_name`` when the stream breaks off (a truncated or corrupt gzip file): the lines before
    it have been yielded.

    The stream is read :data:`READ_CHUNK_BYTES` at a time and the lines found in each chunk with
    ``bytes.find`` (``memchr``): ``bytes.split`` and a buffered reader's ``readline`` look at every
    byte in turn, several times the cost of a line's other reading.
    """
    if not hasattr(fileobj, "peek"):
        fileobj = io.BufferedReader(fileobj) if isinstance(fileobj, io.RawIOBase) else _Peekable(fileobj)
    stream = gzip.GzipFile(fileobj=fileobj, mode="rb") if fileobj.peek(2)[:2] == _GZIP_MAGIC else fileobj
    line_number = 0
    pending = []  # the pieces of a line whose end has not been read yet
    try:
        while chunk := stream.read1(READ_CHUNK_BYTES):
            end = chunk.find(b"\n")
            if end < 0:
                pending.append(chunk)
                continue
            start = 0
            find = chunk.find
            # Whether a line of this chunk can end in CR at all (one memchr over the chunk): most
            # logs have LF endings only, and then no line's last byte is looked at.
            has_cr = b"\r" in chunk
            if pending:  # the line begun in the chunks before ends in this one
                pending.append(chunk[:end])
                line_number += 1
                line = b"".join(pending)
                yield line_number, line[:-1] if line[-1:] == b"\r" else line
                start = end + 1
                end = find(b"\n", start)
            while end >= 0:
                line_number += 1
                if has_cr and end > start and chunk[end - 1] == 13:  # b"\r"
                    yield line_number, chunk[start:end - 1]
                else:
                    yield line_number, chunk[start:end]
                start = end + 1
                end = find(b"\n", start)
            pending = [chunk[start:]] if start < len(chunk) else []
    except (OSError, EOFError, zlib.error) as error:
        raise UnreadableInput(source_name, f"{type(error).__name__} after line {line_number}: {error}") from error
    if pending:  # a last line without a line ending
        yield line_number + 1, b"".join(pending)


class _Peekable(io.BufferedIOBase):
    """A minimal ``peek`` over a binary file object that has none (a ``BytesIO``, a socket file)."""

    def __init__(self, fileobj):
        super().__init__()
        self._fileobj = fileobj
        self._head = b""

    def readable(self):
        return True

    def peek(self, size=1):
        """Return at least ``size`` bytes ahead (fewer at the end) without consuming them."""
        if len(self._head) < size:
            self._head += self._fileobj.read(size - len(self._head))
        return self._head

    def read(self, size=-1):
        if size is None or size < 0:
            data, self._head = self._head + self._fileobj.read(), b""
            return data
        if self._head:
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._fileobj.read(size)

    def read1(self, size=-1):
        return self.read(size if size and size > 0 else 65536)

    def readline(self, size=-1):
        if not self._head:
            return self._fileobj.readline(size)
        newline = self._head.find(b"\n")
        if newline >= 0:
            data, self._head = self._head[:newline + 1], self._head[newline + 1:]
            return data
        data, self._head = self._head, b""
        return data + self._fileobj.readline()


def read_event(raw):
    """
    Turn one line into ``(TrackingEvent, recovered)``: ``recovered`` is None for a clean line, or
    the recovery that was needed (``"logger_prefix"``).

    Raises:
        LineRejected: the line holds no usable event; ``kind`` says why (see the module docstring).
    """
    first = raw[0] if raw else -1  # the first byte as an int: no one-byte slice made per line
    if first == 123:  # b"{": a clean line
        body = raw
        recovered = None
    elif first == 0:  # b"\x00"
        return _read_padded(raw)
    else:
        match = LOGGER_PREFIX_RE.match(raw)
        if match is None:
            return _read_other(raw), None
        body = raw[match.end():]
        recovered = "logger_prefix"
    if len(body) > MAX_LINE_CHARS:
        _check_size(body)
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _undecodable(body, "truncated_json") from None
    if type(obj) is not dict:  # pylint: disable=unidiomatic-typecheck
        raise LineRejected("non_object_json", f"a JSON {_json_type(obj)}, not an object")
    try:  # _normalize, inlined: once per line
        return normalize(obj), recovered
    except InvalidEvent as error:
        raise LineRejected(error.kind, str(error)) from None


def _read_padded(raw):
    """A line that starts with NUL bytes: the complete line behind the padding, or ``nul_bytes``."""
    body = raw.lstrip(b"\x00")
    if not body or body[:1] == b"\x00" or b"\x00" in body:
        raise LineRejected("nul_bytes", "the line contains NUL bytes")
    if body[:1] != b"{" and LOGGER_PREFIX_RE.match(body) is None:
        raise LineRejected("nul_bytes", "NUL bytes before something that is not an event")
    try:
        event, _ = read_event(body)
    except LineRejected as rejected:
        if rejected.kind in ("truncated_json", "not_json"):
            # NULs then a fragment: the NULs overwrote the start of the event.
            raise LineRejected("nul_bytes", "NUL bytes over the start of the event") from None
        raise
    return event, "nul_padding"


def parse_line(raw):
    """
    One tracking-log line (bytes, no line ending) -> its :class:`TrackingEvent` (live or log form).

    Raises:
        LineRejected: the line holds no usable event; ``kind`` says why (see the module docstring).
    """
    return read_event(raw)[0]


def _normalize(obj):
    try:
        return normalize(obj)
    except InvalidEvent as error:
        raise LineRejected(error.kind, str(error)) from None


def _read_other(raw):
    """A line that neither starts with ``{`` nor has a logger header."""
    if not raw.strip():
        raise LineRejected("blank_line", "an empty or whitespace-only line")
    if len(raw) > MAX_LINE_CHARS:
        _check_size(raw)
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _undecodable(raw, "not_json") from None
    if type(obj) is not dict:  # pylint: disable=unidiomatic-typecheck
        raise LineRejected("non_object_json", f"a JSON {_json_type(obj)}, not an object")
    return _normalize(obj)  # an object after leading whitespace


def _check_size(body):
    """Reject a body of more than MAX_LINE_CHARS characters (bytes are an upper bound, so count only then)."""
    try:
        length = len(body.decode("utf-8"))
    except UnicodeDecodeError:
        length = len(body)
    if length > MAX_LINE_CHARS:
        raise LineRejected("oversized", f"{length} characters, more than the LMS ever writes ({MAX_LINE_CHARS})")


def _undecodable(body, kind):
    """The LineRejected for bytes orjson refused: NUL bytes and bad UTF-8 first, else ``kind``."""
    if b"\x00" in body:
        return LineRejected("nul_bytes", "the line contains NUL bytes")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        return LineRejected("invalid_utf8", f"not UTF-8 at byte {error.start}")
    if kind == "truncated_json":
        return LineRejected(kind, "starts as a JSON object but does not parse")
    return LineRejected(kind, "neither JSON nor a logger-prefixed JSON object")


def _json_type(value):
    if value is None:
        return "null"
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(type(value), "value")
