"""``detsig demo``: the whole chain on built-in emulated devices, in about 20 seconds.

1. Two emulated devices (a GPR and a pulse-induction metal detector, :mod:`detsig.devices`)
   start on pseudo-terminals, streaming a simulated lane (default: the ``standard`` scenario)
   in the wire format, exactly as real sensors on USB-serial ports would.
2. A live acquisition session (:mod:`detsig.acquire`) records both ports into a new HDF5 file
   while the streaming detectors (:mod:`detsig.detect`) flag candidates as the data arrive.
   When a display is present the live viewer shows the session.
3. The candidates are printed as a table and scored against the lane's ground truth
   (:mod:`detsig.bench`); the folder receives the recording, ``candidates.geojson``, the truth
   and a screenshot of the viewer.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detsig.errors import InputError, JobError

#: Files the demo writes into its folder.
DEMO_FILES = ("lane.h5", "candidates.geojson", "truth.json", "lane.png", "score.txt")
DEFAULT_FOLDER = Path("detsig-demo")


def choose_folder(out: Path | None) -> Path:
    """The folder to write: ``out``, or ``./detsig-demo`` (numbered when taken).

    Never overwrites a file: an explicit ``out`` that already holds any demo file is refused;
    the default folder moves on to ``detsig-demo-2``, ``-3`` ... when it is taken.

    Parameters
    ----------
    out : Path, optional
        The folder asked for (``--out``); None for the default.

    Returns
    -------
    Path
        The folder to write into (not created here).

    Raises
    ------
    InputError
        ``out`` is a file, or already holds demo files.
    """
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(
                f"{out} is a file; give a folder for the demo's output", parameter="out"
            )
        taken = [name for name in DEMO_FILES if (out / name).exists()]
        if taken:
            raise InputError(
                f"{out} already holds {', '.join(taken)} from an earlier demo; "
                "give a new output folder (the demo never overwrites files)",
                parameter="out",
            )
        return out
    candidate = DEFAULT_FOLDER
    number = 1
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        number += 1
        candidate = Path(f"{DEFAULT_FOLDER}-{number}")
    return candidate


@dataclass
class DemoResult:
    """What a demo run produced.

    Attributes
    ----------
    folder : Path
        Where the files are.
    recording, geojson, truth, screenshot, score : Path
        The files written.
    candidates : list of Candidate
        Candidates flagged live.
    summary : dict
        The score (``detsig.bench.summarize`` result).
    score_text : str
        The score as printed.
    table : str
        The candidate table as printed.
    streams : dict
        Rows, gaps and bad frames recorded per stream, and frames each emulator sent.
    """

    folder: Path
    recording: Path
    geojson: Path
    truth: Path
    screenshot: Path
    score: Path
    candidates: list[Any] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    score_text: str = ""
    table: str = ""
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)


def candidate_table(candidates: list[Any], truth: Any, *, limit: int = 40) -> str:
    """A plain-text table of candidates, best first, with the nearest truth target.

    Parameters
    ----------
    candidates : list of Candidate
        The candidates to list.
    truth : GroundTruth or None
        The lane's truth; without it the nearest-target column stays empty.
    limit : int
        Most rows shown; a last line counts the rest.

    Returns
    -------
    str
        The table: index, ``x_m`` (m), ``depth_m`` (m), score, detector and the nearest target
        with its distance (cm).
    """
    header = f"{'#':>3} {'x_m':>7} {'depth_m':>8} {'score':>7}  {'detector':<16} nearest target"
    lines = [header, "-" * len(header)]
    ordered = sorted(candidates, key=lambda c: -c.score)
    for index, candidate in enumerate(ordered[:limit], start=1):
        nearest = ""
        if truth is not None and truth.targets and math.isfinite(candidate.x_m):
            target = min(truth.targets, key=lambda t: abs(t.x_m - candidate.x_m))
            nearest = (
                f"{target.id} {target.kind} ({target.target_class}) at {target.x_m:.2f} m, "
                f"{abs(target.x_m - candidate.x_m) * 100:.0f} cm away"
            )
        depth = f"{candidate.depth_m:8.2f}" if math.isfinite(candidate.depth_m) else f"{'-':>8}"
        lines.append(
            f"{index:>3} {candidate.x_m:7.2f} {depth} {candidate.score:7.2f}  "
            f"{candidate.detector:<16} {nearest}"
        )
    if len(ordered) > limit:
        lines.append(f"... and {len(ordered) - limit} more (all in candidates.geojson)")
    if not ordered:
        lines.append("(no candidates)")
    return "\n".join(lines)


def make_live_detector() -> Any:
    """The streaming detector the demo runs live: ``fused`` (MD responses and GPR hyperbolas,
    associated), exactly what ``detsig record`` runs.

    Returns
    -------
    DetectProcessor
        A new live processor running the ``fused`` detector.
    """
    from detsig.detect import DetectProcessor

    return DetectProcessor("fused")


def run_demo(
    out: Path | None = None,
    *,
    seed: int = 1,
    duration_s: float = 25.0,
    scenario: str = "standard",
    view: bool = False,
    speed: float = 1.0,
    log: Callable[[str], None] = print,
) -> DemoResult:
    """Record an emulated lane with live detection, score it, write the demo folder.

    Parameters
    ----------
    out : Path, optional
        Folder to write (default ``./detsig-demo``, numbered when taken).
    seed : int
        Lane seed (target layout, noise).
    duration_s : float
        Longest recording time, s; the recording ends earlier when both devices have sent
        their whole lane.
    scenario : str
        Library scenario of the lane.
    view : bool
        Show the live viewer while recording (needs a display).
    speed : float
        Time compression of the emulated devices (tests use > 1).
    log : callable
        Where progress lines go.

    Returns
    -------
    DemoResult
        The folder and files written, the live candidates, the score and the candidate table.

    Raises
    ------
    InputError
        The folder cannot be used.
    JobError
        The session failed or recorded nothing.
    """
    from detsig.acquire import LiveSession, SessionOptions
    from detsig.sim import simulate_lane
    from detsig.sim.emulator import EmulatedDevice

    if seed < 0:
        raise InputError(f"the lane seed must be >= 0, got {seed}", parameter="seed")
    if not duration_s > 0:
        raise InputError(
            f"the lane duration must be positive, got {duration_s} s", parameter="duration"
        )
    folder = choose_folder(out)
    if view:
        from detsig.viewer.live import prepare_live_view

        prepare_live_view()  # Qt and kernels load before any data flow
    else:
        from detsig.viewer.processing import warm_up

        warm_up()
    folder.mkdir(parents=True, exist_ok=True)
    result = DemoResult(
        folder=folder,
        recording=folder / "lane.h5",
        geojson=folder / "candidates.geojson",
        truth=folder / "truth.json",
        screenshot=folder / "lane.png",
        score=folder / "score.txt",
    )
    lane = simulate_lane(scenario, seed)
    truth = lane.truth
    devices = [
        EmulatedDevice(kind, scenario, seed, wait_start=True, speed=speed) for kind in ("gpr", "md")
    ]
    ports = [device.start() for device in devices]
    log(f"emulated GPR on {ports[0]}, metal detector on {ports[1]} (scenario {scenario!r})")
    session = LiveSession(
        SessionOptions(
            ports=ports,
            output=result.recording,
            operator="detsig demo",
            site=f"simulated lane '{scenario}' seed {seed}",
            notes="recorded by 'detsig demo' from emulated devices",
        ),
        processor=make_live_detector(),
    )
    try:
        session.open()
        session.start()
        log(f"recording into {result.recording} with live detection ...")
        started = time.monotonic()

        def finished() -> bool:
            first = session.first_row_monotonic
            elapsed = time.monotonic() - (first if first is not None else started)
            devices_done = all(device.wait(0) for device in devices)
            return elapsed >= duration_s or devices_done or session.failed is not None

        if view:
            from detsig.viewer.live import run_live_view

            window = run_live_view(session, should_stop=finished, preset="processed")
            window.close()
        else:
            next_line = time.monotonic() + 2.0
            while not finished():
                time.sleep(0.05)
                if time.monotonic() >= next_line:
                    next_line += 2.0
                    log("  " + _status_line(session.status()))
        time.sleep(0.3)  # the last frames in flight reach the recorder
        status = session.status()
        log("  " + _status_line(status))
    finally:
        session.stop()
        for device in devices:
            device.stop()
    if session.failed is not None:
        raise JobError(f"the demo session failed: {session.failed}")
    result.streams = {
        s.name: {"kind": s.kind, "rows": s.rows, "gaps": s.gaps, "bad_frames": s.bad_frames}
        for s in status.streams
    }
    for device, stream in zip(devices, status.streams, strict=False):
        result.streams[stream.name]["frames_sent"] = device.report["frames_sent"]
    if not any(s.rows for s in status.streams):
        raise JobError("the emulated devices sent no data; run 'detsig emulate gpr' to check them")
    _write_outputs(result, truth, lane.scenario.soil.relative_permittivity)
    return result


def _status_line(status: Any) -> str:
    parts = [
        f"{s.name} {s.rows} rows ({s.rate_hz:.0f}/s) gaps {s.gaps} bad {s.bad_frames}"
        for s in status.streams
    ]
    if status.candidates is not None:
        parts.append(f"{status.candidates} candidates")
    parts.append(f"{status.recording_s:.1f} s")
    return " | ".join(parts)


def _write_outputs(result: DemoResult, truth: Any, soil_permittivity: float) -> None:
    from detsig.bench.report import format_score_text
    from detsig.bench.score import score_lane, summarize
    from detsig.io.candidates import write_candidates_geojson
    from detsig.io.recording import open_recording
    from detsig.viewer.screenshot import screenshot
    from detsig.viewer.sources import RecordingSource

    with open_recording(result.recording) as recording:
        result.candidates = recording.candidates()
    write_candidates_geojson(result.geojson, result.candidates)
    with open(result.truth, "x", encoding="utf-8") as stream:
        json.dump(truth.to_dict(), stream, indent=2)
        stream.write("\n")
    lane_score = score_lane(truth, result.candidates, lane=result.recording.stem)
    result.summary = summarize([lane_score])
    result.score_text = format_score_text(result.summary)
    result.table = candidate_table(result.candidates, truth)
    with open(result.score, "x", encoding="utf-8") as stream:
        stream.write(result.table + "\n\n" + result.score_text + "\n")
    from detsig.viewer.bscan import DisplaySettings

    settings = DisplaySettings(relative_permittivity=soil_permittivity)
    with RecordingSource(result.recording, truth=truth) as source:
        screenshot(
            source, result.screenshot, preset="processed", window_traces=2000, settings=settings
        )


def demo_has_display() -> bool:
    """Whether the demo can open the viewer window (display present, Qt not offscreen).

    Returns
    -------
    bool
        True when a window can be shown.
    """
    if os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        return False
    from detsig.viewer.app import has_display

    return has_display()
