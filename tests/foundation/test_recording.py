"""The HDF5 recording format v1: round trips, batching, crash safety, refusal to overwrite."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest

from detsig.errors import RecordingError
from detsig.io.recording import RecordingWriter, open_recording, write_candidates_into
from detsig.model import Candidate, GroundTruth, PositionTrack, TruthTarget


def _track(n: int, rng: np.random.Generator) -> PositionTrack:
    return PositionTrack(
        host_time_ns=np.arange(n, dtype=np.int64) * 100_000_000 + 1_700_000_000_000_000_000,
        utc_time_s=np.arange(n) * 0.1 + 1.7e9,
        lat_deg=40.4 + rng.normal(0, 1e-5, n),
        lon_deg=49.8 + rng.normal(0, 1e-5, n),
        alt_m=np.full(n, 12.5),
        fix_quality=rng.choice([1, 2, 4, 5], n),
        n_satellites=rng.integers(4, 20, n),
        hdop=rng.uniform(0.5, 2.0, n),
    )


def test_round_trip_of_every_stream_kind(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "lane.h5"
    traces = rng.integers(-30000, 30000, (50, 64)).astype(np.int16)
    frames = rng.integers(-(2**31), 2**31 - 1, (200, 3)).astype(np.int32)
    track = _track(20, rng)
    truth = GroundTruth((TruthTarget("m1", "mine", "ap-metal", 1.2, 0.05, 0.07),), 0, 5, 0.8)
    candidates = [Candidate(0.9, "md-cfar", "md0", x_m=1.21, extras={"tau_s": 1e-4})]
    hello = {"device": "gpr", "model": "emu", "serial": "1", "firmware": "0.1", "config": {}}
    with RecordingWriter(path, operator="ana", site="lane 3", notes="test") as writer:
        gpr = writer.add_gpr_stream(
            "gpr0",
            n_samples=64,
            dtype="int16",
            sample_interval_s=1e-10,
            center_frequency_hz=1.5e9,
            time_zero_s=2e-9,
            device=hello,
            attrs={"trace_step_m": 0.02},
        )
        gpr.append(
            traces,
            seq=np.arange(50) + 7,
            device_time_us=np.arange(50) * 10_000 + 5,
            host_time_ns=np.arange(50) + 99,
            distance_m=np.arange(50) * 0.02,
        )
        md = writer.add_md_stream(
            "md0",
            n_channels=3,
            dtype="int32",
            sample_rate_hz=1000.0,
            channel_names=["g0", "g1", "g2"],
            units="uV",
        )
        md.append(frames)
        gnss = writer.add_gnss_stream("gnss0")
        gnss.append(track)
        writer.add_event("mark", stream="gpr0", detail="operator button")
        writer.add_event("gap", stream="md0", detail="3 missing")
        writer.write_truth(truth)
        writer.write_candidates(candidates)
    with open_recording(path) as rec:
        assert rec.attrs["format_version"] == 1
        assert rec.attrs["detsig_format"] == "detsig-recording"
        assert rec.attrs["operator"] == "ana"
        assert rec.stream_names == ["gpr0", "md0", "gnss0"]
        scan = rec.streams["gpr0"].read_scan()
        np.testing.assert_array_equal(scan.data, traces)
        assert scan.data.dtype == np.int16
        assert scan.header.time_zero_s == 2e-9 and scan.header.trace_step_m == 0.02
        np.testing.assert_allclose(scan.distance_m, np.arange(50) * 0.02)
        np.testing.assert_array_equal(rec.streams["gpr0"].column("seq"), np.arange(50) + 7)
        assert rec.streams["gpr0"].device == hello
        assert rec.streams["gpr0"].duration_s == pytest.approx(0.5)
        series = rec.streams["md0"].read_md()
        np.testing.assert_array_equal(series.data, frames)
        assert series.channel_names == ("g0", "g1", "g2") and series.units == "uV"
        assert series.distance_m is None
        stored = rec.streams["gnss0"].read_track()
        for name in ("lat_deg", "lon_deg", "fix_quality", "hdop", "host_time_ns"):
            np.testing.assert_array_equal(getattr(stored, name), getattr(track, name))
        assert rec.event_counts() == {"mark": 1, "gap": 1}
        assert [e.detail for e in rec.events()] == ["operator button", "3 missing"]
        assert rec.truth() == truth
        assert rec.candidates() == candidates
        partial = rec.streams["gpr0"].read_scan(10, 20)
        np.testing.assert_array_equal(partial.data, traces[10:20])


def test_appends_in_random_batches_equal_one_batch(tmp_path):
    rng = np.random.default_rng(7)
    traces = rng.integers(-1000, 1000, (1000, 32)).astype(np.int16)
    seq = np.arange(1000, dtype=np.uint32)
    one, many = tmp_path / "one.h5", tmp_path / "many.h5"
    for path, cuts in (
        (one, [1000]),
        (many, np.diff(np.r_[0, np.sort(rng.choice(np.arange(1, 1000), 40, False)), 1000])),
    ):
        with RecordingWriter(path, batch_rows=64) as writer:
            stream = writer.add_gpr_stream("gpr0", n_samples=32, dtype="int16", sample_interval_s=1)
            start = 0
            for size in cuts:
                stream.append(traces[start : start + size], seq=seq[start : start + size])
                start += size
    with open_recording(one) as a, open_recording(many) as b:
        for column in ("data", "seq", "device_time_us", "host_time_ns"):
            np.testing.assert_array_equal(
                a.streams["gpr0"].group[column][:], b.streams["gpr0"].group[column][:]
            )


def test_existing_file_is_never_overwritten(tmp_path):
    path = tmp_path / "lane.h5"
    path.write_bytes(b"precious field data")
    with pytest.raises(RecordingError, match="already exists"):
        RecordingWriter(path)
    assert path.read_bytes() == b"precious field data"


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(RecordingError, match="does not exist"):
        RecordingWriter(tmp_path / "nope" / "lane.h5")


def test_bad_rows_are_refused(tmp_path):
    with RecordingWriter(tmp_path / "a.h5") as writer:
        stream = writer.add_gpr_stream("gpr0", n_samples=4, dtype="int16", sample_interval_s=1)
        with pytest.raises(ValueError, match="shaped"):
            stream.append(np.zeros((2, 5), np.int16))
        with pytest.raises(ValueError, match="range"):
            stream.append(np.full((1, 4), 40000, np.int32))
        with pytest.raises(ValueError, match="taken"):
            writer.add_md_stream("gpr0", n_channels=1, dtype="int16", sample_rate_hz=1)


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from detsig.io.recording import RecordingWriter
    writer = RecordingWriter(sys.argv[1], flush_interval_s=0.1)
    stream = writer.add_gpr_stream("gpr0", n_samples=128, dtype="int16", sample_interval_s=1e-10)
    row = 0
    while True:
        flushes_before = writer.n_flushes
        block = np.full((10, 128), row % 30000, dtype=np.int16)
        stream.append(block, seq=np.arange(row, row + 10))  # flushes when the interval is over
        row += 10
        if writer.n_flushes > flushes_before:  # every row appended so far is now on disk
            print(writer.n_flushes, row, flush=True)
        time.sleep(0.005)
    """
)


