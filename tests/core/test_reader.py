"""The tracking-log reader: line splitting, gzip, every rejection kind, logger-prefix recovery."""
import gzip
import io
import json

import pytest

from openedx_xapi_router.core import reader
from openedx_xapi_router.core.errors import LineRejected, UnreadableInput, XapiRouterError
from openedx_xapi_router.core.event import TrackingEvent
from openedx_xapi_router.core.reader import MAX_LINE_CHARS, parse_line, read_event, read_lines

EVENT = {
    "name": "play_video",
    "event_type": "play_video",
    "time": "2026-03-01T06:30:47.897000+00:00",
    "event_source": "browser",
    "username": "wei.cohen",
    "session": "1e7263cb3d3762f5a94a65e1798d191f",
    "event": json.dumps({"id": "abc", "currentTime": 1.5, "code": "html5"}),
    "context": {"user_id": 16, "course_id": "course-v1:MITx+PH185+2025_T2", "org_id": "MITx", "path": "/event"},
}
LINE = json.dumps(EVENT).encode()
PREFIX = b"2026-03-01 06:30:47,897 INFO 7 [tracking] [user 16] [ip 100.91.236.128] logger.py:41 - "


def _with(**changes):
    event = dict(EVENT)
    for key, value in changes.items():
        if value is None:
            event.pop(key, None)
        else:
            event[key] = value
    return json.dumps(event).encode()


def test_a_clean_line_gives_its_event():
    event = parse_line(LINE)
    assert isinstance(event, TrackingEvent)
    assert (event.name, event.timestamp, event.user_id, event.course_id, event.session) == (
        "play_video", "2026-03-01T06:30:47.897000+00:00", 16, "course-v1:MITx+PH185+2025_T2",
        "1e7263cb3d3762f5a94a65e1798d191f",
    )
    assert event.data == {"id": "abc", "currentTime": 1.5, "code": "html5"}
    assert read_event(LINE) == (event, None)


def test_a_logger_prefix_is_recovered_and_named():
    event, recovered = read_event(PREFIX + LINE)
    assert recovered == "logger_prefix"
    assert event == parse_line(LINE)


def test_leading_whitespace_before_an_object_is_harmless():
    assert read_event(b"  " + LINE) == (parse_line(LINE), None)


CASES = [
    (b"", "blank_line"),
    (b"   \t ", "blank_line"),
    (LINE[:200], "truncated_json"),
    (LINE[:-1], "truncated_json"),
    (LINE.replace(b"wei.cohen", b"w\xe9i.cohen"), "invalid_utf8"),
    (b"[1, 2, 3]", "non_object_json"),
    (b'"a string"', "non_object_json"),
    (b"42", "non_object_json"),
    (b"null", "non_object_json"),
    (_with(name=None, event_type=None), "missing_event_type"),
    (_with(time=None), "missing_time"),
    (_with(time="not-a-timestamp"), "bad_time"),
    (_with(time="2026-03-01T06:30:47"), "bad_time"),
    (_with(time=1772346647), "bad_time"),
    (_with(event_source="server", event="{'id': 'abc'"), "unparseable_server_event"),
    (_with(context={"course_id": "course-v1:edX+DemoX", "user_id": 16}), "invalid_course_key"),
    (_with(context={"course_id": 7, "user_id": 16}), "invalid_course_key"),
    (LINE[:100] + b"\x00" * 20 + LINE[120:], "nul_bytes"),
    (b"\x00" * 20 + LINE[20:], "nul_bytes"),
    (_with(event=json.dumps({"id": "x" * MAX_LINE_CHARS})), "oversized"),
    (PREFIX + _with(event=json.dumps({"id": "x" * MAX_LINE_CHARS})), "oversized"),
    (PREFIX + LINE[:200], "truncated_json"),
    (PREFIX + _with(time=None), "missing_time"),
    (b"Traceback (most recent call last):", "not_json"),
    (_with(context=["course"]), "wrong_type"),
    (_with(name=["play_video"]), "wrong_type"),
]


@pytest.mark.parametrize("raw,kind", CASES, ids=[f"{kind}-{index}" for index, (_, kind) in enumerate(CASES)])
def test_each_defect_is_rejected_by_its_kind(raw, kind):
    with pytest.raises(LineRejected) as rejected:
        parse_line(raw)
    assert rejected.value.kind == kind
    assert isinstance(rejected.value, XapiRouterError)
    assert str(rejected.value) == f"line rejected ({kind}): {rejected.value.reason}"


