"""The driver interface every device driver implements, and the parts sensor drivers share.

A driver owns one port. The live session calls, in order: :meth:`Driver.handshake` (identify
the device and learn the configuration it applied), :meth:`Driver.start`, :meth:`Driver.read`
until the recording ends, :meth:`Driver.stop` and :meth:`Driver.finish`. When the port dies
(:class:`~detsig.links.LinkLost`), the reader thread calls :meth:`Driver.finish`, then
:meth:`Driver.replace_link` with the reopened port and :meth:`Driver.resume`.

Sensor drivers (``kind`` ``"gpr"``, ``"md"`` or ``"radar"``) return
:data:`~detsig.devices.sensor.SensorItem` lists: row blocks, messages and events; the events
``bad_frame`` and ``gap`` are counted the same way for every protocol
(:func:`count_delivered`). GNSS drivers (``kind`` ``"gnss"``) return
:class:`~detsig.devices.gnss.GnssFix` lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from detsig.errors import DeviceError
from detsig.links import Link

#: Sensor stream kinds; a driver of another kind (``"gnss"``) yields position fixes.
SENSOR_KINDS = ("gpr", "md", "radar")


class HandshakeError(DeviceError):
    """A device did not complete one step of its handshake.

    Parameters
    ----------
    message : str
        One sentence saying what went wrong and what to check.
    step : str
        The handshake step that failed (``"hello"``, ``"get_system_info"``, ``"setup"``,
        ``"header line"`` ...).
    """

    def __init__(self, message: str, *, step: str) -> None:
        super().__init__(message)
        self.step = step


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
    """Count items a sensor driver hands over: rows, bad frames (per reason, the text before
    `` (``) and gaps (the leading integer of a gap's detail), each exactly once.

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
            reason = item.detail.split(" (", 1)[0]
            counters.bad_frame_reasons[reason] = counters.bad_frame_reasons.get(reason, 0) + 1
        elif kind == "gap":
            counters.gap_events += 1
            counters.gaps += int(item.detail.split(" ", 1)[0])


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
