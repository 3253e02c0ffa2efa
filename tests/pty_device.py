"""A tiny detsig-protocol device on a raw pty, shared by the driver and live-session tests."""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable

from detsig.wire import Ack, Command, FrameDecoder, FrameEncoder, Hello, decode_message


class PtyDevice:
    """A pty device that answers every command with an ACK and ``hello`` with ``hello``.

    Parameters
    ----------
    hello : Hello or None
        The HELLO sent on request (None: a device that never says hello).
    stream : callable, optional
        Called as ``stream(self)`` in its own thread once ``start`` arrives; it sends frames
        with :meth:`send`. Without it the test pushes frames by hand.

    Attributes
    ----------
    port : str
        The slave side to open as a serial port.
    commands : list of str
        The commands received, in order.
    started, stopped : threading.Event
        Set on the first ``start`` and by :meth:`close`.
    """

    def __init__(
        self, hello: Hello | None, stream: Callable[[PtyDevice], None] | None = None
    ) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.hello = hello
        self.stream = stream
        self.encoder = FrameEncoder()
        self.commands: list[str] = []
        self.started = threading.Event()
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._decoder = FrameDecoder()
        self._threads = [threading.Thread(target=self._serve, daemon=True)]
        self._threads[0].start()

    def send(self, message, device_time_us: int = 0) -> None:
        """Encode and write one message (whole, even when the pty buffer is full)."""
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
                self.commands.append(command.cmd)
                self.send(Ack(command.cmd, True))
                if command.cmd == "hello" and self.hello is not None:
                    self.send(self.hello)
                elif (
                    command.cmd == "start" and self.stream is not None and not self.started.is_set()
                ):
                    self.started.set()
                    thread = threading.Thread(target=self.stream, args=(self,), daemon=True)
                    self._threads.append(thread)
                    thread.start()

    def close(self) -> None:
        """Stop serving, join the threads and close both pty ends."""
        self.stopped.set()
        for thread in self._threads:
            thread.join(2)
        os.close(self.master)
        os.close(self.slave)
