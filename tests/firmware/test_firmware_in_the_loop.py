"""Firmware in the loop: the example AVR PI-detector firmware runs in simavr (firmware_io/simavr)
with its UART on a pseudo-terminal; the host talks to it with pyserial + detsig.wire, and
records it with ``detsig record``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detsig.wire import (
    Ack,
    Command,
    FrameDecoder,
    FrameEncoder,
    Hello,
    MdBlock,
    Message,
    Status,
    decode_message,
)

FIRMWARE_IO = Path(__file__).resolve().parents[2] / "firmware_io"
ELF = FIRMWARE_IO / "avr" / "build" / "detsig_pi.elf"
HARNESS = FIRMWARE_IO / "simavr" / "build" / "pi_harness"
BAUD = 250_000
FRAME_RATE_HZ = 250.0  # 1 kHz pulses, 4 averages
TARGET_AT_S = 3.0  # the signal's target pass, seconds after the first pulse

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="simavr's uart_pty needs Linux")


@pytest.fixture(scope="module")
def built() -> None:
    """Build firmware and harness (no-op when up to date), or skip saying what is missing."""
    missing = [t for t in ("make", "avr-gcc", "pkg-config", "gcc") if shutil.which(t) is None]
    if not Path("/usr/include/simavr/parts/uart_pty.h").exists():
        missing.append("libsimavr-dev")
    if missing:
        pytest.skip(f"firmware toolchain missing ({', '.join(missing)}); `make test` installs it")
    done = subprocess.run(
        ["make", "-s", "-C", str(FIRMWARE_IO), "firmware", "harness"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


class Harness:
    """A running pi_harness process and its pty."""

    def __init__(self, signal_file: Path) -> None:
        self.process = subprocess.Popen(
            [str(HARNESS), str(ELF), "--signal", str(signal_file), "--duration-s", "120"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.pty = self._wait_for_pty(timeout_s=10.0)

    def _wait_for_pty(self, timeout_s: float) -> str:
        found: list[str] = []

        def scan() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                if line.startswith("PTY "):
                    found.append(line.split()[1])
                    return

        reader = threading.Thread(target=scan, daemon=True)
        reader.start()
        reader.join(timeout_s)
        if not found:
            self.close()
            raise AssertionError("pi_harness printed no PTY line")
        return found[0]

    def close(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        _, stderr = self.process.communicate(timeout=10)
        return stderr


@pytest.fixture
def harness(built: None, tmp_path: Path) -> Iterator[Harness]:
    signal_file = tmp_path / "target_pass.csv"
    subprocess.run(
        [
            sys.executable,
            str(FIRMWARE_IO / "simavr" / "make_signal.py"),
            "-o",
            str(signal_file),
            "--duration-s",
            "10",
            "--target-x-m",
            str(TARGET_AT_S * 0.5),
        ],
        check=True,
    )
    running = Harness(signal_file)
    yield running
    stats = running.close()
    assert "cpu state" in stats, stats


class Client:
    """The host side through pyserial: sends COMMANDs, collects decoded messages."""

    def __init__(self, pty: str) -> None:
        import serial

        self.port = serial.Serial(pty, BAUD, timeout=0.05)
        self.decoder = FrameDecoder()
        self.encoder = FrameEncoder()
        self.messages: list[tuple[int, Message]] = []

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for frame in self.decoder.feed(self.port.read(4096)):
                self.messages.append((frame.seq, decode_message(frame)))

    def send(self, cmd: str, **params: Any) -> None:
        self.port.write(self.encoder.encode(Command(cmd, params), device_time_us=0))

    def wait_ack(self, cmd: str, timeout_s: float = 2.0) -> tuple[int, Ack]:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            self.pump(0.05)
            for seq, msg in self.messages:
                if isinstance(msg, Ack) and msg.cmd == cmd:
                    self.messages.remove((seq, msg))
                    return seq, msg
        raise AssertionError(f"no ACK for {cmd!r} within {timeout_s} s")

    def take(self, kind: type) -> list[tuple[int, Any]]:
        found = [(s, m) for s, m in self.messages if isinstance(m, kind)]
        self.messages = [(s, m) for s, m in self.messages if not isinstance(m, kind)]
        return found


def test_firmware_fits_the_atmega328p(built: None) -> None:
    done = subprocess.run(
        ["make", "-s", "-C", str(FIRMWARE_IO / "avr"), "size"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    match = re.search(r"flash (\d+) of (\d+) bytes .* RAM (\d+) of (\d+) bytes", done.stdout)
    assert match, done.stdout
    flash, flash_max, ram, ram_max = (int(g) for g in match.groups())
    assert flash < 0.5 * flash_max  # room to spare
    assert ram < 0.75 * ram_max  # the rest is stack


def test_firmware_protocol_through_the_pty(harness: Harness) -> None:
    client = Client(harness.pty)
    try:
        client.pump(0.3)
        # a host that opens the port while the boot HELLO is in flight sees its tail as one bad
        # frame (pyserial flushes the input on open); from then on nothing may be lost
        connect_bad_frames = client.decoder.bad_frames
        assert connect_bad_frames <= 1
        client.send("hello")
        client.wait_ack("hello")
        client.pump(0.2)
        hellos = client.take(Hello)
        assert hellos, "no HELLO"
        hello = hellos[-1][1]
        assert hello.device == "md"
        assert hello.config["channels"] == ["g16us", "g32us", "g64us", "g128us"]
        assert hello.config["sample_rate_hz"] == FRAME_RATE_HZ

        client.send("config", averages=8)
        _, ack = client.wait_ack("config")
        assert ack.ok
        client.pump(0.2)
        assert client.take(Hello)[-1][1].config["sample_rate_hz"] == 125.0
        client.send("config", averages=4)
        assert client.wait_ack("config")[1].ok
        client.pump(0.2)
        assert client.take(Hello)[-1][1].config["averages"] == 4
        client.send("config", averages=500)
        refused = client.wait_ack("config")[1]
        assert not refused.ok and "1-64" in (refused.error or "")
        client.send("selfdestruct")
        assert not client.wait_ack("selfdestruct")[1].ok

        client.send("start")
        assert client.wait_ack("start")[1].ok
        client.pump(2.3)  # a STATUS comes every 2 s while streaming
        client.send("config", averages=2)
        busy = client.wait_ack("config")[1]
        assert not busy.ok and "stop" in (busy.error or "")
        client.send("stop")
        stop_seq, stop_ack = client.wait_ack("stop")
        assert stop_ack.ok
        client.pump(0.6)
        blocks = client.take(MdBlock)
        assert client.decoder.bad_frames == connect_bad_frames, client.decoder.drain_events()
        assert client.decoder.gaps == 0
        data = np.concatenate([m.samples for _, m in blocks])
        # about 2.5 s of streaming at 250 frames/s, 4 gates, 10-bit ADC counts
        assert data.shape[1] == 4 and 500 <= data.shape[0] <= 800
        assert data.dtype == np.int16 and data.min() > 0 and data.max() < 1024
        # the stop COMMAND stops the stream: no data frame follows its ACK
        assert max(seq for seq, _ in blocks) < stop_seq
        statuses = client.take(Status)
        assert client.messages == []
        assert client.decoder.last_seq == stop_seq  # the ACK of 'stop' is the last frame
        assert statuses and all(m.values["running"] is True for _, m in statuses)
        assert all(m.values["rx_bad_frames"] == 0 for _, m in statuses)
        assert all(m.values["rx_overruns"] == 0 for _, m in statuses)
    finally:
        client.port.close()


@pytest.mark.slow
def test_detsig_record_records_the_firmware(harness: Harness, tmp_path: Path) -> None:
    from detsig.io.recording import open_recording

    output = tmp_path / "avr.h5"
    detsig = Path(sys.executable).with_name("detsig")
    done = subprocess.run(
        [
            str(detsig),
            "record",
            "--port",
            harness.pty,
            "--baud",
            str(BAUD),
            "-o",
            str(output),
            "--duration",
            "6",
            "--quiet",
            "--operator",
            "simavr",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr

    with open_recording(output) as rec:
        (name,) = rec.streams
        stream = rec.streams[name]
        assert stream.kind == "md"
        md = stream.read_md()
        seq = stream.column("seq")
        time_us = stream.column("device_time_us").astype(np.int64)
        counts = rec.event_counts()
        events = [(e.kind, e.detail) for e in rec.events()]
    # zero bad frames and zero gaps, by the recorder's own account
    assert counts.get("gap", 0) == 0, counts
    assert counts.get("bad_frame", 0) == 0, events
    # 20 frames per MD_BLOCK: rows come in runs of 20 sharing one seq, in increasing order
    assert np.all(np.diff(seq.astype(np.int64)) >= 0)
    assert set(np.unique(seq, return_counts=True)[1]) == {20}
    assert md.n_channels == 4 and md.sample_rate_hz == FRAME_RATE_HZ
    assert md.n_frames >= 5.0 * FRAME_RATE_HZ

    # the target pass: gate 0 rises well above its noise around TARGET_AT_S after the first
    # pulse (the first recorded frame is the first pulse: the firmware pulses only when started)
    gate0 = md.data[:, 0].astype(np.float64)
    t_s = (time_us - time_us[0]) / 1e6
    background = np.median(gate0)
    noise = 1.4826 * np.median(np.abs(gate0 - background))
    smooth = np.convolve(gate0, np.ones(25) / 25, mode="same")
    peak = int(np.argmax(smooth))
    assert smooth[peak] - background > 20.0 * max(noise, 0.5)
    assert abs(t_s[peak] - TARGET_AT_S) < 0.3
    # far from the target the gate sits at the background
    far = np.abs(t_s - TARGET_AT_S) > 1.5
    assert np.abs(smooth[far][25:-25] - background).max() < 5.0 * max(noise, 0.5) + 1.0

    # detsig record sent 'stop' on exit: the device is silent (a streaming one would send
    # MD_BLOCKs and a STATUS every 2 s), yet alive: it answers 'hello'
    client = Client(harness.pty)
    try:
        client.pump(2.5)
        assert client.messages == []
        client.send("hello")
        assert client.wait_ack("hello")[1].ok
    finally:
        client.port.close()
