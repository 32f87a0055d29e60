"""
Errors of ours on the live path, made visible: a transformer or resolver that raised, a bad
configuration, a statement that failed its own validation.

Each one lost the event's statements (there is nothing to keep as a dead letter: no statement was
made), so none may pass silently. :func:`report` does four things for each:

* logs it at ERROR with its traceback, at most once per ``LOG_INTERVAL`` seconds per kind and
  event name (a broken course emits thousands of events; the log line that comes after a quiet
  spell says how many were not logged);
* counts it in the process (``sending.counters[kind]``);
* sets the ``xapi_router.transform_error`` monitoring attribute to the kind (and
  ``xapi_router.transform_error_event`` to the event name);
* adds it to hourly counters in Django's default cache (shared by every LMS process where the
  cache is memcached or Redis, as in production), with the last error's message, which the
  endpoint status page shows (:func:`summary`).

Expected outcomes are not errors here: an unsupported event, a skipped one (anonymous, unknown or
retired learner, unknown course) and an invalid event are counted by kind only.
"""
import logging
import threading
import time
from datetime import datetime, timedelta, UTC

log = logging.getLogger(__name__)

#: The error kinds that are bugs or misconfigurations of ours, not properties of the event.
ERROR_KINDS = ("transformer_bug", "configuration", "invalid_statement", "error")

LOG_INTERVAL = 60.0  # seconds between two logged tracebacks of one (kind, event name)
CACHE_PREFIX = "xapi_router:live_errors"
CACHE_TIMEOUT = 26 * 3600  # an hourly counter outlives the 24 hours the status page shows


class RateLimitedLog:
    """
    Logs at most one traceback per key every ``interval`` seconds and says how many it held back.

    Arguments:
        interval: seconds between two log lines of one key.
        clock: returns seconds (``time.monotonic`` by default; tests pass their own).
    """

    def __init__(self, interval=LOG_INTERVAL, clock=time.monotonic):
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._next = {}
        self._held = {}

    def should_log(self, key):
        """``(True, held_back_count)`` when this occurrence of ``key`` is to be logged, else ``(False, 0)``."""
        now = self.clock()
        with self._lock:
            if now < self._next.get(key, 0.0):
                self._held[key] = self._held.get(key, 0) + 1
                return False, 0
            self._next[key] = now + self.interval
            return True, self._held.pop(key, 0)

    def clear(self):
        """Forget every key (tests)."""
        with self._lock:
            self._next.clear()
            self._held.clear()


rate_limit = RateLimitedLog()


def is_error(kind):
    """True for a kind :func:`report` must make visible."""
    return kind in ERROR_KINDS


def report(error, event_name, count):
    """
    Make one error of ours visible (see the module docstring). ``error`` is the raised exception,
    with its traceback; ``count(kind)`` counts it in the caller's counters. Never raises.
    """
    from openedx_xapi_router.delivery.monitoring import set_attribute  # pylint: disable=import-outside-toplevel

    kind = getattr(error, "kind", None) or "error"
    count(kind)
    set_attribute("xapi_router.transform_error", kind)
    set_attribute("xapi_router.transform_error_event", str(event_name))
    logged, held_back = rate_limit.should_log((kind, event_name))
    if logged:
        cause = error.__cause__ or error
        log.error(
            "xapi_router: event %r gave no statement: %s: %s (%d more like it not logged in the last %.0f s)",
            event_name, kind, error, held_back, rate_limit.interval,
            exc_info=(type(cause), cause, cause.__traceback__),
        )
    _store(kind, event_name, error)


def _hour_key(kind, when):
    return f"{CACHE_PREFIX}:{kind}:{when:%Y%m%d%H}"


def _store(kind, event_name, error):
    try:
        from django.core.cache import cache  # pylint: disable=import-outside-toplevel

        now = datetime.now(UTC)
        key = _hour_key(kind, now)
        if not cache.add(key, 1, CACHE_TIMEOUT):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, CACHE_TIMEOUT)
        cache.set(f"{CACHE_PREFIX}:last", {
            "kind": kind, "event_name": event_name, "message": str(error)[:500], "at": now.isoformat(),
        }, CACHE_TIMEOUT)
    except Exception:  # pylint: disable=broad-except
        # The cache is down: the error was logged and counted above; say this too, once in a while.
        logged, _ = rate_limit.should_log(("cache", None))
        if logged:
            log.exception("xapi_router: could not record a live-path error in the cache")


def summary(now=None):
    """
    The live-path errors of the last 24 hours, from the cache: ``{"counts": {kind: n}, "total": n,
    "last": {kind, event_name, message, at} or None}``; ``counts`` holds only kinds seen.
    """
    from django.core.cache import cache  # pylint: disable=import-outside-toplevel

    now = now or datetime.now(UTC)
    keys = {
        _hour_key(kind, now - timedelta(hours=hours)): kind
        for kind in ERROR_KINDS for hours in range(24)
    }
    try:
        values = cache.get_many(list(keys))
        last = cache.get(f"{CACHE_PREFIX}:last")
    except Exception:  # pylint: disable=broad-except
        log.exception("xapi_router: could not read the live-path errors from the cache")
        return {"counts": {}, "total": None, "last": None}
    counts = {}
    for key, value in values.items():
        counts[keys[key]] = counts.get(keys[key], 0) + int(value)
    return {"counts": counts, "total": sum(counts.values()), "last": last}
