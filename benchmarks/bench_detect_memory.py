"""Peak memory of ``detsig detect`` on a long lane: streamed blocks against one whole block.

A 50,000-trace lane (the simulated ``standard`` lane, 1001 GPR traces x 256 samples and
10,001 MD frames x 4 gates, laid end to end 50 times along 500 m) is written as a detsig
recording; then, each in a fresh process, is measured:

- ``detect(LANE)`` (what ``detsig detect`` runs: streamed in blocks of ``DEFAULT_BLOCK_ROWS``);
- the baseline: the same detection fed as one block per stream (``block_rows`` = the lane),
  what ``run_lane`` did before it streamed by default;

the memory each allocates (the peak traced by ``tracemalloc``, which sees every NumPy array)
and, for ``detsig detect`` itself, the process's peak resident memory, beside the same command on
one 10 m lane (the floor: libraries and compiled kernels, whatever the lane).

Usage::

    python benchmarks/bench_detect_memory.py            # 50,000 traces
    python benchmarks/bench_detect_memory.py --quick    # 10,000 traces
    python benchmarks/bench_detect_memory.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def write_long_lane(path: Path, n_copies: int) -> int:
    """The standard lane laid end to end ``n_copies`` times; returns the GPR trace count."""
    from detsig.io.reader import open_recording
    from detsig.io.recording import RecordingWriter
    from detsig.sim import simulate_lane, write_lane

    single = path.with_name("single.h5")
    write_lane(simulate_lane("standard", 1), single)
    from detsig.io.writer import WRITER_STREAM_ATTRS

    with open_recording(single) as source, RecordingWriter(path, site="long lane") as writer:
        gpr, md = source.streams["gpr0"], source.streams["md0"]
        g_attrs = {k: v for k, v in gpr.attrs.items() if k not in WRITER_STREAM_ATTRS}
        m_attrs = {k: v for k, v in md.attrs.items() if k not in WRITER_STREAM_ATTRS}
        g = writer.add_gpr_stream(
            "gpr0",
            n_samples=gpr.data.shape[1],
            dtype=gpr.dtype,
            sample_interval_s=gpr.sample_interval_s,
            center_frequency_hz=float(gpr.attrs["center_frequency_hz"]),
            time_zero_s=float(gpr.attrs["time_zero_s"]),
            device=gpr.device,
            attrs=g_attrs,
        )
        m = writer.add_md_stream(
            "md0",
            n_channels=md.data.shape[1],
            dtype=md.dtype,
            sample_rate_hz=md.sample_rate_hz,
            channel_names=list(json.loads(md.attrs["channel_names"])),
            device=md.device,
            attrs=m_attrs,
        )
        traces, frames = gpr.data[:], md.data[:]
        trace_x, frame_x = gpr.column("distance_m"), md.column("distance_m")
        length_m = float(trace_x[-1] - trace_x[0]) + float(np.median(np.diff(trace_x)))
        for k in range(n_copies):
            g.append(traces, distance_m=trace_x + k * length_m)
            m.append(frames, distance_m=frame_x + k * length_m)
        n_traces = n_copies * traces.shape[0]
    single.unlink()
    return n_traces


def peak_rss_mb(command: list[str]) -> tuple[float, float, str]:
    """Peak resident memory (MB, of this child alone: ``os.wait4``), wall time (s) and
    standard output of a command."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        stdout = process.stdout.read().decode()
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall_s = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{command[:3]} failed: {errors.read().decode()[-400:]}")
    return usage.ru_maxrss / 1024.0, wall_s, stdout


#: Run in a fresh interpreter: import, warm the kernels on a short lane, then trace the
#: Python/NumPy allocations of one detection of the long lane (tracemalloc sees every NumPy
#: array; the libraries' code and LLVM's memory are the RSS floor, the same in every case).
TRACED = """
import json, sys, tracemalloc
from detsig.detect import detect
from detsig.sim import simulate_lane
detect(simulate_lane("standard", 2))
tracemalloc.start()
found = detect(sys.argv[1], block_rows=int(sys.argv[2]) or None)
print(json.dumps({"traced_peak_mb": tracemalloc.get_traced_memory()[1] / 2**20,
                  "n_candidates": len(found)}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 traces instead of 50,000")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    n_copies = 10 if args.quick else 50
    with tempfile.TemporaryDirectory() as tmp:
        lane = Path(tmp) / "long.h5"
        n_traces = write_long_lane(lane, n_copies)
        cases: list[dict[str, Any]] = []
        for name, rows in (
            ("detect, streamed (the default)", 0),
            ("detect, one block per stream (baseline)", 20 * n_traces),
        ):
            rss_mb, wall_s, stdout = peak_rss_mb(
                [sys.executable, "-c", TRACED, str(lane), str(rows)]
            )
            cases.append(
                {"name": name, "peak_rss_mb": rss_mb, "wall_s": wall_s, **json.loads(stdout)}
            )
        out = Path(tmp) / "candidates.json"
        detsig = str(Path(sys.executable).with_name("detsig"))
        rss_mb, wall_s, _ = peak_rss_mb([detsig, "detect", str(lane), "-o", str(out), "--quiet"])
        cli = {"name": "detsig detect (command line)", "peak_rss_mb": rss_mb, "wall_s": wall_s}
        # the floor: the same command on one 10 m lane (libraries, Numba/LLVM kernels)
        short = Path(tmp) / "short.h5"
        from detsig.sim import simulate_lane, write_lane

        write_lane(simulate_lane("standard", 1), short)
        floor_mb, floor_s, _ = peak_rss_mb([detsig, "detect", str(short), "--quiet"])
        floor = {
            "name": "detsig detect on a 10 m lane (the floor)",
            "peak_rss_mb": floor_mb,
            "wall_s": floor_s,
        }
    print(f"lane: {n_traces} GPR traces x 256 samples, {10 * n_traces} MD frames x 4 gates")
    print(f"{'case':<42}{'traced peak MB':>15}{'wall s':>9}{'candidates':>12}")
    for case in cases:
        print(
            f"{case['name']:<42}{case['traced_peak_mb']:>15.0f}{case['wall_s']:>9.1f}"
            f"{case['n_candidates']:>12}"
        )
    ratio = cases[1]["traced_peak_mb"] / cases[0]["traced_peak_mb"]
    print(f"streaming allocates {ratio:.1f}x less at its peak than one block per stream")
    print(
        f"process peak RSS of {cli['name']}: {cli['peak_rss_mb']:.0f} MB; on a 10 m lane "
        f"{floor['peak_rss_mb']:.0f} MB (libraries and compiled kernels): the "
        f"{n_traces}-trace lane adds {cli['peak_rss_mb'] - floor['peak_rss_mb']:.0f} MB"
    )
    if cases[0]["n_candidates"] != cases[1]["n_candidates"]:
        print("WARNING: streamed and one-block detection gave different candidate counts")
    results = {
        "n_traces": n_traces,
        "results": [*cases, cli, floor],
        "ratio_one_block_over_streamed": ratio,
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
