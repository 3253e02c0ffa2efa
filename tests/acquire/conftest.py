"""Helpers for live-session tests: a session runner and a tiny scripted pty device."""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detsig.acquire import LiveSession, SessionOptions
from detsig.wire import GprTrace, Hello

from ..pty_device import PtyDevice


def run_session(
    output: Path,
    ports: list[str],
    until: Callable[[LiveSession], bool],
    *,
    gnss: str | None = None,
    timeout_s: float = 20.0,
    settle_s: float = 0.3,
    processor=None,
    **options,
) -> LiveSession:
    """Open, start, wait for ``until(session)`` (or the timeout), settle, stop."""
    session = LiveSession(
        SessionOptions(ports=ports, output=output, gnss_port=gnss, **options), processor
    )
    session.open()
    session.start()
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not until(session):
            time.sleep(0.02)
            session.status()
        time.sleep(settle_s)
    finally:
        session.stop()
    return session


class ScriptedDevice(PtyDevice):
    """A pty device that answers hello/start/stop and, once started, calls ``stream(self)``
    in its own thread (which sends frames with :meth:`send`)."""

    def __init__(self, hello: Hello, stream: Callable[[PtyDevice], None]) -> None:
        super().__init__(hello, stream)


def counting_traces(n_traces: int, *, delay_s: float = 0.0) -> Callable[[PtyDevice], None]:
    """A :class:`ScriptedDevice` stream: after ``delay_s``, trace ``i`` (16 int16 samples of
    value ``i``, device time ``i * 10 ms``) every 10 ms until ``n_traces`` or the device
    closes."""

    def stream(device: PtyDevice) -> None:
        time.sleep(delay_s)
        for i in range(n_traces):
            if device.stopped.is_set():
                return
            device.send(GprTrace(np.full(16, i, np.int16)), device_time_us=i * 10_000)
            time.sleep(0.01)

    return stream


def _nmea(body: str) -> bytes:
    checksum = 0
    for char in body.encode("ascii"):
        checksum ^= char
    return f"${body}*{checksum:02X}\r\n".encode("ascii")


class NmeaReceiver:
    """A GNSS receiver on a raw pty: GGA + RMC (RTK fix) at ``rate_hz`` in real time."""

    def __init__(self, rate_hz: float = 10.0) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.rate_hz = rate_hz
        self.stopped = threading.Event()
        self.epochs = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self.stopped.is_set():
            second = 36000.0 + self.epochs / self.rate_hz
            hhmmss = (
                time.strftime("%H%M%S", time.gmtime(second)) + f".{int(second * 100) % 100:02d}"
            )
            lat = f"4807.{38 + self.epochs % 50:03d}"
            sentences = _nmea(
                f"GPGGA,{hhmmss},{lat},N,01131.000,E,4,12,0.7,545.4,M,46.9,M,1.0,0000"
            ) + _nmea(f"GPRMC,{hhmmss},A,{lat},N,01131.000,E,0.5,54.7,261126,,,D")
            try:
                os.write(self.master, sentences)
            except OSError:
                return
            self.epochs += 1
            self.stopped.wait(max(0.0, t0 + self.epochs / self.rate_hz - time.monotonic()))

    def close(self) -> None:
        self.stopped.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)


class PtyWriter:
    """The master side of a raw pty that a thread fills with ``data`` (a GNSS replay)."""

    def __init__(self, data: bytes, chunk: int = 2048, pause_s: float = 0.002) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.data = data
        self.done = threading.Event()
        self._chunk, self._pause_s = chunk, pause_s
        self._thread = threading.Thread(target=self._write, daemon=True)

    def start(self) -> PtyWriter:
        self._thread.start()
        return self

    def _write(self) -> None:
        view = memoryview(self.data)
        while view:
            written = os.write(self.master, view[: self._chunk])
            view = view[written:]
            time.sleep(self._pause_s)
        self.done.set()

    def close(self) -> None:
        self._thread.join(10)
        os.close(self.master)
        os.close(self.slave)


def started(factory: Any) -> Iterator[Any]:
    """Yield ``make(*args, **kw)``, which builds a device with ``factory`` and starts it;
    every device made is stopped afterwards (use as ``yield from started(...)``)."""
    devices: list[Any] = []

    def make(*args: Any, **kwargs: Any) -> Any:
        device = factory(*args, **kwargs)
        device.start()
        devices.append(device)
        return device

    yield make
    for device in devices:
        device.stop()


@pytest.fixture
def emulators():
    """Start emulated devices with ``make(kind, **kw)``; all are stopped afterwards."""
    from detsig.sim.emulator import EmulatedDevice

    def make(kind: str, scenario: str = "single-metal", **kwargs) -> EmulatedDevice:
        kwargs.setdefault("seed", 1)
        kwargs.setdefault("wait_start", True)
        return EmulatedDevice(kind, scenario, **kwargs)

    yield from started(make)


@pytest.fixture
def modules():
    """Start emulated Acconeer modules with ``make(**kw)``; all are stopped afterwards."""
    from detsig.devices.emulator_acconeer import AcconeerEmulator

    yield from started(AcconeerEmulator)


@pytest.fixture
def text_devices():
    """Start emulated text-line detectors with ``make(**kw)``; all are stopped afterwards."""
    from detsig.devices.emulator_text import TextEmulator

    yield from started(TextEmulator)


@pytest.fixture
def receivers():
    """Start emulated u-blox receivers with ``make(*args, **kw)``; all are stopped afterwards."""
    from detsig.devices.emulator_ubx import UbxReplay

    yield from started(UbxReplay)
