"""A byte transport on pyserial's ``serial_for_url``: real ports, ptys, socket://, loop://.

The link only moves bytes; it never parses them. Reads return whatever arrived (possibly
nothing after ``read_timeout_s``); a port that vanishes under an open link (cable pulled,
emulator stopped) raises :class:`~detsig.errors.LinkLost` from :meth:`SerialLink.read`
or :meth:`SerialLink.write`, which the caller reports as a disconnect.
"""

from __future__ import annotations

import contextlib
import os

try:
    from termios import error as _TermiosError  # noqa: N812 - an exception class
except ImportError:  # pragma: no cover - not POSIX
    _TermiosError = OSError  # type: ignore[assignment,misc]
from typing import Any, Protocol

from detsig.errors import LinkLost
from detsig.links.port_errors import map_open_error, port_missing_error

#: Read at most this many bytes per call (bounds the memory of one read).
MAX_READ_BYTES = 1 << 20
#: :meth:`SerialLink.read_waiting` returns at most this many bytes (a fast device keeps
#: sending while they are read).
MAX_STALE_BYTES = 4 << 20


def _lost(url: str, error: BaseException) -> LinkLost:
    """The error for an open port that stopped working, with what to check."""
    return LinkLost(
        f"{url} stopped answering ({error}); check the cable and that the device is powered, "
        "then retry"
    )


class Link(Protocol):
    """What the device drivers need from a transport."""

    @property
    def url(self) -> str:
        """The port path or URL it was opened from."""
        ...

    def read(self) -> bytes:
        """Bytes that arrived (may be empty after a short timeout); raises LinkLost.

        Returns
        -------
        bytes
            The bytes, possibly empty.
        """
        ...

    def write(self, data: bytes) -> None:
        """Send bytes; raises LinkLost.

        Parameters
        ----------
        data : bytes
            The bytes to send, all of them.
        """
        ...

    def read_waiting(self) -> bytes:
        """Every byte that already arrived, without waiting (may be empty); raises LinkLost.

        Returns
        -------
        bytes
            The bytes, possibly empty.
        """
        ...

    def close(self) -> None:
        """Release the port (idempotent)."""
        ...


def is_url(port: str) -> bool:
    """True for pyserial URLs (``loop://``, ``socket://host:port``, ``spy://...``).

    Parameters
    ----------
    port : str
        A port path or URL.

    Returns
    -------
    bool
        True when ``port`` contains ``://``.
    """
    return "://" in port


def port_present(port: str) -> bool:
    """Whether a port path exists now (URLs are always 'present'); used to poll for a return.

    Parameters
    ----------
    port : str
        A port path or pyserial URL.

    Returns
    -------
    bool
        True for a URL or an existing path.
    """
    return is_url(port) or os.path.exists(port)


