"""
The chaos suite's "LMS": a separate process that emits tracking events through event-tracking's
default tracker, configured from Django settings as the LMS configures it (``tests/chaos/settings.py``),
so the router's backend runs exactly as it does in the LMS.

Usage (the harness starts it; stdout is its ledger)::

    DJANGO_SETTINGS_MODULE=tests.chaos.settings python -m tests.chaos.lms_process --first 0 --count 500

Each event is number ``n`` (its own learner and second: its own statement id), emitted inside a
request context the way the LMS's tracking middleware enters one (``tracker.context``). The ledger,
one line per write (each shorter than ``PIPE_BUF``, written with one ``os.write``, so a kill never
leaves half a line):

* ``B <json>``: the ledger backend got event ``n`` from the tracker (before the router's backend);
* ``A <n>``: ``tracker.emit`` returned: the router's ``send`` is done with the event;
* ``DONE``: every event was emitted and the process is about to exit (``atexit`` flushes after).

An event with ``B`` but no ``A`` was in the router's hands when the process died: it may or may not
have been published. Every ``A`` event must reach the LRS.
"""
import argparse
import json
import os
import sys
import time


def write_line(text):
    """One ledger line, in one ``write`` call."""
    os.write(sys.stdout.fileno(), (text + "\n").encode("utf8"))


class LedgerBackend:
    """An event-tracking backend that writes each event it receives to the ledger (``B <json>``)."""

    def __init__(self, **options):
        self.options = options

    def send(self, event):
        """Report ``event`` as the tracker hands it over (its timestamp as ISO text)."""
        shown = {**event, "timestamp": event["timestamp"].isoformat()}
        write_line("B " + json.dumps(shown, sort_keys=True, default=str))


def chaos_event(number):
    """Event ``number``: name, data and request context (the LMS's middleware supplies the context)."""
    from tests.delivery.events import enrollment_event  # pylint: disable=import-outside-toplevel

    event = enrollment_event(number)
    context = {**event["context"], "username": event["username"], "session": event["session"]}
    return event["name"], event["data"], context


def start_lms():
    """
    Set this process up as the LMS is at start-up: Django (``tests.chaos.settings`` unless
    ``DJANGO_SETTINGS_MODULE`` says otherwise), the Celery app, and event-tracking's default
    tracker (built from ``EVENT_TRACKING_BACKENDS`` by the app's ``ready()``). Returns the tracker.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.chaos.settings")
    import django  # pylint: disable=import-outside-toplevel

    django.setup()
    from eventtracking import tracker  # pylint: disable=import-outside-toplevel

    from tests.project import celery_app  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import

    return tracker.get_tracker()


def emit_event(default_tracker, number):
    """
    Emit event ``number`` as an LMS request does: inside the request context the tracking
    middleware enters (``tracker.context``), through ``tracker.emit``. Returns once ``emit`` did
    (every backend's ``send``, the router's included, returned).
    """
    name, data, context = chaos_event(number)
    with default_tracker.context("request", context):
        default_tracker.emit(name, data)


def main(argv=None):
    """Emit ``--count`` events from ``--first`` on, ``--interval`` seconds apart."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--interval", type=float, default=0.0, help="seconds between two events")
    args = parser.parse_args(argv)

    default_tracker = start_lms()
    write_line("READY")
    for number in range(args.first, args.first + args.count):
        emit_event(default_tracker, number)
        write_line(f"A {number}")
        if args.interval:
            time.sleep(args.interval)
    write_line("DONE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
