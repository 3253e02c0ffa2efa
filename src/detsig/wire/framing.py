"""Frame layer of wire protocol v1: the frame body, its CRC and COBS framing.

A frame on the wire is ``COBS(body) 0x00``; the body (all integers little-endian) is

========  =====  ===========================================================
field     type   meaning
========  =====  ===========================================================
version   u8     1
type      u8     message type (:class:`detsig.wire.MessageType`)
length    u16    payload_len, bytes of payload
seq       u32    per-device counter, +1 per frame, wraps at 2**32
time      u64    device_time_us, device clock in microseconds since boot
payload   bytes  payload_len bytes
crc       u32    CRC-32 (IEEE 802.3, as :func:`zlib.crc32`) over version ... payload
========  =====  ===========================================================

``firmware_io/PROTOCOL.md`` is the normative text; this module follows it.

References
----------
.. [1] S. Cheshire and M. Baker, "Consistent Overhead Byte Stuffing", IEEE/ACM Transactions on
   Networking 7(2), 1999.
.. [2] IEEE 802.3, CRC-32 polynomial 0x04C11DB7 (reflected 0xEDB88320), as in zlib.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Final, Protocol

from cobs import cobs

#: The protocol version this module writes and accepts.
PROTOCOL_VERSION: Final = 1
#: Bytes of the fixed header: version, type, payload_len, seq, device_time_us.
HEADER_LEN: Final = 16
#: Bytes of the trailing CRC-32.
CRC_LEN: Final = 4
#: Smallest valid body: header and CRC around an empty payload.
MIN_BODY_LEN: Final = HEADER_LEN + CRC_LEN
#: Largest payload of any frame (the u16 payload_len field), bytes.
MAX_PAYLOAD_LEN: Final = 0xFFFF
#: Largest body, bytes.
MAX_BODY_LEN: Final = MIN_BODY_LEN + MAX_PAYLOAD_LEN
#: Largest COBS-encoded body (without the 0x00 delimiter): one code byte per 254 data bytes.
MAX_ENCODED_LEN: Final = MAX_BODY_LEN + MAX_BODY_LEN // 254 + 1
#: Largest frame on the wire, delimiter included, bytes.
MAX_FRAME_LEN: Final = MAX_ENCODED_LEN + 1
#: Sequence numbers count modulo this.
SEQ_MODULUS: Final = 1 << 32
#: device_time_us is a u64.
TIME_MODULUS: Final = 1 << 64

#: Why a frame was rejected, in the order the checks run (see :func:`check_body`).
BAD_FRAME_REASONS: Final = ("cobs", "truncated", "crc", "version", "length")

_HEADER = struct.Struct("<BBHIQ")
_CRC = struct.Struct("<I")
_CRC_RESIDUE: Final = 0x2144DF1C


class _HasPayload(Protocol):
    """Anything :meth:`FrameEncoder.encode` can frame: the message dataclasses."""

    @property
    def message_type(self) -> int: ...

    def to_payload(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame that passed the framing checks (COBS, length, CRC, version).

    Parameters
    ----------
    type : int
        Message type, 0-255 (:class:`detsig.wire.MessageType` for the known ones).
    seq : int
        Per-device sequence number, 0 <= seq < 2**32.
    device_time_us : int
        Device clock at the frame, microseconds since the device booted (u64).
    payload : bytes
        The message payload, ``len(payload) <= MAX_PAYLOAD_LEN``.
    """

    type: int
    seq: int
    device_time_us: int
    payload: bytes


def build_body(msg_type: int, payload: bytes, seq: int, device_time_us: int) -> bytes:
    """Build a frame body (header, payload, CRC) before COBS encoding.

    Parameters
    ----------
    msg_type : int
        Message type, 0-255.
    payload : bytes
        Payload, at most :data:`MAX_PAYLOAD_LEN` bytes.
    seq : int
        Sequence number, 0 <= seq < 2**32.
    device_time_us : int
        Device time, microseconds, 0 <= device_time_us < 2**64.

    Returns
    -------
    bytes
        The body, ``20 + len(payload)`` bytes.

    Raises
    ------
    ValueError
        A field is out of its range.
    """
    if not 0 <= msg_type <= 0xFF:
        raise ValueError(f"message type {msg_type} is outside 0-255")
    if len(payload) > MAX_PAYLOAD_LEN:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_LEN} bytes")
    if not 0 <= seq < SEQ_MODULUS:
        raise ValueError(f"seq {seq} is outside 0 .. 2**32-1")
    if not 0 <= device_time_us < TIME_MODULUS:
        raise ValueError(f"device_time_us {device_time_us} is outside 0 .. 2**64-1")
    head = _HEADER.pack(PROTOCOL_VERSION, msg_type, len(payload), seq, device_time_us) + payload
    return head + _CRC.pack(zlib.crc32(head))


