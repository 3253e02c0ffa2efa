"""The Python codec against the shared vectors of firmware_io/vectors (the C code runs the same)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from detsig.errors import FrameError
from detsig.wire import (
    BAD_FRAME_REASONS,
    FrameDecoder,
    MessageType,
    decode_frame,
    decode_message,
    encode_frame,
)

VECTORS = Path(__file__).resolve().parents[2] / "firmware_io" / "vectors"
FRAMES: list[dict[str, Any]] = json.loads((VECTORS / "frames.json").read_text("utf-8"))
STREAMS: list[dict[str, Any]] = json.loads((VECTORS / "streams.json").read_text("utf-8"))
VALID = [v for v in FRAMES if v["valid"]]
INVALID = [v for v in FRAMES if not v["valid"]]
DESCRIBED = [v for v in VALID if "message" in v]


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


def test_vector_files_are_generated_by_the_generator() -> None:
    done = subprocess.run(
        [sys.executable, str(VECTORS / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_vector_files_have_one_object_per_line_for_the_c_reader() -> None:
    for name in ("frames.json", "streams.json"):
        lines = (VECTORS / name).read_text("utf-8").splitlines()
        assert lines[0] == "[" and lines[-1] == "]"
        for line in lines[1:-1]:
            obj = json.loads(line.rstrip(","))
            assert next(iter(obj)) == "name" and list(obj)[-1] == "hex"


def test_frame_vectors_cover_what_the_issue_asks() -> None:
    assert len(FRAMES) >= 30
    assert {t.value for t in MessageType} <= {v["type"] for v in VALID}
    assert set(BAD_FRAME_REASONS) == {v["error"] for v in INVALID}
    payload_lens = {len(v["payload_hex"]) // 2 for v in VALID}
    assert {0, 65535} <= payload_lens
    assert any(set(bytes.fromhex(v["payload_hex"])) == {0} for v in VALID)
    assert any(v["seq"] == 2**32 - 1 for v in VALID)
    for v in FRAMES:
        wire = bytes.fromhex(v["hex"])
        assert wire.endswith(b"\x00") and wire.count(0) == 1, v["name"]


@pytest.mark.parametrize("vec", VALID, ids=_ids(VALID))
def test_valid_frame_vector_decodes(vec: dict[str, Any]) -> None:
    wire = bytes.fromhex(vec["hex"])
    frame = decode_frame(wire)
    assert not isinstance(frame, str), frame
    assert frame.type == vec["type"]
    assert frame.seq == vec["seq"]
    assert frame.device_time_us == vec["device_time_us"]
    assert frame.payload == bytes.fromhex(vec["payload_hex"])
    decoder = FrameDecoder()
    assert decoder.feed(wire) == [frame]
    assert decoder.bad_frames == 0


@pytest.mark.parametrize("vec", VALID, ids=_ids(VALID))
def test_encoder_reproduces_valid_frame_vector(vec: dict[str, Any]) -> None:
    payload = bytes.fromhex(vec["payload_hex"])
    wire = encode_frame(vec["type"], payload, vec["seq"], vec["device_time_us"])
    assert wire.hex() == vec["hex"]


@pytest.mark.parametrize("vec", DESCRIBED, ids=_ids(DESCRIBED))
def test_valid_frame_vector_message_meaning(vec: dict[str, Any]) -> None:
    frame = decode_frame(bytes.fromhex(vec["hex"]))
    assert not isinstance(frame, str)
    msg = decode_message(frame)
    meaning = vec["message"]
    for key, expected in meaning.items():
        if key == "samples":
            assert msg.samples.tolist() == expected  # type: ignore[union-attr]
        elif key == "sample_format":
            assert int(msg.sample_format) == expected  # type: ignore[union-attr]
        elif hasattr(msg, key):
            assert getattr(msg, key) == expected, key
        else:
            holder = next(
                getattr(msg, name)
                for name in ("values", "params", "extra", "config")
                if hasattr(msg, name) and key in getattr(msg, name)
            )
            assert holder[key] == expected, key


def test_unknown_type_vector_is_a_message_level_error() -> None:
    vec = next(v for v in VALID if v["name"] == "unknown_type")
    frame = decode_frame(bytes.fromhex(vec["hex"]))
    assert not isinstance(frame, str)
    with pytest.raises(FrameError, match="unknown message type 0x33"):
        decode_message(frame)


@pytest.mark.parametrize("vec", INVALID, ids=_ids(INVALID))
def test_invalid_frame_vector_is_rejected_for_its_reason(vec: dict[str, Any]) -> None:
    wire = bytes.fromhex(vec["hex"])
    assert decode_frame(wire) == vec["error"]
    decoder = FrameDecoder()
    assert decoder.feed(wire) == []
    assert decoder.bad_frames == 1
    assert decoder.bad_frame_reasons[vec["error"]] == 1
    (event,) = decoder.drain_events()
    assert event.reason == vec["error"]  # type: ignore[union-attr]
    assert event.n_bytes == len(wire) - 1 or vec["error"] == "length"  # type: ignore[union-attr]


def _check_stream(decoder: FrameDecoder, frames: list[Any], vec: dict[str, Any]) -> None:
    got = [{"type": f.type, "seq": f.seq, "payload_hex": f.payload.hex()} for f in frames]
    assert got == vec["frames"]
    assert decoder.bad_frames == vec["bad_frames"]
    assert decoder.gaps == vec["gaps"]
    assert decoder.seq_resets == vec["seq_resets"]
    reasons = {k: n for k, n in decoder.bad_frame_reasons.items() if n}
    assert reasons == vec["bad_frame_reasons"]


@pytest.mark.parametrize("vec", STREAMS, ids=_ids(STREAMS))
def test_stream_vector_in_one_chunk(vec: dict[str, Any]) -> None:
    decoder = FrameDecoder()
    frames = decoder.feed(bytes.fromhex(vec["hex"]))
    frames += decoder.finish()
    _check_stream(decoder, frames, vec)


@pytest.mark.parametrize("vec", STREAMS, ids=_ids(STREAMS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stream_vector_in_random_chunks(vec: dict[str, Any], seed: int) -> None:
    data = bytes.fromhex(vec["hex"])
    rnd = random.Random(seed)
    decoder = FrameDecoder()
    frames = []
    pos = 0
    while pos < len(data):
        step = rnd.choice([1, 2, 3, 7, 64, 1000, 70000])
        frames += decoder.feed(data[pos : pos + step])
        pos += step
    frames += decoder.finish()
    _check_stream(decoder, frames, vec)
    assert decoder.bytes_received == len(data)


def test_stream_vectors_cover_what_the_issue_asks() -> None:
    names = set(_ids(STREAMS))
    assert {"garbage_then_delimiter", "back_to_back", "cut_at_end", "leading_zeros"} <= names
    assert {"seq_jump", "seq_wraparound"} <= names
    assert sum(v["gaps"] for v in STREAMS) > 0


def test_protocol_md_example_is_the_vector() -> None:
    text = (VECTORS.parent / "PROTOCOL.md").read_text("utf-8")
    vec = next(v for v in VALID if v["name"] == "seq_zero_time_zero")
    wire_line = next(line for line in text.splitlines() if line.strip().startswith("wire  0"))
    assert bytes.fromhex(wire_line.split("wire", 1)[1]).hex() == vec["hex"]
