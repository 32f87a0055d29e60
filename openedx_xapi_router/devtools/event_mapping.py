"""
Print the mapping table (event -> verb, object type, result, extensions) from real statements.

    python -m openedx_xapi_router.transformers.mapping_table TRACKING_LOG... > docs/mapping.rst

The table is made by transforming the first event of each name found in the given logs, so it
shows what the transformers do, not what someone remembers they do. Event names with a
transformer but no event in the logs are listed with their verb only.
"""
import argparse
import sys

from openedx_xapi_router.core.context import Actor, TransformContext
from openedx_xapi_router.core.errors import XapiRouterError
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.reader import parse_line, read_lines
from openedx_xapi_router.core.vocab import Extension
from openedx_xapi_router.transformers import registry

_IGNORED_EXTENSIONS = {Extension.TRANSFORMER_VERSION, Extension.SESSION_ID}


def _short(iri):
    return iri.rstrip("/").rsplit("/", 1)[-1]


def describe(statement):
    """``(verb, object type, result keys, extension names)`` of one statement, for a person."""
    definition = statement["object"].get("definition", {})
    result = statement.get("result", {})
    result_keys = sorted(key for key in result if key != "extensions")
    extensions = sorted(
        _short(key)
        for part in (statement["context"].get("extensions", {}), result.get("extensions", {}),
                     definition.get("extensions", {}))
        for key in part if key not in _IGNORED_EXTENSIONS
    )
    return (
        statement["verb"]["display"]["en"],
        _short(definition.get("type", statement["object"].get("objectType", ""))),
        ", ".join(result_keys) or "-",
        ", ".join(extensions) or "-",
    )


def collect(paths):
    """The first statement description for each event name found in ``paths``."""
    ctx = TransformContext(
        lms_root_url="https://lms.example.org",
        actor_resolver=lambda user, username=None: Actor.account("https://lms.example.org", "learner"),
        course_name_resolver=lambda course_id: "Course",
    )
    found = {}
    for path in paths:
        with open(path, "rb") as log:
            for _, raw in read_lines(log, path):
                try:
                    event = parse_line(raw)
                    if event.name in found or not registry.is_supported(event.name):
                        continue
                    found[event.name] = describe(transform_event(event, ctx)[0])
                except XapiRouterError:
                    continue
    return found


def render(found):
    """An RST list-table of every registered event name."""
    rows = [("Event", "Version", "Verb", "Object type", "Result", "Extensions")]
    for name in registry.event_names():
        version = registry.default_version(name)
        if version is None:
            continue  # only opt-in versions (pinned by a site): docs/beyond_erb.rst describes them
        verb = registry.get(name).verb
        row = found.get(name) or ((verb.display if verb else "(depends on the event)"), "-", "-", "-")
        others = [str(v) for v in registry.versions(name) if v != version]
        version_text = f"{version} (opt-in: {', '.join(others)})" if others else str(version)
        rows.append((f"``{name}``", version_text, *row))
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(lines) + "\n"


def main(argv=None):
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("logs", nargs="+", help="tracking log files (plain or gzip)")
    args = parser.parse_args(argv)
    sys.stdout.write(render(collect(args.logs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
