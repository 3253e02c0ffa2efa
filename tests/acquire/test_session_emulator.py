"""End-to-end recording over real ptys from the emulated devices."""

from __future__ import annotations

import itertools
import re
import time

import numpy as np
import pytest

from detsig.io.recording import open_recording

from .conftest import run_session

pytestmark = pytest.mark.slow


def _missing_seqs(events, stream: str) -> set[int]:
    missing: set[int] = set()
    for event in events:
        if event.stream == stream and event.kind == "gap":
            found = re.match(r"(\d+) missing \(seq (\d+)(?:-(\d+))?\)", event.detail)
            assert found, event.detail
            first = int(found.group(2))
            last = int(found.group(3) or first)
            missing |= set(range(first, last + 1))
            assert int(found.group(1)) == last - first + 1 == event.count
    return missing


def test_traces_and_frames_bit_identical(tmp_path, emulators):
    gpr = emulators("gpr", speed=4.0)
    md = emulators("md", speed=4.0)
    out = tmp_path / "lane.h5"
    run_session(
        out,
        [gpr.port, md.port],
        lambda s: gpr.wait(0) and md.wait(0),
        operator="ana",
        site="lane 1",
    )
    with open_recording(out) as rec:
        assert rec.attrs["operator"] == "ana" and rec.attrs["site"] == "lane 1"
        g, m = rec.streams["gpr0"], rec.streams["md0"]
        np.testing.assert_array_equal(g.data[:], gpr.lane.gpr.data)
        np.testing.assert_array_equal(m.data[:], md.lane.md.data)
        assert g.dtype == gpr.lane.gpr.data.dtype and m.dtype == md.lane.md.data.dtype
        # Encoder distance: ticks of 1 mm, sent as float32 metres per tick.
        np.testing.assert_allclose(g.column("distance_m"), gpr.lane.gpr_distance_m, atol=1.5e-3)
        assert np.all(np.diff(g.column("device_time_us").astype(np.int64)) > 0)
        assert g.device["serial"] == "SIM-GPR-1"
        counts = rec.event_counts()
        assert counts.get("gap", 0) == counts.get("bad_frame", 0) == 0
        assert counts["mark"] == 4  # lane start and end of each device
    assert gpr.report["frames_sent"] == gpr.report["frames_encoded"]


def test_injected_faults_are_counted_exactly(tmp_path, emulators):
    gpr = emulators("gpr", speed=4.0, corrupt_rate=0.04, drop_rate=0.04, seed=5)
    md = emulators("md", speed=4.0, corrupt_rate=0.04, drop_rate=0.04, seed=6)
    out = tmp_path / "faults.h5"
    session = run_session(out, [gpr.port, md.port], lambda s: gpr.wait(0) and md.wait(0))
    frames_lost = {s.name: s.gaps for s in session.status().streams}
    with open_recording(out) as rec:
        events = rec.events()
        for name, device in (("gpr0", gpr), ("md0", md)):
            report = device.report
            assert report["overflow"] == report["partial_writes"] == 0
            bad = [e for e in events if e.stream == name and e.kind == "bad_frame"]
            assert len(bad) == report["corrupted"] > 0
            last_seq = int(rec.streams[name].column("seq").max())
            faults = set(report["corrupted_seqs"]) | set(report["dropped_seqs"])
            # Frames after the last trace (lane-end MARK) cannot reveal a gap.
            expected = {seq for seq in faults if seq < last_seq}
            assert _missing_seqs(events, name) == expected
            runs = sorted(expected)
            n_runs = 1 + sum(b != a + 1 for a, b in itertools.pairwise(runs))
            assert sum(e.stream == name and e.kind == "gap" for e in events) == n_runs
            # the frames lost are stored as numbers (events' count), equal to the session's
            # counters and to what the device did not deliver
            assert rec.event_totals(name)["gap"] == len(expected) == frames_lost[name]
        # Every trace that did arrive is bit-identical to the one the device sent.
        g = rec.streams["gpr0"]
        index = np.round(g.column("distance_m") / gpr.lane.scenario.gpr.trace_step_m)
        np.testing.assert_array_equal(g.data[:], gpr.lane.gpr.data[index.astype(int)])


