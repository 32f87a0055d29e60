"""
The ``xapi-router-transform`` CLI, in-process and as a subprocess, on real files: exact output lines
and exact reports.
"""
import gzip
import hashlib
import hmac
import io
import json
import os
import subprocess
import sys
import uuid

import pytest

from openedx_xapi_router.core.cli import main
from tests.transformers.samples import REPO_ROOT

ACTOR = "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"
TIME = "2020-07-15T06:36:01.917775+00:00"
SESSION = "44c2f6b53a6aaf210797a56391a443bc"
COURSE = "course-v1:edX+DemoX+Demo_Course"


def log_line(**changes):
    """An ``edx.course.enrollment.activated`` tracking-log line (user 3, ``edx``) with ``changes``."""
    event = {
        "name": "edx.course.enrollment.activated",
        "event_type": "edx.course.enrollment.activated",
        "time": TIME,
        "event_source": "server",
        "username": "edx",
        "session": SESSION,
        "event": {"course_id": COURSE, "mode": "audit", "user_id": 3},
        "context": {"course_id": COURSE, "org_id": "edX", "user_id": 3, "path": "/change_enrollment"},
    }
    event.update(changes)
    return json.dumps(event)


def statement_line(actor=ACTOR, course_name="Demonstration Course", statement_id="bb946682-b0b9-5dc2-a17c-605ef5833c98",
                   root="http://localhost:18000"):
    """The exact output line for :func:`log_line` (the golden statement, as compact JSON)."""
    name = f',"name":{{"en":"{course_name}"}}' if course_name else ""
    return (
        f'{{"id":"{statement_id}",'
        f'"actor":{{"objectType":"Agent","account":{{"homePage":"{root}","name":"{actor}"}}}},'
        '"verb":{"id":"http://adlnet.gov/expapi/verbs/registered","display":{"en":"registered"}},'
        f'"object":{{"id":"{root}/course/{COURSE}","objectType":"Activity",'
        f'"definition":{{"type":"http://adlnet.gov/expapi/activities/course"{name},'
        '"extensions":{"https://w3id.org/xapi/acrossx/extensions/type":"audit"}}},'
        '"context":{"extensions":{"https://w3id.org/xapi/openedx/extension/transformer-version":'
        f'"openedx-xapi-router/edx.course.enrollment.activated@1",'
        f'"https://w3id.org/xapi/openedx/extensions/session-id":"{SESSION}"}}}},'
        f'"timestamp":"{TIME}","version":"1.0.3"}}'
    )


PREFIX = "2020-07-15 06:36:01,917 INFO 7 [tracking] [user 3] [ip 172.18.0.1] logger.py:41 - "
LOG = "\n".join([
    log_line(),                                                        # 1: a statement
    "",                                                                # 2: blank_line
    PREFIX + log_line(),                                               # 3: recovered, same statement
    log_line(name="textbook.pdf.zoom.menu.changed", event_type="textbook.pdf.zoom.menu.changed"),  # 4: unsupported
    log_line()[:120],                                                  # 5: truncated_json
    log_line(username="", event={"course_id": COURSE, "mode": "audit"},
             context={"course_id": COURSE, "org_id": "edX"}),          # 6: anonymous
    log_line(time="yesterday"),                                        # 7: bad_time
    log_line(event={"course_id": COURSE, "mode": "audit", "user_id": 4},
             context={"course_id": COURSE, "user_id": 4}),             # 8: user 4 is not in the map
]) + "\n"


def expected_report(source_lines=None, to_file=True):
    """
    The report for LOG; ``source_lines`` maps line numbers to how the report names them. Written
    to stderr (``to_file`` False), the report has no ``page_view_paths`` (``--report`` only).
    """
    where = source_lines or (lambda line: line)
    report = {
        "lines": 8,
        "events": 5,
        "filtered": {},
        "transformed": 2,
        "statements": 2,
        "unsupported": {"textbook.pdf.zoom.menu.changed": 1},
        "page_view_paths": {},
        "anonymous": 1,
        "skipped": {"unknown_user": 1},
        "recovered": {"logger_prefix": 1},
        "rejected": {
            "bad_time": {"count": 1, "lines": [where(7)]},
            "blank_line": {"count": 1, "lines": [where(2)]},
            "truncated_json": {"count": 1, "lines": [where(5)]},
        },
        "invalid": {},
        "errors": {},
    }
    if not to_file:
        del report["page_view_paths"]
    return report


