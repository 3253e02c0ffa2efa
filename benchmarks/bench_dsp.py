"""Speed of detsig.dsp against the best NumPy/SciPy equivalent, peer projects and a memory copy.

Everything runs in one process on one core, on 10,000 x 512 float32 GPR traces (and
1,000,000 x 4 float32 metal-detector frames). Each operation is timed as the best of several
runs after one warm-up call, interleaved with its baseline and a memory copy so that load from
other processes hits all three alike. For each operation it reports detsig's time, the
baseline's time, the ratio ``baseline_s / detsig_s`` (> 1: detsig is faster), detsig's
throughput in MB/s of input and its fraction of the plain memory-copy rate (the physical limit
of a streaming filter). Peers: ImpDAR (Stolt, Kirchhoff, mean-trace filter, band-pass) and
readgssi (bgr), where installed; the slowest peers run on a smaller line (stated in the row
name) with detsig timed on the same. Finally it starts fresh Python processes sharing a new,
empty Numba cache folder and times the first call of every operation: the first process
compiles, the second must compile nothing.

Run: ``python benchmarks/bench_dsp.py [--quick] [--json PATH]``; ``make bench`` sets
``NUMBA_CACHE_DIR=.cache/numba``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import fft as sp_fft
from scipy import ndimage, signal

from detsig import dsp

DT_S = 1e-10
DX_M = 0.02
VELOCITY = 1.0e8


def timed(function: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` calls after one warm-up, s."""
    return interleaved([function], repeat)[0]


def interleaved(functions: list[Callable[[], Any]], repeat: int) -> list[float]:
    """Best wall time of each function, s, calling them in turn ``repeat`` times (after one
    warm-up each), so a burst of load from other processes hits all of them alike. The best
    (not the median) run is kept: on a shared machine it is the least disturbed one."""
    for function in functions:
        function()
    best = [float("inf")] * len(functions)
    for _ in range(repeat):
        for k, function in enumerate(functions):
            start = time.perf_counter()
            function()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def once(function: Callable[[], Any]) -> float:
    """Wall time of one call (for peers too slow to repeat), s; stdout silenced."""
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        function()
        return time.perf_counter() - start


