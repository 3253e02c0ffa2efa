"""Helpers for live-session tests: a session runner and a tiny scripted pty device."""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path

import pytest

from detsig.acquire import LiveSession, SessionOptions
from detsig.wire import Ack, Command, FrameDecoder, FrameEncoder, Hello, decode_message


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


class ScriptedDevice:
    """A pty device that answers hello/start/stop and, once started, calls ``stream(self)``
    in its own thread (which sends frames with :meth:`send`)."""

    def __init__(self, hello: Hello, stream: Callable[[ScriptedDevice], None]) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.hello = hello
        self.stream = stream
        self.encoder = FrameEncoder()
        self.started = threading.Event()
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._decoder = FrameDecoder()
        self._threads = [threading.Thread(target=self._serve, daemon=True)]
        self._threads[0].start()

    def send(self, message, device_time_us: int = 0) -> None:
        with self._lock:
            wire = self.encoder.encode(message, device_time_us)
            view = memoryview(wire)
            while view:
                try:
                    view = view[os.write(self.master, view) :]
                except BlockingIOError:
                    time.sleep(0.001)

    def _serve(self) -> None:
        while not self.stopped.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            for frame in self._decoder.feed(chunk):
                command = decode_message(frame)
                assert isinstance(command, Command)
                self.send(Ack(command.cmd, True))
                if command.cmd == "hello":
                    self.send(self.hello)
                elif command.cmd == "start" and not self.started.is_set():
                    self.started.set()
                    thread = threading.Thread(target=self.stream, args=(self,), daemon=True)
                    self._threads.append(thread)
                    thread.start()

    def close(self) -> None:
        self.stopped.set()
        for thread in self._threads:
            thread.join(2)
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


@pytest.fixture
def emulators():
    """Start emulated devices with ``make(kind, **kw)``; all are stopped afterwards."""
    from detsig.devices.emulator import EmulatedDevice

    devices: list[EmulatedDevice] = []

    def make(kind: str, scenario: str = "single-metal", **kwargs) -> EmulatedDevice:
        kwargs.setdefault("seed", 1)
        kwargs.setdefault("wait_start", True)
        device = EmulatedDevice(kind, scenario, **kwargs)
        device.start()
        devices.append(device)
        return device

    yield make
    for device in devices:
        device.stop()
