"""Typed messages: round trips and the message-level errors (FrameError)."""

from __future__ import annotations

import json
import re
import struct

import numpy as np
import pytest

from detsig.errors import FrameError
from detsig.wire import (
    MESSAGE_CLASSES,
    PAYLOAD_REASONS,
    Ack,
    Command,
    DeviceErrorMessage,
    Frame,
    FrameDecoder,
    FrameEncoder,
    GprTrace,
    Hello,
    Mark,
    MdBlock,
    Message,
    MessageType,
    PayloadError,
    SampleFormat,
    Status,
    WheelPosition,
    decode_message,
    encode_message,
    sample_rows,
)

EXAMPLES: list[Message] = [
    Hello("gpr", "m", "s1", "1.0", {"samples": 4, "sample_interval_s": 1e-10}, {"vendor": "x"}),
    Hello("md", "m", "s2", "0.1", {"channels": ["a", "b"], "sample_rate_hz": 500.0}),
    GprTrace(np.array([1, -2, 3], np.int16)),
    GprTrace(np.array([1, -2, 2**31 - 1], np.int32)),
    GprTrace(np.array([0.5, np.nan], np.float32)),
    GprTrace(np.zeros(0, np.int16)),
    MdBlock(np.arange(12, dtype=np.int16).reshape(4, 3)),
    MdBlock(np.ones((0, 2), np.float32)),
    WheelPosition(ticks=-(2**63), metres_per_tick=0.5),
    Mark(kind=2, text="fin de ligne é"),
    Status({"battery_v": 12.1}),
    DeviceErrorMessage(code=7, message="overheat", extra={"temperature_c": 80}),
    Command("config", {"averages": 4}),
    Ack("stop", ok=True),
    Ack("config", ok=False, error="bad value"),
]


def test_every_message_type_has_a_class() -> None:
    assert set(MESSAGE_CLASSES) == set(MessageType)
    for msg_type, cls in MESSAGE_CLASSES.items():
        assert cls.message_type == msg_type


@pytest.mark.parametrize("msg", EXAMPLES, ids=lambda m: type(m).__name__)
def test_message_round_trip_through_frames(msg: Message) -> None:
    wire = encode_message(msg, seq=3, device_time_us=99)
    (frame,) = FrameDecoder().feed(wire)
    assert frame.type == msg.message_type
    again = decode_message(frame)
    assert type(again) is type(msg)
    assert again == msg


def test_samples_keep_dtype_and_are_read_only() -> None:
    msg = MdBlock(np.arange(6, dtype=np.int32).reshape(2, 3))
    again = MdBlock.from_payload(msg.to_payload())
    assert again.samples.dtype == np.int32
    assert again.samples.shape == (2, 3)
    assert again.sample_format is SampleFormat.INT32
    assert not again.samples.flags.writeable
    source = np.arange(3, dtype=np.int16)
    trace = GprTrace(source)
    source[0] = 100
    assert trace.samples[0] == 0


def test_big_endian_samples_are_sent_little_endian() -> None:
    trace = GprTrace(np.array([1, 256], dtype=">i2"))
    assert trace.to_payload() == bytes([1, 0, 2, 0, 1, 0, 0, 1])


def test_frame_encoder_counts_and_wraps() -> None:
    enc = FrameEncoder(first_seq=2**32 - 2)
    decoder = FrameDecoder()
    stream = b"".join(enc.encode(Mark(0, str(i)), device_time_us=i) for i in range(4))
    assert [f.seq for f in decoder.feed(stream)] == [2**32 - 2, 2**32 - 1, 0, 1]
    assert decoder.gaps == 0
    assert enc.seq == 2
    with pytest.raises(ValueError, match="first_seq"):
        FrameEncoder(first_seq=2**32)


def test_hello_to_dict_is_the_json_object() -> None:
    hello = EXAMPLES[0]
    assert isinstance(hello, Hello)
    assert json.loads(hello.to_payload()) == hello.to_dict()
    assert hello.to_dict()["vendor"] == "x"


def _frame(msg_type: MessageType, payload: bytes) -> Frame:
    return Frame(int(msg_type), 0, 0, payload)