def test_sigkill_leaves_a_readable_file_with_every_flushed_row(tmp_path, repo_root):
    """A recorder killed with SIGKILL loses at most what arrived after its last flush."""
    path = tmp_path / "killed.h5"
    script = tmp_path / "writer.py"
    script.write_text(_KILLED_WRITER)
    flushed_rows = 0
    n_flushes = 0
    with subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while n_flushes < 5 and time.monotonic() < deadline:
            n_flushes, flushed_rows = map(int, process.stdout.readline().split())
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert n_flushes >= 5
    with h5py.File(path, "r") as plain:  # plain h5py, no repair step
        assert plain["streams/gpr0/data"].shape[0] >= flushed_rows
    result = subprocess.run(
        [sys.executable, "-m", "detsig", "info", str(path), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    n_rows = info["streams"][0]["shape"][0]
    assert n_rows >= flushed_rows > 0
    with open_recording(path) as rec:
        seq = rec.streams["gpr0"].column("seq")
        np.testing.assert_array_equal(seq, np.arange(n_rows))


def test_write_candidates_into_replaces_only_candidates(tmp_path):
    path = tmp_path / "lane.h5"
    with RecordingWriter(path) as writer:
        stream = writer.add_md_stream("md0", n_channels=1, dtype="int16", sample_rate_hz=10)
        stream.append(np.arange(5, dtype=np.int16)[:, None])
    first = [Candidate(1.0, "md-cfar", "md0", x_m=0.1)]
    second = [Candidate(2.0, "md-cfar", "md0", x_m=0.2), Candidate(3.0, "md-cfar", "md0")]
    write_candidates_into(path, first)
    write_candidates_into(path, second)
    with open_recording(path) as rec:
        assert rec.candidates() == second
        np.testing.assert_array_equal(rec.streams["md0"].data[:, 0], np.arange(5))


def test_swmr_reader_follows_a_growing_file(tmp_path):
    path = tmp_path / "live.h5"
    writer = RecordingWriter(path, swmr=True, flush_interval_s=0.0)
    stream = writer.add_md_stream("md0", n_channels=2, dtype="int16", sample_rate_hz=100)
    writer.start_swmr()
    stream.append(np.zeros((10, 2), np.int16))
    writer.flush()
    reader = open_recording(path, swmr=True)
    try:
        assert reader.streams["md0"].n_rows == 10
        stream.append(np.ones((15, 2), np.int16))
        writer.add_event("mark", detail="button")
        writer.flush()
        reader.refresh()
        assert reader.streams["md0"].n_rows == 25
        assert reader.event_counts() == {"mark": 1}
        with pytest.raises(RecordingError, match="after SWMR"):
            writer.add_gpr_stream("gpr0", n_samples=4, dtype="int16", sample_interval_s=1)
    finally:
        reader.close()
        writer.close()
