"""Driver of a detsig-protocol sensor (GPR or MD) on a byte link.

The driver asks the device who it is (COMMAND ``hello`` -> HELLO), configures itself from the
HELLO, starts and stops the stream (COMMAND ``start`` / ``stop`` -> ACK) and turns the bytes it
reads into :class:`SensorItem` objects: blocks of traces or MD frames (numpy arrays), other
messages (ENCODER, MARK, STATUS, ERROR ...) and decoder events (bad frames, gaps).

At the first connection the recording starts at the first live frame: what a device that
streams from power-on buffered before the first ``hello`` request, and everything before the
ACK of the first ``start``, is discarded, so neither stale frames nor a gap against them are
recorded. After a reconnect nothing read is ever dropped: frames that arrive while the driver
waits for an answer are kept and returned by the next :meth:`SensorDriver.read`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.devices.driver import BacklogDriver, SensorCounters, rows_in
from detsig.devices.header import header_from_hello
from detsig.errors import DeviceError, FrameError, HandshakeError
from detsig.links import Link
from detsig.model import GprHeader, MdHeader
from detsig.model.rows import RowBlock
from detsig.wire import (
    Ack,
    BadFrame,
    Command,
    DecoderEvent,
    Frame,
    FrameDecoder,
    FrameEncoder,
    Gap,
    Hello,
    MessageType,
    PayloadError,
    SeqReset,
    decode_message,
    sample_format_of,
    sample_rows,
)

_DATA_TYPES = (MessageType.GPR_TRACE, MessageType.MD_BLOCK)


@dataclass(frozen=True)
class MessageItem:
    """A non-data message (ENCODER, MARK, STATUS, ERROR, HELLO, ACK) with its frame header."""

    message: Any
    seq: int
    device_time_us: int
    host_time_ns: int


@dataclass(frozen=True)
class EventItem:
    """Something to write to the event table (``bad_frame``, ``gap``, ``seq_reset`` ...).

    Parameters
    ----------
    kind : str
        Event kind.
    detail : str
        Text for people (never parsed back: the numbers are in ``count`` and ``reason``).
    host_time_ns : int
        Host clock, ns since the epoch.
    count : int
        How many it stands for: frames lost for a ``gap``, 1 otherwise.
    reason : str
        A ``bad_frame``'s reason, a short stable key counted per reason (``"crc"``,
        ``"payload size"`` ...); empty for other kinds.
    """

    kind: str
    detail: str
    host_time_ns: int
    count: int = 1
    reason: str = ""


SensorItem = RowBlock | MessageItem | EventItem


def _event_item(event: DecoderEvent, now_ns: int) -> EventItem:
    if isinstance(event, BadFrame):
        return EventItem(
            "bad_frame",
            f"{event.reason} ({event.n_bytes} bytes dropped)",
            now_ns,
            reason=event.reason,
        )
    if isinstance(event, Gap):
        return EventItem("gap", event.describe(), now_ns, count=event.missing)
    assert isinstance(event, SeqReset)
    return EventItem(
        "seq_reset",
        f"sequence restarted at {event.seq} after {event.previous_seq} (device restart?)",
        now_ns,
    )


class SensorDriver(BacklogDriver):
    """Talk to one GPR or MD device speaking wire protocol v1.

    Parameters
    ----------
    link : Link
        An open byte link (:func:`detsig.links.open_link`).
    name : str
        Name used in messages (usually the port path).

    Examples
    --------
    Typical use (the device must answer)::

        driver = SensorDriver(open_link("/dev/ttyUSB0"))
        hello = driver.request_hello(timeout_s=3.0)
        driver.start()
        while recording:
            for item in driver.read():
                ...
        driver.stop()
    """

    driver_name = "wire"

    def __init__(self, link: Link, name: str | None = None) -> None:
        self.link = link
        self.name = name or link.url
        self.decoder = FrameDecoder()
        self._encoder = FrameEncoder()
        self._backlog: list[SensorItem] = []
        self.hello: Hello | None = None
        self.stream: GprHeader | MdHeader | None = None
        self.counters = SensorCounters()
        self._hello_error: DeviceError | None = None
        self.started_once = False

    def _join_fresh(self) -> None:
        """Forget what the device sent before now: the port's waiting bytes (decoded only for
        the counters and the no-HELLO diagnosis) and everything kept so far. The sequence
        reference restarts at the next frame, so stale frames cause no gap."""
        stale = self.link.read_waiting()
        if stale:
            self.decoder.feed(stale)
            self.decoder.drain_events()
        self.counters.rows_before_start += rows_in(self._backlog)
        self._backlog = []
        self.decoder.last_seq = None

    # -- the Driver interface ---------------------------------------------------------------
    @property
    def kind(self) -> str:
        """``"gpr"`` or ``"md"``, from the HELLO (empty before it)."""
        return self.stream.kind if self.stream is not None else ""

    def handshake(self, timeout_s: float = 3.0) -> None:
        """Ask for HELLO and configure the stream from it (see :meth:`request_hello`).

        Parameters
        ----------
        timeout_s : float
            Longest wait for the HELLO, s.
        """
        self.request_hello(timeout_s)

    def resume(self, timeout_s: float = 3.0) -> None:
        """After a reconnect: HELLO again (same kind and width), then start.

        Parameters
        ----------
        timeout_s : float
            Longest wait for the HELLO, s.
        """
        self.request_hello(timeout_s)
        self.start()

    # -- connection -------------------------------------------------------------------------
    def replace_link(self, link: Link) -> None:
        """Continue on a reopened port: the decoder's sequence tracking carries over, so
        frames lost during the outage show up as a gap.

        Parameters
        ----------
        link : Link
            The reopened link.
        """
        self.decoder.finish()
        self.link = link

    def send_command(self, cmd: str, **params: Any) -> None:
        """Send a COMMAND (``hello``, ``start``, ``stop``, ``config``).

        Parameters
        ----------
        cmd : str
            The command name.
        **params
            Further keys of the COMMAND JSON object (must not include ``cmd``).
        """
        self.link.write(self._encoder.encode(Command(cmd, params), device_time_us=0))

    def request_hello(self, timeout_s: float = 3.0) -> Hello:
        """Ask for HELLO and wait for it; configure the stream from it.

        Parameters
        ----------
        timeout_s : float
            Longest wait for the answer, s. The request is repeated every second.

        Returns
        -------
        Hello

        Raises
        ------
        DeviceError
            No HELLO within ``timeout_s`` (what to check is in the message), or a HELLO that
            lacks its configuration.
        LinkLost
            The port died while waiting.
        """
        first = self.hello is None
        seen_bytes = self.link_bytes()
        if first:
            self._join_fresh()
        deadline = time.monotonic() + timeout_s
        start = time.monotonic()
        self.send_command("hello")
        resend = start + 1.0
        while True:
            if self._hello_error is not None:
                error, self._hello_error = self._hello_error, None
                raise error
            found = self._find(lambda m: isinstance(m, Hello), drop_events_before=first)
            if found is not None:
                assert isinstance(found, Hello)
                stream = header_from_hello(found.to_dict())
                if self.stream is not None and (
                    stream.kind != self.stream.kind or stream.width != self.stream.width
                ):
                    raise DeviceError(
                        f"the device on {self.name} came back as {stream.kind} with width "
                        f"{stream.width}, not {self.stream.kind} with width {self.stream.width}"
                    )
                if self.stream is None:
                    self.stream = stream
                self.hello = found
                return found
            now = time.monotonic()
            if now >= deadline:
                got = self.link_bytes() - seen_bytes
                if self.decoder.frames:
                    heard = f"it sent {self.decoder.frames} valid frames but never a HELLO"
                elif got:
                    heard = f"it sent {got} bytes but no valid frame"
                else:
                    heard = "it sent nothing at all"
                raise HandshakeError(
                    f"no HELLO from {self.name} within {timeout_s:g} s ({heard}); check the cable, "
                    "that the device is powered on, the baud rate, and that it is a "
                    "detsig-protocol device (a GNSS receiver belongs on the GNSS receiver port)",
                    step="hello",
                    parameter=("baud", "gnss"),
                )
            if now >= resend:
                self.send_command("hello")
                resend = now + 1.0
            self._pump()

    def link_bytes(self) -> int:
        """Bytes read from the link so far.

        Returns
        -------
        int
            Byte count, bytes.
        """
        return self.decoder.bytes_received

    def command(self, cmd: str, timeout_s: float = 2.0, **params: Any) -> Ack:
        """Send a COMMAND and wait for its ACK.

        Parameters
        ----------
        cmd : str
            The command name (``start``, ``stop``, ``config`` ...).
        timeout_s : float
            Longest wait for the ACK, s.
        **params
            Further keys of the COMMAND JSON object.

        Returns
        -------
        Ack
            The device's positive acknowledgement.

        Raises
        ------
        DeviceError
            No ACK within ``timeout_s``, or the device refused (``ok`` false).
        """
        return self._command(cmd, timeout_s, params)

    def _command(
        self, cmd: str, timeout_s: float, params: dict[str, Any], *, drop_before: bool = False
    ) -> Ack:
        self.send_command(cmd, **params)
        deadline = time.monotonic() + timeout_s
        while True:
            found = self._find(
                lambda m: isinstance(m, Ack) and m.cmd == cmd, drop_all_before=drop_before
            )
            if found is not None:
                assert isinstance(found, Ack)
                if not found.ok:
                    raise HandshakeError(
                        f"the device on {self.name} refused '{cmd}': {found.error or 'no reason'}",
                        step=cmd,
                    )
                return found
            if time.monotonic() >= deadline:
                raise HandshakeError(
                    f"the device on {self.name} did not acknowledge '{cmd}' within "
                    f"{timeout_s:g} s; check its firmware supports COMMAND/ACK",
                    step=cmd,
                )
            self._pump()

    def start(self, timeout_s: float = 2.0) -> Ack:
        """Start streaming (COMMAND ``start``, wait for ACK).

        The first start of this driver discards what the device sent before it (buffered
        input, frames and decoder events before the ACK), so the recording and its sequence
        tracking begin with the first live frame. Later starts (after a reconnect) keep
        everything.

        Parameters
        ----------
        timeout_s : float
            Longest wait for the ACK, s.

        Returns
        -------
        Ack
            The device's positive acknowledgement.

        Raises
        ------
        DeviceError
            No ACK within ``timeout_s``, or the device refused.
        """
        if self.started_once:
            return self.command("start", timeout_s)
        self._join_fresh()
        ack = self._command("start", timeout_s, {}, drop_before=True)
        self.started_once = True
        return ack

    def stop(self, timeout_s: float = 1.0) -> Ack:
        """Stop streaming (COMMAND ``stop``, wait for ACK).

        Parameters
        ----------
        timeout_s : float
            Longest wait for the ACK, s.

        Returns
        -------
        Ack
            The device's positive acknowledgement.

        Raises
        ------
        DeviceError
            No ACK within ``timeout_s``, or the device refused.
        """
        return self.command("stop", timeout_s)

    # -- reading ----------------------------------------------------------------------------
    def _cut_input(self) -> None:
        """An unterminated tail counts as a truncated frame."""
        self.decoder.finish()
        self._add_events(time.time_ns())

    def _find(
        self,
        predicate: Callable[[Any], bool],
        *,
        drop_events_before: bool = False,
        drop_all_before: bool = False,
    ) -> Any:
        for index, item in enumerate(self._backlog):
            if isinstance(item, MessageItem) and predicate(item.message):
                if drop_all_before:
                    # The first start's ACK: what came before it is not part of the recording.
                    self.counters.rows_before_start += rows_in(self._backlog[:index])
                    self._backlog = self._backlog[index + 1 :]
                elif drop_events_before:
                    # Bad frames and gaps before the first HELLO are noise from joining a
                    # stream midway, not part of the recording.
                    before: list[SensorItem] = [
                        i for i in self._backlog[:index] if not isinstance(i, EventItem)
                    ]
                    self._backlog = before + self._backlog[index + 1 :]
                else:
                    del self._backlog[index]
                return item.message
        return None

    def _pump(self) -> None:
        data = self.link.read()
        if not data:
            return
        now_ns = time.time_ns()
        frames = self.decoder.feed(data)
        self.counters.bytes_read = self.decoder.bytes_received
        self.counters.frames = self.decoder.frames
        self._add_events(now_ns)
        self._decode(frames, now_ns)

    def _add_events(self, now_ns: int) -> None:
        for event in self.decoder.drain_events():
            self._backlog.append(_event_item(event, now_ns))

    def _reject(self, frame: Frame, text: str, now_ns: int, *, reason: str = "") -> None:
        self._backlog.append(
            EventItem("bad_frame", f"{text} (seq {frame.seq})", now_ns, reason=reason or text)
        )

    def _decode(self, frames: list[Frame], now_ns: int) -> None:
        rows: list[Frame] = []
        for frame in frames:
            if frame.type in _DATA_TYPES:
                rows.append(frame)
                continue
            if rows:
                self._rows(rows, now_ns)
                rows = []
            try:
                message = decode_message(frame)
            except FrameError as error:
                self._reject(frame, f"payload: {error}", now_ns, reason="payload")
                continue
            if isinstance(message, Hello) and self.stream is None:
                try:
                    self.stream = header_from_hello(message.to_dict())
                except DeviceError as error:
                    self._hello_error = error
            self._backlog.append(MessageItem(message, frame.seq, frame.device_time_us, now_ns))
        if rows:
            self._rows(rows, now_ns)

    def _rows(self, frames: list[Frame], now_ns: int) -> None:
        """Turn consecutive data frames into one RowBlock (rejecting misfits)."""
        stream = self.stream
        if stream is None:
            # Data before the first HELLO (joining a running stream) is not recorded.
            self.counters.frames_before_hello += len(frames)
            return
        expected_type = MessageType.GPR_TRACE if stream.kind == "gpr" else MessageType.MD_BLOCK
        blocks: list[npt.NDArray[Any]] = []
        seqs: list[npt.NDArray[np.uint32]] = []
        times: list[npt.NDArray[np.uint64]] = []
        for frame in frames:
            if frame.type != expected_type:
                self._reject(
                    frame,
                    f"unexpected message type 0x{frame.type:02X}",
                    now_ns,
                    reason="unexpected message type",
                )
                continue
            block = self._samples(frame, stream, now_ns)
            if block is None:
                continue
            n = block.shape[0]
            blocks.append(block)
            seqs.append(np.full(n, frame.seq, dtype=np.uint32))
            times.append(self._row_times(frame.device_time_us, n, stream))
        if not blocks:
            return
        data = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        n_rows = data.shape[0]
        self._backlog.append(
            RowBlock(
                data=data,
                seq=np.concatenate(seqs),
                device_time_us=np.concatenate(times),
                host_time_ns=np.full(n_rows, now_ns, dtype=np.int64),
            )
        )

    def _samples(
        self, frame: Frame, stream: GprHeader | MdHeader, now_ns: int
    ) -> npt.NDArray[Any] | None:
        """The frame's samples as a (n_rows, width) view of its payload, or None (rejected)."""
        try:
            block = sample_rows(frame.type, frame.payload)
        except PayloadError as error:
            self._reject(frame, f"payload: {error}", now_ns, reason=f"payload {error.reason}")
            return None
        dtype = block.dtype
        if stream.dtype is None:
            self.stream = stream = replace(stream, dtype=dtype)
        elif dtype != stream.dtype:
            name = sample_format_of(dtype).name.lower()
            self._reject(
                frame, f"payload: sample format {name} changed", now_ns, reason="format changed"
            )
            return None
        width = block.shape[1]
        if width != stream.width:
            what = "samples" if stream.kind == "gpr" else "channels"
            self._reject(
                frame,
                f"payload: {width} {what}, HELLO said {stream.width}",
                now_ns,
                reason=f"{what} differ from HELLO",
            )
            return None
        return block

    @staticmethod
    def _row_times(time_us: int, n: int, stream: GprHeader | MdHeader) -> npt.NDArray[np.uint64]:
        if n == 1:
            return np.array([time_us], dtype=np.uint64)
        rate = stream.config.get("sample_rate_hz")
        if isinstance(rate, int | float) and rate > 0:
            # MD block: the frame's time stamps its last row (the block is sent when it is
            # complete); earlier rows precede it at the sample rate.
            back = np.round(np.arange(n - 1, -1, -1) * (1e6 / float(rate))).astype(np.int64)
            return np.maximum(np.int64(time_us) - back, 0).astype(np.uint64)
        return np.full(n, time_us, dtype=np.uint64)
