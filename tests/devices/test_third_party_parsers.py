"""The byte-level parts of the third-party drivers: protocol sniffing, port specs, the
Acconeer message decoder (resynchronisation, chunking), the text line parser and the UBX
parser (fix quality, chunking, garbage)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detsig.devices.acconeer_protocol import MAX_PAYLOAD_BYTES, MessageDecoder, encode_message
from detsig.devices.emulator_base import garble
from detsig.devices.emulator_ubx import make_ubx_capture
from detsig.devices.registry import split_port
from detsig.devices.sniff import guess_protocol, looks_like
from detsig.devices.text import TextDriver, split_fields
from detsig.devices.ubx import UbxParser, fix_quality
from detsig.errors import UsageError
from detsig.links import open_link
from detsig.wire import FrameEncoder, Hello


def _result(tick: int, n: int = 8) -> bytes:
    info = [[{"tick": tick, "data_saturated": False, "frame_delayed": False}]]
    payload = np.arange(2 * n, dtype="<i2").tobytes()
    return encode_message({"status": "ok", "result_info": info}, payload)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


# -- sniffing and port specs ---------------------------------------------------------------
def test_each_protocol_is_told_from_its_bytes():
    wire = FrameEncoder().encode(Hello("gpr", "m", "s", "f", {"samples": 8}), 0)
    ubx, _ = make_ubx_capture(2)
    nmea = b"$GPGGA,000343.03,4808.9993,N,01135.0798,E,1,04,01.4,00460.0,M,0046.2,M,,*56\r\n"
    acconeer = encode_message({"status": "ok", "system_info": {"sensor": "a121"}})
    text = b"t_ms,gate1\r\n0,512\r\n20,514\r\n"
    assert guess_protocol(wire) == "wire"
    assert guess_protocol(ubx[:60] + nmea + ubx[60:]) == "ubx"  # u-blox prints both
    assert guess_protocol(b"# a comment\n" + nmea) == "nmea"
    assert guess_protocol(acconeer) == "acconeer"
    assert guess_protocol(text) == "text"
    assert guess_protocol(b'{"comment": 1}\n' + nmea, among=("ubx", "nmea")) == "nmea"
    assert guess_protocol(garble(text + nmea)) is None
    assert looks_like(text, "acconeer") == "; it looks like a text-line detector: give PATH:text"
    assert looks_like(text, "text") == ""


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("/dev/ttyUSB0", ("/dev/ttyUSB0", None, None)),
        ("/dev/ttyACM0:acconeer", ("/dev/ttyACM0", "acconeer", None)),
        ("/dev/ttyACM0:text@9600", ("/dev/ttyACM0", "text", 9600)),
        ("/dev/ttyACM0@57600", ("/dev/ttyACM0", None, 57600)),
        ("socket://localhost:5000", ("socket://localhost:5000", None, None)),
        ("socket://localhost:5000:wire", ("socket://localhost:5000", "wire", None)),
    ],
)
def test_port_specs(spec, expected):
    assert split_port(spec) == expected


def test_a_bad_line_speed_is_a_usage_error():
    with pytest.raises(UsageError, match="after '@' give the line speed"):
        split_port("/dev/ttyUSB0:text@fast")


# -- Acconeer messages ---------------------------------------------------------------------
def test_cut_header_and_line_noise_are_one_bad_message_each_and_the_next_is_kept():
    decoder = MessageDecoder()
    first, second, third = _result(0), _result(50_000), _result(100_000)
    cut = first[: first.index(b"\n") // 2]
    messages = decoder.feed(cut + second + b"\xfe\x13~~ \x07" + third)
    assert [h["result_info"][0][0]["tick"] for h, _ in messages] == [50_000, 100_000]
    assert decoder.drain_bad() == ["header cut off", "not a header"]
    assert all(len(p) == 32 for _, p in messages)


def test_a_payload_size_out_of_bounds_allocates_nothing():
    decoder = MessageDecoder()
    header = json.dumps({"status": "ok", "payload_size": MAX_PAYLOAD_BYTES + 1}).encode()
    assert decoder.feed(header + b"\n" + _result(7)) != []
    assert decoder.drain_bad() == ["bad payload_size"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=12))
def test_acconeer_decoding_in_chunks_equals_decoding_at_once(cuts):
    stream = b"".join(_result(t * 1000) for t in range(5))
    stream = stream[:40] + stream[90:]  # one header cut, for a bad message too
    whole = MessageDecoder()
    expected = whole.feed(stream)
    chunked = MessageDecoder()
    got = [m for chunk in _chunks(stream, cuts) for m in chunked.feed(chunk)]
    assert got == expected and chunked.drain_bad() == whole.drain_bad()


# -- text lines ----------------------------------------------------------------------------
def test_fields_split_at_commas_semicolons_tabs_and_spaces():
    assert split_fields(" 1,2;3\t4  5 ") == ["1", "2", "3", "4", "5"]
    assert split_fields("") == []


def test_text_lines_with_header_floats_and_broken_lines():
    driver = TextDriver(open_link("loop://", read_timeout_s=0.01), "board")
    driver.feed(b"x_mV;y_mV\r\n1.5;-2\r\n2.25;3e1\r\noops!\r\n4;5;6\r\n\xff\xfe\r\n7;8", 1)
    driver.finish_line()
    items = driver.drain_backlog()
    rows = np.concatenate([i.data for i in items if hasattr(i, "data")])
    np.testing.assert_array_equal(rows, [[1.5, -2.0], [2.25, 30.0]])
    assert rows.dtype == np.float64 and driver.layout.channel_names == ("x_mV", "y_mV")
    reasons = [i.detail.split(" (")[0] for i in items if getattr(i, "kind", "") == "bad_frame"]
    assert reasons == ["1 field, expected 2", "3 fields, expected 2", "not text", "line cut off"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), max_size=10))
def test_text_parsing_in_chunks_equals_parsing_at_once(cuts):
    data = b"t_ms,a\r\n" + b"".join(f"{i * 10},{i * i}\r\n".encode() for i in range(30))
    data += b"x" * 1500 + b"\n1,2\n"  # a line too long, then a good one

    def parse(chunks):
        driver = TextDriver(open_link("loop://", read_timeout_s=0.01), "board")
        for chunk in chunks:
            driver.feed(chunk, 1)
        items = driver.drain_backlog()
        rows = np.concatenate([i.data for i in items if hasattr(i, "data")])
        return rows, [i.detail for i in items if not hasattr(i, "data")]

    rows, events = parse([data])
    assert rows.shape == (31, 2) and len(events) == 1 and events[0].startswith("line too long")
    chunked_rows, chunked_events = parse(_chunks(data, cuts))
    np.testing.assert_array_equal(chunked_rows, rows)
    assert chunked_events == events


# -- UBX -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fix_type", "ok", "diff", "carrier", "quality"),
    [
        (3, True, True, 2, 4),
        (3, True, True, 1, 5),
        (3, True, True, 0, 2),
        (2, True, False, 0, 1),
        (3, False, False, 2, 0),
        (0, False, False, 0, 0),
        (1, True, False, 0, 6),
        (5, True, 0, 0, 0),
    ],
)
def test_fix_quality_follows_gga_codes(fix_type, ok, diff, carrier, quality):
    assert fix_quality(fix_type, ok, diff, carrier) == quality


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5000), max_size=12))
def test_ubx_parsing_in_chunks_equals_parsing_at_once_among_noise(cuts):
    capture, epochs = make_ubx_capture(12)
    noisy = b"$GPTXT,noise*00\r\n" + capture[:288] + b"\xb5\x62\x01\x07\xff\xff" + capture[288:]
    whole = UbxParser()
    expected = whole.feed(noisy) + whole.finish()
    chunked = UbxParser()
    got = [f for chunk in _chunks(noisy, cuts) for f in chunked.feed(chunk)] + chunked.finish()
    fields = ("utc_time_s", "lat_deg", "lon_deg", "alt_m", "fix_quality", "n_satellites")
    assert [[getattr(f, k) for k in fields] for f in got] == [
        [getattr(f, k) for k in fields] for f in expected
    ]
    assert len(expected) == len(epochs) and whole.counters.length_errors == 1
    assert whole.drain_bad() == ["length 65535 (UBX)"]
