"""The driver interface every device driver implements, and the parts sensor drivers share.

A driver owns one port. The live session calls, in order: :meth:`Driver.handshake` (identify
the device and learn the configuration it applied), :meth:`Driver.start`, :meth:`Driver.read`
until the recording ends, :meth:`Driver.stop` and :meth:`Driver.finish`. When the port dies
(:class:`~detsig.errors.LinkLost`), the reader thread calls :meth:`Driver.finish`, then
:meth:`Driver.replace_link` with the reopened port and :meth:`Driver.resume`.

Sensor drivers (``kind`` ``"gpr"``, ``"md"`` or ``"radar"``) return
:data:`~detsig.devices.sensor.SensorItem` lists: row blocks, messages and events; the events
``bad_frame`` and ``gap`` are counted the same way for every protocol
(:func:`count_delivered`), and the backlog every sensor driver keeps is read, drained and
cut off at the end of input the same way (:class:`BacklogDriver`). GNSS drivers (``kind``
``"gnss"``) return :class:`~detsig.devices.gnss.GnssFix` lists. Devices that stream on their
own from power-on (text boards, GNSS receivers) share their no-op commands
(:class:`FreeRunning`).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from detsig.links import Link

if TYPE_CHECKING:
    from detsig.model import GprHeader, MdHeader

#: Sensor stream kinds; a driver of another kind (``"gnss"``) yields position fixes.
SENSOR_KINDS = ("gpr", "md", "radar")


@dataclass
class SensorCounters:
    """Running counts of one sensor link (every protocol).

    Attributes
    ----------
    frames : int
        Protocol units decoded (wire frames, Acconeer messages, text lines).
    rows : int
        Rows delivered (traces, MD frames, radar sweeps).
    bad_frames : int
        ``bad_frame`` events delivered.
    gaps : int
        Frames lost according to the ``gap`` events delivered.
    gap_events : int
        ``gap`` events delivered.
    bytes_read : int
        Bytes read from the link, bytes.
    frames_before_hello : int
        Data frames dropped because they came before the handshake.
    rows_before_start : int
        Rows dropped because they came before the first start.
    bad_frame_reasons : dict of str to int
        ``bad_frame`` events per reason.
    """

    frames: int = 0
    rows: int = 0
    bad_frames: int = 0
    gaps: int = 0
    gap_events: int = 0
    bytes_read: int = 0
    frames_before_hello: int = 0
    rows_before_start: int = 0
    bad_frame_reasons: dict[str, int] = field(default_factory=dict)


def count_delivered(counters: SensorCounters, items: list[Any]) -> None:
    """Count items a sensor driver hands over: rows, bad frames (per ``reason``) and gaps
    (frames lost: each gap's ``count``), each exactly once; no event text is parsed.

    Parameters
    ----------
    counters : SensorCounters
        Updated in place.
    items : list of SensorItem
        Row blocks, messages and events being delivered.
    """
    for item in items:
        kind = getattr(item, "kind", None)
        if hasattr(item, "n_rows"):
            counters.rows += item.n_rows
        elif kind == "bad_frame":
            counters.bad_frames += 1
            reason = item.reason or item.detail
            counters.bad_frame_reasons[reason] = counters.bad_frame_reasons.get(reason, 0) + 1
        elif kind == "gap":
            counters.gap_events += 1
            counters.gaps += int(item.count)


def rows_in(items: list[Any]) -> int:
    """Rows held by the row blocks among ``items`` (messages and events hold none).

    Parameters
    ----------
    items : list of SensorItem
        Row blocks, messages and events.

    Returns
    -------
    int
        The number of rows.
    """
    return sum(item.n_rows for item in items if hasattr(item, "n_rows"))


class LineBuffer:
    """Cut a byte stream (split anywhere) into lines at LF; a run of more than ``max_bytes``
    without a line end is dropped, with the rest of its line.

    Parameters
    ----------
    max_bytes : int
        Longest a line may grow without a line end, bytes.

    Examples
    --------
    >>> lines = LineBuffer(8)
    >>> lines.feed(b"12,3\\n4"), lines.feed(b"5\\n0123456789"), lines.feed(b"x\\n7\\n")
    (([b'12,3'], None), ([b'45'], b'0123456789'), ([b'7'], None))
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._discarding = False

    @property
    def pending(self) -> bytes:
        """The unterminated line held so far (empty while a too long line is dropped)."""
        return bytes(self._buffer)

    def feed(self, data: bytes) -> tuple[list[bytes], bytes | None]:
        """Add bytes; return the lines they complete (without LF) and an overflow.

        Parameters
        ----------
        data : bytes
            The next bytes.

        Returns
        -------
        lines : list of bytes
            Completed lines, in order.
        overflow : bytes or None
            The start of a line that just grew past ``max_bytes`` (it and the rest of its
            line are dropped), else None.
        """
        parts = bytes(data).split(b"\n")
        tail = parts.pop()
        lines: list[bytes] = []
        for index, part in enumerate(parts):
            if index == 0:
                if self._discarding:
                    self._discarding = False
                    self._buffer.clear()
                    continue
                part = bytes(self._buffer) + part
                self._buffer.clear()
            lines.append(part)
        overflow = None
        if not self._discarding:
            self._buffer += tail
            if len(self._buffer) > self.max_bytes:
                overflow = bytes(self._buffer)
                self._buffer.clear()
                self._discarding = True
        return lines, overflow

    def take_rest(self) -> bytes:
        """End of input: the unterminated last line (empty when there is none or it is being
        dropped); the buffer starts afresh.

        Returns
        -------
        bytes
            The unterminated line.
        """
        rest = b"" if self._discarding else bytes(self._buffer)
        self._buffer.clear()
        self._discarding = False
        return rest


class BacklogDriver(abc.ABC):
    """What every sensor driver does with the items it decoded and has not delivered yet.

    A subclass reads and decodes in ``_pump`` (appending to ``_backlog``), moves what it is
    still assembling into the backlog in ``_flush``, and says in ``_cut_input`` what a half
    message left when the input ends (end of stream, lost link) becomes.
    """

    link: Link
    counters: SensorCounters
    stream: GprHeader | MdHeader | None
    _backlog: list[Any]

    @property
    def applied_config(self) -> dict[str, Any]:
        """The device description with the configuration it applied (empty before the
        handshake)."""
        return dict(self.stream.hello) if self.stream is not None else {}

    def read(self) -> list[Any]:
        """Read what arrived (waits up to the link's read timeout) and decode it.

        Returns
        -------
        list of SensorItem
            Row blocks, other messages and events, in stream order, after everything kept
            while waiting for an answer.

        Raises
        ------
        LinkLost
            The port died; items read before are returned by the next call after
            :meth:`replace_link`.
        """
        self._pump()
        return self.drain_backlog()

    def drain_backlog(self) -> list[Any]:
        """Items decoded so far, without reading the link (counted as delivered).

        Returns
        -------
        list of SensorItem
            Row blocks, other messages and events, in stream order; the backlog is emptied.
        """
        self._flush()
        items, self._backlog = self._backlog, []
        count_delivered(self.counters, items)
        return items

    def finish(self) -> list[Any]:
        """End of stream: what is cut off counts as bad (see ``_cut_input``); return the rest.

        Returns
        -------
        list of SensorItem
            The remaining items, events included.
        """
        self._cut_input()
        return self.drain_backlog()

    def replace_link(self, link: Link) -> None:
        """Continue on a reopened port; what the outage cut off counts as bad.

        Parameters
        ----------
        link : Link
            The reopened link.
        """
        self._cut_input()
        self.link = link

    @abc.abstractmethod
    def _pump(self) -> None:
        """Read the link once and decode what arrived into the backlog."""

    def _flush(self) -> None:  # noqa: B027 (an optional hook)
        """Move items still being assembled into the backlog (default: none are)."""

    @abc.abstractmethod
    def _cut_input(self) -> None:
        """The input ended: turn what the decoder holds half into events in the backlog."""


class FreeRunning:
    """Commands of a device that streams on its own from power-on: there are none to send."""

    def start(self, timeout_s: float = 2.0) -> None:
        """Nothing to send: the device streams from power-on.

        Parameters
        ----------
        timeout_s : float
            Unused.
        """

    def stop(self, timeout_s: float = 1.0) -> None:
        """Nothing to send.

        Parameters
        ----------
        timeout_s : float
            Unused.
        """

    def resume(self, timeout_s: float = 3.0) -> None:
        """Nothing to do after a reconnect: the device keeps streaming.

        Parameters
        ----------
        timeout_s : float
            Unused.
        """


@runtime_checkable
class Driver(Protocol):
    """What the live session needs of a device driver (one per port).

    Attributes
    ----------
    name : str
        Name used in messages (the port path).
    link : Link
        The open port.
    driver_name : str
        Registry name of the driver (``"wire"``, ``"acconeer"``, ``"text"``, ``"ubx"``,
        ``"nmea"``).
    counters : SensorCounters or parser counters
        Running counts (sensor drivers: :class:`SensorCounters`).
    """

    name: str
    link: Link
    driver_name: str
    counters: Any

    @property
    def kind(self) -> str:
        """Stream kind: ``"gpr"``, ``"md"``, ``"radar"`` or ``"gnss"`` (after handshake)."""
        ...

    @property
    def applied_config(self) -> dict[str, Any]:
        """The device description with the configuration the device reports it applied,
        stored as the stream's ``device`` attribute."""
        ...

    def handshake(self, timeout_s: float = 3.0) -> None:
        """Identify the device and learn its applied configuration.

        Parameters
        ----------
        timeout_s : float
            Longest wait for each answer, s.

        Raises
        ------
        HandshakeError
            A step did not complete; ``step`` names it.
        LinkLost
            The port died meanwhile.
        """
        ...

    def start(self, timeout_s: float = 2.0) -> Any:
        """Start streaming (no-op for devices that always stream)."""
        ...

    def read(self) -> list[Any]:
        """Read what arrived (up to the link's read timeout) and decode it."""
        ...

    def drain_backlog(self) -> list[Any]:
        """Items decoded during the handshake or start, not yet delivered."""
        ...

    def stop(self, timeout_s: float = 1.0) -> Any:
        """Stop streaming (no-op for devices that always stream)."""
        ...

    def finish(self) -> list[Any]:
        """End of stream or of the link: what the decoder still holds."""
        ...

    def replace_link(self, link: Link) -> None:
        """Continue on a reopened port."""
        ...

    def resume(self, timeout_s: float = 3.0) -> None:
        """After :meth:`replace_link`: bring the device back to streaming."""
        ...
