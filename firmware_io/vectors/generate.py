"""Generate the wire-protocol test vectors: frames.json and streams.json.

Valid frames come from the Python encoder (``detsig.wire``); corrupt ones are built by hand
here from ``struct``, ``zlib.crc32`` and ``cobs`` so that they do not depend on the code they
test. The output is deterministic; ``--check`` fails when the committed files differ from
what this script would write (the test suite runs that).

Each file is a JSON list with one vector object per line and a fixed key order, so that the
C host tests can read it with a few lines of string scanning (see ``c/test/vectors.c``).

Usage::

    python firmware_io/vectors/generate.py          # rewrite frames.json and streams.json
    python firmware_io/vectors/generate.py --check  # exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import json
import random
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from cobs import cobs

from detsig.wire import (
    MAX_ENCODED_LEN,
    MAX_PAYLOAD_LEN,
    Ack,
    Command,
    DeviceErrorMessage,
    GprTrace,
    Hello,
    Mark,
    MdBlock,
    Message,
    MessageType,
    Status,
    WheelPosition,
    encode_frame,
)

HERE = Path(__file__).resolve().parent
FRAME_KEYS = ("name", "valid", "type", "seq", "device_time_us", "error", "message", "note")

GPR_HELLO = Hello(
    device="gpr",
    model="detsig-emu-gpr",
    serial="G0001",
    firmware="1.0.0",
    config={
        "samples": 512,
        "sample_interval_s": 1e-10,
        "center_frequency_hz": 1e9,
        "traces_per_s": 200,
    },
)
MD_HELLO = Hello(
    device="md",
    model="detsig-pi-avr",
    serial="M0042",
    firmware="0.3.1",
    config={
        "channels": ["g0", "g1", "g2", "g3"],
        "sample_rate_hz": 500.0,
        "units": "adc_counts",
    },
)


def _body(
    msg_type: int, payload: bytes, seq: int, time_us: int, version: int = 1, length: int = -1
) -> bytes:
    """Hand-built body with a correct CRC; ``length`` overrides payload_len."""
    n = len(payload) if length < 0 else length
    head = struct.pack("<BBHIQ", version, msg_type, n, seq, time_us) + payload
    return head + struct.pack("<I", zlib.crc32(head))


def _wire(body: bytes) -> bytes:
    return cobs.encode(body) + b"\x00"


def _reason_of(segment: bytes) -> str:
    """Why a run of bytes between delimiters is not a frame (independent of detsig.wire)."""
    if len(segment) > MAX_ENCODED_LEN:
        return "length"
    try:
        body = cobs.decode(segment)
    except cobs.DecodeError:
        return "cobs"
    if len(body) < 20:
        return "truncated"
    if len(body) > 20 + MAX_PAYLOAD_LEN:
        return "length"
    if zlib.crc32(body[:-4]) != struct.unpack("<I", body[-4:])[0]:
        return "crc"
    if body[0] != 1:
        return "version"
    assert struct.unpack_from("<H", body, 2)[0] != len(body) - 20, "segment is a valid frame"
    return "length"


def _message_json(msg: Message) -> dict[str, Any]:
    """The decoded meaning of a message, as plain JSON."""
    if isinstance(msg, GprTrace | MdBlock):
        out: dict[str, Any] = {"sample_format": int(msg.sample_format)}
        if isinstance(msg, MdBlock):
            out["n_channels"] = msg.n_channels
        out["samples"] = msg.samples.tolist()
        return out
    if isinstance(msg, Hello):
        return msg.to_dict()
    if isinstance(msg, WheelPosition):
        # the f32 on the wire, exactly
        return {"ticks": msg.ticks, "metres_per_tick": float(np.float32(msg.metres_per_tick))}
    if isinstance(msg, Mark):
        return {"kind": msg.kind, "text": msg.text}
    if isinstance(msg, Status):
        return msg.values
    if isinstance(msg, DeviceErrorMessage):
        return {"code": msg.code, "message": msg.message, **msg.extra}
    if isinstance(msg, Command):
        return {"cmd": msg.cmd, **msg.params}
    return {"cmd": msg.cmd, "ok": msg.ok, "error": msg.error, **msg.extra}


def _valid(
    name: str,
    msg_type: int,
    payload: bytes,
    seq: int,
    time_us: int,
    note: str,
    message: Message | None = None,
) -> dict[str, Any]:
    vec: dict[str, Any] = {
        "name": name,
        "valid": True,
        "type": msg_type,
        "seq": seq,
        "device_time_us": time_us,
    }
    if message is not None:
        vec["message"] = _message_json(message)
    vec["note"] = note
    vec["payload_hex"] = payload.hex()
    vec["hex"] = encode_frame(msg_type, payload, seq, time_us).hex()
    return vec


def _msg(
    name: str, msg: Message, seq: int, time_us: int, note: str, describe: bool = True
) -> dict[str, Any]:
    payload = msg.to_payload()
    return _valid(
        name, int(msg.message_type), payload, seq, time_us, note, msg if describe else None
    )


def _invalid(name: str, wire: bytes, error: str, note: str) -> dict[str, Any]:
    return {"name": name, "valid": False, "error": error, "note": note, "hex": wire.hex()}


def frame_vectors() -> list[dict[str, Any]]:
    """The single-frame vectors."""
    rng = np.random.default_rng(20260101)
    trace16 = rng.integers(-32768, 32768, 512).astype(np.int16)
    vecs = [
        _msg("hello_gpr", GPR_HELLO, 0, 1_000, "GPR HELLO, first frame after boot"),
        _msg("hello_md", MD_HELLO, 0, 250, "MD HELLO of the example AVR firmware"),
        _msg(
            "gpr_trace_int16_small",
            GprTrace(np.array([0, 1, -1, 32767, -32768, 256, 0, 0], np.int16)),
            1,
            5_000,
            "8 int16 samples incl. zero bytes and extremes",
        ),
        _msg(
            "gpr_trace_int32",
            GprTrace(np.array([0, -1, 2**31 - 1, -(2**31), 65536], np.int32)),
            2,
            10_000,
            "int32 samples (sample_format 2)",
        ),
        _msg(
            "gpr_trace_float32",
            GprTrace(np.array([0.0, -1.5, 3.25, 1e-3], np.float32)),
            3,
            15_000,
            "float32 samples (sample_format 3)",
        ),
        _msg(
            "gpr_trace_int16_512",
            GprTrace(trace16),
            4,
            20_000,
            "a typical 512-sample trace of random int16",
            describe=False,
        ),
        _msg(
            "gpr_trace_empty",
            GprTrace(np.zeros(0, np.int16)),
            5,
            25_000,
            "a trace of 0 samples (4-byte payload)",
        ),
        _msg(
            "md_block_int16_4ch",
            MdBlock(np.arange(-20, 20, dtype=np.int16).reshape(10, 4) * 97),
            6,
            30_000,
            "10 frames x 4 gates, int16, frame-major",
        ),
        _msg(
            "md_block_float32_2ch",
            MdBlock(np.array([[0.5, -0.5], [1.0, 2.0], [0.0, 0.0]], np.float32)),
            7,
            35_000,
            "VLF I/Q pairs as float32",
        ),
        _msg(
            "encoder", WheelPosition(ticks=12345, metres_per_tick=0.001), 8, 40_000, "wheel ticks"
        ),
        _msg(
            "encoder_negative",
            WheelPosition(ticks=-42, metres_per_tick=0.0025),
            9,
            45_000,
            "wheel rolled back past its start",
        ),
        _msg("mark_operator", Mark(kind=0, text=""), 10, 50_000, "button press, no text"),
        _msg(
            "mark_lane_start_utf8",
            Mark(kind=1, text="lane 3 — nord"),
            11,
            55_000,
            "lane start with non-ASCII UTF-8 text",
        ),
        _msg("mark_lane_end", Mark(kind=2, text="lane 3"), 12, 60_000, "lane end"),
        _msg(
            "status",
            Status({"battery_v": 11.7, "temperature_c": 31.5, "running": True}),
            13,
            65_000,
            "periodic health report",
        ),
        _msg(
            "error",
            DeviceErrorMessage(code="ADC_OVERRUN", message="ADC sample lost"),
            14,
            70_000,
            "device fault",
        ),
        _msg("command_start", Command("start"), 0, 0, "host -> device: start streaming"),
        _msg("command_stop", Command("stop"), 1, 0, "host -> device: stop streaming"),
        _msg("command_hello", Command("hello"), 2, 0, "host -> device: send HELLO again"),
        _msg(
            "command_config",
            Command("config", {"sample_rate_hz": 250, "averages": 8}),
            3,
            0,
            "host -> device: change settings",
        ),
        _msg("ack_ok", Ack("start", ok=True), 15, 75_000, "command carried out"),
        _msg(
            "ack_error",
            Ack("config", ok=False, error="sample_rate_hz out of range"),
            16,
            80_000,
            "command refused",
        ),
        _valid("empty_payload", MessageType.STATUS, b"", 17, 85_000, "payload_len 0"),
        _valid(
            "unknown_type",
            0x33,
            b"\x01\x02",
            18,
            90_000,
            "unknown type: valid frame, rejected later at message level",
        ),
        _valid(
            "payload_all_zeros",
            MessageType.GPR_TRACE,
            b"\x00" * 1024,
            19,
            95_000,
            "1024 zero bytes: every COBS block has length 1",
        ),
        _valid(
            "max_payload_zeros",
            0x33,
            b"\x00" * MAX_PAYLOAD_LEN,
            20,
            100_000,
            "65535 zero bytes",
        ),
        _valid(
            "max_payload_nonzero",
            0x33,
            bytes((i % 255) + 1 for i in range(MAX_PAYLOAD_LEN)),
            21,
            105_000,
            "65535 non-zero bytes: longest COBS encoding (254-byte blocks)",
        ),
    ]
    for body_len in (253, 254, 255, 508, 509):
        payload = bytes((i % 255) + 1 for i in range(body_len - 20))
        vecs.append(
            _valid(
                f"cobs_block_boundary_{body_len}",
                0x33,
                payload,
                0x01010101,
                0x0101010101010101,
                f"body of {body_len} bytes without zeros around the 254-byte COBS block",
            )
        )
    vecs += [
        _valid("seq_max", MessageType.MARK, b"\x00", 0xFFFFFFFF, 1, "seq 2**32-1, next is 0"),
        _valid("seq_zero_time_zero", MessageType.MARK, b"\x00", 0, 0, "header full of zeros"),
        _valid("time_max", MessageType.MARK, b"\x00", 7, 2**64 - 1, "device_time_us at 2**64-1"),
    ]

    good = _body(MessageType.MARK, b"\x00bad", 5, 1234)
    bad_crc = good[:-4] + bytes([good[-4] ^ 0x01]) + good[-3:]
    flipped = bytearray(good)
    flipped[17] ^= 0x40
    vecs += [
        _invalid("bad_crc", _wire(bad_crc), "crc", "last CRC byte with one bit flipped"),
        _invalid("bad_crc_payload_bit", _wire(bytes(flipped)), "crc", "one payload bit flipped"),
        _invalid(
            "bad_crc_dropped_byte",
            _wire(good[:10] + good[11:]),
            "crc",
            "one header byte lost in transit",
        ),
        _invalid("truncated_empty_body", b"\x01\x00", "truncated", "COBS of an empty body"),
        _invalid("truncated_header", _wire(good[:10]), "truncated", "body of 10 bytes"),
        _invalid(
            "truncated_19_bytes", _wire(good[:19]), "truncated", "body 1 byte short of minimum"
        ),
        _invalid(
            "length_overlong",
            _wire(_body(MessageType.MARK, b"\x00bad", 5, 1234, length=400)),
            "length",
            "payload_len 400 but 4 payload bytes (CRC correct)",
        ),
        _invalid(
            "length_short",
            _wire(_body(MessageType.MARK, b"\x00bad", 5, 1234, length=1)),
            "length",
            "payload_len 1 but 4 payload bytes (CRC correct)",
        ),
        _invalid(
            "length_run_too_long",
            b"\x01" * (MAX_ENCODED_LEN + 1) + b"\x00",
            "length",
            "a run longer than the largest possible frame",
        ),
        _invalid(
            "length_body_too_long",
            b"\x01" * MAX_ENCODED_LEN + b"\x00",
            "length",
            "valid COBS of 65813 zero bytes: longer than the largest body (65555)",
        ),
        _invalid(
            "version_2",
            _wire(_body(MessageType.MARK, b"\x00", 1, 1, version=2)),
            "version",
            "unknown protocol version 2 (CRC correct)",
        ),
        _invalid(
            "version_0",
            _wire(_body(MessageType.MARK, b"\x00", 1, 1, version=0)),
            "version",
            "version 0 (CRC correct)",
        ),
        _invalid(
            "cobs_cut_mid_block",
            cobs.encode(good)[:-3] + b"\x00",
            "cobs",
            "frame cut inside a COBS block",
        ),
        _invalid(
            "cobs_garbage",
            bytes.fromhex("ff1234") + b"\x00",
            "cobs",
            "noise: code byte points past the delimiter",
        ),
    ]
    return vecs


def _frame_entry(msg_type: int, payload: bytes, seq: int) -> dict[str, Any]:
    return {"type": msg_type, "seq": seq, "payload_hex": payload.hex()}


class _Stream:
    def __init__(self, name: str, note: str) -> None:
        self.name, self.note = name, note
        self.data = bytearray()
        self.frames: list[dict[str, Any]] = []

    def frame(self, seq: int, payload: bytes = b"\x00", msg_type: int = 0x40) -> _Stream:
        self.data += encode_frame(msg_type, payload, seq, seq * 1000)
        self.frames.append(_frame_entry(msg_type, payload, seq))
        return self

    def raw(self, data: bytes) -> _Stream:
        self.data += data
        return self

    def done(
        self, bad_frames: int, gaps: int, reasons: dict[str, int], seq_resets: int = 0
    ) -> dict[str, Any]:
        return {
            "name": self.name,
            "bad_frames": bad_frames,
            "gaps": gaps,
            "seq_resets": seq_resets,
            "bad_frame_reasons": reasons,
            "note": self.note,
            "frames": self.frames,
            "hex": self.data.hex(),
        }


def stream_vectors() -> list[dict[str, Any]]:
    """The byte-stream vectors."""
    rnd = random.Random(7)
    noise = bytes(rnd.randrange(1, 256) for _ in range(40))
    lost = encode_frame(0x40, b"\x00lost", 3, 3000)
    out = [
        _Stream("empty", "no bytes at all").done(0, 0, {}),
        _Stream("back_to_back", "five frames, no bytes between")
        .frame(0)
        .frame(1)
        .frame(2)
        .frame(3)
        .frame(4)
        .done(0, 0, {}),
        _Stream("leading_zeros", "idle zeros before and between frames")
        .raw(b"\x00\x00\x00")
        .frame(0)
        .raw(b"\x00\x00")
        .frame(1)
        .done(0, 0, {}),
        _Stream("garbage_then_delimiter", "noise ending in 0x00 between frames")
        .frame(0)
        .raw(noise + b"\x00")
        .frame(1)
        .done(1, 0, {_reason_of(noise): 1}),
        _Stream(
            "garbage_merges_with_next",
            "noise without 0x00 joins the next frame: both are lost as one bad frame",
        )
        .frame(0)
        .raw(noise)
        .raw(encode_frame(0x40, b"\x00", 1, 1000))
        .frame(2)
        .done(1, 1, {_reason_of(noise + encode_frame(0x40, b"\x00", 1, 1000)[:-1]): 1}),
        _Stream("cut_at_end", "stream ends inside a frame (counted by finish())")
        .frame(0)
        .frame(1)
        .raw(encode_frame(0x40, b"\x00cut", 2, 2000)[:9])
        .done(1, 0, {"truncated": 1}),
        _Stream("starts_mid_frame", "receiver started listening in the middle of a frame")
        .raw(lost[len(lost) // 2 :])
        .frame(4)
        .frame(5)
        .done(1, 0, {_reason_of(lost[len(lost) // 2 : -1]): 1}),
        _Stream("seq_jump", "seq 0, 1, 5, 6: three missing")
        .frame(0)
        .frame(1)
        .frame(5)
        .frame(6)
        .done(0, 3, {}),
        _Stream("seq_wraparound", "2**32-2, 2**32-1, 0, 1: wrap-around is not a gap")
        .frame(0xFFFFFFFE)
        .frame(0xFFFFFFFF)
        .frame(0)
        .frame(1)
        .done(0, 0, {}),
        _Stream("seq_gap_across_wrap", "2**32-2 then 1: 2**32-1 and 0 missing")
        .frame(0xFFFFFFFE)
        .frame(1)
        .done(0, 2, {}),
        _Stream("seq_restart", "device restarted: seq jumps back to 0, not a gap")
        .frame(100)
        .frame(101)
        .frame(0, GPR_HELLO.to_payload(), 0x01)
        .frame(1)
        .done(0, 0, {}, seq_resets=1),
        _Stream("bad_crc_in_middle", "the middle frame is corrupt: one bad frame and one gap")
        .frame(0)
        .raw(_wire(_body(0x40, b"\x00", 1, 1000)[:-1] + b"\x5a"))
        .frame(2)
        .done(1, 1, {"crc": 1}),
        _Stream("every_bad_reason", "one frame of each bad reason between good frames")
        .frame(0)
        .raw(b"\x05\x01\x02\x00")  # cobs
        .raw(b"\x03\x01\x02\x00")  # truncated
        .raw(_wire(_body(0x40, b"\x00", 1, 0)[:-1] + b"\xee"))  # crc
        .raw(_wire(_body(0x40, b"\x00", 1, 0, version=9)))  # version
        .raw(_wire(_body(0x40, b"\x00", 1, 0, length=9)))  # length
        .frame(1)
        .done(5, 0, {"cobs": 1, "truncated": 1, "crc": 1, "version": 1, "length": 1}),
        _Stream("overlong_run", "a run longer than any frame is dropped, decoding resumes after")
        .frame(0)
        .raw(b"\x07" * (MAX_ENCODED_LEN + 100) + b"\x00")
        .frame(1)
        .done(1, 0, {"length": 1}),
        _Stream("mixed_types", "HELLO, traces, an encoder reading and a mark")
        .frame(0, GPR_HELLO.to_payload(), 0x01)
        .frame(1, GprTrace(np.arange(16, dtype=np.int16)).to_payload(), 0x10)
        .frame(2, WheelPosition(10, 0.01).to_payload(), 0x30)
        .frame(3, GprTrace(np.zeros(16, np.int16)).to_payload(), 0x10)
        .frame(4, Mark(1, "lane").to_payload(), 0x40)
        .done(0, 0, {}),
        _Stream("resync_zero_before_frame", "a sender may put an extra 0x00 before a frame")
        .raw(lost[:7])
        .raw(b"\x00")
        .frame(4)
        .frame(5)
        .done(1, 0, {_reason_of(lost[:7]): 1}),
    ]
    return out


def _dump(vectors: list[dict[str, Any]]) -> str:
    lines = [json.dumps(v, ensure_ascii=False) for v in vectors]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the files are current")
    args = parser.parse_args(argv)
    wanted = {
        HERE / "frames.json": _dump(frame_vectors()),
        HERE / "streams.json": _dump(stream_vectors()),
    }
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text("utf-8") != text]
    if args.check:
        for p in stale:
            print(f"{p} is out of date: run python {Path(__file__).name}", file=sys.stderr)
        return 1 if stale else 0
    for p, text in wanted.items():
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