def test_disconnect_and_reconnect(tmp_path, emulators):
    gpr = emulators("gpr", disconnect_after_s=0.8, outage_s=0.6, link=tmp_path / "gpr0")
    out = tmp_path / "outage.h5"
    run_session(out, [str(tmp_path / "gpr0")], lambda s: gpr.wait(0), timeout_s=30)
    report = gpr.report
    assert report["disconnects"] == 1 and report["outage_lost"] > 0
    with open_recording(out) as rec:
        events = rec.events()
        kinds = [e.kind for e in events]
        assert kinds.count("disconnect") == 1 and kinds.count("reconnect") == 1
        reconnect = next(e for e in events if e.kind == "reconnect")
        outage_s = float(re.search(r"after ([\d.]+) s outage", reconnect.detail).group(1))
        assert 0.4 < outage_s < 3.0
        missing = _missing_seqs(events, "gpr0")
        outage = set(report["outage_seqs"])
        assert outage <= missing
        # Outside the outage only what sat in the kernel buffer when the pty closed is lost.
        assert len(missing - outage) <= 4
        assert report["overflow"] == 0
        g = rec.streams["gpr0"]
        index = np.round(g.column("distance_m") / gpr.lane.scenario.gpr.trace_step_m)
        np.testing.assert_array_equal(g.data[:], gpr.lane.gpr.data[index.astype(int)])
        n_lost_traces = len(gpr.lane.gpr.data) - g.n_rows
        assert n_lost_traces <= len(missing) // 2 + 1  # ENCODER + trace per trace
        host = g.column("host_time_ns")
        assert (np.diff(host) > 0.4e9).sum() == 1  # one hole in time: the outage


def test_processing_behind_never_blocks_recording(tmp_path, emulators):
    from detsig.model import Candidate

    class SlowProcessor:
        def __init__(self) -> None:
            self.rows = 0
            self.started = None

        def on_start(self, streams):
            self.started = dict(streams)

        def on_rows(self, stream, block):
            time.sleep(0.1)
            self.rows += block.n_rows
            return [Candidate(score=1.0, detector="slow", stream=stream, x_m=block.distance_m[0])]

        def on_stop(self):
            return [Candidate(score=0.5, detector="slow", stream="gpr0")]

    gpr = emulators("gpr", speed=4.0)
    processor = SlowProcessor()
    out = tmp_path / "slow.h5"
    session = run_session(
        out, [gpr.port], lambda s: gpr.wait(0), processor=processor, processing_queue_bytes=20_000
    )
    assert processor.started["gpr0"].width == gpr.lane.gpr.data.shape[1]
    with open_recording(out) as rec:
        np.testing.assert_array_equal(rec.streams["gpr0"].data[:], gpr.lane.gpr.data)
        counts = rec.event_counts()
        assert counts["processing_behind"] >= 1
        candidates = rec.candidates()
        assert len(candidates) == session.processing.n_candidates
        assert candidates[-1].score == 0.5
    assert session.processing.rows_dropped > 0
    assert processor.rows + session.processing.rows_dropped == gpr.lane.gpr.data.shape[0]


def test_display_snapshot_holds_the_newest_rows(tmp_path, emulators):
    gpr = emulators("gpr", speed=4.0)
    out = tmp_path / "view.h5"
    session = run_session(out, [gpr.port], lambda s: gpr.wait(0), display_gpr_rows=50)
    snap = session.display.snapshot()
    assert snap.version > 0
    s = snap.streams["gpr0"]
    assert s.total_rows == gpr.lane.gpr.data.shape[0]
    np.testing.assert_array_equal(s.data, gpr.lane.gpr.data[-50:])
    assert snap.counters["gpr0"]["rows"] == s.total_rows


