"""Fixtures of the viewer tests: small recordings with hyperbolas, candidates and truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detsig.io.recording import RecordingWriter, write_candidates_into
from detsig.model import Candidate, PositionTrack


def candidates_near_truth(path: Path) -> list[Candidate]:
    """Candidates a little off each truth target (GPR with depth; MD without), scores spread."""
    from detsig.io.recording import open_recording

    with open_recording(path) as recording:
        truth = recording.truth()
    assert truth is not None
    candidates = []
    for index, target in enumerate(truth.targets):
        candidates.append(
            Candidate(
                score=0.3 + 0.6 * index / max(len(truth.targets) - 1, 1),
                detector="gpr-hyperbola",
                stream="gpr0",
                x_m=target.x_m + 0.02,
                depth_m=target.depth_m,
            )
        )
    return candidates


@pytest.fixture(scope="session")
def lane_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 'standard' simulated lane (1001 traces, 10 m, 11 targets) with candidates."""
    from detsig.sim import simulate_lane, write_lane

    path = tmp_path_factory.mktemp("lane") / "standard.h5"
    write_lane(simulate_lane("standard", seed=2), path)
    write_candidates_into(path, candidates_near_truth(path))
    return path


@pytest.fixture(scope="session")
def gnss_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording with GPR traces (no distance) and a GNSS track of mixed fix quality."""
    path = tmp_path_factory.mktemp("gnss") / "gnss.h5"
    rng = np.random.default_rng(0)
    with RecordingWriter(path, fsync=False) as writer:
        gpr = writer.add_gpr_stream(
            "gpr0", n_samples=64, dtype="int16", sample_interval_s=1e-10, attrs={"traces_per_s": 50}
        )
        gpr.append(rng.integers(-1000, 1000, (300, 64)).astype(np.int16))
        gnss = writer.add_gnss_stream("gnss0")
        n = 40
        quality = np.array([4] * 30 + [5] * 8 + [1] * 2, dtype=np.int8)
        gnss.append(
            PositionTrack(
                host_time_ns=np.arange(n, dtype=np.int64) * 10**8,
                utc_time_s=np.arange(n) * 0.1,
                lat_deg=46.0 + np.arange(n) * 1e-6,
                lon_deg=6.0 + np.arange(n) * 2e-6,
                alt_m=np.full(n, 400.0),
                fix_quality=quality,
                n_satellites=np.full(n, 14, np.int16),
                hdop=np.full(n, 0.7, np.float32),
            )
        )
    return path


def write_empty(path: Path) -> Path:
    """A recording whose GPR and MD streams were declared but hold no rows."""
    with RecordingWriter(path, fsync=False) as writer:
        writer.add_gpr_stream("gpr0", n_samples=128, dtype="int16", sample_interval_s=1e-10)
        writer.add_md_stream("md0", n_channels=2, dtype="int32", sample_rate_hz=100.0)
    return path


def write_short(path: Path, n_traces: int = 1) -> Path:
    """A recording with ``n_traces`` GPR traces and as many MD frames."""
    with RecordingWriter(path, fsync=False) as writer:
        gpr = writer.add_gpr_stream("gpr0", n_samples=32, dtype="int16", sample_interval_s=1e-10)
        gpr.append(np.arange(32 * n_traces, dtype=np.int16).reshape(n_traces, 32))
        md = writer.add_md_stream("md0", n_channels=2, dtype="int32", sample_rate_hz=100.0)
        md.append(np.ones((n_traces, 2), np.int32))
    return path
