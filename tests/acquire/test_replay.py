"""A recording replayed through the live stack: a device made of a file, the same rows out."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from detsig.acquire import LiveSession, SessionOptions
from detsig.acquire.replay import RecordingReplay, ReplayDevice
from detsig.devices.driver import Driver
from detsig.errors import RecordingError, UsageError
from detsig.io.recording import RecordingWriter, open_recording
from detsig.model import PositionTrack

ROW_COLUMNS = ("data", "seq", "device_time_us", "host_time_ns", "distance_m", "lat_deg", "lon_deg")


@pytest.fixture(scope="module")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated lane (GPR + MD, with positions and truth)."""
    from detsig.sim import simulate_lane, write_lane

    path = tmp_path_factory.mktemp("replay") / "lane.h5"
    write_lane(simulate_lane("single-plastic", seed=2), path)
    return path


def gappy(path: Path) -> Path:
    """A recording with lat/lon per row, a GNSS track, gaps (with their frame counts), a bad
    frame and a mark, as a session with a GNSS receiver and a lossy cable would write it."""
    rng = np.random.default_rng(1)
    n = 400
    host = 10**18 + np.arange(n, dtype=np.int64) * 2_000_000
    with RecordingWriter(path, fsync=False) as writer:
        extra = {"lat_deg": "<f8", "lon_deg": "<f8"}
        gpr = writer.add_gpr_stream(
            "gpr0",
            device={"device": "gpr", "model": "m", "serial": "s", "firmware": "f", "config": {}},
            n_samples=32,
            dtype="int16",
            sample_interval_s=1e-10,
            extra_columns=extra,
            attrs={"traces_per_s": 500.0},
        )
        gpr.append(
            rng.integers(-3000, 3000, (n, 32)).astype(np.int16),
            seq=np.arange(n, dtype=np.uint32) + (np.arange(n) >= 200) * 5,
            device_time_us=np.arange(n, dtype=np.uint64) * 2000,
            host_time_ns=host,
            distance_m=np.arange(n) * 0.01,
            lat_deg=46.0 + np.arange(n) * 1e-7,
            lon_deg=6.0 + np.arange(n) * 1e-7,
        )
        md = writer.add_md_stream(
            "md0", n_channels=2, dtype="int32", sample_rate_hz=1000.0, channel_names=["x", "y"]
        )
        md.append(
            rng.integers(-9, 9, (2 * n, 2)).astype(np.int32),
            host_time_ns=10**18 + np.arange(2 * n, dtype=np.int64) * 1_000_000,
            distance_m=np.arange(2 * n) * 0.005,
        )
        writer.add_event(
            "gap", stream="gpr0", detail="5 missing (seq 200-204)", host_time_ns=host[200], count=5
        )
        writer.add_event(
            "gap", stream="gpr0", detail="2 missing (seq 300-301)", host_time_ns=host[300], count=2
        )
        writer.add_event(
            "bad_frame", stream="gpr0", detail="crc (40 bytes dropped)", host_time_ns=host[250]
        )
        writer.add_event("mark", stream="md0", detail="button", host_time_ns=host[100])
        writer.add_event("reconnect", stream="gpr0", detail="port back", host_time_ns=host[10])
        writer.add_gnss_stream("gnss0").append(
            PositionTrack(
                host_time_ns=host[::50],
                utc_time_s=np.arange(8.0),
                lat_deg=np.full(8, 46.0),
                lon_deg=np.full(8, 6.0),
                alt_m=np.zeros(8),
                fix_quality=np.full(8, 4, np.int8),
                n_satellites=np.full(8, 12, np.int16),
                hdop=np.full(8, 0.8, np.float32),
            )
        )
    return path


def replay_session(
    source: Path, output: Path, *, speed: float | None = None, processor=None, **options
) -> LiveSession:
    session = LiveSession(
        SessionOptions(ports=[], output=output, replay=source, replay_speed=speed, **options),
        processor,
    )
    session.open()
    session.start()
    try:
        deadline = time.monotonic() + 60
        while not session.input_ended and time.monotonic() < deadline:
            time.sleep(0.02)
            session.status()
        assert session.input_ended
    finally:
        session.stop()
    assert session.failed is None
    return session


