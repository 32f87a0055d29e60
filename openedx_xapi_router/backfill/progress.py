"""
Progress on stderr: a one-line bar redrawn in place on a terminal (lines, events/s, bytes, ETA),
plain log lines every ``interval`` seconds otherwise; and the final summary table.
"""
import time


def _duration(seconds):
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _megabytes(count):
    return f"{count / 1e6:,.1f} MB"


class Progress:
    """
    Arguments:
        stream: a text stream (stderr).
        total_bytes: the bytes to read in this run, when known (plain inputs), for the bar and ETA.
        interactive: redraw a bar (a terminal) rather than print log lines.
        interval: seconds between updates (bar: 0.5 s is pleasant; log lines: a few seconds).
    """

    def __init__(self, stream, total_bytes=None, interactive=None, interval=None, clock=time.monotonic):
        self.stream = stream
        self.total_bytes = total_bytes or None
        self.interactive = stream.isatty() if interactive is None else interactive
        self.interval = interval if interval is not None else (0.5 if self.interactive else 10.0)
        self.clock = clock
        self.started = clock()
        self._last = self.started
        self._drawn = False

    def update(self, lines, events, done_bytes, force=False):
        """Show the progress if ``interval`` has passed since the last update (or ``force``)."""
        now = self.clock()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        rate = events / elapsed
        parts = [f"{lines:,} lines", f"{rate:,.0f} events/s", _megabytes(done_bytes)]
        eta = None
        if self.total_bytes:
            fraction = min(1.0, done_bytes / self.total_bytes)
            parts[2] += f" / {_megabytes(self.total_bytes)}"
            if fraction > 0:
                eta = elapsed * (1 - fraction) / fraction
        if self.interactive:
            gauge = ""
            if self.total_bytes:
                filled = int(24 * min(1.0, done_bytes / self.total_bytes))
                gauge = f"[{'#' * filled}{'.' * (24 - filled)}] {100 * done_bytes / self.total_bytes:5.1f}% "
            text = gauge + "  ".join(parts) + (f"  ETA {_duration(eta)}" if eta is not None else "")
            self.stream.write("\r" + text[:200].ljust(100))
            self._drawn = True
        else:
            text = "  ".join(parts) + (f", ETA {_duration(eta)}" if eta is not None else "")
            self.stream.write(f"transform_tracking_logs: {text}, elapsed {_duration(elapsed)}\n")
        self.stream.flush()

    def finish(self):
        """End the bar's line."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def summary_table(report, seconds, interrupted=False):
    """The final summary (text): every counter of the report, one row each, then the rate."""
    data = report.as_dict()
    rows = [("lines", data["lines"]), ("events", data["events"]), ("transformed", data["transformed"]),
            ("statements", data["statements"])]
    rows.append(("unsupported", sum(data["unsupported"].values())))
    rows.append(("anonymous", data["anonymous"]))
    rows += [(f"skipped: {key}", value) for key, value in data["skipped"].items()]
    rows += [(f"recovered: {key}", value) for key, value in data["recovered"].items()]
    rows += [(f"rejected: {key}", entry["count"]) for key, entry in data["rejected"].items()]
    rows += [(f"invalid: {kind}.{field}", count) for kind, fields in data["invalid"].items()
             for field, count in fields.items()]
    rows += [(f"errors: {key}", value) for key, value in data["errors"].items()]
    rows += [(f"filtered: {key}", value) for key, value in data["filtered"].items()]
    rows += [(f"destination: {key}", value) for key, value in data["destination"].items()]
    rate = data["lines"] / seconds if seconds > 0 else 0.0
    rows.append(("seconds", f"{seconds:,.1f}"))
    rows.append(("lines/s", f"{rate:,.0f}"))
    width = max(len(name) for name, _ in rows)
    title = "transform_tracking_logs: INTERRUPTED (resume with --resume)" if interrupted else \
        "transform_tracking_logs: done"
    lines = [title, f"{'-' * width}  {'-' * 14}"]
    lines += [f"{name:<{width}}  {value:>14,}" if isinstance(value, int) else f"{name:<{width}}  {value:>14}"
              for name, value in rows]
    return "\n".join(lines) + "\n"