def gpr_line(n_traces: int, n_samples: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples)
    x = rng.normal(0, 0.05, size=(n_traces, n_samples)).astype(np.float32)
    x += (np.exp(-(((t - 30) / 4.0) ** 2)) * np.cos(2 * np.pi * (t - 30) / 10)).astype(np.float32)
    for apex in range(n_traces // 8, n_traces, max(n_traces // 4, 1)):
        for i in range(max(apex - 60, 0), min(apex + 60, n_traces)):
            k = int(np.hypot(150, 2 * (i - apex) * DX_M / VELOCITY / DT_S))
            if k < n_samples:
                x[i, k] += 1.0
    return x


def impdar_data(x: np.ndarray) -> SimpleNamespace:
    n_traces, n_samples = x.shape
    return SimpleNamespace(
        data=np.ascontiguousarray(x.T, dtype=np.float64),
        snum=n_samples,
        tnum=n_traces,
        dt=DT_S,
        travel_time=np.arange(n_samples) * DT_S * 1e6,
        dist=np.arange(n_traces) * DX_M / 1e3,
        trace_int=np.full(n_traces, DX_M),
        flags=SimpleNamespace(hfilt=[0, 0], bpass=[0, 0, 0]),
    )


def numpy_stolt(x: np.ndarray) -> np.ndarray:
    """A plain vectorised NumPy Stolt migration (same mapping, float64, np.fft)."""
    n_x, n_t = x.shape
    spectrum = np.fft.fft(np.fft.rfft(x, axis=1), axis=0)
    n_w = spectrum.shape[1]
    d_omega = 2 * np.pi / (n_t * DT_S)
    kx = 2 * np.pi * np.fft.fftfreq(n_x, d=DX_M)[:, None]
    kz = 2 * np.arange(n_w)[None, :] * d_omega / VELOCITY
    k = np.hypot(kx, kz)
    position = VELOCITY / 2 * k / d_omega
    lo = np.minimum(position.astype(np.int64), n_w - 2)
    frac = position - lo
    rows = np.arange(n_x)[:, None]
    value = (1 - frac) * spectrum[rows, lo] + frac * spectrum[rows, lo + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        mapped = np.where((position <= n_w - 1) & (k > 0), value * kz / k, 0)
    return np.fft.irfft(np.fft.ifft(mapped, axis=0), n=n_t, axis=1)


def numpy_kirchhoff(x: np.ndarray) -> np.ndarray:
    """Diffraction summation vectorised over traces, one offset and sample row at a time."""
    n_x, n_t = x.shape
    grad = np.gradient(x, DT_S, axis=1)
    out = np.zeros_like(x)
    z = VELOCITY * np.arange(n_t) * DT_S / 2
    reach = VELOCITY * (n_t - 1) * DT_S / 2
    for o in range(min(int(reach / DX_M) + 1, n_x)):
        r = np.hypot(o * DX_M, z)
        p = 2 * r / VELOCITY / DT_S
        valid = p <= n_t - 1
        idx = np.rint(p[valid]).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(r[valid] > 0, z[valid] / r[valid], 0) / (2 * np.pi * VELOCITY)
        n_valid = int(valid.sum())
        out[o:, :n_valid] += w * grad[: n_x - o, idx] if o else w * grad[:, idx]
        if o:
            out[: n_x - o, :n_valid] += w * grad[o:, idx]
    return out


def trailing_median_scipy(x: np.ndarray, window: int) -> np.ndarray:
    return ndimage.median_filter(x, size=(window, 1), origin=(window // 2, 0), mode="nearest")


FIRST_CALL_SCRIPT = textwrap.dedent(
    """
    import json, time, numpy as np
    start = time.perf_counter()
    from detsig import dsp
    from detsig.dsp import _kernels_md, _kernels_migration, _kernels_sos, _kernels_trace
    from detsig.dsp import _kernels_window
    import_s = time.perf_counter() - start
    x = np.random.default_rng(0).normal(size=(64, 128)).astype(np.float32)
    md = x[:, :4].copy()
    calls = [
        lambda: dsp.dewow(x, 9), lambda: dsp.gain_agc(x, 9), lambda: dsp.gain_power(x, 1e-10, 1.0),
        lambda: dsp.time_zero(x), lambda: dsp.remove_background(x, 5),
        lambda: dsp.remove_background(x, 5, method="median"),
        lambda: dsp.bandpass(x, 5e8, 2e9, 1e10), lambda: dsp.bandpass_stream(md, 1.0, 10.0, 100.0),
        lambda: dsp.envelope(x), lambda: dsp.time_to_depth(x, 1e-10, 1e8),
        lambda: dsp.migrate_stolt(x, 1e-10, 0.02, 1e8),
        lambda: dsp.migrate_kirchhoff(x, 1e-10, 0.02, 1e8),
        lambda: dsp.remove_baseline(md, window_frames=9), lambda: dsp.smooth(md, 5),
        lambda: dsp.ground_balance(md, dsp.estimate_ground(md)),
    ]
    start = time.perf_counter()
    for call in calls:
        call()
    first_s = time.perf_counter() - start
    misses = hits = 0
    for module in (_kernels_md, _kernels_migration, _kernels_sos, _kernels_trace, _kernels_window):
        for value in vars(module).values():
            stats = getattr(value, "stats", None)
            if stats is not None and hasattr(stats, "cache_misses"):
                misses += sum(stats.cache_misses.values())
                hits += sum(stats.cache_hits.values())
    print(json.dumps({"import_s": import_s, "first_calls_s": first_s, "n_calls": len(calls),
                      "cache_misses": misses, "cache_hits": hits}))
    """
)


def first_call_in_fresh_process() -> dict[str, Any]:
    """Run the first-call script twice in new processes sharing a new, empty Numba cache
    folder: the first compiles every kernel and writes the cache, the second must compile
    nothing."""
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="detsig-numba-cache-")
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", FIRST_CALL_SCRIPT],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {"first_process": runs[0], "second_process": runs[1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller peer runs")
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else 7
    n_traces, n_samples = 10_000, 512
    x = gpr_line(n_traces, n_samples)
    mb = x.nbytes / 1e6
    rows: list[dict[str, Any]] = []

    def add(
        name: str,
        detsig_s: float,
        baseline: str,
        baseline_s: float,
        size_mb: float = mb,
        **extra: Any,
    ) -> None:
        rows.append(
            {
                "name": name,
                "detsig_s": detsig_s,
                "baseline": baseline,
                "baseline_s": baseline_s,
                "ratio": baseline_s / detsig_s,
                "mb_per_s": size_mb / detsig_s,
                **extra,
            }
        )
        print(
            f"  {name}: {detsig_s * 1e3:.2f} ms vs {baseline} {baseline_s * 1e3:.2f} ms",
            file=sys.stderr,
            flush=True,
        )

    print(
        f"GPR line {n_traces} x {n_samples} float32 ({mb:.1f} MB), {repeat} repeats",
        file=sys.stderr,
    )
    copy_s = timed(lambda: x.copy(), repeat)
    add("memory copy (physical limit)", copy_s, "numpy x.copy()", copy_s)

    g_power = dsp.power_gain_curve(n_samples, DT_S, 1.0).astype(np.float32)
    g_sec = dsp.sec_gain_curve(n_samples, DT_S, 5e7).astype(np.float32)
    sos32 = dsp.butterworth_sos(2e8, 2e9, 1 / DT_S, 4).astype(np.float32)
    cases: list[tuple[str, Callable[[], Any], str, Callable[[], Any]]] = [
        (
            "dewow (31 samples)",
            lambda: dsp.dewow(x, 31),
            "scipy uniform_filter1d + subtract",
            lambda: x - ndimage.uniform_filter1d(x, 31, axis=1),
        ),
        (
            "remove_background (sliding 51 traces)",
            lambda: dsp.remove_background(x, 51),
            "scipy uniform_filter1d(axis=0) + subtract",
            lambda: x - ndimage.uniform_filter1d(x, 51, axis=0),
        ),
        (
            "remove_background (whole line)",
            lambda: dsp.remove_background(x),
            "numpy x - x.mean(0)",
            lambda: x - x.mean(axis=0),
        ),
        (
            "gain_power (t^1)",
            lambda: dsp.gain_power(x, DT_S, 1.0),
            "numpy x * g",
            lambda: x * g_power,
        ),
        ("gain_sec", lambda: dsp.gain_sec(x, DT_S, 5e7), "numpy x * g", lambda: x * g_sec),
        (
            "gain_agc (31 samples)",
            lambda: dsp.gain_agc(x, 31),
            "scipy x / sqrt(uniform_filter1d(x^2))",
            lambda: x / np.sqrt(np.maximum(ndimage.uniform_filter1d(x * x, 31, axis=1), 1e-30)),
        ),
        (
            "bandpass causal (Butterworth 4, SOS)",
            lambda: dsp.bandpass(x, 2e8, 2e9, 1 / DT_S, zero_phase=False),
            "scipy sosfilt (float32 SOS)",
            lambda: signal.sosfilt(sos32, x, axis=1),
        ),
        (
            "bandpass zero-phase (Butterworth 4, SOS)",
            lambda: dsp.bandpass(x, 2e8, 2e9, 1 / DT_S),
            "scipy sosfiltfilt (float32 SOS)",
            lambda: signal.sosfiltfilt(sos32, x, axis=1),
        ),
        (
            "envelope (Hilbert)",
            lambda: dsp.envelope(x),
            "numpy abs(scipy hilbert)",
            lambda: np.abs(signal.hilbert(x, axis=1)),
        ),
        (
            "time_to_depth (v = 1e8 m/s)",
            lambda: dsp.time_to_depth(x, DT_S, 1.3e8, depth_step_m=0.004),
            "scipy interp1d(axis=1)",
            lambda: _interp_depth(x),
        ),
        (
            "migrate_stolt",
            lambda: dsp.migrate_stolt(x, DT_S, DX_M, VELOCITY),
            "vectorised numpy f-k",
            lambda: numpy_stolt(x),
        ),
        (
            "migrate_kirchhoff",
            lambda: dsp.migrate_kirchhoff(x, DT_S, DX_M, VELOCITY),
            "numpy sum vectorised over traces",
            lambda: numpy_kirchhoff(x),
        ),
    ]
    with sp_fft.set_workers(1):
        for name, ours, base_name, base in cases:
            copy = lambda: x.copy()  # noqa: E731 - timed next to each operation
            if name.startswith("migrate"):
                ours_s, copy_now_s = interleaved([ours, copy], 1 if "kirchhoff" in name else 3)
                base_s = timed(base, 1)
            else:
                ours_s, base_s, copy_now_s = interleaved([ours, base, copy], repeat)
            add(name, ours_s, base_name, base_s, fraction_of_copy=copy_now_s / ours_s)
        _peers(add, x, args.quick)

    md = np.random.default_rng(1).normal(size=(1_000_000, 4)).astype(np.float32)
    md += np.linspace(0, 100, len(md), dtype=np.float32)[:, None]
    md_mb = md.nbytes / 1e6
    print(f"MD series {md.shape[0]} x {md.shape[1]} float32 ({md_mb:.1f} MB)", file=sys.stderr)
    model = dsp.estimate_ground(md[:5000])
    md_cases = [
        (
            "md remove_baseline (median 201 frames)",
            lambda: dsp.remove_baseline(md, window_frames=201),
            "scipy median_filter (trailing)",
            lambda: md - trailing_median_scipy(md, 201),
        ),
        (
            "md smooth (25 frames)",
            lambda: dsp.smooth(md, 25),
            "scipy uniform_filter1d (trailing)",
            lambda: ndimage.uniform_filter1d(md, 25, axis=0, origin=12, mode="nearest"),
        ),
        (
            "md bandpass_stream (Butterworth 2)",
            lambda: dsp.bandpass_stream(md, 1.0, 20.0, 1000.0, order=2),
            "scipy sosfilt(axis=0)",
            lambda: signal.sosfilt(dsp.butterworth_sos(1.0, 20.0, 1000.0, 2), md, axis=0),
        ),
        (
            "md ground_balance",
            lambda: dsp.ground_balance(md, model),
            "numpy (x-o) - (x-o) @ B @ B.T",
            lambda: (md - model.offset) - (md - model.offset) @ model.basis @ model.basis.T,
        ),
    ]
    for name, ours, base_name, base in md_cases:
        md_copy = lambda: md.copy()  # noqa: E731
        if "median" in name:
            ours_s, md_copy_s = interleaved([ours, md_copy], 3)
            base_s = timed(base, 1)
        else:
            ours_s, base_s, md_copy_s = interleaved([ours, base, md_copy], repeat)
        add(name, ours_s, base_name, base_s, md_mb, fraction_of_copy=md_copy_s / ours_s)

    print("first call of every kernel in fresh processes ...", file=sys.stderr)
    cache = first_call_in_fresh_process()
    first, second = cache["first_process"], cache["second_process"]
    rows.append(
        {
            "name": "first calls of 15 operations, second fresh process (cache)",
            "detsig_s": second["first_calls_s"],
            "baseline": "first process, empty cache (compiles)",
            "baseline_s": first["first_calls_s"],
            "ratio": first["first_calls_s"] / second["first_calls_s"],
            "mb_per_s": 0.0,
            "compilations_first_process": first["cache_misses"],
            "compilations_second_process": second["cache_misses"],
            "cache_loads_second_process": second["cache_hits"],
            "import_s": second["import_s"],
        }
    )
    _print_table(rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump(rows, stream, indent=2)
    return 0


def _interp_depth(x: np.ndarray) -> np.ndarray:
    from scipy.interpolate import interp1d

    depth_in = np.arange(x.shape[1]) * 1.3e8 * DT_S / 2
    depth_out = np.arange(0, depth_in[-1], 0.004)
    return interp1d(depth_in, x, axis=1, assume_sorted=True)(depth_out)


def _peers(add: Callable[..., None], x: np.ndarray, quick: bool) -> None:
    try:
        from impdar.lib.migrationlib import mig_python
        from impdar.lib.migrationlib import migrationKirchhoff as impdar_kirchhoff  # noqa: N813
        from impdar.lib.RadarData import _RadarDataFiltering as impdar_filtering
    except ImportError:
        print("  ImpDAR is not installed: peer rows skipped", file=sys.stderr)
    else:
        n_stolt = 1000 if quick else x.shape[0]
        sub = x[:n_stolt]
        ours = timed(lambda: dsp.migrate_stolt(sub, DT_S, DX_M, VELOCITY), 3)
        theirs = once(lambda: mig_python.migrationStolt(impdar_data(sub), vel=VELOCITY))
        add(
            f"migrate_stolt vs ImpDAR ({n_stolt} x 512)",
            ours,
            "ImpDAR migrationStolt",
            theirs,
            sub.nbytes / 1e6,
        )
        n_kirch = 50 if quick else 200
        sub = x[:n_kirch]
        ours = timed(
            lambda: dsp.migrate_kirchhoff(sub, DT_S, DX_M, VELOCITY, interpolation="nearest"), 3
        )
        theirs = once(lambda: impdar_kirchhoff(impdar_data(sub), vel=VELOCITY))
        add(
            f"migrate_kirchhoff vs ImpDAR ({n_kirch} x 512, C/Cython)",
            ours,
            "ImpDAR migrationKirchhoff",
            theirs,
            sub.nbytes / 1e6,
        )
        ours = timed(lambda: dsp.remove_background(x), 3)
        theirs = statistics.median(
            once(lambda: impdar_filtering.horizontalfilt(impdar_data(x), 0, x.shape[0]))
            for _ in range(3)
        )
        add("remove_background (whole line) vs ImpDAR", ours, "ImpDAR horizontalfilt", theirs)
        ours = timed(lambda: dsp.bandpass(x, 2e8, 2e9, 1 / DT_S), 3)
        theirs = once(
            lambda: impdar_filtering.vertical_band_pass(impdar_data(x), 200.0, 2000.0, order=4)
        )
        add("bandpass zero-phase vs ImpDAR", ours, "ImpDAR vertical_band_pass", theirs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from readgssi import filtering as readgssi_filtering
    except ImportError:
        print("  readgssi is not installed: peer rows skipped", file=sys.stderr)
    else:
        ours = timed(lambda: dsp.remove_background(x), 3)
        theirs = statistics.median(
            once(lambda: readgssi_filtering.bgr(np.ascontiguousarray(x.T), {}, win=0))
            for _ in range(3)
        )
        add("remove_background (whole line) vs readgssi", ours, "readgssi bgr", theirs)


def _print_table(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'operation':58s} {'detsig ms':>10s} {'baseline':>38s} {'base ms':>10s} "
        f"{'ratio':>8s} {'MB/s':>8s} {'of copy':>8s}"
    )
    for row in rows:
        fraction = row.get("fraction_of_copy")
        print(
            f"{row['name'][:58]:58s} {row['detsig_s'] * 1e3:10.2f} {row['baseline'][:38]:>38s} "
            f"{row['baseline_s'] * 1e3:10.2f} {row['ratio']:8.2f} {row['mb_per_s']:8.0f} "
            f"{'' if fraction is None else f'{fraction:.0%}':>8s}"
        )
    last = rows[-1]
    if "compilations_second_process" in last:
        print(
            f"kernel cache: first process (empty cache) {last['compilations_first_process']} "
            f"compilations, first calls {last['baseline_s'] * 1e3:.0f} ms; second process "
            f"{last['compilations_second_process']} compilations, "
            f"{last['cache_loads_second_process']} cache loads, first calls "
            f"{last['detsig_s'] * 1e3:.0f} ms (import {last['import_s'] * 1e3:.0f} ms)"
        )


if __name__ == "__main__":
    raise SystemExit(main())