class SerialLink:
    """An open pyserial port.

    Parameters
    ----------
    url : str
        Device path (``/dev/ttyUSB0``, ``/dev/pts/5``, a symlink to a pty) or pyserial URL.
    baudrate : int
        Line speed in bit/s (ignored by ptys and sockets).
    read_timeout_s : float
        Longest a :meth:`read` waits for the first byte, s.
    exclusive : bool
        Lock the port (``flock``) so that a second program cannot open it.
    keep_input : bool
        Keep bytes that arrived before the port was opened (pyserial discards them).

    Raises
    ------
    DeviceError
        The port does not exist, permission is denied, it is busy, or it cannot be opened.

    Examples
    --------
    >>> link = SerialLink("loop://", read_timeout_s=0.01)
    >>> link.write(b"hello")
    >>> link.read()
    b'hello'
    >>> link.close()
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 115200,
        read_timeout_s: float = 0.05,
        exclusive: bool = True,
        keep_input: bool = True,
    ) -> None:
        import serial

        self._url = url
        if not is_url(url) and not os.path.exists(url):
            raise port_missing_error(url)
        kwargs: dict[str, Any] = {"baudrate": baudrate, "timeout": read_timeout_s}
        if not is_url(url):
            kwargs["exclusive"] = exclusive
        try:
            self._port = serial.serial_for_url(url, do_not_open=True, **kwargs)
            if keep_input and hasattr(self._port, "_reset_input_buffer"):
                # pyserial discards waiting input on open; after a reconnect those bytes are
                # frames the device sent once it was back, so keep them.
                self._port._reset_input_buffer = lambda: None
            self._port.open()
        except (serial.SerialException, OSError, ValueError) as error:
            raise map_open_error(url, error) from None
        self._serial_error = serial.SerialException
        self.bytes_read = 0
        self.bytes_written = 0

    @property
    def url(self) -> str:
        """The port path or URL it was opened from."""
        return self._url

    @property
    def is_open(self) -> bool:
        """Whether the port is open."""
        return bool(self._port.is_open)

    def read(self) -> bytes:
        """Wait up to the read timeout for bytes and return all that are waiting.

        Returns
        -------
        bytes
            Possibly empty.

        Raises
        ------
        LinkLost
            The port stopped working (device unplugged, pty closed).
        """
        try:
            first = self._port.read(1)
            if not first:
                return b""
            waiting = self._port.in_waiting
            data = first + self._port.read(min(waiting, MAX_READ_BYTES)) if waiting else first
        except (self._serial_error, OSError, TypeError, AttributeError) as error:
            # TypeError/AttributeError: pyserial's read on a port closed by another thread.
            raise _lost(self._url, error) from None
        self.bytes_read += len(data)
        return data

    def write(self, data: bytes) -> None:
        """Send ``data`` completely.

        Parameters
        ----------
        data : bytes
            The bytes to send.

        Raises
        ------
        LinkLost
            The port stopped working.
        """
        try:
            self._port.write(data)
            self._port.flush()
        except (self._serial_error, OSError, _TermiosError, TypeError, AttributeError) as error:
            # termios.error: flush's tcdrain on a port whose other side hung up
            raise _lost(self._url, error) from None
        self.bytes_written += len(data)

    def read_waiting(self) -> bytes:
        """Return every byte that already arrived, without waiting for more.

        A driver calls it to take (and drop) what a device sent before it was asked for
        anything, e.g. the backlog of a device that streams from power-on.

        Returns
        -------
        bytes
            Possibly empty; at most ``MAX_STALE_BYTES``.

        Raises
        ------
        LinkLost
            The port stopped working.
        """
        chunks: list[bytes] = []
        total = 0
        try:
            while total < MAX_STALE_BYTES:
                waiting = self._port.in_waiting
                if not waiting:
                    break
                chunk = self._port.read(min(waiting, MAX_READ_BYTES))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        except (self._serial_error, OSError, _TermiosError, TypeError, AttributeError) as error:
            raise _lost(self._url, error) from None
        self.bytes_read += total
        return b"".join(chunks)

    def close(self) -> None:
        """Close the port (idempotent, never raises)."""
        with contextlib.suppress(Exception):
            self._port.close()

    def __enter__(self) -> SerialLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_link(
    url: str,
    *,
    baudrate: int = 115200,
    read_timeout_s: float = 0.05,
    exclusive: bool = True,
    keep_input: bool = True,
) -> SerialLink:
    """Open a port or pyserial URL; see :class:`SerialLink` (raises DeviceError).

    Parameters
    ----------
    url : str
        Device path (``/dev/ttyUSB0``, ``/dev/pts/5``) or pyserial URL (``loop://`` ...).
    baudrate : int
        Line speed, bit/s (ignored by ptys and sockets).
    read_timeout_s : float
        Longest a read waits for the first byte, s.
    exclusive : bool
        Lock the port (``flock``) so that a second program cannot open it.
    keep_input : bool
        Keep bytes that arrived before the port was opened.

    Returns
    -------
    SerialLink
        The open link; close it, or use it as a context manager.
    """
    return SerialLink(
        url,
        baudrate=baudrate,
        read_timeout_s=read_timeout_s,
        exclusive=exclusive,
        keep_input=keep_input,
    )
