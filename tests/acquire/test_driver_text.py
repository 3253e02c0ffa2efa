"""A text-line detector through a real pty: every number recorded, broken lines counted
exactly, a cable pull survived."""

from __future__ import annotations

import numpy as np
import pytest

from detsig.devices.emulator_text import CHANNELS
from detsig.io.recording import open_recording

from .conftest import run_session

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("separator", [",", " "])
def test_every_line_recorded_and_every_broken_line_counted(tmp_path, text_devices, separator):
    n_lines = 400
    device = text_devices(rate_hz=400, n_lines=n_lines, bad_line_every=9, separator=separator)
    out = tmp_path / "text.h5"
    session = run_session(
        out,
        [f"{device.port}:text@9600"],
        lambda s: s.recorder.states["md0"].rows + device.report["bad_lines"] >= n_lines,
        settle_s=0.2,
    )
    report = device.report
    bad = set(report["bad_line_indices"])
    expected = np.array([device.values(i) for i in range(n_lines) if i not in bad], np.int32)
    with open_recording(out) as recording:
        stream = recording.streams["md0"]
        md = stream.read_md()
        events = recording.event_counts()
        device_time_us = stream.column("device_time_us")
        host_time_ns = stream.column("host_time_ns")
        config = stream.device["config"]
    assert report["bad_lines"] == len(bad) == 44 and report["garbled_bytes"] == 0
    assert md.data.dtype == np.int32 and md.channel_names == CHANNELS
    np.testing.assert_array_equal(md.data, expected)
    np.testing.assert_array_equal(device_time_us, expected[:, 0].astype(np.uint64) * 1000)
    assert np.all(np.diff(host_time_ns) >= 0) and host_time_ns[0] > 0
    assert events.get("bad_frame") == report["bad_lines"]
    assert session.drivers[device.port].counters.bad_frames == report["bad_lines"]
    assert config["header_line"] is True and config["sample_rate_hz"] == pytest.approx(400, 0.01)


def test_detected_without_a_driver_name_and_named_channels(tmp_path, text_devices):
    device = text_devices(rate_hz=200, n_lines=100, header=False)
    out = tmp_path / "text.h5"
    run_session(
        out,
        [device.port],
        lambda s: s.recorder.states["md0"].rows >= 100,
        baudrate=9600,
    )
    with open_recording(out) as recording:
        stream = recording.streams["md0"]
        md = stream.read_md()
        assert stream.attrs["driver"] == "text"
    np.testing.assert_array_equal(md.data, [device.values(i) for i in range(100)])
    assert md.channel_names == ("ch0", "ch1", "ch2", "ch3")


def test_cable_pull_is_reconnected_and_the_repeated_header_is_no_bad_line(tmp_path, text_devices):
    device = text_devices(rate_hz=200, disconnect_after_s=1.0, outage_s=0.5, link=tmp_path / "tty")
    out = tmp_path / "text.h5"
    session = run_session(
        out,
        [f"{tmp_path / 'tty'}:text"],
        lambda s: (
            s.readers[0].disconnects == 1
            and s.readers[0].connected
            and s.recorder.states["md0"].rows > 400
        ),
        baudrate=9600,
        timeout_s=15,
    )
    with open_recording(out) as recording:
        events = recording.event_counts()
        data = recording.streams["md0"].read_md().data
    assert events.get("disconnect") == 1 and events.get("reconnect") == 1
    assert events.get("status") == 1  # the header the board printed again after its reset
    assert "bad_frame" not in events and session.readers[0].disconnects == 1
    # Every row is the line of its time stamp; lines sent during the outage are missing.
    index = np.round(data[:, 0] * 200 / 1000).astype(int)
    np.testing.assert_array_equal(data, [device.values(i) for i in index])
    assert np.diff(index).max() >= 50  # the outage (0.5 s at 200 lines/s)
