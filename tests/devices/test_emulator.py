"""Emulated devices on pseudo-terminals, read with pyserial and the wire decoder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import serial

from detsig.errors import DeviceError
from detsig.sim import simulate_lane
from detsig.sim.emulator import EmulatedDevice
from detsig.wire import (
    Command,
    FrameDecoder,
    FrameEncoder,
    Gap,
    MarkKind,
    MessageType,
    decode_message,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")

PLAIN_PYSERIAL_SCRIPT = textwrap.dedent(
    """
    # A plain pyserial client: open the port, ask for HELLO and start, read to the lane end.
    import json, sys, time
    import numpy as np
    import serial
    from detsig.wire import Command, FrameDecoder, FrameEncoder, MessageType, decode_message

    port, out = sys.argv[1], sys.argv[2]
    ser = serial.Serial(port, 115200, timeout=0.05)
    encoder, decoder = FrameEncoder(), FrameDecoder()
    ser.write(encoder.encode(Command("hello"), 0) + encoder.encode(Command("start"), 0))
    types, traces, ticks, hello = {}, [], [], None
    deadline = time.monotonic() + 30
    done = False
    while not done and time.monotonic() < deadline:
        for frame in decoder.feed(ser.read(65536)):
            message = decode_message(frame)
            name = MessageType(frame.type).name
            types[name] = types.get(name, 0) + 1
            if name == "GPR_TRACE":
                traces.append(np.array(message.samples))
            elif name == "ENCODER":
                ticks.append(message.distance_m)
            elif name == "HELLO":
                hello = message.to_dict()
            elif name == "MARK" and message.kind == 2:
                done = True
    np.save(out, np.array(traces))
    print(json.dumps({"types": types, "counters": decoder.counters(), "hello": hello,
                      "distance_m": ticks}))
    """
)


class Client:
    """A pyserial reader with a wire decoder and a command encoder."""

    def __init__(self, port: str):
        self.serial = serial.Serial(port, 115200, timeout=0.02)
        self.decoder = FrameDecoder()
        self.encoder = FrameEncoder()
        self.messages: list[tuple[int, int, object]] = []  # (type, seq, message)
        self.gaps: list[Gap] = []

    def send(self, cmd: str, **params) -> None:
        self.serial.write(self.encoder.encode(Command(cmd, params), 0))

    def pump(self, seconds: float, until=None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for frame in self.decoder.feed(self.serial.read(65536)):
                message = decode_message(frame)
                self.messages.append((frame.type, frame.seq, message))
                if until is not None and until(frame.type, message):
                    self._events()
                    return
            self._events()
        self._events()

    def _events(self) -> None:
        self.gaps += [e for e in self.decoder.drain_events() if isinstance(e, Gap)]

    def of_type(self, kind: MessageType) -> list:
        return [m for t, _, m in self.messages if t == kind]

    def close(self) -> None:
        self.serial.close()


def lane_end(msg_type, message):
    return msg_type == MessageType.MARK and message.kind == MarkKind.LANE_END


def test_plain_pyserial_script_reads_gpr_with_zero_errors(tmp_path):
    device = EmulatedDevice("gpr", "single-metal", seed=1, wait_start=True, speed=4.0)
    port = device.start()
    try:
        script = tmp_path / "client.py"
        script.write_text(PLAIN_PYSERIAL_SCRIPT)
        result = subprocess.run(
            [sys.executable, str(script), port, str(tmp_path / "traces.npy")],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        device.stop()
    summary = json.loads(result.stdout)
    counters = summary["counters"]
    assert counters["bad_frames"] == 0 and counters["gaps"] == 0
    lane = simulate_lane("single-metal", 1)
    traces = np.load(tmp_path / "traces.npy")
    assert traces.shape == lane.gpr.data.shape
    assert np.array_equal(traces, lane.gpr.data)
    assert np.allclose(summary["distance_m"], lane.gpr_distance_m, atol=1e-3)
    assert summary["hello"]["device"] == "gpr"
    assert summary["hello"]["config"]["samples"] == lane.gpr.n_samples
    report = device.report
    assert report["ended_by"] == "lane-end" and report["overflow"] == 0
    # Everything sent after the client opened the port arrived (the first HELLO was sent
    # before it opened, and pyserial flushes input on open).
    assert counters["frames"] in (report["frames_sent"] - 1, report["frames_sent"])
    assert summary["types"]["STATUS"] >= 3  # one per second of device time


def test_md_device_streams_blocks_with_zero_errors():
    device = EmulatedDevice("md", "single-metal", seed=2, wait_start=True, speed=8.0)
    port = device.start()
    client = Client(port)
    try:
        client.send("hello")
        client.send("start")
        client.pump(30, until=lane_end)
    finally:
        client.close()
        device.stop()
    assert client.decoder.bad_frames == 0 and client.decoder.gaps == 0
    lane = simulate_lane("single-metal", 2)
    blocks = client.of_type(MessageType.MD_BLOCK)
    assert all(b.n_frames <= 50 for b in blocks)
    data = np.concatenate([b.samples for b in blocks])
    assert np.array_equal(data, lane.md.data)
    hello = client.of_type(MessageType.HELLO)[0]
    assert hello.config["channels"] == ["gate0", "gate1", "gate2", "gate3"]
    assert hello.config["block_frames"] == 50
    acks = client.of_type(MessageType.ACK)
    assert [(a.cmd, a.ok) for a in acks] == [("hello", True), ("start", True)]


def test_injected_fault_counts_equal_what_the_decoder_counted():
    device = EmulatedDevice(
        "md",
        "single-metal",
        seed=3,
        wait_start=True,
        speed=8.0,
        corrupt_rate=0.06,
        drop_rate=0.06,
        fault_seed=11,
    )
    port = device.start()
    client = Client(port)
    try:
        client.send("start")
        deadline = time.monotonic() + 30
        while not device.wait(0) and time.monotonic() < deadline:
            client.pump(0.2)  # (the lane-end MARK itself may be dropped or corrupted)
        client.pump(0.3)
        # A final hello reveals a fault on the very last frames (a gap needs a later frame).
        client.send("hello")
        client.pump(2, until=lambda t, m: t == MessageType.HELLO)
    finally:
        client.close()
        device.stop()
    report = device.report
    assert report["corrupted"] > 3 and report["dropped"] > 3
    assert client.decoder.bad_frames == report["corrupted"]
    assert client.decoder.gaps == report["dropped"] + report["corrupted"]
    missing = {
        (gap.after_seq + k) % 2**32 for gap in client.gaps for k in range(1, gap.missing + 1)
    }
    assert missing == set(report["dropped_seqs"]) | set(report["corrupted_seqs"])
    assert report["overflow"] == 0 and report["partial_writes"] == 0


def test_disconnect_and_reconnect_at_the_same_link(tmp_path):
    link = tmp_path / "gpr0"
    device = EmulatedDevice(
        "gpr",
        "single-metal",
        seed=0,
        link=link,
        loop=True,
        disconnect_after_s=0.6,
        outage_s=0.5,
        speed=2.0,
    )
    first_port = device.start()
    assert os.readlink(link) == first_port
    client = Client(str(link))
    client.send("hello")
    with pytest.raises(serial.SerialException):
        client.pump(5)  # reading fails once the pty is gone
    client.close()
    deadline = time.monotonic() + 5
    # The new pty may even reuse the old number; the report lists every port opened.
    while not (link.is_symlink() and len(device.report["ports"]) == 2):
        assert time.monotonic() < deadline, "the device did not come back"
        time.sleep(0.05)
    second = Client(str(link))
    try:
        second.send("hello")
        second.pump(5, until=lambda t, m: t == MessageType.HELLO)
        second.pump(0.5)
    finally:
        second.close()
        device.stop()
    assert second.of_type(MessageType.HELLO) and second.of_type(MessageType.GPR_TRACE)
    assert second.decoder.bad_frames == 0
    report = device.report
    assert report["disconnects"] == 1 and len(report["ports"]) == 2
    lost = report["outage_seqs"]
    assert report["outage_lost"] == len(lost) > 0
    assert lost == list(range(lost[0], lost[0] + len(lost)))  # one contiguous run
    assert not link.exists()  # removed on stop


def test_silent_device_never_says_hello_but_streams():
    device = EmulatedDevice("gpr", "single-metal", seed=0, silent=True, speed=4.0)
    port = device.start()
    client = Client(port)
    try:
        client.send("hello")
        client.pump(1.0)
    finally:
        client.close()
        device.stop()
    assert not client.of_type(MessageType.HELLO)
    assert not [a for a in client.of_type(MessageType.ACK) if a.cmd == "hello"]
    assert client.of_type(MessageType.GPR_TRACE)
    assert device.report["frames_by_type"].get("HELLO", 0) == 0


def test_commands_stop_start_config_and_unknown():
    device = EmulatedDevice("gpr", "single-metal", seed=0, speed=2.0)
    port = device.start()
    client = Client(port)
    try:
        client.send("stop")
        client.pump(2, until=lambda t, m: t == MessageType.ACK)
        client.pump(0.2)
        before = len(client.of_type(MessageType.GPR_TRACE))
        client.pump(0.4)
        assert len(client.of_type(MessageType.GPR_TRACE)) == before  # paused
        client.send("start")
        client.send("config", loop=True)
        client.send("config", traces_per_s=5)
        client.send("dance")
        client.pump(1.0)
    finally:
        client.close()
        device.stop()
    assert len(client.of_type(MessageType.GPR_TRACE)) > before
    acks = {(a.cmd, a.ok, a.error) for a in client.of_type(MessageType.ACK)}
    assert ("stop", True, None) in acks and ("start", True, None) in acks
    assert ("config", True, None) in acks
    assert any(cmd == "config" and not ok and "traces_per_s" in err for cmd, ok, err in acks)
    assert ("dance", False, "unknown command 'dance'") in acks
    assert device.loop is True


def test_bad_parameters_are_refused():
    with pytest.raises(DeviceError, match="corrupt_rate must be between 0 and 1"):
        EmulatedDevice("gpr", "empty", corrupt_rate=1.5)
    with pytest.raises(DeviceError, match="device kind must be"):
        EmulatedDevice("radio", "empty")


def test_cli_prints_the_port_and_stops_cleanly_on_sigterm(tmp_path):
    report_path = tmp_path / "report.json"
    link = tmp_path / "md0"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "detsig",
            "emulate",
            "md",
            "--scenario",
            "single-metal",
            "--loop",
            "--link",
            str(link),
            "--report",
            str(report_path),
            "--drop-rate",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = process.stdout.readline().strip()
        assert port.startswith("/dev/")
        assert os.readlink(link) == port
        client = Client(port)
        client.send("hello")
        client.pump(1.5)
        client.close()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "dropped" in err and "Traceback" not in err
    line = json.loads(out.strip().splitlines()[-1])["emulator_report"]
    saved = json.loads(Path(report_path).read_text())
    assert saved == line
    assert saved["ended_by"] == "signal" and saved["device"] == "md"
    assert saved["dropped"] == len(saved["dropped_seqs"])
    assert client.of_type(MessageType.HELLO)
    assert not link.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--drop-rate", "2"], "--drop-rate must be a probability between 0 and 1 (e.g. 0.01)"),
        (["--corrupt-rate", "2"], "--corrupt-rate must be a probability between 0 and 1"),
        (["--corrupt-rate", "0.6", "--drop-rate", "0.6"], "--corrupt-rate + --drop-rate must"),
        (["--speed", "0"], "--speed must be a positive number"),
        (["--block-frames", "0"], "--block-frames must be 1-65535"),
    ],
)
def test_cli_bad_option_is_one_sentence_with_the_flag_name(args, message):
    result = subprocess.run(
        [sys.executable, "-m", "detsig", "emulate", "gpr", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    stderr = result.stderr.strip()
    assert stderr.startswith(f"detsig emulate: error: {message}"), stderr
    assert "_rate" not in stderr and "_frames" not in stderr and "\n" not in stderr