def encode_frame(msg_type: int, payload: bytes, seq: int, device_time_us: int) -> bytes:
    """Encode one frame: its complete wire bytes, trailing 0x00 included.

    Parameters
    ----------
    msg_type : int
        Message type, 0-255.
    payload : bytes
        Payload, at most :data:`MAX_PAYLOAD_LEN` bytes.
    seq : int
        Sequence number, 0 <= seq < 2**32.
    device_time_us : int
        Device time, microseconds since device boot.

    Returns
    -------
    bytes
        ``COBS(body) + b"\\x00"``.

    Examples
    --------
    >>> from detsig.wire import encode_frame, FrameDecoder
    >>> wire = encode_frame(0x40, b"\\x00hi", seq=7, device_time_us=1000)
    >>> wire[-1]
    0
    >>> FrameDecoder().feed(wire)
    [Frame(type=64, seq=7, device_time_us=1000, payload=b'\\x00hi')]
    """
    return cobs.encode(build_body(msg_type, payload, seq, device_time_us)) + b"\x00"


def check_body(body: bytes) -> Frame | str:
    """Apply the v1 framing checks to a COBS-decoded body.

    The checks run in this order: ``"truncated"`` (shorter than 20 bytes, so neither header
    nor CRC can be read), ``"length"`` (longer than any v1 body), ``"crc"`` (the last 4 bytes
    are not the CRC-32 of the rest), ``"version"`` (first byte is not 1), ``"length"``
    (payload_len disagrees with the body's size).

    Parameters
    ----------
    body : bytes
        Decoded body.

    Returns
    -------
    Frame or str
        The frame, or the reason it is bad (one of :data:`BAD_FRAME_REASONS`).
    """
    n = len(body)
    if n < MIN_BODY_LEN:
        return "truncated"
    if n > MAX_BODY_LEN:
        return "length"
    # CRC-32 over data followed by its own little-endian CRC is the constant residue
    # 0x2144DF1C, so one pass over the whole body checks it (equal to comparing the fields).
    if zlib.crc32(body) != _CRC_RESIDUE:
        return "crc"
    version, msg_type, payload_len, seq, time_us = _HEADER.unpack_from(body)
    if version != PROTOCOL_VERSION:
        return "version"
    if payload_len != n - MIN_BODY_LEN:
        return "length"
    return Frame(msg_type, seq, time_us, body[HEADER_LEN : n - CRC_LEN])


def decode_frame(wire: bytes) -> Frame | str:
    """Decode one complete frame (COBS bytes, with or without its trailing 0x00).

    Parameters
    ----------
    wire : bytes
        One frame; a trailing 0x00 is removed, any other 0x00 makes it a ``"cobs"`` error.

    Returns
    -------
    Frame or str
        The frame, or why it is bad (one of :data:`BAD_FRAME_REASONS`).
    """
    if wire.endswith(b"\x00"):
        wire = wire[:-1]
    if len(wire) > MAX_ENCODED_LEN:
        return "length"
    try:
        body = cobs.decode(wire)
    except cobs.DecodeError:
        return "cobs"
    return check_body(body)


class FrameEncoder:
    """Frames messages for one device, counting ``seq`` up by one per frame (mod 2**32).

    Device emulators hold one per device.

    Parameters
    ----------
    first_seq : int
        Sequence number of the next frame (default 0).

    Examples
    --------
    >>> from detsig.wire import FrameEncoder, Mark
    >>> enc = FrameEncoder(first_seq=2**32 - 1)
    >>> len(enc.encode(Mark(kind=0, text="x"), device_time_us=5)) > 0
    True
    >>> enc.seq
    0
    """

    def __init__(self, first_seq: int = 0) -> None:
        if not 0 <= first_seq < SEQ_MODULUS:
            raise ValueError(f"first_seq {first_seq} is outside 0 .. 2**32-1")
        self._seq = first_seq

    @property
    def seq(self) -> int:
        """Sequence number the next frame will carry."""
        return self._seq

    def encode_raw(self, msg_type: int, payload: bytes, device_time_us: int) -> bytes:
        """Frame a raw payload with the next sequence number; returns the wire bytes.

        Parameters
        ----------
        msg_type : int
            Message type code (see :class:`MessageType`).
        payload : bytes
            The payload.
        device_time_us : int
            Device clock at the time of the message, microseconds.

        Returns
        -------
        bytes
            The encoded frame including the trailing 0x00 delimiter.
        """
        wire = encode_frame(msg_type, payload, self._seq, device_time_us)
        self._seq = (self._seq + 1) % SEQ_MODULUS
        return wire

    def encode(self, message: _HasPayload, device_time_us: int) -> bytes:
        """Frame a message object (``Hello``, ``GprTrace`` ...); returns the wire bytes.

        Parameters
        ----------
        message : message object
            Anything with ``message_type`` and ``to_payload()``, e.g. ``Hello`` or ``GprTrace``.
        device_time_us : int
            Device clock at the time of the message, microseconds.

        Returns
        -------
        bytes
            The encoded frame including the trailing 0x00 delimiter.
        """
        return self.encode_raw(int(message.message_type), message.to_payload(), device_time_us)
