"""Wire protocol v1 between devices and the host: framing, incremental decoding, messages.

A frame is ``COBS(body) 0x00`` with a 16-byte header (version, type, payload_len, seq,
device_time_us), the payload and a CRC-32; ``firmware_io/PROTOCOL.md`` is the normative text.
This package never touches a port: it turns bytes into frames and messages and back.

Examples
--------
>>> import numpy as np
>>> from detsig.wire import FrameDecoder, FrameEncoder, GprTrace, decode_message
>>> enc, dec = FrameEncoder(), FrameDecoder()
>>> wire = enc.encode(GprTrace(np.zeros(4, dtype=np.int16)), device_time_us=0)
>>> [decode_message(f).n_samples for f in dec.feed(wire)]
[4]
"""

from detsig.wire.decoder import BadFrame, DecoderEvent, FrameDecoder, Gap, SeqReset
from detsig.wire.framing import (
    BAD_FRAME_REASONS,
    CRC_LEN,
    HEADER_LEN,
    MAX_BODY_LEN,
    MAX_ENCODED_LEN,
    MAX_FRAME_LEN,
    MAX_PAYLOAD_LEN,
    MIN_BODY_LEN,
    PROTOCOL_VERSION,
    SEQ_MODULUS,
    Frame,
    FrameEncoder,
    build_body,
    check_body,
    decode_frame,
    encode_frame,
)
from detsig.wire.messages import (
    MESSAGE_CLASSES,
    PAYLOAD_REASONS,
    SAMPLE_DTYPES,
    Ack,
    Command,
    DeviceErrorMessage,
    GprTrace,
    Hello,
    Mark,
    MarkKind,
    MdBlock,
    Message,
    MessageType,
    PayloadError,
    SampleFormat,
    Status,
    WheelPosition,
    decode_message,
    encode_message,
    sample_format_of,
    sample_rows,
)

__all__ = [
    "BAD_FRAME_REASONS",
    "CRC_LEN",
    "HEADER_LEN",
    "MAX_BODY_LEN",
    "MAX_ENCODED_LEN",
    "MAX_FRAME_LEN",
    "MAX_PAYLOAD_LEN",
    "MESSAGE_CLASSES",
    "MIN_BODY_LEN",
    "PAYLOAD_REASONS",
    "PROTOCOL_VERSION",
    "SAMPLE_DTYPES",
    "SEQ_MODULUS",
    "Ack",
    "BadFrame",
    "Command",
    "DecoderEvent",
    "DeviceErrorMessage",
    "Frame",
    "FrameDecoder",
    "FrameEncoder",
    "Gap",
    "GprTrace",
    "Hello",
    "Mark",
    "MarkKind",
    "MdBlock",
    "Message",
    "MessageType",
    "PayloadError",
    "SampleFormat",
    "SeqReset",
    "Status",
    "WheelPosition",
    "build_body",
    "check_body",
    "decode_frame",
    "decode_message",
    "encode_frame",
    "encode_message",
    "sample_format_of",
    "sample_rows",
]
