"""Frame layer: encode_frame, decode_frame, limits and the incremental decoder's bookkeeping."""

from __future__ import annotations

import struct
import zlib

import pytest
from cobs import cobs

from detsig.wire import (
    MAX_ENCODED_LEN,
    MAX_FRAME_LEN,
    MAX_PAYLOAD_LEN,
    BadFrame,
    Frame,
    FrameDecoder,
    Gap,
    SeqReset,
    decode_frame,
    encode_frame,
)


def test_layout_matches_the_design_table() -> None:
    wire = encode_frame(0x10, b"\xaa\xbb", seq=0x01020304, device_time_us=0x0A0B0C0D0E0F1011)
    body = cobs.decode(wire[:-1])
    assert body[:16] == bytes.fromhex("01 10 0200 04030201 11100f0e0d0c0b0a".replace(" ", ""))
    assert body[16:18] == b"\xaa\xbb"
    assert struct.unpack("<I", body[18:])[0] == zlib.crc32(body[:18])
    assert wire.count(0) == 1 and wire[-1] == 0


def test_largest_frame_fits_the_limits() -> None:
    wire = encode_frame(0x33, b"\x01" * MAX_PAYLOAD_LEN, 0, 0)
    assert len(wire) == MAX_FRAME_LEN
    assert len(wire) - 1 == MAX_ENCODED_LEN
    with pytest.raises(ValueError, match="exceeds 65535"):
        encode_frame(0x33, b"\x01" * (MAX_PAYLOAD_LEN + 1), 0, 0)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((256, b"", 0, 0), "type 256"),
        ((1, b"", -1, 0), "seq"),
        ((1, b"", 2**32, 0), "seq"),
        ((1, b"", 0, 2**64), "device_time_us"),
    ],
)
def test_encode_frame_rejects_out_of_range_fields(args: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        encode_frame(*args)


def test_decode_frame_accepts_with_or_without_delimiter() -> None:
    wire = encode_frame(0x40, b"\x00x", 1, 2)
    assert decode_frame(wire) == decode_frame(wire[:-1]) == Frame(0x40, 1, 2, b"\x00x")
    assert decode_frame(wire[:-1] + b"\x00\x00") == "cobs"


def test_frame_is_frozen() -> None:
    frame = Frame(1, 2, 3, b"")
    with pytest.raises(AttributeError):
        frame.seq = 5  # type: ignore[misc]


def test_run_without_delimiter_is_bounded_and_counted_once() -> None:
    decoder = FrameDecoder()
    chunk = b"\x05" * 4096
    for _ in range(3 * MAX_ENCODED_LEN // len(chunk)):
        assert decoder.feed(chunk) == []
        assert decoder.pending_bytes <= MAX_ENCODED_LEN
    assert decoder.bad_frames == 1
    assert decoder.bad_frame_reasons["length"] == 1
    # the rest of the run is skipped; the frame after the next 0x00 comes through
    frames = decoder.feed(b"\x05\x05\x00" + encode_frame(0x40, b"\x00", 9, 0))
    assert [f.seq for f in frames] == [9]
    assert decoder.bad_frames == 1
    assert decoder.pending_bytes == 0


def test_frame_split_byte_by_byte() -> None:
    wire = encode_frame(0x10, bytes(range(256)) * 3, 5, 6)
    decoder = FrameDecoder()
    out = []
    for i in range(len(wire)):
        out += decoder.feed(wire[i : i + 1])
    assert out == [decode_frame(wire)]
    assert decoder.pending_bytes == 0


def test_events_in_stream_order_with_gap_details() -> None:
    decoder = FrameDecoder()
    stream = (
        encode_frame(0x40, b"\x00", 10, 0)
        + b"\x02\x01\x00"
        + encode_frame(0x40, b"\x00", 14, 0)
        + encode_frame(0x40, b"\x00", 15, 0)
        + encode_frame(0x40, b"\x00", 3, 0)
        + encode_frame(0x40, b"\x00", 5, 0)
    )
    assert [f.seq for f in decoder.feed(stream)] == [10, 14, 15, 3, 5]
    events = decoder.drain_events()
    assert events == [
        BadFrame("truncated", 2),
        Gap(after_seq=10, missing=3),
        SeqReset(previous_seq=15, seq=3),
        Gap(after_seq=3, missing=1),
    ]
    assert decoder.drain_events() == []
    gap = events[1]
    assert isinstance(gap, Gap)
    assert (gap.first_missing, gap.last_missing) == (11, 13)
    assert gap.describe() == "3 missing (seq 11-13)"
    assert Gap(2**32 - 1, 1).describe() == "1 missing (seq 0)"
    counters = decoder.counters()
    assert counters["frames"] == 5 and counters["gaps"] == 4 and counters["gap_events"] == 2
    assert counters["seq_resets"] == 1 and counters["bad_truncated"] == 1
    assert decoder.last_seq == 5


def test_repeated_seq_is_a_reset_not_a_huge_gap() -> None:
    decoder = FrameDecoder()
    decoder.feed(encode_frame(0x40, b"\x00", 7, 0) * 2)
    assert decoder.gaps == 0
    assert decoder.seq_resets == 1


def test_feed_accepts_bytes_like() -> None:
    wire = encode_frame(0x40, b"\x00", 1, 0)
    assert len(FrameDecoder().feed(bytearray(wire))) == 1
    assert len(FrameDecoder().feed(memoryview(wire))) == 1
