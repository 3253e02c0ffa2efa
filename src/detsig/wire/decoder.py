"""Incremental frame decoder: feed byte chunks of any size, get frames, bad frames and gaps.

The decoder never raises on input bytes and never allocates from a length it has not checked:
a run of bytes without a 0x00 delimiter that grows beyond :data:`MAX_ENCODED_LEN` is dropped
at once, counted as one ``"length"`` bad frame, and the rest of the run up to the next 0x00 is
skipped without being stored. Its memory is therefore bounded by ``MAX_FRAME_LEN`` plus the
chunk being fed.

Besides the frames, the decoder records what went wrong as events, in stream order, for the
recorder to write into the recording's event table (drain them with
:meth:`FrameDecoder.drain_events`):

- :class:`BadFrame` ``(reason, n_bytes)`` for every rejected frame;
- :class:`Gap` ``(after_seq, missing)`` for every run of missing sequence numbers;
- :class:`SeqReset` ``(previous_seq, seq)`` when the counter jumps backwards (a device that
  restarted), which is not a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cobs import cobs

from detsig.wire.framing import (
    BAD_FRAME_REASONS,
    MAX_ENCODED_LEN,
    SEQ_MODULUS,
    Frame,
    check_body,
)

#: A forward jump of at least this many sequence numbers is a restart, not a gap.
_BACKWARDS: Final = SEQ_MODULUS // 2


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A rejected frame.

    Parameters
    ----------
    reason : str
        One of ``"cobs"``, ``"truncated"``, ``"crc"``, ``"version"``, ``"length"``.
    n_bytes : int
        Bytes dropped with it (its COBS bytes, delimiter excluded).
    """

    reason: str
    n_bytes: int


@dataclass(frozen=True, slots=True)
class Gap:
    """A run of missing sequence numbers: ``after_seq + 1`` ... ``after_seq + missing`` (mod 2**32).

    Parameters
    ----------
    after_seq : int
        Sequence number of the last frame received before the gap.
    missing : int
        How many sequence numbers are missing (>= 1).
    """

    after_seq: int
    missing: int

    @property
    def first_missing(self) -> int:
        """First missing sequence number."""
        return (self.after_seq + 1) % SEQ_MODULUS

    @property
    def last_missing(self) -> int:
        """Last missing sequence number."""
        return (self.after_seq + self.missing) % SEQ_MODULUS

    def describe(self) -> str:
        """One line for an event table, e.g. ``"3 missing (seq 10-12)"``.

        Returns
        -------
        str
            ``"N missing (seq A-B)"``, or ``"1 missing (seq A)"`` for a single frame.
        """
        if self.missing == 1:
            return f"1 missing (seq {self.first_missing})"
        return f"{self.missing} missing (seq {self.first_missing}-{self.last_missing})"


@dataclass(frozen=True, slots=True)
class SeqReset:
    """The sequence counter jumped backwards (device restart); the new value is the reference.

    Parameters
    ----------
    previous_seq : int
        Last sequence number before the jump.
    seq : int
        Sequence number of the frame that jumped back.
    """

    previous_seq: int
    seq: int


DecoderEvent = BadFrame | Gap | SeqReset


