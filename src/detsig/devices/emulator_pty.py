"""A pseudo-terminal endpoint for device emulators: open, link, write whole frames, close.

The emulator holds the master side; a client (the recorder, a pyserial script) opens the
slave path like a USB-serial port. The emulator also keeps its own descriptor of the slave
open, so the master never reads EIO while no client is attached, and puts the slave in raw
mode (no echo, no line editing). A pty ignores the baud rate: the emulator paces itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import termios
import time
import tty
from pathlib import Path

from detsig.errors import DeviceError

_SPEEDS = {
    getattr(termios, f"B{rate}"): rate
    for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
    if hasattr(termios, f"B{rate}")
}


class PtyEndpoint:
    """The master side of one pseudo-terminal pair, optionally reachable through a symlink.

    Parameters
    ----------
    link : str or Path, optional
        Path to (re)point at the slave device; an existing symlink there is replaced, any
        other existing file is refused.

    Attributes
    ----------
    port : str
        Path of the slave device (``/dev/pts/N``), what clients open.
    """

    def __init__(self, link: str | os.PathLike[str] | None = None) -> None:
        self.link = Path(link) if link is not None else None
        if self.link is not None and self.link.exists() and not self.link.is_symlink():
            raise DeviceError(
                f"{self.link} exists and is not a symlink; choose another path for the "
                "emulator's link",
                parameter="link",
            )
        master, slave = os.openpty()
        try:
            tty.setraw(slave, termios.TCSANOW)
            flags = fcntl.fcntl(master, fcntl.F_GETFL)
            fcntl.fcntl(master, fcntl.F_SETFL, flags | os.O_NONBLOCK)
            self.port = os.ttyname(slave)
        except OSError:
            os.close(master)
            os.close(slave)
            raise
        self.master = master
        self._slave = slave
        # An unusual speed marks the pty as not yet opened: every serial client sets its own.
        with contextlib.suppress(OSError, termios.error, AttributeError):
            attrs = termios.tcgetattr(slave)
            attrs[4] = attrs[5] = termios.B50
            termios.tcsetattr(slave, termios.TCSANOW, attrs)
        self.closed = False
        if self.link is not None:
            self._point_link()

    def _point_link(self) -> None:
        assert self.link is not None
        temporary = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        try:
            temporary.symlink_to(self.port)
            os.replace(temporary, self.link)
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            self.close()
            raise DeviceError(f"cannot create the link {self.link}: {error.strerror}") from None

    def client_baudrate(self) -> int | None:
        """The line speed the client set on its end (a pty stores it but ignores it).

        Returns
        -------
        int or None
            Bit/s, or None when the setting cannot be read or is not a standard speed.
        """
        try:
            speed = termios.tcgetattr(self._slave)[5]
        except (OSError, termios.error):
            return None
        return _SPEEDS.get(speed)

    @property
    def client_attached(self) -> bool:
        """True once a client configured the port (opening it with pyserial does)."""
        try:
            return bool(termios.tcgetattr(self._slave)[5] != termios.B50)
        except (OSError, termios.error):
            return False

    def fileno(self) -> int:
        """The master descriptor (for ``select``).

        Returns
        -------
        int
            The file descriptor.
        """
        return self.master

    def read(self) -> bytes:
        """Bytes the client wrote (commands), or ``b""`` when there are none.

        Returns
        -------
        bytes
            Up to 64 KiB.
        """
        try:
            return os.read(self.master, 65536)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            return b""

    def writable(self, timeout_s: float = 0.0) -> bool:
        """True when the pty buffer has room for more bytes within ``timeout_s``.

        Parameters
        ----------
        timeout_s : float
            Longest wait for room, s (0: just check).

        Returns
        -------
        bool
            True when a write would not block.
        """
        _, ready, _ = select.select([], [self.master], [], max(timeout_s, 0.0))
        return bool(ready)

    def write_all(self, data: bytes, deadline_s: float) -> bool:
        """Write every byte of ``data`` (waiting for room) unless ``deadline_s`` (monotonic)
        passes first; True when all was written.

        Parameters
        ----------
        data : bytes
            The bytes to write.
        deadline_s : float
            Give up at this :func:`time.monotonic` time, s.

        Returns
        -------
        bool
            True when every byte was written.
        """
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.master, view)
            except (BlockingIOError, InterruptedError):
                written = 0
            except OSError:
                return False
            view = view[written:]
            wait_s = min(0.05, max(deadline_s - time.monotonic(), 0.0))
            if view and not self.writable(wait_s) and time.monotonic() >= deadline_s:
                return False
        return True

    def close(self) -> None:
        """Close both descriptors and remove the link if it still points at this pty."""
        if self.closed:
            return
        self.closed = True
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.link is not None:
            with contextlib.suppress(OSError):
                if self.link.is_symlink() and os.readlink(self.link) == self.port:
                    self.link.unlink()
