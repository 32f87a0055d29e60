"""
``xapi-router-transform``: tracking-log files in, xAPI statements out, without the LMS or Django.

    xapi-router-transform [--lms-root-url URL] [--actor-id-map FILE] [--course-name-map FILE]
                          [--actor-secret SECRET] [--output PATH|-] [--report PATH]
                          [--format xapi|caliper] INPUT...

Each INPUT is a tracking-log file (plain or gzip, told apart by its first bytes) or ``-`` for
standard input; each line may be in the live or the tracking-log form. Statements are written one
per line as compact JSON. The report (JSON) counts what happened to every line: see
:class:`openedx_xapi_router.core.report.Report`.

Learners are named by ``--actor-id-map`` (a JSON object: username or user id, as a string -> actor
account name; ``"*"`` for everyone else) or, for anyone the map does not name, by a pseudonymous id
derived from ``--actor-secret``. One of the two is needed. Course names come from
``--course-name-map`` (course key -> display name, ``"*"`` for all others); without it the course
activities have no name.

Exit status: 0 when every input was read (bad lines are counted, not fatal); 2 for a usage error
or an input that cannot be opened or read.
"""
import argparse
import json
import logging
import sys

from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.errors import ConfigurationError, UnreadableInput
from openedx_xapi_router.core.pipeline import serialize_lines, transform_lines
from openedx_xapi_router.core.reader import read_lines
from openedx_xapi_router.core.report import Report

log = logging.getLogger(__name__)

DEFAULT_LMS_ROOT_URL = "http://localhost:18000"
EXIT_OK = 0
EXIT_USAGE = 2


def build_parser():
    """The command line parser."""
    parser = argparse.ArgumentParser(
        prog="xapi-router-transform",
        description="Transform Open edX tracking-log lines into xAPI statements (one JSON statement per line).",
    )
    parser.add_argument("inputs", metavar="INPUT", nargs="+", help="tracking-log file (plain or gzip), or - for stdin")
    parser.add_argument("--lms-root-url", default=DEFAULT_LMS_ROOT_URL,
                        help=f"the LMS root URL object ids and actor home pages are built from "
                             f"(default {DEFAULT_LMS_ROOT_URL})")
    parser.add_argument("--actor-id-map", metavar="FILE",
                        help='JSON object: username or user id -> actor account name; "*" for all others')
    parser.add_argument("--course-name-map", metavar="FILE",
                        help='JSON object: course key -> course display name; "*" for all others')
    parser.add_argument("--actor-secret", metavar="SECRET",
                        help="secret for pseudonymous actor ids of learners the actor id map does not name")
    parser.add_argument("--output", default="-", metavar="PATH", help="where statements go (default -: stdout)")
    parser.add_argument("--report", metavar="PATH", help="write the JSON report here (default: stderr)")
    parser.add_argument("--format", choices=("xapi", "caliper"), default="xapi",
                        help="xapi statements (default), or IMS Caliper 1.2 events (one per line)")
    return parser


def _load_map(parser, path, option):
    try:
        with open(path, "rb") as file:
            mapping = json.load(file)
    except OSError as error:
        parser.error(f"{option}: cannot open {path}: {error.strerror or error}")
    except ValueError as error:
        parser.error(f"{option}: {path} is not JSON: {error}")
    if not isinstance(mapping, dict) or not all(isinstance(value, str) for value in mapping.values()):
        parser.error(f"{option}: {path} must hold a JSON object whose values are strings")
    return mapping


def build_context(parser, args):
    """The TransformContext the options describe; a usage error when they are not enough."""
    if args.actor_id_map is None and not args.actor_secret:
        parser.error("learners need names: give --actor-id-map FILE or --actor-secret SECRET (or both)")
    actor_map = _load_map(parser, args.actor_id_map, "--actor-id-map") if args.actor_id_map else None
    course_map = _load_map(parser, args.course_name_map, "--course-name-map") if args.course_name_map else None
    try:
        return TransformContext.from_maps(
            args.lms_root_url, actor_map=actor_map, course_name_map=course_map, actor_secret=args.actor_secret,
        )
    except ConfigurationError as error:
        parser.error(str(error))
    return None  # not reached: parser.error exits


def _open_input(name, stdin):
    if name == "-":
        return (stdin if stdin is not None else sys.stdin.buffer), False
    return open(name, "rb"), True


def run(args, ctx, stdin, stdout, stderr):
    """Transform every input into ``stdout`` (binary); return ``(exit status, Report)``."""
    report = Report()
    several = len(args.inputs) > 1
    status = EXIT_OK
    for name in args.inputs:
        source = "<stdin>" if name == "-" else name
        try:
            fileobj, close = _open_input(name, stdin)
        except OSError as error:
            stderr.write(f"xapi-router-transform: cannot open input {name}: {error.strerror or error}\n")
            status = EXIT_USAGE
            continue
        try:
            lines = read_lines(fileobj, source)
            outputs = transform_lines(lines, ctx, report, source=source if several else None, output_format=args.format)
            write = stdout.write
            for _, statements in outputs:
                write(serialize_lines(statements, report))  # one write per event, line endings included
        except UnreadableInput as error:
            stderr.write(f"xapi-router-transform: {error}\n")
            status = EXIT_USAGE
        finally:
            if close:
                fileobj.close()
    return status, report


def main(argv=None, stdin=None, stdout=None, stderr=None):
    """
    Entry point of ``xapi-router-transform``; returns the exit status.

    ``stdin`` (binary), ``stdout`` (binary) and ``stderr`` (text) replace the process's streams,
    for running in-process (tests).
    """
    stderr = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        ctx = build_context(parser, args)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    output = None
    try:
        if args.output == "-":
            out = stdout if stdout is not None else sys.stdout.buffer
        else:
            try:
                output = out = open(args.output, "wb")  # pylint: disable=consider-using-with
            except OSError as error:
                stderr.write(f"xapi-router-transform: cannot open output {args.output}: {error.strerror or error}\n")
                return EXIT_USAGE
        status, report = run(args, ctx, stdin, out, stderr)
        out.flush()
    finally:
        if output is not None:
            output.close()
    data = report.as_dict()
    if args.report:
        try:
            with open(args.report, "w", encoding="utf-8") as file:
                file.write(json.dumps(data, indent=2) + "\n")
        except OSError as error:
            stderr.write(f"xapi-router-transform: cannot write report {args.report}: {error.strerror or error}\n")
            return EXIT_USAGE
    else:
        # On the terminal, page views are the one ``unsupported`` count; their paths only in --report.
        del data["page_view_paths"]
        stderr.write(json.dumps(data, indent=2) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