class FrameDecoder:
    """Incremental decoder of a v1 byte stream from one device.

    Feed it byte chunks as they arrive, split anywhere; it returns the frames that completed
    and keeps counts of everything it rejected. Bytes before the first 0x00 are decoded like
    any other (a receiver that starts mid-frame counts that fragment as one bad frame, usually
    ``"cobs"`` or ``"crc"``); empty runs (consecutive 0x00) are ignored.

    Sequence numbers: the first frame sets the reference; each later frame whose ``seq`` is
    ahead of the expected one by ``k`` (mod 2**32, ``k < 2**31``) adds ``k`` to :attr:`gaps` and
    one :class:`Gap` event; a jump backwards (``k >= 2**31``, also a repeated seq) is a
    :class:`SeqReset`, counted in :attr:`seq_resets`. Wrap-around from 2**32-1 to 0 is no gap.

    Attributes
    ----------
    frames : int
        Frames accepted so far.
    bad_frames : int
        Frames rejected so far (sum of :attr:`bad_frame_reasons`).
    bad_frame_reasons : dict of str to int
        Rejected frames per reason; every reason of ``BAD_FRAME_REASONS`` is a key.
    gaps : int
        Missing sequence numbers so far (total over all gap events).
    gap_events : int
        Runs of missing sequence numbers so far.
    seq_resets : int
        Backward jumps of the sequence counter so far.
    bytes_received : int
        Bytes fed so far.
    last_seq : int or None
        Sequence number of the last accepted frame.

    Examples
    --------
    >>> from detsig.wire import FrameDecoder, encode_frame
    >>> dec = FrameDecoder()
    >>> a, b = encode_frame(0x40, b"\\x00a", 1, 0), encode_frame(0x40, b"\\x00b", 4, 0)
    >>> stream = a + b"junk\\x00" + b
    >>> [f.seq for f in dec.feed(stream[:5])] + [f.seq for f in dec.feed(stream[5:])]
    [1, 4]
    >>> dec.bad_frames, dec.gaps, dec.drain_events()
    (1, 2, [BadFrame(reason='cobs', n_bytes=4), Gap(after_seq=1, missing=2)])
    """

    def __init__(self) -> None:
        self._pending = bytearray()
        self._discarding = False
        self._events: list[DecoderEvent] = []
        self.frames = 0
        self.bad_frames = 0
        self.bad_frame_reasons: dict[str, int] = dict.fromkeys(BAD_FRAME_REASONS, 0)
        self.gaps = 0
        self.gap_events = 0
        self.seq_resets = 0
        self.bytes_received = 0
        self.last_seq: int | None = None

    @property
    def pending_bytes(self) -> int:
        """Bytes held of a frame not yet terminated by 0x00 (at most ``MAX_ENCODED_LEN``)."""
        return len(self._pending)

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[Frame]:
        """Decode a chunk of the byte stream.

        Parameters
        ----------
        chunk : bytes-like
            The next bytes, any size (may be empty, may split frames anywhere).

        Returns
        -------
        list of Frame
            Frames completed by this chunk, in stream order.
        """
        data = bytes(chunk)
        self.bytes_received += len(data)
        first_zero = data.find(0)
        if first_zero < 0:
            self._hold(data)
            return []
        out: list[Frame] = []
        if self._discarding:
            self._discarding = False
        elif self._pending:
            self._pending += data[:first_zero]
            self._segment(bytes(self._pending), out)
            self._pending.clear()
        else:
            self._segment(data[:first_zero], out)
        parts = data[first_zero + 1 :].split(b"\x00")
        tail = parts.pop()
        for part in parts:
            self._segment(part, out)
        self._hold(tail)
        return out

    def finish(self) -> list[Frame]:
        """End of stream: a non-empty unterminated tail is counted as one ``"truncated"`` frame.

        Returns
        -------
        list of Frame
            Always empty (a frame is complete only with its 0x00); kept for symmetry with
            :meth:`feed`.
        """
        if self._pending:
            self._bad("truncated", len(self._pending))
            self._pending.clear()
        self._discarding = False
        return []

    def drain_events(self) -> list[DecoderEvent]:
        """Return the :class:`BadFrame`, :class:`Gap` and :class:`SeqReset` events so far, in
        stream order, and forget them.

        Returns
        -------
        list of BadFrame, Gap or SeqReset
            The events since the previous call.
        """
        events, self._events = self._events, []
        return events

    def counters(self) -> dict[str, int]:
        """The counters as a plain dict (frames, bad_frames, gaps, gap_events, seq_resets,
        bytes_received, and ``bad_<reason>`` for each reason).

        Returns
        -------
        dict of str to int
            Counter name -> value, totals since the decoder was made.
        """
        out = {
            "frames": self.frames,
            "bad_frames": self.bad_frames,
            "gaps": self.gaps,
            "gap_events": self.gap_events,
            "seq_resets": self.seq_resets,
            "bytes_received": self.bytes_received,
        }
        out.update({f"bad_{k}": v for k, v in self.bad_frame_reasons.items()})
        return out

    def _hold(self, tail: bytes) -> None:
        if self._discarding or not tail:
            return
        if len(self._pending) + len(tail) > MAX_ENCODED_LEN:
            self._bad("length", len(self._pending) + len(tail))
            self._pending.clear()
            self._discarding = True
        else:
            self._pending += tail

    def _bad(self, reason: str, n_bytes: int) -> None:
        self.bad_frames += 1
        self.bad_frame_reasons[reason] += 1
        self._events.append(BadFrame(reason, n_bytes))

    def _segment(self, encoded: bytes, out: list[Frame]) -> None:
        n = len(encoded)
        if n == 0:
            return
        if n > MAX_ENCODED_LEN:
            self._bad("length", n)
            return
        try:
            body = cobs.decode(encoded)
        except cobs.DecodeError:
            self._bad("cobs", n)
            return
        frame = check_body(body)
        if isinstance(frame, str):
            self._bad(frame, n)
            return
        self._sequence(frame.seq)
        self.frames += 1
        out.append(frame)

    def _sequence(self, seq: int) -> None:
        last = self.last_seq
        self.last_seq = seq
        if last is None:
            return
        jump = (seq - last - 1) % SEQ_MODULUS
        if jump == 0:
            return
        if jump >= _BACKWARDS:
            self.seq_resets += 1
            self._events.append(SeqReset(last, seq))
            return
        self.gaps += jump
        self.gap_events += 1
        self._events.append(Gap(last, jump))