def assert_same_rows(a_path: Path, b_path: Path) -> None:
    with open_recording(a_path) as a, open_recording(b_path) as b:
        for name in ("gpr0", "md0"):
            sa, sb = a.streams[name], b.streams[name]
            assert sb.n_rows == sa.n_rows > 0
            for column in ROW_COLUMNS:
                if column not in sa.group:
                    assert column not in sb.group
                    continue
                np.testing.assert_array_equal(
                    np.asarray(sb.group[column][:]), np.asarray(sa.group[column][:])
                )
                assert sb.group[column].dtype == sa.group[column].dtype


def test_a_replayed_stream_is_a_driver_with_the_recorded_hello(lane):
    replay = RecordingReplay(lane)
    try:
        gpr, md = replay.devices
        assert isinstance(gpr, Driver) and isinstance(gpr, ReplayDevice)
        gpr.handshake()
        md.handshake()
        with open_recording(lane) as rec:
            g, m = rec.streams["gpr0"], rec.streams["md0"]
            config = gpr.applied_config["config"]
            assert gpr.kind == "gpr" and gpr.stream is not None and gpr.stream.width == g.shape[1]
            assert config["samples"] == g.shape[1]
            assert config["time_zero_s"] == g.attrs["time_zero_s"]
            assert config["trace_step_m"] == g.attrs["trace_step_m"]
            assert gpr.applied_config["serial"] == g.device["serial"]
            assert md.kind == "md" and md.applied_config["config"]["channels"] == list(
                m.read_md(0, 0).channel_names
            )
            # as fast as possible: every row comes out in blocks, in order
            rows = []
            gpr.start()
            while not gpr.exhausted:
                rows += [i for i in gpr.read() if hasattr(i, "n_rows")]
            data = np.concatenate([r.data for r in rows])
            np.testing.assert_array_equal(data, g.data[:])
            np.testing.assert_array_equal(
                np.concatenate([r.distance_m for r in rows]), g.column("distance_m")
            )
            assert gpr.counters.rows == g.n_rows
    finally:
        replay.close()


def test_re_recording_a_recording_gives_the_same_rows(lane, tmp_path):
    out = tmp_path / "again.h5"
    session = replay_session(lane, out)
    assert set(session.streams) == {"gpr0", "md0"}
    assert_same_rows(lane, out)
    with open_recording(lane) as a, open_recording(out) as b:
        for name in ("gpr0", "md0"):
            sa, sb = a.streams[name], b.streams[name]
            assert sb.attrs["driver"] == "replay"
            assert sb.attrs["replayed_from"] == f"{lane}#{name}"
            for key in ("sample_interval_s", "time_zero_s", "trace_step_m", "sample_rate_hz"):
                assert sb.attrs.get(key) == sa.attrs.get(key)
    # never overwritten: replaying into an existing file (or the source itself) is refused
    before = out.stat().st_mtime_ns
    for target in (out, lane):
        with pytest.raises(RecordingError, match="already exists"):
            LiveSession(SessionOptions(ports=[], output=target, replay=lane)).open()
    assert out.stat().st_mtime_ns == before
    with pytest.raises(UsageError, match="not both"):
        LiveSession(
            SessionOptions(ports=["/dev/null"], output=tmp_path / "x.h5", replay=lane)
        ).open()