def test_device_streaming_before_the_recorder_joins_records_no_stale_frames(tmp_path, emulators):
    # A device that streams from power-on (no --wait-start) and nobody reads for 2 s: its
    # port buffer holds stale traces, then the device overflows. The recording must start at
    # the first live frame: contiguous device rows, no gap against the stale ones.
    gpr = emulators("gpr", loop=True, wait_start=False)
    time.sleep(2.0)
    assert gpr.report["overflow"] > 0  # the device really could not send while nobody read
    out = tmp_path / "late-join.h5"
    t_join_ns = time.time_ns()
    run_session(out, [gpr.port], lambda s: s.status().streams[0].rows > 150, timeout_s=20)
    lane = gpr.lane.gpr.data
    with open_recording(out) as rec:
        g = rec.streams["gpr0"]
        rows = g.data[:]
        seq = g.column("seq").astype(np.int64)
        host = g.column("host_time_ns")
        counts = rec.event_counts()
    assert counts.get("gap", 0) == 0 and counts.get("bad_frame", 0) == 0, counts
    assert len(rows) > 150
    # Nothing buffered before the recorder asked for HELLO is recorded ...
    assert host[0] >= t_join_ns
    assert seq[0] > max(gpr.report["overflow_seqs"])
    # ... and the rows are consecutive device rows from wherever the device was.
    start = np.flatnonzero(np.all(lane == rows[0], axis=1))
    assert start.size >= 1
    tiled = np.concatenate([lane] * (len(rows) // len(lane) + 2))
    np.testing.assert_array_equal(rows, tiled[start[0] : start[0] + len(rows)])
    assert start[0] > 0 or gpr.report["passes"] > 0


def test_swmr_session_creates_no_dataset_after_swmr_starts(tmp_path, emulators):
    # Everything a session may write (rows with lat/lon, events of every kind, candidates) must
    # go to datasets that exist before start_swmr(): HDF5 readers cannot see objects created
    # later, and creating them in SWMR mode is unsupported.
    from detsig.detect import live_processor

    from .conftest import NmeaReceiver

    gpr = emulators("gpr", "standard", speed=8.0, corrupt_rate=0.03, seed=5)
    md = emulators("md", "standard", speed=8.0, seed=5)
    receiver = NmeaReceiver()
    out = tmp_path / "swmr.h5"
    layout: list[list[str]] = []

    def until(session) -> bool:
        if not layout:
            assert session.writer.file.swmr_mode
            names: list[str] = []
            session.writer.file.visit(names.append)
            layout.append(sorted(names))
        return gpr.wait(0) and md.wait(0)

    try:
        session = run_session(
            out,
            [gpr.port, md.port],
            until,
            gnss=receiver.port,
            swmr=True,
            processor=live_processor(),
            timeout_s=30,
        )
    finally:
        receiver.close()
    assert session.recorder is not None and session.recorder.error is None
    with open_recording(out, swmr=True) as rec:
        names: list[str] = []
        rec.file.visit(names.append)
        counts = rec.event_counts()
        g = rec.streams["gpr0"]
        assert len(gpr.lane.gpr.data) - gpr.report["corrupted"] <= g.n_rows < len(gpr.lane.gpr.data)
        assert np.isfinite(g.column("lat_deg")).any()
        n_candidates = len(rec.candidates())
    assert sorted(names) == layout[0]
    assert {"candidates", "events", "streams/gnss0/lat_deg", "streams/gpr0/lat_deg"} <= set(names)
    assert counts.get("bad_frame", 0) == gpr.report["corrupted"] > 0
    # Candidates went to the pre-created table (none may come when processing falls behind,
    # e.g. with NUMBA_DISABLE_JIT=1; the layout check above still holds).
    assert n_candidates == session.recorder.n_candidates
    assert counts.get("processing_error", 0) == 0