@pytest.fixture(name="files")
def files_fixture(tmp_path):
    """The log, plain and gzipped, and the two map files."""
    (tmp_path / "tracking.log").write_text(LOG)
    (tmp_path / "tracking.log.1.gz").write_bytes(gzip.compress(LOG.encode()))
    (tmp_path / "actors.json").write_text(json.dumps({"3": ACTOR}))
    (tmp_path / "courses.json").write_text(json.dumps({"*": "Demonstration Course"}))
    return tmp_path


def run_main(argv, stdin=b""):
    stdout, stderr = io.BytesIO(), io.StringIO()
    status = main(argv, stdin=io.BytesIO(stdin), stdout=stdout, stderr=stderr)
    return status, stdout.getvalue().decode(), stderr.getvalue()


def maps(files):
    return ["--actor-id-map", str(files / "actors.json"), "--course-name-map", str(files / "courses.json")]


def test_in_process_exact_output_and_report(files):
    status, out, err = run_main([*maps(files), "--report", str(files / "report.json"), str(files / "tracking.log")])
    assert (status, err) == (0, "")
    assert out.splitlines() == [statement_line(), statement_line()]
    assert json.loads((files / "report.json").read_text()) == expected_report()


def test_gzip_input_gives_the_same_output(files):
    status, out, _ = run_main([*maps(files), "--report", str(files / "r.json"), str(files / "tracking.log.1.gz")])
    assert status == 0
    assert out.splitlines() == [statement_line(), statement_line()]
    assert json.loads((files / "r.json").read_text()) == expected_report()


def test_stdin_and_report_on_stderr(files):
    status, out, err = run_main([*maps(files), "-"], stdin=LOG.encode())
    assert status == 0
    assert out.splitlines() == [statement_line(), statement_line()]
    assert json.loads(err) == expected_report(to_file=False)


def test_several_inputs_name_their_rejected_lines(files):
    plain, zipped = str(files / "tracking.log"), str(files / "tracking.log.1.gz")
    status, out, err = run_main([*maps(files), plain, zipped])
    assert status == 0
    assert out.splitlines() == [statement_line()] * 4
    report = json.loads(err)
    expected = expected_report(to_file=False)
    for key in ("lines", "events", "transformed", "statements", "anonymous"):
        expected[key] *= 2
    for counter in ("unsupported", "skipped", "recovered"):
        expected[counter] = {key: 2 * value for key, value in expected[counter].items()}
    expected["rejected"] = {
        kind: {"count": 2, "lines": [f"{plain}:{line}", f"{zipped}:{line}"]}
        for kind, line in (("bad_time", 7), ("blank_line", 2), ("truncated_json", 5))
    }
    assert report == expected


def test_output_file_and_lms_root_url(files):
    output = files / "statements.jsonl"
    status, out, _ = run_main([
        "--lms-root-url", "https://courses.example.org/", "--actor-id-map", str(files / "actors.json"),
        "--output", str(output), "--report", str(files / "r.json"), str(files / "tracking.log"),
    ])
    assert (status, out) == (0, "")
    line = statement_line(course_name=None, root="https://courses.example.org",
                          statement_id=_statement_id(ACTOR, "https://courses.example.org"))
    assert output.read_text().splitlines() == [line, line]


def _statement_id(actor, root):
    verb = '{"id": "http://adlnet.gov/expapi/verbs/registered", "display": {"en": "registered"}}'
    actor_json = json.dumps({"objectType": "Agent", "account": {"name": actor, "homePage": root}})
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_DNS, verb), f"{actor_json}-{TIME}"))


def test_actor_secret_names_learners_pseudonymously(files):
    status, out, err = run_main(["--actor-secret", "s3cret", str(files / "tracking.log")])
    assert status == 0
    digest = hmac.new(b"s3cret", b"3", hashlib.sha256).digest()
    pseudonym = str(uuid.UUID(bytes=digest[:16], version=4))
    line = statement_line(actor=pseudonym, course_name=None,
                          statement_id=_statement_id(pseudonym, "http://localhost:18000"))
    digest = hmac.new(b"s3cret", b"4", hashlib.sha256).digest()
    other = str(uuid.UUID(bytes=digest[:16], version=4))
    other_line = statement_line(actor=other, course_name=None,
                                statement_id=_statement_id(other, "http://localhost:18000"))
    # user 4, unknown to a map, gets a pseudonym too: three statements, nothing skipped.
    assert out.splitlines() == [line, line, other_line]
    report = json.loads(err)
    assert (report["events"], report["transformed"], report["statements"], report["skipped"]) == (5, 3, 3, {})


