"""
The transformation benchmark: ``python -m benchmarks`` (``make bench``).

Generates a clean tracking log with ``../shared/tools/make_tracking_log.py`` (cached under
``var/bench/``, keyed by its arguments), then runs each measurement of
:mod:`benchmarks.transform` in its own process on one core and prints a table:

* our full pipeline (read, parse, normalise, transform, validate, serialise to a file): events/s,
  µs per event, statements, peak RSS, and RSS at a quarter, half and all of the log;
* the floor: ``orjson.loads`` + ``orjson.dumps`` of the same lines, and our rate as a fraction of it;
* event-routing-backends' rate on 20,000 of the same events, and ours on them, with the ratio;
* the top costs of a cProfile run of our pipeline on 100,000 lines;
* peak RSS of separate runs (each a fresh process) of our pipeline and of the floor on the first
  250,000, 500,000 and 1,000,000 lines (``--rss-sizes``; a quarter, half and all of a shorter
  log), and whether it stays flat (:mod:`benchmarks.memory`);
* CPU instructions per event, counted with valgrind's callgrind (deterministic on a busy machine):
  our CLI ``xapi-router-transform``, the floor and ERB, each run on a small and a large slice of the
  same log, start-up subtracted by the difference (skipped, and said so, without valgrind).

Options: ``--events N`` (default 1,000,000), ``--quick`` (100,000), ``--seed``, ``--erb-events``,
``--profile-events``, ``--skip-erb``, ``--callgrind-slices SMALL LARGE`` (default 1,000 5,000),
``--erb-callgrind-slices`` (default 100 500), ``--skip-callgrind``, ``--rss-sizes N ...``,
``--skip-rss``.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks import memory

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("XAPI_ROUTER_SHARED_DIR", REPO_ROOT.parent / "shared"))
GENERATOR = SHARED_DIR / "tools" / "make_tracking_log.py"
CACHE_DIR = REPO_ROOT / "var" / "bench"

#: The targets the figures are reported against.
TARGET_EVENTS_PER_SECOND = 30_000
TARGET_PEAK_RSS_MB = 150
#: Flat: the peak of the largest separate run at most this much above the smallest's (bounded
#: caches filling add about 5 MB from 250k to 1M lines; a cache without a bound adds tens).
RSS_GROWTH_BOUND_MB = 16
#: Issue #19: our CLI at half the instructions per event it took before (274k).
TARGET_INSTRUCTIONS_PER_EVENT = 140_000


def cached_log(events, seed):
    """The clean log of ``events`` events and ``seed``, generated on first use; returns (path, manifest)."""
    path = CACHE_DIR / f"clean-{events}-seed{seed}.log"
    manifest_path = path.with_name(path.name + ".manifest.json")
    if path.is_file() and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("bytes") == path.stat().st_size and manifest.get("lines") == events:
            return path, manifest
    if not GENERATOR.is_file():
        sys.exit(f"the log generator is not at {GENERATOR}; set XAPI_ROUTER_SHARED_DIR to the shared directory")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    print(f"generating {path.relative_to(REPO_ROOT)} ({events:,} events, seed {seed}) ...", flush=True)
    subprocess.run([sys.executable, str(GENERATOR), "--events", str(events), "--seed", str(seed), "--out", str(path)],
                   check=True, stdout=subprocess.DEVNULL)
    return path, json.loads(manifest_path.read_text())


def measure(what, log, events, **extra):
    """Run one measurement of :mod:`benchmarks.transform` in a fresh process; return its JSON result."""
    out = CACHE_DIR / f"out-{what}-{os.getpid()}.jsonl"
    command = [sys.executable, "-m", "benchmarks.transform", what, "--log", str(log), "--events", str(events),
               "--out", str(out)]
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    print(f"measuring {what} on {events:,} lines ...", flush=True)
    completed = subprocess.run(command, cwd=REPO_ROOT, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def rate(events, seconds):
    """Events per second."""
    return events / seconds if seconds else float("inf")


def verdict(ok):
    """A table cell for a target."""
    return "met" if ok else "MISSED"


def measure_instructions(args, log):
    """Instructions per event (callgrind) of our CLI, the floor and ERB; None without valgrind."""
    # pylint: disable=import-outside-toplevel
    from benchmarks.transform import (
        cli_command,
        instructions_per_event,
        module_command,
        valgrind_available,
    )
    if args.skip_callgrind or not valgrind_available():
        return None
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    course_names = CACHE_DIR / "course-names.json"
    course_names.write_text(json.dumps({"*": "Demonstration Course"}))
    small, large = args.callgrind_slices
    results = {}
    runs = [("ours", cli_command(course_names), small, large), ("floor", module_command("floor"), small, large)]
    if not args.skip_erb:
        runs.append(("erb", module_command("erb-only"), *args.erb_callgrind_slices))
    for name, make_command, low, high in runs:
        print(f"counting instructions: {name} on {low:,} and {high:,} lines (callgrind) ...", flush=True)
        per_event, low_total, high_total = instructions_per_event(make_command, log, low, high, CACHE_DIR)
        results[name] = {"per_event": per_event, "slices": [low, high], "totals": [low_total, high_total]}
    return results


def instruction_lines(instructions, our_rate, erb):
    """The instructions-per-event rows of the table, next to the events/s of the same code."""
    if instructions is None:
        return [f"{'instructions per event (callgrind)':<44}{'skipped':>16}   (no valgrind, or --skip-callgrind)"]
    ours = instructions["ours"]["per_event"]
    lines = [
        f"{'our CLI, instructions per event':<44}{ours:>16,.0f}   <= {TARGET_INSTRUCTIONS_PER_EVENT:,}: "
        f"{verdict(ours <= TARGET_INSTRUCTIONS_PER_EVENT)}   ({our_rate:,.0f} events/s)",
        f"{'floor, instructions per event':<44}{instructions['floor']['per_event']:>16,.0f}   "
        f"(ours {ours / instructions['floor']['per_event']:.1f}x the floor)",
    ]
    if "erb" in instructions:
        erb_count = instructions["erb"]["per_event"]
        erb_rate = f"{rate(erb['events'], erb['erb_seconds']):,.0f} events/s" if erb else "rate not measured"
        lines.append(f"{'ERB 9.3.8, instructions per event':<44}{erb_count:>16,.0f}   "
                     f"({erb_count / ours:.1f}x ours; {erb_rate})")
    slices = instructions["ours"]["slices"]
    lines.append(f"{'  (first ' + format(slices[0], ',') + ' and ' + format(slices[1], ',') + ' lines; ERB':<44}"
                 f"{'':>16}   {instructions.get('erb', {}).get('slices', '-')} lines)")
    return lines


def measure_rss(log, sizes, done):
    """
    Peak RSS of ``ours`` and ``floor`` in a separate fresh process at each of ``sizes`` (a run
    already made at that size, in ``done`` = ``{(what, events): result}``, is reused) and the
    flatness verdicts; ``{what: {"runs": {size: peak}, "verdict": ...}}``, or None without sizes.
    """
    if not sizes:
        return None
    results = {}
    for what, target in (("ours", TARGET_PEAK_RSS_MB), ("floor", None)):
        peaks = {}
        for size in sizes:
            result = done.get((what, size)) or measure(what, log, size)
            peaks[size] = result["peak_rss_mb"]
        results[what] = {"runs": {str(size): peak for size, peak in peaks.items()},
                         "verdict": memory.flatness(peaks, RSS_GROWTH_BOUND_MB, target)}
    return results


def rss_lines(rss):
    """The peak-RSS rows of the table."""
    if rss is None:
        return [f"{'peak RSS of separate runs':<44}{'skipped':>16}   (--skip-rss)"]
    lines = []
    for what, label in (("ours", "our pipeline"), ("floor", "floor")):
        lines += memory.table_rows(label, rss[what]["verdict"], width=44)
    return lines


def report(args, manifest, ours, floor, erb, profile, instructions=None, rss=None):
    """The results table, as text."""
    our_rate = rate(ours["events"], ours["seconds"])
    floor_rate = rate(floor["events"], floor["seconds"])
    lines = [
        "",
        f"Transformation benchmark: clean log of {ours['events']:,} events (seed {args.seed}, "
        f"{manifest['bytes'] / 1e6:,.0f} MB), one core (cpu {ours['cpu']}), Python {sys.version.split()[0]}",
        f"pipeline: read -> orjson.loads -> normalise -> transform -> validate -> serialise -> file "
        f"[{ours['api']}]",
        "",
        f"{'measurement':<44}{'value':>16}   target",
        f"{'-' * 44}{'-' * 16}   {'-' * 20}",
        f"{'our pipeline, events/s':<44}{our_rate:>16,.0f}   >= {TARGET_EVENTS_PER_SECOND:,}: "
        f"{verdict(our_rate >= TARGET_EVENTS_PER_SECOND)}",
        f"{'our pipeline, µs per event':<44}{1e6 / our_rate:>16.1f}",
        f"{'statements written':<44}{ours['statements']:>16,}",
        f"{'lines transformed / read':<44}{ours['outcomes'].get('transformed', 0):>16,}   / {ours['events']:,}   "
        f"{json.dumps({k: v for k, v in ours['outcomes'].items() if k != 'transformed'})}",
        f"{'our pipeline, peak RSS (MB)':<44}{ours['peak_rss_mb']:>16.1f}   < {TARGET_PEAK_RSS_MB}: "
        f"{verdict(ours['peak_rss_mb'] < TARGET_PEAK_RSS_MB)}",
    ]
    for count, (current, peak) in sorted(ours["rss_at"].items(), key=lambda item: int(item[0])):
        lines.append(f"{f'  RSS after {int(count):,} lines (now / peak, MB)':<44}{current:>8.1f} /{peak:>6.1f}")
    lines += rss_lines(rss)
    lines += instruction_lines(instructions, our_rate, erb)
    lines += [
        f"{'floor (orjson.loads + dumps), events/s':<44}{floor_rate:>16,.0f}",
        f"{'floor, peak RSS (MB)':<44}{floor['peak_rss_mb']:>16.1f}",
        f"{'our rate as a fraction of the floor':<44}{our_rate / floor_rate:>16.1%}",
    ]
    if erb:
        erb_rate = rate(erb["events"], erb["erb_seconds"])
        same_rate = rate(erb["events"], erb["our_seconds"])
        lines += [
            f"{'ERB 9.3.8 on ' + format(erb['events'], ',') + ' of the events, events/s':<44}{erb_rate:>16,.0f}   "
            f"({erb['erb_statements']:,} statements)",
            f"{'ours on the same events, events/s':<44}{same_rate:>16,.0f}   ({erb['our_statements']:,} statements)",
            f"{'ours / ERB':<44}{same_rate / erb_rate:>15.1f}x",
        ]
    lines += [
        "",
        f"Top {len(profile['top'])} costs by own time, cProfile on {profile['events']:,} lines "
        f"(profiled total {profile['profiled_seconds']:.2f} s; cProfile slows everything down, read shares):",
        f"{'own s':>8} {'share':>6} {'cum s':>8} {'calls':>10}  function",
    ]
    for row in profile["top"]:
        lines.append(f"{row['own_s']:>8.3f} {row['own_share']:>6.1%} {row['cumulative_s']:>8.3f} "
                     f"{row['calls']:>10,}  {row['function']}")
    return "\n".join(lines)


def main(argv=None):
    """Parse the options, run the measurements, print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="lines in the log (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 lines")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--erb-events", type=int, default=20_000, help="lines ERB transforms (default 20,000)")
    parser.add_argument("--profile-events", type=int, default=100_000, help="lines profiled (default 100,000)")
    parser.add_argument("--skip-erb", action="store_true", help="do not measure event-routing-backends")
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    parser.add_argument("--callgrind-slices", type=int, nargs=2, default=[1_000, 5_000], metavar=("SMALL", "LARGE"),
                        help="lines of the two slices our CLI and the floor are counted on (default 1000 5000)")
    parser.add_argument("--erb-callgrind-slices", type=int, nargs=2, default=[100, 500], metavar=("SMALL", "LARGE"),
                        help="lines of the two slices ERB is counted on (default 100 500)")
    parser.add_argument("--skip-callgrind", action="store_true", help="do not count instructions")
    memory.add_rss_arguments(parser, what="lines (at most --events)")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = 100_000
    if args.events < memory.DEFAULT_SIZES[-1]:  # a quarter, a half and all of a shorter log
        args.rss_default = tuple(n for n in (args.events // 4, args.events // 2, args.events) if n)
    sizes = memory.rss_sizes(args)
    if sizes and sizes[-1] > args.events:
        parser.error(f"--rss-sizes: {sizes[-1]:,} is more than the log's {args.events:,} lines (--events)")
    log, manifest = cached_log(args.events, args.seed)
    ours = measure("ours", log, args.events)
    floor = measure("floor", log, args.events)
    erb = None if args.skip_erb else measure("erb", log, min(args.erb_events, args.events))
    profile = measure("profile", log, min(args.profile_events, args.events))
    rss = measure_rss(log, sizes, {("ours", args.events): ours, ("floor", args.events): floor})
    instructions = measure_instructions(args, log)
    print(report(args, manifest, ours, floor, erb, profile, instructions, rss))
    if args.json:
        args.json.write_text(json.dumps({"ours": ours, "floor": floor, "erb": erb, "profile": profile,
                                         "instructions": instructions, "rss": rss}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