BAD_PAYLOADS = [
    (MessageType.GPR_TRACE, b"\x01\x00", "shorter than 4"),
    (MessageType.GPR_TRACE, struct.pack("<BBH", 1, 0, 3) + b"\x00" * 4, "says 3 samples"),
    (MessageType.GPR_TRACE, struct.pack("<BBH", 9, 0, 0), "unknown sample_format 9"),
    (MessageType.MD_BLOCK, b"\x01", "shorter than 4"),
    (MessageType.MD_BLOCK, struct.pack("<BBH", 1, 2, 2) + b"\x00" * 6, "says 2 frames x 2"),
    (MessageType.MD_BLOCK, struct.pack("<BBH", 1, 0, 0), "0 channels"),
    (MessageType.ENCODER, b"\x00" * 11, "expected 12"),
    (MessageType.MARK, b"", "empty"),
    (MessageType.MARK, b"\x00\xff", "not valid UTF-8"),
    (MessageType.HELLO, b"{not json", "not valid JSON"),
    (MessageType.HELLO, b"[1, 2]", "expected an object"),
    (MessageType.HELLO, b'{"device": "gpr"}', "string 'model'"),
    (MessageType.HELLO, b'{"device":"x","model":"","serial":"","firmware":""}', "'gpr' or 'md'"),
    (
        MessageType.HELLO,
        b'{"device":"md","model":"","serial":"","firmware":"","config":1}',
        "config",
    ),
    (MessageType.STATUS, b"\xff\xfe", "not valid UTF-8"),
    (MessageType.STATUS, b"", "not valid JSON"),
    (MessageType.ERROR, b'{"message": "x"}', "'code'"),
    (MessageType.ERROR, b'{"code": true, "message": "x"}', "'code'"),
    (MessageType.COMMAND, b'{"cmd": 3}', "string 'cmd'"),
    (MessageType.ACK, b'{"cmd": "start"}', "boolean 'ok'"),
    (MessageType.ACK, b'{"cmd": "start", "ok": false, "error": 5}', "'error' must be"),
]


@pytest.mark.parametrize(("msg_type", "payload", "match"), BAD_PAYLOADS)
def test_message_level_errors_raise_frame_error(
    msg_type: MessageType, payload: bytes, match: str
) -> None:
    with pytest.raises(FrameError, match=match):
        decode_message(_frame(msg_type, payload))


def test_unknown_type_is_a_frame_error() -> None:
    with pytest.raises(FrameError, match="unknown message type 0x22"):
        decode_message(Frame(0x22, 5, 0, b""))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: GprTrace(np.zeros((2, 2), np.int16)), "expected \\(n,\\)"),
        (lambda: GprTrace(np.zeros(3, np.float64)), "int16, int32 or float32"),
        (lambda: MdBlock(np.zeros(3, np.int16)), "n_frames, 1-255"),
        (lambda: MdBlock(np.zeros((1, 256), np.int16)), "n_frames, 1-255"),
        (lambda: GprTrace(np.zeros(40000, np.int16)).to_payload(), "over 65535"),
        (lambda: Mark(300).to_payload(), "outside 0-255"),
        (lambda: Command("x", {"cmd": "y"}).to_payload(), "repeat the key"),
        (lambda: WheelPosition(2**63, 1.0).to_payload(), "cannot be packed"),
        (lambda: Status({"v": float("nan")}).to_payload(), "cannot be sent as JSON"),
        (lambda: Status({"v": object()}).to_payload(), "cannot be sent as JSON"),
    ],
)
def test_messages_that_cannot_be_sent(make: object, match: str) -> None:
    with pytest.raises((FrameError, ValueError), match=match):
        make()  # type: ignore[operator]


def test_sample_rows_views_data_payloads_without_copying():
    trace = np.arange(5, dtype=np.int32)
    payload = GprTrace(trace).to_payload()
    rows = sample_rows(MessageType.GPR_TRACE, payload)
    assert rows.shape == (1, 5) and rows.dtype == np.int32
    np.testing.assert_array_equal(rows[0], trace)
    assert rows.base is not None and not rows.flags.writeable  # a view of the payload
    block = np.arange(12, dtype=np.float32).reshape(4, 3)
    rows = sample_rows(MessageType.MD_BLOCK, MdBlock(block).to_payload())
    assert rows.shape == (4, 3)
    np.testing.assert_array_equal(rows, block)
    # the message classes parse through it
    assert GprTrace.from_payload(payload) == GprTrace(trace)


@pytest.mark.parametrize(
    ("msg_type", "payload", "reason", "text"),
    [
        (MessageType.GPR_TRACE, b"\x01\x00\x02", "short", "3 bytes is shorter than 4"),
        (MessageType.MD_BLOCK, struct.pack("<BBH", 7, 1, 1), "format", "sample_format 7"),
        (MessageType.MD_BLOCK, struct.pack("<BBH", 1, 0, 1), "channels", "0 channels"),
        (
            MessageType.GPR_TRACE,
            struct.pack("<BBH", 2, 0, 2) + b"\x00" * 4,
            "size",
            "says 2 samples (12 bytes) but the payload has 8 bytes",
        ),
        (
            MessageType.MD_BLOCK,
            struct.pack("<BBH", 1, 2, 3) + b"\x00" * 10,
            "size",
            "says 3 frames x 2 channels (16 bytes) but the payload has 14 bytes",
        ),
    ],
)
def test_sample_rows_says_precisely_what_is_wrong(msg_type, payload, reason, text):
    with pytest.raises(PayloadError, match=re.escape(text)) as caught:
        sample_rows(msg_type, payload)
    assert caught.value.reason == reason and caught.value.reason in PAYLOAD_REASONS
    assert isinstance(caught.value, FrameError)
