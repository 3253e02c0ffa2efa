"""Typed messages of wire protocol v1 and their payload layouts.

Every message class is a frozen dataclass with ``message_type`` (a :class:`MessageType`),
``to_payload() -> bytes`` and ``from_payload(payload) -> message``. Payload problems (too
short for the type, bad UTF-8 or JSON, a sample count that disagrees with the payload size)
raise :class:`detsig.errors.FrameError` with one sentence naming what is wrong.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, ClassVar, Final, TypeVar

import numpy as np
import numpy.typing as npt

from detsig.errors import FrameError
from detsig.wire.framing import MAX_PAYLOAD_LEN, Frame, encode_frame


class MessageType(IntEnum):
    """Message types of protocol v1 (the ``type`` byte of a frame)."""

    HELLO = 0x01
    GPR_TRACE = 0x10
    MD_BLOCK = 0x20
    ENCODER = 0x30
    MARK = 0x40
    STATUS = 0x50
    ERROR = 0x7F
    COMMAND = 0x80
    ACK = 0x81


class SampleFormat(IntEnum):
    """Sample encodings of GPR_TRACE and MD_BLOCK payloads (all little-endian)."""

    INT16 = 1
    INT32 = 2
    FLOAT32 = 3


class MarkKind(IntEnum):
    """Kinds of MARK message."""

    OPERATOR = 0
    LANE_START = 1
    LANE_END = 2


#: numpy dtype (little-endian) of each sample format.
SAMPLE_DTYPES: Final[dict[int, np.dtype[Any]]] = {
    SampleFormat.INT16: np.dtype("<i2"),
    SampleFormat.INT32: np.dtype("<i4"),
    SampleFormat.FLOAT32: np.dtype("<f4"),
}

_T = TypeVar("_T")
_SAMPLES_HEAD = struct.Struct("<BBH")
_ENCODER = struct.Struct("<qf")
_DEVICE_KINDS: Final = ("gpr", "md")


_FORMAT_OF_DTYPE: Final = {dt: SampleFormat(fmt) for fmt, dt in SAMPLE_DTYPES.items()}


def sample_format_of(dtype: npt.DTypeLike) -> SampleFormat:
    """The :class:`SampleFormat` of a numpy dtype (int16, int32 or float32, any byte order).

    Parameters
    ----------
    dtype : dtype_like
        A numpy sample type.

    Returns
    -------
    SampleFormat
        The wire code for that type.

    Raises
    ------
    FrameError
        If the dtype is not int16, int32 or float32.
    """
    dt = np.dtype(dtype)
    known_format = _FORMAT_OF_DTYPE.get(dt)
    if known_format is not None:
        return known_format
    for fmt, known in SAMPLE_DTYPES.items():
        if dt.kind == known.kind and dt.itemsize == known.itemsize:
            return SampleFormat(fmt)
    raise FrameError(f"sample dtype {dt} cannot be sent; use int16, int32 or float32")


def _samples_payload(fmt: int, byte: int, count: int, samples: npt.NDArray[Any]) -> bytes:
    data = np.ascontiguousarray(samples, dtype=SAMPLE_DTYPES[fmt]).tobytes()
    payload = _SAMPLES_HEAD.pack(fmt, byte, count) + data
    if len(payload) > MAX_PAYLOAD_LEN:
        raise FrameError(
            f"{samples.size} samples need a {len(payload)}-byte payload, over {MAX_PAYLOAD_LEN}"
        )
    return payload


def _json_object(payload: bytes, what: str) -> dict[str, Any]:
    try:
        obj = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise FrameError(f"{what} payload is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise FrameError(f"{what} payload is not valid JSON ({exc.msg} at {exc.pos})") from None
    if not isinstance(obj, dict):
        raise FrameError(f"{what} payload is JSON {type(obj).__name__}, expected an object")
    return obj


def _json_payload(obj: dict[str, Any], what: str) -> bytes:
    try:
        payload = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise FrameError(f"{what} cannot be sent as JSON: {exc}") from None
    data = payload.encode("utf-8")
    if len(data) > MAX_PAYLOAD_LEN:
        raise FrameError(f"{what} JSON of {len(data)} bytes exceeds {MAX_PAYLOAD_LEN} bytes")
    return data


def _text(obj: dict[str, Any], key: str, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise FrameError(f"{what} needs a string {key!r}, got {value!r}")
    return value


def _trusted(cls: type[_T], samples: npt.NDArray[Any]) -> _T:
    """Build a sample message from a checked read-only array, skipping re-validation."""
    obj = object.__new__(cls)
    object.__setattr__(obj, "samples", samples)
    return obj


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if array.flags.writeable:
        array = array.copy()
        array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Hello:
    """HELLO (0x01): who the device is and how it is configured; sent at start and on request.

    Parameters
    ----------
    device : str
        ``"gpr"`` or ``"md"``.
    model, serial, firmware : str
        Device model, serial number and firmware version.
    config : dict
        For GPR ``samples``, ``sample_interval_s``, ``center_frequency_hz`` and
        ``traces_per_s`` or ``trace_step_m``; for MD ``channels`` (names), ``sample_rate_hz``,
        ``units``.
    extra : dict
        Any other top-level keys, kept so that they round-trip.
    """

    message_type: ClassVar[MessageType] = MessageType.HELLO
    device: str
    model: str
    serial: str
    firmware: str
    config: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.device not in _DEVICE_KINDS:
            raise FrameError(f"HELLO device is {self.device!r}, expected 'gpr' or 'md'")

    def to_dict(self) -> dict[str, Any]:
        """The HELLO JSON object (what a recording stores as the stream's ``device``).

        Returns
        -------
        dict
            ``device``, ``model``, ``serial``, ``firmware``, ``config``, then the extra keys.
        """
        return {
            "device": self.device,
            "model": self.model,
            "serial": self.serial,
            "firmware": self.firmware,
            "config": self.config,
            **self.extra,
        }

    def to_payload(self) -> bytes:
        """UTF-8 JSON payload.

        Returns
        -------
        bytes
            The HELLO payload (without frame header or CRC).
        """
        return _json_payload(self.to_dict(), "HELLO")

    @classmethod
    def from_payload(cls, payload: bytes) -> Hello:
        """Parse a HELLO payload; raises FrameError when it is not a valid HELLO object.

        Parameters
        ----------
        payload : bytes
            The payload of a HELLO frame (:attr:`Frame.payload`).

        Returns
        -------
        Hello
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid HELLO message.
        """
        obj = _json_object(payload, "HELLO")
        config = obj.get("config", {})
        if not isinstance(config, dict):
            raise FrameError(f"HELLO config is {config!r}, expected a JSON object")
        known = ("device", "model", "serial", "firmware", "config")
        return cls(
            device=_text(obj, "device", "HELLO"),
            model=_text(obj, "model", "HELLO"),
            serial=_text(obj, "serial", "HELLO"),
            firmware=_text(obj, "firmware", "HELLO"),
            config=config,
            extra={k: v for k, v in obj.items() if k not in known},
        )


class PayloadError(FrameError):
    """A GPR_TRACE or MD_BLOCK payload that cannot be viewed as samples.

    Parameters
    ----------
    message : str
        The precise reason, with the numbers (``"GPR_TRACE says 3 samples (10 bytes) but the
        payload has 8 bytes"``).
    reason : str
        What is wrong, one of :data:`PAYLOAD_REASONS` (a stable key for counting).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


#: Keys of :attr:`PayloadError.reason`: the payload is shorter than its 4-byte head, names an
#: unknown sample format, has no channels, or its size disagrees with its sample count.
PAYLOAD_REASONS: Final = ("short", "format", "channels", "size")


def sample_rows(message_type: int, payload: bytes | memoryview) -> npt.NDArray[Any]:
    """Check a GPR_TRACE or MD_BLOCK payload and view its samples as rows, without copying.

    Both payloads start with u8 sample_format, u8 (reserved / n_channels), u16 (n_samples /
    n_frames); the samples follow, little-endian, row-major.

    Parameters
    ----------
    message_type : int
        :attr:`MessageType.GPR_TRACE` (one row: the trace) or :attr:`MessageType.MD_BLOCK`
        (one row per frame).
    payload : bytes
        The frame's payload (:attr:`Frame.payload`).

    Returns
    -------
    ndarray, shape (n_rows, width)
        A read-only view of ``payload``: (1, n_samples) for a trace, (n_frames, n_channels)
        for an MD block, in the payload's sample type (int16, int32 or float32).

    Raises
    ------
    PayloadError
        (a :class:`~detsig.errors.FrameError`) The payload is shorter than its head, names an
        unknown sample format, has 0 channels (MD_BLOCK) or its size disagrees with its
        sample count; the message says which, with the numbers, and ``reason`` is its key.

    Examples
    --------
    >>> sample_rows(MessageType.MD_BLOCK, bytes([1, 2, 1, 0, 5, 0, 6, 0])).tolist()
    [[5, 6]]
    """
    gpr = message_type == MessageType.GPR_TRACE
    what = "GPR_TRACE" if gpr else "MD_BLOCK"
    if len(payload) < _SAMPLES_HEAD.size:
        raise PayloadError(
            f"{what} payload of {len(payload)} bytes is shorter than 4", reason="short"
        )
    fmt, byte, count = _SAMPLES_HEAD.unpack_from(payload)
    dtype = SAMPLE_DTYPES.get(fmt)
    if dtype is None:
        raise PayloadError(
            f"{what} has unknown sample_format {fmt}; expected 1 (int16), 2 (int32) or 3 (float32)",
            reason="format",
        )
    if gpr:
        n_rows, width = 1, count
        says = f"{count} samples"
    else:
        if byte == 0:
            raise PayloadError(f"{what} has 0 channels; expected 1-255", reason="channels")
        n_rows, width = count, byte
        says = f"{count} frames x {byte} channels"
    expected = _SAMPLES_HEAD.size + n_rows * width * dtype.itemsize
    if len(payload) != expected:
        raise PayloadError(
            f"{what} says {says} ({expected} bytes) but the payload has {len(payload)} bytes",
            reason="size",
        )
    flat = np.frombuffer(payload, dtype=dtype, count=n_rows * width, offset=_SAMPLES_HEAD.size)
    return flat.reshape(n_rows, width)


@dataclass(frozen=True, eq=False)
class _SampleMessage:
    """A message carrying one read-only sample array (equal when format and samples are)."""

    samples: npt.NDArray[Any]

    @property
    def sample_format(self) -> SampleFormat:
        """Sample format, from the dtype."""
        return sample_format_of(self.samples.dtype)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.sample_format == other.sample_format and bool(
            np.array_equal(self.samples, other.samples, equal_nan=True)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class GprTrace(_SampleMessage):
    """GPR_TRACE (0x10): one radar trace.

    Payload: u8 sample_format, u8 reserved (0), u16 n_samples, then the samples.

    Parameters
    ----------
    samples : ndarray, shape (n_samples,)
        int16, int32 or float32 samples (the sample format follows the dtype); stored
        read-only.
    """

    message_type: ClassVar[MessageType] = MessageType.GPR_TRACE

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples)
        if samples.ndim != 1:
            raise FrameError(f"GPR_TRACE samples have shape {samples.shape}, expected (n,)")
        sample_format_of(samples.dtype)
        object.__setattr__(self, "samples", _readonly(samples))

    @property
    def n_samples(self) -> int:
        """Samples in the trace."""
        return int(self.samples.shape[0])

    def to_payload(self) -> bytes:
        """Binary payload.

        Returns
        -------
        bytes
            The GPR_TRACE payload (without frame header or CRC).
        """
        return _samples_payload(self.sample_format, 0, self.n_samples, self.samples)

    @classmethod
    def from_payload(cls, payload: bytes) -> GprTrace:
        """Parse a GPR_TRACE payload; the samples are a read-only view of ``payload``.

        Parameters
        ----------
        payload : bytes
            The payload of a GPR_TRACE frame (:attr:`Frame.payload`).

        Returns
        -------
        GprTrace
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid GPR_TRACE message.
        """
        samples = sample_rows(MessageType.GPR_TRACE, payload)[0]
        return _trusted(cls, samples)


@dataclass(frozen=True, eq=False)
class MdBlock(_SampleMessage):
    """MD_BLOCK (0x20): a block of metal-detector frames.

    Payload: u8 sample_format, u8 n_channels, u16 n_frames, then n_frames x n_channels
    samples, frame-major.

    Parameters
    ----------
    samples : ndarray, shape (n_frames, n_channels)
        int16, int32 or float32 samples, 1-255 channels; stored read-only.
    """

    message_type: ClassVar[MessageType] = MessageType.MD_BLOCK

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples)
        if samples.ndim != 2 or not 1 <= samples.shape[1] <= 255:
            raise FrameError(
                f"MD_BLOCK samples have shape {samples.shape}, expected (n_frames, 1-255)"
            )
        sample_format_of(samples.dtype)
        object.__setattr__(self, "samples", _readonly(samples))

    @property
    def n_frames(self) -> int:
        """Frames (rows) in the block."""
        return int(self.samples.shape[0])

    @property
    def n_channels(self) -> int:
        """Channels (columns)."""
        return int(self.samples.shape[1])

    def to_payload(self) -> bytes:
        """Binary payload.

        Returns
        -------
        bytes
            The MD_BLOCK payload (without frame header or CRC).
        """
        return _samples_payload(self.sample_format, self.n_channels, self.n_frames, self.samples)

    @classmethod
    def from_payload(cls, payload: bytes) -> MdBlock:
        """Parse an MD_BLOCK payload; the samples are a read-only view of ``payload``.

        Parameters
        ----------
        payload : bytes
            The payload of a MD_BLOCK frame (:attr:`Frame.payload`).

        Returns
        -------
        MdBlock
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid MD_BLOCK message.
        """
        return _trusted(cls, sample_rows(MessageType.MD_BLOCK, payload))


@dataclass(frozen=True)
class WheelPosition:
    """ENCODER (0x30): the survey-wheel position (the message; the frame encoder is
    :class:`~detsig.wire.framing.FrameEncoder`).

    Payload: i64 cumulative ticks, f32 metres per tick (12 bytes).

    Parameters
    ----------
    ticks : int
        Cumulative ticks since the device started (signed: the wheel may roll back).
    metres_per_tick : float
        Distance per tick, m.
    """

    message_type: ClassVar[MessageType] = MessageType.ENCODER
    ticks: int
    metres_per_tick: float

    @property
    def distance_m(self) -> float:
        """Cumulative distance, m."""
        return self.ticks * self.metres_per_tick

    def to_payload(self) -> bytes:
        """Binary payload.

        Returns
        -------
        bytes
            The ENCODER payload (without frame header or CRC).
        """
        try:
            return _ENCODER.pack(self.ticks, self.metres_per_tick)
        except struct.error as exc:
            raise FrameError(f"ENCODER value cannot be packed: {exc}") from None

    @classmethod
    def from_payload(cls, payload: bytes) -> WheelPosition:
        """Parse an ENCODER payload (exactly 12 bytes).

        Parameters
        ----------
        payload : bytes
            The payload of a ENCODER frame (:attr:`Frame.payload`).

        Returns
        -------
        WheelPosition
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid ENCODER message.
        """
        if len(payload) != _ENCODER.size:
            raise FrameError(f"ENCODER payload has {len(payload)} bytes, expected 12")
        ticks, metres_per_tick = _ENCODER.unpack(payload)
        return cls(int(ticks), float(metres_per_tick))


@dataclass(frozen=True)
class Mark:
    """MARK (0x40): an event marker (operator button, lane start or end).

    Payload: u8 kind, then UTF-8 text (may be empty).

    Parameters
    ----------
    kind : int
        0 operator button, 1 lane start, 2 lane end (:class:`MarkKind`); other values are
        passed through.
    text : str
        Free text.
    """

    message_type: ClassVar[MessageType] = MessageType.MARK
    kind: int
    text: str = ""

    def to_payload(self) -> bytes:
        """Binary payload.

        Returns
        -------
        bytes
            The MARK payload (without frame header or CRC).
        """
        if not 0 <= self.kind <= 255:
            raise FrameError(f"MARK kind {self.kind} is outside 0-255")
        return bytes([self.kind]) + self.text.encode("utf-8")

    @classmethod
    def from_payload(cls, payload: bytes) -> Mark:
        """Parse a MARK payload (at least the kind byte).

        Parameters
        ----------
        payload : bytes
            The payload of a MARK frame (:attr:`Frame.payload`).

        Returns
        -------
        Mark
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid MARK message.
        """
        if not payload:
            raise FrameError("MARK payload is empty; it needs at least the kind byte")
        try:
            text = payload[1:].decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("MARK text is not valid UTF-8") from None
        return cls(payload[0], text)


@dataclass(frozen=True)
class Status:
    """STATUS (0x50): device health as a JSON object (``battery_v``, ``temperature_c`` ...).

    Parameters
    ----------
    values : dict
        The JSON object.
    """

    message_type: ClassVar[MessageType] = MessageType.STATUS
    values: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> bytes:
        """UTF-8 JSON payload.

        Returns
        -------
        bytes
            The STATUS payload (without frame header or CRC).
        """
        return _json_payload(self.values, "STATUS")

    @classmethod
    def from_payload(cls, payload: bytes) -> Status:
        """Parse a STATUS payload.

        Parameters
        ----------
        payload : bytes
            The payload of a STATUS frame (:attr:`Frame.payload`).

        Returns
        -------
        Status
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid STATUS message.
        """
        return cls(_json_object(payload, "STATUS"))


@dataclass(frozen=True)
class DeviceErrorMessage:
    """ERROR (0x7F): the device reports a fault.

    Parameters
    ----------
    code : str or int
        Device-specific error code.
    message : str
        Human-readable description.
    extra : dict
        Any other keys.
    """

    message_type: ClassVar[MessageType] = MessageType.ERROR
    code: str | int
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> bytes:
        """UTF-8 JSON payload.

        Returns
        -------
        bytes
            The ERROR payload (without frame header or CRC).
        """
        return _json_payload({"code": self.code, "message": self.message, **self.extra}, "ERROR")

    @classmethod
    def from_payload(cls, payload: bytes) -> DeviceErrorMessage:
        """Parse an ERROR payload (needs ``code`` and ``message``).

        Parameters
        ----------
        payload : bytes
            The payload of a ERROR frame (:attr:`Frame.payload`).

        Returns
        -------
        DeviceErrorMessage
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid ERROR message.
        """
        obj = _json_object(payload, "ERROR")
        code = obj.get("code")
        if not isinstance(code, str | int) or isinstance(code, bool):
            raise FrameError(f"ERROR needs a string or integer 'code', got {code!r}")
        extra = {k: v for k, v in obj.items() if k not in ("code", "message")}
        return cls(code, _text(obj, "message", "ERROR"), extra)


@dataclass(frozen=True)
class Command:
    """COMMAND (0x80, host to device): ``{"cmd": "start" | "stop" | "hello" | "config", ...}``.

    Parameters
    ----------
    cmd : str
        The command name.
    params : dict
        Further keys of the JSON object (for ``config``: the settings to change).
    """

    message_type: ClassVar[MessageType] = MessageType.COMMAND
    cmd: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> bytes:
        """UTF-8 JSON payload, ``cmd`` first.

        Returns
        -------
        bytes
            The COMMAND payload (without frame header or CRC).
        """
        if "cmd" in self.params:
            raise FrameError("COMMAND params must not repeat the key 'cmd'")
        return _json_payload({"cmd": self.cmd, **self.params}, "COMMAND")

    @classmethod
    def from_payload(cls, payload: bytes) -> Command:
        """Parse a COMMAND payload (needs a string ``cmd``).

        Parameters
        ----------
        payload : bytes
            The payload of a COMMAND frame (:attr:`Frame.payload`).

        Returns
        -------
        Command
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid COMMAND message.
        """
        obj = _json_object(payload, "COMMAND")
        cmd = _text(obj, "cmd", "COMMAND")
        return cls(cmd, {k: v for k, v in obj.items() if k != "cmd"})


@dataclass(frozen=True)
class Ack:
    """ACK (0x81): the device's answer to a COMMAND.

    Parameters
    ----------
    cmd : str
        The command answered.
    ok : bool
        Whether it was carried out.
    error : str or None
        Why not, when ``ok`` is false.
    extra : dict
        Any other keys.
    """

    message_type: ClassVar[MessageType] = MessageType.ACK
    cmd: str
    ok: bool
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> bytes:
        """UTF-8 JSON payload.

        Returns
        -------
        bytes
            The ACK payload (without frame header or CRC).
        """
        obj: dict[str, Any] = {"cmd": self.cmd, "ok": self.ok}
        if self.error is not None:
            obj["error"] = self.error
        return _json_payload({**obj, **self.extra}, "ACK")

    @classmethod
    def from_payload(cls, payload: bytes) -> Ack:
        """Parse an ACK payload (needs ``cmd`` and a boolean ``ok``).

        Parameters
        ----------
        payload : bytes
            The payload of a ACK frame (:attr:`Frame.payload`).

        Returns
        -------
        Ack
            The message.

        Raises
        ------
        FrameError
            If the payload is not a valid ACK message.
        """
        obj = _json_object(payload, "ACK")
        ok = obj.get("ok")
        if not isinstance(ok, bool):
            raise FrameError(f"ACK needs a boolean 'ok', got {ok!r}")
        error = obj.get("error")
        if error is not None and not isinstance(error, str):
            raise FrameError(f"ACK 'error' must be a string, got {error!r}")
        extra = {k: v for k, v in obj.items() if k not in ("cmd", "ok", "error")}
        return cls(_text(obj, "cmd", "ACK"), ok, error, extra)


Message = (
    Hello | GprTrace | MdBlock | WheelPosition | Mark | Status | DeviceErrorMessage | Command | Ack
)

MESSAGE_CLASSES: Final[dict[MessageType, type[Message]]] = {
    MessageType.HELLO: Hello,
    MessageType.GPR_TRACE: GprTrace,
    MessageType.MD_BLOCK: MdBlock,
    MessageType.ENCODER: WheelPosition,
    MessageType.MARK: Mark,
    MessageType.STATUS: Status,
    MessageType.ERROR: DeviceErrorMessage,
    MessageType.COMMAND: Command,
    MessageType.ACK: Ack,
}
_CLASS_OF_TYPE: Final[dict[int, type[Message]]] = {int(t): c for t, c in MESSAGE_CLASSES.items()}


def decode_message(frame: Frame) -> Message:
    """The typed message a frame carries.

    Parameters
    ----------
    frame : Frame
        A frame from :class:`detsig.wire.FrameDecoder`.

    Returns
    -------
    Message
        A :class:`Hello`, :class:`GprTrace`, :class:`MdBlock`, :class:`WheelPosition`,
        :class:`Mark`, :class:`Status`, :class:`DeviceErrorMessage`, :class:`Command` or
        :class:`Ack`.

    Raises
    ------
    FrameError
        Unknown message type, or a payload that does not fit its type.

    Examples
    --------
    >>> import numpy as np
    >>> from detsig.wire import Frame, GprTrace, decode_message
    >>> payload = GprTrace(np.arange(3, dtype=np.int16)).to_payload()
    >>> decode_message(Frame(0x10, 0, 0, payload)).samples
    array([0, 1, 2], dtype=int16)
    """
    cls = _CLASS_OF_TYPE.get(frame.type)
    if cls is None:
        raise FrameError(f"unknown message type 0x{frame.type:02X} (seq {frame.seq})")
    return cls.from_payload(frame.payload)


def encode_message(message: Message, seq: int, device_time_us: int) -> bytes:
    """Frame a message: its complete wire bytes (see :func:`detsig.wire.encode_frame`).

    Parameters
    ----------
    message : Message
        Any typed message (``Hello``, ``GprTrace``, ``MdBlock`` ...).
    seq : int
        Frame sequence number (wraps modulo 2**32).
    device_time_us : int
        Device clock at the time of the message, microseconds.

    Returns
    -------
    bytes
        The COBS-encoded frame including the trailing 0x00 delimiter.
    """
    return encode_frame(int(message.message_type), message.to_payload(), seq, device_time_us)
