"""Benchmark of the viewer: live redraw rate while recording, replay open time, scrub frames.

1. **Live**: emulated devices on pseudo-terminals (:class:`detsig.sim.emulator.
   EmulatedDevice`, in a separate process, as real sensors are separate hardware) stream the
   standard lane, looped, with the GPR at 1,000 traces/s x 512 int16 samples (with ENCODER
   frames) and the metal detector at 10 kHz x 4 channels. This process records them with
   a :class:`detsig.acquire.LiveSession` and shows the live view (offscreen, ``processed``
   preset, 1,000 traces on screen) exactly as ``detsig record --view`` does. Reported: redraws
   per second (target >= 25), frames lost (device drops + gaps + bad frames: must be 0), and,
   as the baseline measured in the same run, the same recording without the view (frames lost,
   CPU) so the view's cost on recording is a ratio.
2. **Open**: a 100,000-trace x 512 recording (100 MB) is opened in the viewer (source, window,
   first frame drawn). Baseline: reading the whole data set with h5py, what an eager viewer
   would do before its first frame.
3. **Scrub**: 60 jumps to random positions, each timed from the seek to the painted frame
   (read the window of traces + MD, process, draw, paint), for the ``raw`` and ``processed``
   presets. Baseline: reading the same windows straight from h5py (the I/O floor).

Usage::

    python benchmarks/bench_viewer.py            # 20 s live runs
    python benchmarks/bench_viewer.py --quick    # 6 s live runs, 20,000-trace open test
    python benchmarks/bench_viewer.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEVICES_SCRIPT = textwrap.dedent(
    """
    import json, sys, tomllib
    from importlib import resources
    from detsig.sim.emulator import EmulatedDevice
    from detsig.sim import scenario_from_dict
    text = resources.files("detsig.sim").joinpath("scenarios/standard.toml").read_text()
    doc = tomllib.loads(text)
    doc["gpr"].update(traces_per_s={gpr_rate}, n_samples=512, sample_interval_s=2.5e-11)
    doc["md"].update(sample_rate_hz=10000.0)
    scenario = scenario_from_dict(doc, source="bench-viewer")
    devices = [
        EmulatedDevice(kind, scenario, 1, loop=True, wait_start=True) for kind in ("gpr", "md")
    ]
    print(json.dumps([device.start() for device in devices]), flush=True)
    sys.stdin.readline()  # until the benchmark says stop
    reports = [device.report for device in devices]
    for device in devices:
        device.stop()
    def lost(r):
        return r["dropped"] + r["corrupted"] + r["overflow"] + r["outage_lost"]
    print(json.dumps({{
        "gpr_sent": reports[0]["frames_by_type"].get("GPR_TRACE", 0),
        "gpr_dropped": lost(reports[0]),
        "md_sent": reports[1]["frames_by_type"].get("MD_BLOCK", 0),
        "md_dropped": lost(reports[1]),
        "md_block_frames": 50,
    }}), flush=True)
    """
)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def live_run(duration_s: float, folder: Path, *, view: bool, gpr_rate: float) -> dict[str, Any]:
    """Record GPR + MD for ``duration_s`` with or without the live view."""
    import h5py

    from detsig.acquire import LiveSession, SessionOptions
    from detsig.viewer.live import prepare_live_view, run_live_view

    if view:
        prepare_live_view(headless=True)  # as 'detsig record --view' does before starting
    script = DEVICES_SCRIPT.format(gpr_rate=gpr_rate)
    devices = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert devices.stdout is not None and devices.stdin is not None
    ports = json.loads(devices.stdout.readline())
    out = folder / f"live-{'view' if view else 'noview'}-{time.monotonic_ns()}.h5"
    session = LiveSession(SessionOptions(ports=ports, output=out))
    session.open()
    cpu0 = _cpu_s()
    session.start()
    wall0 = time.monotonic()
    redraws = 0
    fps_window: list[float] = []
    main_cpu_s = 0.0
    if view:
        shown: list[float] = []
        thread_cpu0 = time.thread_time()

        def stop() -> bool:
            return bool(shown) and time.monotonic() - shown[0] >= duration_s

        window = run_live_view(
            session,
            should_stop=stop,
            headless=True,
            window_traces=1000,
            preset="processed",
            on_window=lambda w: shown.append(time.monotonic()),
        )
        main_cpu_s = time.thread_time() - thread_cpu0
        redraws = window.n_redraws
        fps_window = list(window.redraw_times_s)
        elapsed = time.monotonic() - shown[0]
    else:
        time.sleep(duration_s)
        elapsed = time.monotonic() - wall0
    session.stop()
    cpu = _cpu_s() - cpu0
    wall = time.monotonic() - wall0
    devices.stdin.write("\n")
    devices.stdin.flush()
    report = json.loads(devices.stdout.readline())
    devices.wait(10)
    devices.stdout.close()
    devices.stdin.close()
    with h5py.File(out, "r") as f:
        kinds = [bytes(k).decode() for k in f["events"]["kind"]]
        details = [bytes(d).decode() for d in f["events"]["detail"]]
        gaps = sum(int(d.split()[0]) for k, d in zip(kinds, details, strict=True) if k == "gap")
        bad = kinds.count("bad_frame")
        gpr_rows = f["streams/gpr0/data"].shape[0]
        md_rows = f["streams/md0/data"].shape[0]
    out.unlink()
    gpr_frames_sent = report["gpr_sent"]
    md_frames_sent = report["md_sent"] * report["md_block_frames"]
    # a frame a device could not hand over is also a gap in the file: count it once
    lost = max(report["gpr_dropped"] + report["md_dropped"], gaps) + bad
    return {
        "view": view,
        "duration_s": round(elapsed, 2),
        "redraws": redraws,
        "redraws_per_s": round(redraws / elapsed, 1) if view else None,
        "median_redraw_ms": round(1e3 * statistics.median(fps_window), 2) if fps_window else None,
        # CPU time of the GUI thread per redraw (data, processing, drawing and painting): the
        # redraw rate one idle core would sustain is its inverse
        "gui_cpu_ms_per_redraw": round(1e3 * main_cpu_s / redraws, 1) if redraws else None,
        "redraws_per_s_one_idle_core": round(redraws / main_cpu_s, 1) if main_cpu_s else None,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "frames_lost": lost,
        "device_drops": report["gpr_dropped"] + report["md_dropped"],
        "gap_frames": gaps,
        "bad_frames": bad,
        "gpr_traces_sent": gpr_frames_sent,
        "gpr_traces_recorded": gpr_rows,
        "md_frames_sent": md_frames_sent,
        "md_frames_recorded": md_rows,
        "process_cpu_fraction": round(cpu / wall, 3),
    }


def write_big(path: Path, n_traces: int) -> None:
    """A recording of ``n_traces`` x 512 int16 traces (hyperbolas on noise) plus MD."""
    from detsig.io.recording import RecordingWriter

    rng = np.random.default_rng(0)
    block = 4096
    sample = np.arange(512)
    with RecordingWriter(path, fsync=False, batch_rows=block) as writer:
        gpr = writer.add_gpr_stream(
            "gpr0",
            n_samples=512,
            dtype="int16",
            sample_interval_s=5e-11,
            center_frequency_hz=1e9,
            attrs={"traces_per_s": 1000.0},
        )
        md = writer.add_md_stream("md0", n_channels=4, dtype="int16", sample_rate_hz=1000.0)
        for first in range(0, n_traces, block):
            n = min(block, n_traces - first)
            index = np.arange(first, first + n)
            apex = 150 + 40 * np.sqrt(1 + ((index % 700) - 350) ** 2 / 400.0)
            data = rng.normal(0, 200, (n, 512))
            data += 3000 * np.exp(-(((sample[None, :] - apex[:, None]) / 3.0) ** 2))
            gpr.append(
                data.astype(np.int16),
                distance_m=index * 0.01,
                host_time_ns=10**18 + index * 10**6,
            )
            md.append(
                rng.integers(-100, 100, (n, 4)).astype(np.int16),
                distance_m=index * 0.01,
                host_time_ns=10**18 + index * 10**6,
            )


def open_and_scrub(path: Path, n_jumps: int) -> dict[str, Any]:
    """Time open-to-first-frame and scrub frames; h5py baselines in the same run."""
    import h5py

    from detsig.viewer.app import ensure_app
    from detsig.viewer.processing import warm_up

    app = ensure_app(headless=True)
    warm_up()
    from detsig.viewer.sources import open_source
    from detsig.viewer.window import ViewerWindow

    started = time.perf_counter()
    source = open_source(path)
    window = ViewerWindow(source, window_traces=2000, preset="raw")
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    open_s = time.perf_counter() - started
    n_traces = source.n_traces()

    started = time.perf_counter()
    with h5py.File(path, "r") as f:
        whole = f["streams/gpr0/data"][:]
    eager_s = time.perf_counter() - started
    del whole

    rng = np.random.default_rng(1)
    positions = rng.integers(2000, n_traces, n_jumps)
    result: dict[str, Any] = {
        "n_traces": n_traces,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "open_to_first_frame_s": round(open_s, 3),
        "h5py_read_all_s": round(eager_s, 3),
        "open_speedup_vs_eager": round(eager_s / open_s, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    for preset in ("raw", "processed"):
        window.preset_box.setCurrentText(preset)
        app.processEvents()
        times = []
        cpu = []
        for position in positions:
            started = time.perf_counter()
            cpu_started = time.thread_time()
            window.controller.seek(int(position))
            app.processEvents()
            times.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - cpu_started)
        result[f"scrub_{preset}_median_ms"] = round(1e3 * statistics.median(times), 1)
        result[f"scrub_{preset}_cpu_median_ms"] = round(1e3 * statistics.median(cpu), 1)
        result[f"scrub_{preset}_p95_ms"] = round(1e3 * float(np.percentile(times, 95)), 1)
    with h5py.File(path, "r") as f:
        data = f["streams/gpr0/data"]
        times = []
        for position in positions:
            started = time.perf_counter()
            np.asarray(data[int(position) - 2000 : int(position)], dtype=np.float32)
            times.append(time.perf_counter() - started)
    result["h5py_window_read_median_ms"] = round(1e3 * statistics.median(times), 1)
    window.close()
    source.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, smaller file")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--gpr-rate", type=float, default=1000.0, help="GPR traces/s (1000)")
    args = parser.parse_args(argv)
    duration = 6.0 if args.quick else 20.0
    n_traces = 20_000 if args.quick else 100_000
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"live: GPR {args.gpr_rate:.0f} traces/s x 512 + MD 10 kHz x 4, {duration:.0f} s")
        baseline = live_run(duration, folder, view=False, gpr_rate=args.gpr_rate)
        live = live_run(duration, folder, view=True, gpr_rate=args.gpr_rate)
        results["live_without_view"] = baseline
        results["live_with_view"] = live
        print(
            f"  with view:    {live['redraws_per_s']} redraws/s (target >= 25; ratio "
            f"{live['redraws_per_s'] / 25:.2f}) at load average {live['load_average_1min']} on "
            f"{os.cpu_count()} cores; GUI thread CPU {live['gui_cpu_ms_per_redraw']} ms per "
            f"redraw = {live['redraws_per_s_one_idle_core']} redraws/s on an idle core; "
            f"median redraw {live['median_redraw_ms']} ms, "
            f"frames lost {live['frames_lost']}, traces {live['gpr_traces_recorded']}/"
            f"{live['gpr_traces_sent']}, CPU {live['process_cpu_fraction']:.2f} core"
        )
        print(
            f"  without view: frames lost {baseline['frames_lost']}, traces "
            f"{baseline['gpr_traces_recorded']}/{baseline['gpr_traces_sent']}, CPU "
            f"{baseline['process_cpu_fraction']:.2f} core (view costs "
            f"{live['process_cpu_fraction'] / max(baseline['process_cpu_fraction'], 1e-9):.2f}x)"
        )
        path = folder / "big.h5"
        started = time.perf_counter()
        write_big(path, n_traces)
        print(f"replay: wrote {n_traces:,} traces in {time.perf_counter() - started:.1f} s")
        replay = open_and_scrub(path, 20 if args.quick else 60)
        results["replay"] = replay
        print(
            f"  open to first frame {replay['open_to_first_frame_s']} s (target < 2 s); "
            f"h5py reading everything {replay['h5py_read_all_s']} s "
            f"(ratio {replay['open_speedup_vs_eager']}; the file is in the page cache here: "
            f"from disk an eager read grows with the file, the lazy open does not); "
            f"load average {replay['load_average_1min']}"
        )
        for preset in ("raw", "processed"):
            print(
                f"  scrub {preset}: median {replay[f'scrub_{preset}_median_ms']} ms, "
                f"p95 {replay[f'scrub_{preset}_p95_ms']} ms per frame, CPU "
                f"{replay[f'scrub_{preset}_cpu_median_ms']} ms "
                f"(h5py window read alone {replay['h5py_window_read_median_ms']} ms)"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
