"""
The peak-RSS readings and the flatness verdict of the benchmarks (``benchmarks/memory.py``, issue #19).

The readings are checked on real child processes that hold a known amount of memory: Linux's
``wait4(2)`` returns the resource usage of the one child waited for (``ru_maxrss`` in KiB: see
getrusage(2)), and ``/proc/<pid>/status`` carries ``VmHWM``, the peak resident set of that process
(proc(5)). The amounts are written bytes (``b"x" * n``), not ``bytearray(n)``, whose zeroed pages
the kernel need not map.
"""
import argparse
import subprocess
import sys

import pytest

from benchmarks import memory

MB = 1 << 20
HOLD = "import sys, time; data = b'x' * ({mb} << 20); print('ready', flush=True); sys.stdin.read()"


def hold(mb):
    """A Python child holding ``mb`` MB until its stdin closes; returned once it holds them."""
    process = subprocess.Popen([sys.executable, "-c", HOLD.format(mb=mb)], stdin=subprocess.PIPE,  # pylint: disable=consider-using-with
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


def test_flatness_within_the_bound_and_the_target():
    result = memory.flatness({1_000_000: 38.0, 250_000: 32.5, 500_000: 34.5}, 16, 150)
    assert result == {"sizes": [250_000, 500_000, 1_000_000], "peaks_mb": [32.5, 34.5, 38.0], "growth_mb": 5.5,
                      "bound_mb": 16, "flat": True, "target_mb": 150, "within_target": True}
    assert memory.verdict_text(result) == "flat (+5.5 MB <= 16); < 150: met"


def test_growth_beyond_the_bound_is_not_flat_and_a_peak_at_the_target_misses_it():
    result = memory.flatness({25_000: 120.0, 100_000: 150.0}, 24, 150)
    assert (result["growth_mb"], result["flat"], result["within_target"]) == (30.0, False, False)
    assert memory.verdict_text(result) == "NOT FLAT (+30.0 MB > 24); < 150: MISSED"
    no_target = memory.flatness({10: 50.0}, 24)
    assert (no_target["flat"], no_target["within_target"]) == (True, None)
    assert memory.verdict_text(no_target) == "flat (+0.0 MB <= 24)"
    with pytest.raises(ValueError, match="no peaks"):
        memory.flatness({}, 24)


def test_table_rows_name_each_size_and_peak():
    rows = memory.table_rows("ours", memory.flatness({250_000: 32.5, 500_000: 34.7, 1_000_000: 37.6}, 16, 150),
                             width=44)
    assert rows == [
        f"{'ours, peak RSS at 250k / 500k / 1M (MB)':<44}{'32.5 / 34.7 / 37.6':>22}",
        f"{'  ours, flat':<44}{'':>22}   flat (+5.1 MB <= 16); < 150: met",
    ]
    assert memory.table_rows("x", memory.flatness({12_500: 1.0, 999: 1.0}, 1))[0].startswith(
        "x, peak RSS at 999 / 12.5k (MB)")


def test_rss_sizes_sorted_unique_defaulted_or_skipped():
    parser = argparse.ArgumentParser()
    memory.add_rss_arguments(parser, (3, 1, 2))
    assert memory.rss_sizes(parser.parse_args([])) == (1, 2, 3)
    assert memory.rss_sizes(parser.parse_args(["--rss-sizes", "50", "25", "50"])) == (25, 50)
    assert memory.rss_sizes(parser.parse_args(["--skip-rss"])) == ()
    with pytest.raises(SystemExit, match="positive"):
        memory.rss_sizes(parser.parse_args(["--rss-sizes", "0", "5"]))
    default = argparse.ArgumentParser()
    memory.add_rss_arguments(default)
    assert memory.rss_sizes(default.parse_args([])) == (250_000, 500_000, 1_000_000)


def test_a_script_run_under_the_wrapper_writes_its_own_peak(tmp_path):
    """
    A script holding 96 MB, then one holding 8 MB, each run by ``python -m benchmarks.memory``
    from this (larger) test process: each peak is the script's own. (The children's ``ru_maxrss``
    would include this process's memory at the fork: the module docstring says why.)
    """
    peaks = {}
    for mb in (96, 8):
        script = tmp_path / f"hold{mb}.py"
        script.write_text(f"import sys\ndata = b'x' * ({mb} << 20)\nsys.exit(int(sys.argv[1]))\n")
        peak_file = tmp_path / f"peak-{mb}.txt"
        process = subprocess.Popen(memory.script_command(sys.executable, peak_file, script, "3"))  # pylint: disable=consider-using-with
        assert memory.wait(process, 60) == 3  # the script's exit status, its peak written all the same
        peaks[mb] = memory.read_peak(peak_file)
        assert not peak_file.exists()
    assert 96 <= peaks[96] < 96 + 40
    assert 8 <= peaks[8] < 8 + 40
    assert memory.own_peak_mb() > peaks[8]  # this process is the larger one


def test_wait_kills_a_child_past_its_timeout():
    process = hold(1)
    try:
        polls = []
        with pytest.raises(TimeoutError, match="longer than 0.3 s"):
            memory.wait(process, 0.3, on_poll=lambda: polls.append(1), poll_seconds=0.1)
        assert process.returncode == -9
        assert 1 <= len(polls) <= 5
    finally:
        process.stdin.close()
        process.stdout.close()


def test_tree_peaks_read_every_process_of_a_tree():
    """A parent holding 8 MB whose child holds 64 MB: VmHWM of each, by pid."""
    code = ("import subprocess, sys; data = b'x' * (8 << 20); "
            f"child = subprocess.Popen([sys.executable, '-c', {HOLD.format(mb=64)!r}], stdin=subprocess.PIPE, "
            "stdout=subprocess.PIPE, text=True); print(child.pid, child.stdout.readline().strip(), flush=True); "
            "sys.stdin.read(); child.stdin.close(); child.wait()")
    parent = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                              text=True)
    try:
        child_pid, ready = parent.stdout.readline().split()
        assert ready == "ready"
        peaks = memory.tree_peaks(parent.pid)
        assert sorted(peaks) == sorted([parent.pid, int(child_pid)])
        assert 64 <= peaks[int(child_pid)] < 64 + 40
        assert 8 <= peaks[parent.pid] < 8 + 40
        assert memory.status_mb(parent.pid, "VmRSS") <= peaks[parent.pid]
    finally:
        parent.stdin.close()
        assert parent.wait(30) == 0
        parent.stdout.close()
    # the parent reaped its child before it exited: neither has a /proc entry any more
    assert memory.status_mb(int(child_pid), "VmHWM") is None
    assert memory.tree_peaks(parent.pid) == {}
