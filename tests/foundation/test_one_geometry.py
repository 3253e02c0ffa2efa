"""``detsig detect``, ``detsig process`` and ``detsig view`` take a GPR line's trace step and
time zero from one resolver: on files that state them and files that do not, they agree."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from detsig.detect.lane_input import load_lane
from detsig.io.reader import open_recording
from detsig.jobs.process import _stream_header
from detsig.sim import simulate_lane, write_lane
from detsig.viewer.sources import RecordingSource


@pytest.fixture(scope="module")
def lane():
    return simulate_lane("standard", 1)


def _recording(lane, path, *, stated: bool):
    write_lane(lane, path)
    if not stated:
        with h5py.File(path, "r+") as f:
            for key in ("time_zero_s", "trace_step_m"):
                f["streams/gpr0"].attrs.pop(key, None)
    return path


def _three_views(path):
    geometry = load_lane(path).gpr.header
    with open_recording(path) as recording:
        context = _stream_header(recording.streams["gpr0"])
    source = RecordingSource(path)
    try:
        view_step = float(np.median(np.diff(source.trace_x())))
        view_zero = source.gpr.time_zero_s
    finally:
        source.close()
    return (
        (geometry.trace_step_m, geometry.time_zero_s),
        (context.trace_step_m, context.time_zero_s),
        (view_step, view_zero),
    )


@pytest.mark.parametrize("stated", [True, False], ids=["stated", "unstated"])
def test_detect_process_and_view_agree(lane, tmp_path, stated: bool) -> None:
    path = _recording(lane, tmp_path / "lane.h5", stated=stated)
    with h5py.File(path) as f:
        assert ("time_zero_s" in f["streams/gpr0"].attrs) is stated
    detect, process, view = _three_views(path)
    assert detect[0] == pytest.approx(process[0], rel=1e-12)
    assert detect[0] == pytest.approx(view[0], rel=1e-9)
    assert detect[1] == process[1] == view[1]
    header = lane.gpr.header
    assert detect[0] == pytest.approx(lane.scenario.gpr.trace_step_m, rel=1e-6)
    # stated: the attribute; unstated: the shared first-break estimate, within 2 samples
    tolerance = 0.0 if stated else 2 * header.sample_interval_s
    assert abs(detect[1] - header.time_zero_s) <= tolerance + 1e-18


def test_a_vendor_file_without_time_zero_is_seen_alike(shared_data) -> None:
    from detsig.io.formats import read_any
    from detsig.jobs.process import _scan_sources
    from detsig.viewer.sources import ScanSource

    path = shared_data / "gpr" / "gprmax" / "cylinder_Bscan20_2D_gprMax4.out"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    scan = read_any(path)[0]
    assert not scan.header.time_zero_stated
    geometry = load_lane(path).gpr.header
    context = _scan_sources([scan])[0].context
    view = ScanSource(scan).gpr
    assert geometry.time_zero_s > 0
    assert geometry.time_zero_s == context.time_zero_s == view.time_zero_s
    assert geometry.trace_step_m == pytest.approx(context.trace_step_m)
