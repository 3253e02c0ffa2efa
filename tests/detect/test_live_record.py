"""End to end: ``detsig record``'s live session runs the detector on emulated devices over
pseudo-terminals; the candidates it stores equal those ``detsig detect`` finds in the file."""

from __future__ import annotations

import time

import pytest

from detsig.detect import detect, live_processor
from detsig.detect.lane import sort_candidates
from detsig.io.recording import open_recording

from .conftest import needs_jit

pytestmark = [pytest.mark.slow, needs_jit]


@pytest.mark.timeout(120)
def test_candidates_found_live_equal_detect_on_the_recording(tmp_path):
    from detsig.acquire import LiveSession, SessionOptions
    from detsig.sim.emulator import EmulatedDevice

    devices = [
        EmulatedDevice(kind, "single-metal", seed=3, wait_start=True, speed=4.0)
        for kind in ("gpr", "md")
    ]
    for device in devices:
        device.start()
    out = tmp_path / "live.h5"
    processor = live_processor("auto", all_scores=True)
    try:
        session = LiveSession(
            SessionOptions(ports=[d.port for d in devices], output=out), processor
        )
        session.open()
        session.start()
        try:
            deadline = time.monotonic() + 60.0
            while time.monotonic() < deadline and not all(d.wait(0) for d in devices):
                time.sleep(0.05)
                session.status()
            time.sleep(0.5)
        finally:
            session.stop()
    finally:
        for device in devices:
            device.stop()
    with open_recording(out) as recording:
        live = recording.candidates()
        assert recording.event_counts().get("processing_behind", 0) == 0
        assert recording.streams["gpr0"].n_rows == devices[0].lane.gpr.n_traces
    offline = detect(out, detector="auto", all_scores=True)
    assert offline, "the lane's metal object must be found"
    assert sort_candidates(live) == offline
    assert {c.detector for c in live} == {"fused"}
    strong = [c for c in offline if c.extras["md_score"] and c.extras["md_score"] > 6]
    assert strong and abs(strong[0].x_m - 1.5) <= 0.05