def test_rejection_reasons_name_the_problem():
    with pytest.raises(LineRejected) as rejected:
        parse_line(_with(time=None))
    assert rejected.value.reason == "event 'play_video': field 'time': neither timestamp nor time is present"
    with pytest.raises(LineRejected) as rejected:
        parse_line(b"[1]")
    assert rejected.value.reason == "a JSON array, not an object"
    big = _with(event=json.dumps({"id": "x" * MAX_LINE_CHARS}))
    with pytest.raises(LineRejected) as rejected:
        parse_line(big)
    assert rejected.value.reason == f"{len(big)} characters, more than the LMS ever writes (50000)"


def test_the_size_limit_counts_characters_not_bytes():
    """A line of 50,000 characters or fewer is accepted even when its UTF-8 form is longer."""
    padding = "é" * (MAX_LINE_CHARS - len(LINE) - 40)
    line = json.dumps({**EVENT, "username": padding}, ensure_ascii=False).encode()
    assert len(line) > MAX_LINE_CHARS >= len(line.decode())
    assert parse_line(line).username == padding


def test_unknown_event_types_and_duplicates_are_ordinary_events():
    assert parse_line(_with(name="edx.nobody.emits.this", event_type="edx.nobody.emits.this")).name == (
        "edx.nobody.emits.this"
    )
    assert parse_line(LINE) == parse_line(bytes(LINE))


def test_the_live_form_is_read_too():
    live = {
        "name": "play_video", "timestamp": EVENT["time"], "data": {"id": "abc", "currentTime": 1.5, "code": "html5"},
        "context": {**EVENT["context"], "username": "wei.cohen", "session": EVENT["session"],
                    "event_source": "browser"},
    }
    event = parse_line(json.dumps(live).encode())
    assert (event.name, event.timestamp, event.data, event.username, event.session) == (
        "play_video", EVENT["time"], {"id": "abc", "currentTime": 1.5, "code": "html5"}, "wei.cohen",
        EVENT["session"],
    )


CONTENT = b"first\r\nsecond\n\nlast-without-newline"
EXPECTED_LINES = [(1, b"first"), (2, b"second"), (3, b""), (4, b"last-without-newline")]


def test_read_lines_numbers_lines_and_strips_line_endings(tmp_path):
    path = tmp_path / "tracking.log"
    path.write_bytes(CONTENT)
    with open(path, "rb") as file:
        assert list(read_lines(file, str(path))) == EXPECTED_LINES


def test_read_lines_reads_gzip_by_its_magic_bytes(tmp_path):
    path = tmp_path / "tracking.log.1"  # no .gz suffix: the content decides
    path.write_bytes(gzip.compress(CONTENT))
    with open(path, "rb") as file:
        assert list(read_lines(file, str(path))) == EXPECTED_LINES


@pytest.mark.parametrize("content", [CONTENT, gzip.compress(CONTENT)], ids=["plain", "gzip"])
def test_read_lines_from_streams_without_peek(content):
    assert list(read_lines(io.BytesIO(content))) == EXPECTED_LINES

    class NoPeek(io.RawIOBase):
        def __init__(self):
            super().__init__()
            self.inner = io.BytesIO(content)

        def readable(self):
            return True

        def readinto(self, buffer):
            data = self.inner.read(min(len(buffer), 3))
            buffer[:len(data)] = data
            return len(data)

    assert list(read_lines(NoPeek())) == EXPECTED_LINES


def test_read_lines_of_an_empty_input():
    assert not list(read_lines(io.BytesIO(b"")))


def test_a_truncated_gzip_stream_names_the_source():
    content = gzip.compress(b"".join(b'{"n": %d}\n' % n for n in range(5000)))
    lines = []
    with pytest.raises(UnreadableInput) as unreadable:
        for item in read_lines(io.BytesIO(content[: len(content) // 2]), "cut.log.gz"):
            lines.append(item)
    assert unreadable.value.source == "cut.log.gz"
    assert str(unreadable.value).startswith(f"cannot read cut.log.gz: EOFError after line {len(lines)}: ")
    assert lines and lines[0] == (1, b'{"n": 0}')


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 65_536])
def test_read_lines_gives_the_same_lines_whatever_the_chunk_size(tmp_path, monkeypatch, chunk):
    """Lines, ``\\r\\n`` pairs and a line longer than a chunk that straddle chunk boundaries come out whole."""
    long_line = b"x" * 300
    content = b"a\r\nbb\r\n\r\n" + long_line + b"\r\nc\rd\n\n" + long_line + b"\r"
    expected = [(1, b"a"), (2, b"bb"), (3, b""), (4, long_line), (5, b"c\rd"), (6, b""), (7, long_line + b"\r")]
    path = tmp_path / "tracking.log"
    path.write_bytes(content)
    monkeypatch.setattr(reader, "READ_CHUNK_BYTES", chunk)
    with open(path, "rb") as file:
        assert list(read_lines(file, str(path))) == expected
    assert list(read_lines(io.BytesIO(gzip.compress(content)))) == expected
