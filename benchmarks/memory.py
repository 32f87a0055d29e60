"""
Peak memory of separate runs at growing sizes, and whether it stays flat (issue #19).

Every benchmark that processes events runs its subject once per size (250,000, 500,000 and
1,000,000 events by default; ``--rss-sizes`` to change them, e.g. ``--rss-sizes 25000 50000
100000`` to try it out), each time in a fresh process, and reads that process's own peak resident
set size, ``VmHWM`` of ``/proc/<pid>/status`` (proc(5)):

* a process of ours reports its own at its end (:func:`own_peak_mb`);
* a command (``manage.py ...``) runs under ``python -m benchmarks.memory PEAK_FILE SCRIPT ARGS``,
  which runs the script in the same process and writes its ``VmHWM`` to ``PEAK_FILE`` as it ends,
  whatever way it ends (:func:`run_script`, :func:`read_peak`);
* a process that stays alive (a Celery worker, stopped afterwards) is read from outside, with its
  process tree (:func:`tree_peaks`).

Not ``ru_maxrss``: Linux counts into a new program's ``ru_maxrss`` the memory of the process it
was forked from (exec accounts the old address space, which fork copied from the parent), so a
small child of a large benchmark process reports the parent's size. ``VmHWM`` belongs to the
address space exec makes, and is the program's own.

:func:`flatness` turns the peaks into a verdict: flat when the peak of the largest run is at most
the peak of the smallest plus a stated bound, within target when every peak is under the target.
A pipeline whose memory grew with its input (a cache or queue without a bound) would grow by
about three times its first run's growth from the first to the last size, and fail the bound.
"""
import resource
import runpy
import sys
import time
from pathlib import Path

import psutil

#: The sizes of the separate runs (events), as issue #19 names them.
DEFAULT_SIZES = (250_000, 500_000, 1_000_000)
#: Linux reports ``ru_maxrss`` and ``VmHWM`` in KiB.
KIB_PER_MB = 1024


def add_rss_arguments(parser, default=None, what="events"):
    """``--rss-sizes N ...`` (``default``: :data:`DEFAULT_SIZES`) and ``--skip-rss`` on ``parser``."""
    default = tuple(default or DEFAULT_SIZES)
    parser.add_argument("--rss-sizes", type=int, nargs="+", metavar="N", default=None,
                        help=f"{what} of each separate peak-RSS run, each in a fresh process (default "
                             f"{' '.join(str(size) for size in default)})")
    parser.add_argument("--skip-rss", action="store_true", help="do not run the peak-RSS runs")
    parser.set_defaults(rss_default=default)


def rss_sizes(args):
    """The sizes the options ask for, ascending and without repeats; () with ``--skip-rss``."""
    if args.skip_rss:
        return ()
    sizes = sorted(set(args.rss_sizes or args.rss_default))
    if not sizes or sizes[0] < 1:
        raise SystemExit(f"--rss-sizes must be positive: {args.rss_sizes}")
    return tuple(sizes)


def own_peak_mb():
    """This process's peak RSS so far, in MB (``VmHWM``; ``ru_maxrss`` where there is no /proc)."""
    peak = status_mb("self", "VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB_PER_MB if peak is None else peak


def status_mb(pid, field):
    """``field`` (``VmHWM``, ``VmRSS``) of ``/proc/<pid>/status`` in MB; None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / KIB_PER_MB
    except (FileNotFoundError, ProcessLookupError):
        return None
    raise ValueError(f"/proc/{pid}/status has no {field}")


def tree_peaks(pid):
    """``{pid: VmHWM in MB}`` of ``pid`` and every descendant alive now (a worker and its pool)."""
    pids = [pid]
    try:
        pids += [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    peaks = {}
    for each in pids:
        peak = status_mb(each, "VmHWM")
        if peak is not None:
            peaks[each] = peak
    return peaks


def script_command(python, peak_file, script, *args):
    """The command that runs ``script *args`` with ``python`` and writes its peak RSS to ``peak_file``."""
    return [str(python), "-m", "benchmarks.memory", str(peak_file), str(script), *[str(arg) for arg in args]]


def run_script(peak_file, script, *args):
    """Run ``script`` as ``__main__`` with ``args``; write this process's peak RSS to ``peak_file`` at its end."""
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(Path(script).resolve().parent))
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        Path(peak_file).write_text(f"{own_peak_mb()}\n", encoding="ascii")


def read_peak(peak_file):
    """The peak RSS (MB) :func:`run_script` wrote to ``peak_file``, which it removes."""
    path = Path(peak_file)
    try:
        return float(path.read_text(encoding="ascii"))
    finally:
        path.unlink(missing_ok=True)


def wait(process, timeout, on_poll=None, poll_seconds=0.1):
    """
    Wait for the ``subprocess.Popen`` ``process``, calling ``on_poll()`` between polls; after
    ``timeout`` seconds kill it and raise ``TimeoutError``. Returns its return code.
    """
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise TimeoutError(f"pid {process.pid} ran longer than {timeout} s")
        if on_poll is not None:
            on_poll()
        time.sleep(poll_seconds)
    return process.returncode


def flatness(peaks, bound_mb, target_mb=None):
    """
    The verdict on ``peaks`` (``{size: peak MB}`` of separate runs): ``growth_mb`` from the
    smallest to the largest size, ``flat`` when it is at most ``bound_mb``, ``within_target`` when
    every peak is under ``target_mb`` (None without a target).
    """
    if not peaks:
        raise ValueError("no peaks to judge")
    sizes = sorted(peaks)
    growth = peaks[sizes[-1]] - peaks[sizes[0]]
    return {
        "sizes": sizes, "peaks_mb": [peaks[size] for size in sizes], "growth_mb": growth, "bound_mb": bound_mb,
        "flat": growth <= bound_mb, "target_mb": target_mb,
        "within_target": None if target_mb is None else max(peaks.values()) < target_mb,
    }


def verdict_text(result):
    """``flat (+2.1 MB <= 16)``, with the target's verdict when there is one."""
    text = (f"{'flat' if result['flat'] else 'NOT FLAT'} "
            f"({result['growth_mb']:+.1f} MB {'<=' if result['flat'] else '>'} {result['bound_mb']:g})")
    if result["target_mb"] is not None:
        text += f"; < {result['target_mb']:g}: {'met' if result['within_target'] else 'MISSED'}"
    return text


def table_rows(label, result, width=52):
    """Two rows of a results table: the peaks at each size, and the verdict."""
    sizes = " / ".join(_short(size) for size in result["sizes"])
    peaks = " / ".join(f"{peak:.1f}" for peak in result["peaks_mb"])
    return [f"{f'{label}, peak RSS at {sizes} (MB)':<{width}}{peaks:>22}",
            f"{f'  {label}, flat':<{width}}{'':>22}   {verdict_text(result)}"]


def _short(size):
    """250k, 1M, 12.5k."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000:
        return f"{size / 1000:g}k"
    return str(size)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python -m benchmarks.memory PEAK_FILE SCRIPT [ARG ...]")
    run_script(sys.argv[1], sys.argv[2], *sys.argv[3:])
