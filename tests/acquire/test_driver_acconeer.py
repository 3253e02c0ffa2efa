"""An Acconeer A121 module (emulated exploration server) through a real pty: every frame
recorded bit for bit, cut headers, line noise and a stall counted exactly, a cable pull
survived; acconeer-exptool, when installed, as an independent client of the same emulator."""

from __future__ import annotations

import numpy as np
import pytest

from detsig.devices.emulator_acconeer import AcconeerEmulator
from detsig.io.recording import open_recording
from detsig.model import COMPLEX_INT16

from .conftest import run_session

pytestmark = pytest.mark.slow

SHAPE = (4, 40)  # the driver's default setup: 4 sweeps of 40 points


def radar_of(path):
    with open_recording(path) as recording:
        stream = recording.streams["radar0"]
        data = np.asarray(stream.data[:])
        seq = stream.column("seq")
        return data, seq, recording.event_counts(), stream


def expected_rows(device: AcconeerEmulator, numbers) -> np.ndarray:
    return np.concatenate([device.frame(n, SHAPE) for n in numbers])


def test_frames_recorded_bit_for_bit_with_faults_counted_exactly(tmp_path, modules):
    device = modules(cut_header_every=7, garbage_every=5, stall_after_s=0.6, stall_s=0.3)
    out = tmp_path / "radar.h5"
    session = run_session(
        out,
        [f"{device.port}:acconeer"],
        lambda s: s.recorder.states["radar0"].rows >= 4 * 60,
        driver_options=None,
        timeout_s=15,
        settle_s=0.2,
    )
    report = device.report
    data, seq, events, stream = radar_of(out)
    assert data.dtype == COMPLEX_INT16 and data.shape[1] == 40
    # Everything the module sent until stop_streaming, nothing else.
    np.testing.assert_array_equal(data, expected_rows(device, report["sent_frames"]))
    assert report["cut_headers"] >= 5 and report["garbage_bursts"] >= 5
    assert report["stall_lost"] == 6  # 0.3 s at 20 frames/s
    assert events["bad_frame"] == report["cut_headers"] + report["garbage_bursts"]
    counters = session.drivers[device.port].counters
    assert counters.gaps == report["cut_headers"] + report["stall_lost"]
    assert counters.gap_events == events["gap"] == report["cut_headers"] + 1
    # seq numbers frame slots: the lost ones are the gaps.
    frame_seq = seq[::4]
    assert frame_seq[-1] - frame_seq[0] + 1 == len(frame_seq) + counters.gaps
    config = stream.device["config"]
    assert (config["num_points"], config["sweeps_per_frame"]) == (40, 4)
    assert config["start_m"] == pytest.approx(0.2) and config["step_m"] == pytest.approx(0.005)
    assert stream.attrs["step_m"] == pytest.approx(0.005)
    assert report["commands"][:4] == [
        "get_system_info",
        "get_sensor_info",
        "setup",
        "start_streaming",
    ]
    assert report["commands"][-1] == "stop_streaming"


def test_detected_without_a_driver_name(tmp_path, modules):
    device = modules()
    out = tmp_path / "radar.h5"
    run_session(out, [device.port], lambda s: s.recorder.states["radar0"].rows >= 40, settle_s=0.2)
    data, _, events, stream = radar_of(out)
    np.testing.assert_array_equal(data, expected_rows(device, device.report["sent_frames"]))
    assert stream.attrs["driver"] == "acconeer" and "bad_frame" not in events


def test_cable_pull_restarts_the_module_and_recording_goes_on(tmp_path, modules):
    device = modules(disconnect_after_s=1.0, outage_s=0.5, link=tmp_path / "radar")
    out = tmp_path / "radar.h5"
    session = run_session(
        out,
        [f"{tmp_path / 'radar'}:acconeer"],
        lambda s: (
            s.readers[0].disconnects == 1
            and s.readers[0].connected
            and s.recorder.states["radar0"].rows >= 4 * 40
        ),
        timeout_s=15,
    )
    report = device.report
    data, _, events, _ = radar_of(out)
    assert events.get("disconnect") == 1 and events.get("reconnect") == 1
    assert report["setups"] == 2 and report["disconnects"] == 1
    # Every recorded frame is one the module sent, in order; at most the frames still in the
    # pty when the cable was pulled are missing.
    sent = report["sent_frames"]
    frames = data.reshape(-1, *SHAPE)
    position = 0
    for frame in frames:
        while not np.array_equal(frame, device.frame(sent[position], SHAPE)):
            position += 1
        position += 1
    assert len(frames) >= len(sent) - 5
    assert session.readers[0].disconnects == 1


def test_acconeer_exptool_reads_the_emulator_like_a_module(modules):
    a121 = pytest.importorskip(
        "acconeer.exptool.a121",
        reason=(
            "acconeer-exptool is not installed: it is not a test dependency because its "
            "textual requires rich<13 and detsig rich>=13 (this is the optional independent "
            "check; the emulator is tested against the protocol without it)"
        ),
    )
    device = modules()
    client = a121.Client.open(serial_port=device.port, override_baudrate=115200, flow_control=False)
    try:
        config = a121.SensorConfig(
            num_points=40, sweeps_per_frame=4, start_point=80, step_length=2, frame_rate=20.0
        )
        metadata = client.setup_session(config)
        client.start_session()
        results = [client.get_next() for _ in range(5)]
        client.stop_session()
    finally:
        client.close()
    assert metadata.frame_data_length == 160 and metadata.base_step_length_m == 0.0025
    for result, number in zip(results, device.report["sent_frames"], strict=False):
        frame = device.frame(number, SHAPE)
        np.testing.assert_array_equal(result.frame, frame["real"] + 1j * frame["imag"])
    ticks = [r.tick for r in results]
    assert np.all(np.diff(ticks) == 50_000)  # 20 frames/s at 1 MHz ticks
