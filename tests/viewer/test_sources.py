"""The viewer's data sources: lazy windows, axis mapping, odd and vendor files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from detsig.errors import InputError, RecordingError
from detsig.io.recording import open_recording
from detsig.viewer.sources import RecordingSource, ScanSource, open_source

from .conftest import write_empty, write_short


def test_recording_source_reads_windows_lazily(lane_path: Path) -> None:
    with open_recording(lane_path) as recording:
        stored = np.asarray(recording.streams["gpr0"].data[100:250])
        distance = recording.streams["gpr0"].column("distance_m")
        md_distance = recording.streams["md0"].column("distance_m")
    with RecordingSource(lane_path) as source:
        assert source.x_unit == "m"
        assert source.n_traces() == 1001
        block = source.read_traces(100, 250)
        assert block.first == 100
        np.testing.assert_array_equal(block.data, stored.astype(np.float32))
        np.testing.assert_allclose(block.x, distance[100:250])
        # past the end is clipped, not an error
        assert source.read_traces(990, 5000).n_rows == 11
        assert source.read_traces(5000, 6000).n_rows == 0
        frames = source.read_frames(0, 10)
        assert frames.data.shape == (10, 4)
        # MD frames map onto the same metres as the traces
        np.testing.assert_allclose(source.frame_x(), np.maximum.accumulate(md_distance))
        assert source.truth() is not None
        assert len(source.candidates()) == len(source.truth().targets)  # type: ignore[union-attr]
        status = source.status()
        assert status.state == "replay" and status.n_traces == 1001 and status.n_frames == 10001


def test_candidate_and_position_mapping(lane_path: Path) -> None:
    with RecordingSource(lane_path) as source:
        candidate = source.candidates()[0]
        assert source.x_of_candidate(candidate) == pytest.approx(candidate.x_m)
        index = source.trace_index_at(candidate.x_m)
        assert abs(source.trace_x()[index] - candidate.x_m) <= 0.006


def test_trace_axis_without_distance_maps_md_by_clock(gnss_path: Path) -> None:
    with RecordingSource(gnss_path) as source:
        assert source.x_unit == "trace"
        np.testing.assert_array_equal(source.trace_x(), np.arange(300))
        track = source.track()
        assert track is not None and track.n_fixes == 40
        assert source.md is None and source.read_frames(0, 10).n_rows == 0


def test_empty_recording_opens(tmp_path: Path) -> None:
    path = write_empty(tmp_path / "empty.h5")
    with open_source(path) as source:
        assert source.n_traces() == 0 and source.n_frames() == 0
        assert source.read_traces(0, 100).n_rows == 0
        assert source.read_frames(0, 100).n_rows == 0
        assert source.status().n_traces == 0


@pytest.mark.parametrize("n_traces", [1, 2, 3])
def test_very_short_recording_opens(tmp_path: Path, n_traces: int) -> None:
    path = write_short(tmp_path / "short.h5", n_traces)
    with open_source(path) as source:
        assert source.n_traces() == n_traces
        assert source.read_traces(0, 10).data.shape == (n_traces, 32)
        assert source.frame_x().shape == (n_traces,)


VENDOR_FILES = [
    "gpr/gssi/FILE____032.DZT",
    "gpr/gssi/test_gssi.DZT",
    "gpr/pulseekko/XLINE00.DT1",
    "gpr/mala/ten_col.rd3",
    "gpr/gprmax/cylinder_Bscan20_2D_gprMax4.out",
    "gpr/gprmax/rectangle_gprMax3_Bscan.h5",
]


@pytest.mark.parametrize("name", VENDOR_FILES)
def test_vendor_files_open(shared_data: Path, name: str) -> None:
    path = shared_data / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with open_source(path) as source:
        assert isinstance(source, ScanSource)
        assert source.gpr is not None and source.n_traces() > 0
        block = source.read_traces(0, 50)
        assert block.data.dtype == np.float32 and np.isfinite(block.data).all()
        assert block.x.shape == (block.n_rows,)


def test_bad_files_raise_one_sentence(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a recording\n")
    with pytest.raises(RecordingError, match="text file"):
        open_source(text)
    with pytest.raises(InputError, match="does not exist"):
        open_source(tmp_path / "missing.h5")


def test_unknown_stream_is_named(lane_path: Path) -> None:
    with pytest.raises(InputError, match=r"no GPR stream named 'gpr9'.*gpr0"):
        RecordingSource(lane_path, gpr_stream="gpr9")


def test_nominal_rates_in_status(lane_path: Path) -> None:
    with RecordingSource(lane_path) as source:
        status = source.status()
        assert status.traces_per_s == pytest.approx(100.0)
        assert status.frames_per_s == pytest.approx(500.0)
        assert not math.isnan(status.traces_per_s)