def test_positions_gaps_and_device_events_come_through(tmp_path):
    source = gappy(tmp_path / "gappy.h5")
    out = tmp_path / "again.h5"
    session = replay_session(source, out)
    assert_same_rows(source, out)
    status = session.status()
    gpr = next(s for s in status.streams if s.name == "gpr0")
    assert gpr.gaps == 7 and gpr.gap_events == 2 and gpr.bad_frames == 1  # frames, not text
    with open_recording(source) as a, open_recording(out) as b:
        assert b.event_totals("gpr0") == {"gap": 7, "bad_frame": 1}  # reconnect is not replayed
        assert b.event_totals("md0") == {"mark": 1}
        # the GNSS receiver is replayed too: the same fixes
        assert b.streams["gnss0"].attrs["driver"] == "replay"
        ta, tb = a.streams["gnss0"].read_track(), b.streams["gnss0"].read_track()
        for field in ("host_time_ns", "utc_time_s", "lat_deg", "lon_deg", "fix_quality", "hdop"):
            np.testing.assert_array_equal(getattr(tb, field), getattr(ta, field))
        # rows keep their own lat/lon; a stream recorded without them gets none
        assert "lat_deg" not in b.streams["md0"].group
        for name in ("gpr0", "md0"):  # each stream's events in recorded order
            kept = [
                (e.kind, e.detail, e.host_time_ns, e.count) for e in b.events() if e.stream == name
            ]
            assert kept == [
                (e.kind, e.detail, e.host_time_ns, e.count)
                for e in a.events()
                if e.stream == name and e.kind != "reconnect"
            ]


def test_the_recorded_pace_is_kept(lane, tmp_path):
    """At 4x the recorded pace a 10 s lane takes about 2.5 s."""
    with open_recording(lane) as rec:
        host = rec.streams["md0"].column("host_time_ns")
        recorded_s = max(
            (float(s.column("host_time_ns")[-1]) - float(host[0])) * 1e-9
            for s in rec.streams.values()
            if s.kind in ("gpr", "md")
        )
    start = time.monotonic()
    replay_session(lane, tmp_path / "paced.h5", speed=4.0)
    took_s = time.monotonic() - start
    assert recorded_s / 4 <= took_s < recorded_s / 4 + 3.0
    assert_same_rows(lane, tmp_path / "paced.h5")


def test_the_live_detector_on_a_replay_finds_what_detect_finds(lane, tmp_path):
    from detsig.detect import DetectProcessor, detect
    from detsig.detect.lane import sort_candidates

    offline = detect(lane, detector="fused", all_scores=True)
    assert offline
    out = tmp_path / "detected.h5"
    processor = DetectProcessor("fused", all_scores=True)
    session = replay_session(lane, out, processor=processor)
    assert session.processing is not None and session.processing.rows_dropped == 0
    with open_recording(out) as rec:
        live = rec.candidates()
        assert "processing_behind" not in rec.event_counts()
    assert sort_candidates(live) == sort_candidates(offline)


class SlowProcessor:
    """A live processor slower than the replay: it takes 30 ms per block."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}

    def on_start(self, streams) -> None:
        self.rows = dict.fromkeys(streams, 0)

    def on_rows(self, stream, block):
        time.sleep(0.03)
        self.rows[stream] += block.n_rows
        return []

    def on_stop(self):
        return []


def test_a_replay_waits_for_a_slow_live_processor(lane, tmp_path):
    """A live device cannot wait, so the processor skips rows when it falls behind; a file
    can, so as fast as possible the replay waits instead and the processor sees every row."""
    processor = SlowProcessor()
    session = replay_session(
        lane, tmp_path / "slow.h5", processor=processor, processing_queue_bytes=150_000
    )
    assert session.processing is not None and session.processing.rows_dropped == 0
    with open_recording(lane) as rec:
        expected = {name: rec.streams[name].n_rows for name in ("gpr0", "md0")}
    assert processor.rows == expected
    with open_recording(tmp_path / "slow.h5") as rec:
        assert "processing_behind" not in rec.event_counts()


@pytest.mark.slow
def test_record_replay_on_the_command_line(lane, tmp_path):
    out = tmp_path / "cli.h5"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "detsig",
            "record",
            "--replay",
            str(lane),
            "-o",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "end of replay" in run.stderr and f"replayed from {lane}" in run.stderr
    assert_same_rows(lane, out)
    again = subprocess.run(
        [sys.executable, "-m", "detsig", "record", "--replay", str(lane), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode != 0 and "already exists" in again.stderr
    both = subprocess.run(
        [
            sys.executable,
            "-m",
            "detsig",
            "record",
            "--replay",
            str(lane),
            "--port",
            "/dev/null",
            "-o",
            str(tmp_path / "both.h5"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert both.returncode != 0 and "--replay takes the place of the devices" in both.stderr