def test_no_way_to_name_learners_is_a_usage_error(files, capsys):
    status, out, _ = run_main([str(files / "tracking.log")])
    assert (status, out) == (2, "")
    assert "give --actor-id-map FILE or --actor-secret SECRET" in capsys.readouterr().err


def test_a_missing_input_exits_2_naming_the_file(files):
    missing = str(files / "nope.log")
    status, out, err = run_main([*maps(files), "--report", str(files / "r.json"), missing, str(files / "tracking.log")])
    assert status == 2
    assert f"xapi-router-transform: cannot open input {missing}: No such file or directory\n" == err
    assert out.splitlines() == [statement_line(), statement_line()]  # the readable input is still done


def test_a_bad_map_file_is_a_usage_error(files, capsys):
    (files / "bad.json").write_text("[1, 2]")
    status, _, _ = run_main(["--actor-id-map", str(files / "bad.json"), str(files / "tracking.log")])
    assert status == 2
    assert "must hold a JSON object whose values are strings" in capsys.readouterr().err
    status, _, _ = run_main(["--actor-id-map", str(files / "absent.json"), str(files / "tracking.log")])
    assert status == 2
    assert f"--actor-id-map: cannot open {files / 'absent.json'}" in capsys.readouterr().err


def test_a_truncated_gzip_input_exits_2(files):
    whole = gzip.compress(LOG.encode() * 200)
    (files / "cut.gz").write_bytes(whole[: len(whole) // 2])
    status, _, err = run_main([*maps(files), "--report", str(files / "r.json"), str(files / "cut.gz")])
    assert status == 2
    assert err.startswith(f"xapi-router-transform: cannot read {files / 'cut.gz'}: EOFError after line ")


def test_a_statement_that_cannot_be_serialised_is_counted_not_fatal(files):
    """
    A block-completion event whose ``completion`` is 2**64 - 1 (a JSON number orjson reads as an
    int; the event's shape is event-routing-backends' fixture
    ``event_routing_backends/processors/tests/fixtures/current/edx.completion.block_completion.changed.json``,
    the transformer's producer contract) makes a progress of 100 times that, an integer orjson
    cannot write: that statement is counted as ``unserializable_statement`` and left out, and the
    next line's statement is written.
    """
    block = "block-v1:edX+DemoX+Demo_Course+type@problem+block@7c54b16c8ed34f9f8772015178c7a175"
    completion = log_line(
        name="edx.completion.block_completion.changed", event_type="edx.completion.block_completion.changed",
        event={"user_id": 3, "course_id": COURSE, "context_key": COURSE, "block_id": block, "block_type": "problem",
               "completion": 2**64 - 1, "is_new": False},
    )
    (files / "huge.log").write_text(f"{completion}\n{log_line()}\n")
    status, out, _ = run_main([*maps(files), "--report", str(files / "r.json"), str(files / "huge.log")])
    assert status == 0
    assert out.splitlines() == [statement_line()]
    assert json.loads((files / "r.json").read_text()) == {
        "lines": 2, "events": 2, "filtered": {}, "transformed": 2, "statements": 2, "unsupported": {},
        "page_view_paths": {}, "anonymous": 0, "skipped": {}, "recovered": {}, "rejected": {}, "invalid": {},
        "errors": {"unserializable_statement": 1},
    }


def _subprocess(args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "openedx_xapi_router.core.cli", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, check=False, timeout=120, **kwargs,
    )


def test_as_a_subprocess(files):
    done = _subprocess([*maps(files), "--report", str(files / "report.json"), str(files / "tracking.log.1.gz")])
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.decode().splitlines() == [statement_line(), statement_line()]
    assert json.loads((files / "report.json").read_text()) == expected_report()


def test_as_a_subprocess_reading_stdin(files):
    done = _subprocess([*maps(files), "-"], input=LOG.encode())
    assert done.returncode == 0
    assert done.stdout.decode().splitlines() == [statement_line(), statement_line()]
    assert json.loads(done.stderr) == expected_report(to_file=False)


def test_as_a_subprocess_missing_input(files):
    done = _subprocess([*maps(files), str(files / "missing.log")])
    assert done.returncode == 2
    assert f"cannot open input {files / 'missing.log'}" in done.stderr.decode()
