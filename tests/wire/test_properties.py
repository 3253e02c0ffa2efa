"""Property tests: garbage never crashes or hangs the decoder; frames in garbage are recovered."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from detsig.wire import (
    MAX_ENCODED_LEN,
    Frame,
    FrameDecoder,
    GprTrace,
    MdBlock,
    decode_frame,
    decode_message,
    encode_frame,
    encode_message,
)

FIELDS = st.tuples(
    st.integers(0, 255),
    st.binary(max_size=600),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**64 - 1),
)


def _feed_in_chunks(decoder: FrameDecoder, data: bytes, cuts: list[int]) -> list[Frame]:
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    frames: list[Frame] = []
    for start, stop in itertools.pairwise(bounds):
        frames += decoder.feed(data[start:stop])
        assert decoder.pending_bytes <= MAX_ENCODED_LEN
    return frames


@given(FIELDS)
def test_encode_then_decode_is_identity(fields: tuple[int, bytes, int, int]) -> None:
    msg_type, payload, seq, time_us = fields
    wire = encode_frame(msg_type, payload, seq, time_us)
    assert wire.count(0) == 1
    assert decode_frame(wire) == Frame(msg_type, seq, time_us, payload)


@settings(max_examples=300)
@given(st.binary(max_size=3000), st.lists(st.integers(0, 10_000), max_size=20))
def test_random_garbage_never_raises_and_keeps_the_books(data: bytes, cuts: list[int]) -> None:
    decoder = FrameDecoder()
    frames = _feed_in_chunks(decoder, data, cuts)
    decoder.finish()
    segments = [s for s in data.split(b"\x00") if s]
    assert decoder.frames == len(frames)
    assert decoder.frames + decoder.bad_frames == len(segments)
    assert decoder.bad_frames == sum(decoder.bad_frame_reasons.values())
    assert decoder.pending_bytes == 0
    assert decoder.bytes_received == len(data)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.integers(0, 255))
def test_long_runs_of_one_byte_stay_bounded(n_runs: int, byte: int) -> None:
    decoder = FrameDecoder()
    run = bytes([byte]) * (MAX_ENCODED_LEN + 10)
    for _ in range(n_runs):
        decoder.feed(run)
    assert decoder.pending_bytes <= MAX_ENCODED_LEN
    if byte:
        assert decoder.bad_frames == 1
    else:
        assert decoder.bad_frames == 0


STREAM_ITEMS = st.lists(
    st.one_of(
        st.tuples(st.just("frame"), st.integers(1, 5), st.binary(max_size=300)),
        st.tuples(st.just("garbage"), st.binary(min_size=1, max_size=200)),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    STREAM_ITEMS,
    st.integers(0, 2**32 - 1),
    st.lists(st.integers(0, 100_000), max_size=40),
)
def test_frames_in_garbage_split_anywhere_are_all_recovered(
    items: list[tuple], first_seq: int, cuts: list[int]
) -> None:
    data = bytearray()
    expected: list[Frame] = []
    expected_bad = 0
    expected_gaps = 0
    seq = first_seq
    for item in items:
        if item[0] == "frame":
            _, step, payload = item
            if expected:
                seq = (seq + step) % 2**32
                expected_gaps += step - 1
            frame = Frame(0x40, seq, seq * 3, payload)
            expected.append(frame)
            data += encode_frame(frame.type, frame.payload, frame.seq, frame.device_time_us)
        else:
            garbage = item[1]
            # noise followed by the delimiter a sender puts before its next frame
            data += garbage + b"\x00"
            expected_bad += sum(1 for s in garbage.split(b"\x00") if s)
    decoder = FrameDecoder()
    frames = _feed_in_chunks(decoder, bytes(data), cuts)
    decoder.finish()
    assert frames == expected
    assert decoder.bad_frames == expected_bad
    assert decoder.gaps == expected_gaps
    assert decoder.seq_resets == 0


@given(
    hnp.arrays(
        st.sampled_from([np.int16, np.int32, np.float32]),
        st.integers(0, 300),
    )
)
def test_gpr_trace_round_trip(samples: np.ndarray) -> None:
    (frame,) = FrameDecoder().feed(encode_message(GprTrace(samples), 0, 0))
    again = decode_message(frame)
    assert isinstance(again, GprTrace)
    assert again.samples.dtype == samples.dtype
    np.testing.assert_array_equal(again.samples, samples)


@given(
    hnp.arrays(
        st.sampled_from([np.int16, np.int32, np.float32]),
        st.tuples(st.integers(0, 40), st.integers(1, 8)),
    )
)
def test_md_block_round_trip(samples: np.ndarray) -> None:
    (frame,) = FrameDecoder().feed(encode_message(MdBlock(samples), 0, 0))
    again = decode_message(frame)
    assert isinstance(again, MdBlock)
    np.testing.assert_array_equal(again.samples, samples)
