"""
Build the per-event fixtures of ``tests/contracts/fixtures/`` from the transformers' producer contracts.

    python -m tests.contracts.fixtures_builder    # rewrite every fixture file

One file per registered event name, ``<event name>.json``, for the default version's transformer:
the contract it comes from, and its cases, each an event as its producer writes it to the tracking
log and what must come of it:

- ``all fields``: every field the producer emits, with the contract's example values;
- ``without <path>``: for each field the producer sometimes leaves out;
- ``<path> is null``: for each field the producer may send as ``None``;
- ``old-style course key``: the same event in a course with an ``ORG/COURSE/RUN`` key (and its
  blocks' ``i4x://`` usage keys).

A case expects ``statements``, or ``refused`` with the field and kind its contract declares. The
envelope is the tracking-log line each kind of producer gives: ``server`` (``tracker.emit``, the
payload a JSON object), ``browser`` (``Logger.log`` posted to ``/event``: the payload a JSON
string, with the page), ``mobile`` (the apps' events, ``event_source`` ``mobile``).
"""
import copy
import json
import re
from pathlib import Path

from openedx_xapi_router.core.contract import producers_for

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"

COURSE_ID = "course-v1:edX+DemoX+Demo_Course"
OLD_COURSE_ID = "edX/DemoX/Demo_Course"
TIME = "2026-03-01T09:46:59.703903+00:00"
SESSION = "371d1dd90cda63d8b283d7e81b37b870"
PAGE = "https://courses.example.org/xblock/block-v1:edX+DemoX+Demo_Course+type@vertical+block@05c1fa97fd?view=student_view"
_BLOCK_KEY_RE = re.compile(r"block-v1:edX\+DemoX\+Demo_Course\+type@([\w-]+)\+block@([\w-]+)")


def _set(target, dotted, value):
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def remove(target, dotted):
    keys = dotted.split(".")
    for key in keys[:-1]:
        target = target.get(key)
        if not isinstance(target, dict):
            return
    target.pop(keys[-1], None)


def line(event_name, producer, values):
    """The tracking-log line (a dict) ``producer`` writes for ``event_name`` with field ``values``."""
    data, context, top = {}, {"user_id": 42, "course_id": COURSE_ID, "org_id": "edX"}, {}
    context["path"] = {"browser": "/event", "mobile": "/segmentio/event"}.get(
        producer.source, "/courses/course-v1:edX+DemoX+Demo_Course/xblock/handler")
    for path, value in values.items():
        where, _, rest = path.partition(".")
        if path == "data":
            data = value
        elif where == "data":
            _set(data, rest, value)
        elif where == "context":
            _set(context, rest, value)
        else:
            top[path] = value
    event = {
        "name": event_name,
        "event_type": event_name,
        "time": TIME,
        "event_source": producer.source,
        "username": "learner42",
        "session": SESSION,
        "ip": "100.86.132.30",
        "agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "host": "courses.example.org",
        "accept_language": "en-US,en;q=0.9",
    }
    if producer.source == "browser":
        event["page"] = PAGE
        event["referer"] = PAGE
        event["event"] = data if isinstance(data, str) else json.dumps(data)
    elif producer.source == "mobile":
        context["application"] = {"name": "edx.mobileapp.android", "version": "2.26.1"}
        event["referer"] = ""
        event["event"] = data
    else:
        event["referer"] = PAGE
        event["page"] = None
        event["event"] = data
    event.update(top)
    event["context"] = context
    return event


def _old_style(event):
    """``event`` in a course with an old-style key: every course and block key in the old forms."""
    text = json.dumps(event)
    text = _BLOCK_KEY_RE.sub(lambda match: f"i4x://edX/DemoX/{match.group(1)}/{match.group(2)}", text)
    text = text.replace(COURSE_ID, OLD_COURSE_ID)
    text = text.replace(COURSE_ID.replace("+", "%2B").replace(":", "%3A"), OLD_COURSE_ID)
    return json.loads(text)


def cases(event_name, producer, prefix=""):
    """The fixture cases of ``event_name`` from ``producer`` (see the module docstring)."""
    values = {field.path: copy.deepcopy(field.example) for field in producer.fields}
    found = [{"case": f"{prefix}all fields", "expect": "statements", "event": line(event_name, producer, values)}]
    for field in producer.fields:
        expect = ["refused", field.path, field.refused_without] if field.refused_without else "statements"
        if field.optional:
            without = {path: value for path, value in values.items() if path != field.path}
            found.append({"case": f"{prefix}without {field.path}", "expect": expect,
                          "event": line(event_name, producer, without)})
        if field.nullable:
            found.append({"case": f"{prefix}{field.path} is null", "expect": expect,
                          "event": line(event_name, producer, {**values, field.path: None})})
    found.append({"case": f"{prefix}old-style course key", "expect": "statements",
                  "event": _old_style(found[0]["event"])})
    return found


def fixture(event_name, transformer_class):
    """The fixture document of ``event_name`` (handled by ``transformer_class``)."""
    found = producers_for(transformer_class, event_name)
    several = len(found) > 1
    return {
        "event_name": event_name,
        "transformer": f"{transformer_class.__module__}.{transformer_class.__qualname__}",
        "version": transformer_class.version,
        "contracts": [{
            "repo": producer.repo, "path": producer.path, "where": producer.where, "commit": producer.commit,
            "source": producer.source, "evidence": producer.evidence,
        } for producer in found],
        "cases": [case for producer in found
                  for case in cases(event_name, producer, f"{producer.source}: " if several else "")],
    }


def fixture_text(document):
    """The file text of a fixture document (stable: sorted nowhere, indented, newline-terminated)."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def expected_files(registry):
    """``{file name: text}`` of every fixture the registry's default transformers call for."""
    files = {}
    for name in registry.event_names():
        default = registry.default_version(name)
        if default is None:
            continue
        transformer_class = registry.get(name)
        if not producers_for(transformer_class, name):
            continue
        files[f"{name}.json"] = fixture_text(fixture(name, transformer_class))
    return files


def main():
    """Rewrite the fixture directory from the contracts."""
    from openedx_xapi_router.core.registry import default_registry  # pylint: disable=import-outside-toplevel
    registry = default_registry()
    FIXTURES_DIR.mkdir(exist_ok=True)
    wanted = expected_files(registry)
    for stale in FIXTURES_DIR.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for file_name, text in wanted.items():
        (FIXTURES_DIR / file_name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
