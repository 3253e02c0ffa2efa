"""NMEA parsing of every real receiver capture, checked against the numbers in its README."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detsig.devices.gnss import NmeaParser, fixes_to_track


def receiver_output(raw: bytes) -> bytes:
    """What the receiver sent: the capture without gpsd's leading '#' header lines."""
    lines = raw.splitlines(keepends=True)
    while lines and lines[0].startswith(b"#"):
        lines.pop(0)
    return b"".join(lines)


def parse(data: bytes, chunk: int = 0):
    parser = NmeaParser()
    fixes = []
    if chunk:
        for i in range(0, len(data), chunk):
            fixes += parser.feed(data[i : i + chunk])
    else:
        fixes += parser.feed(data)
    fixes += parser.finish()
    return parser, fixes


# From ../shared/data/gnss/README.md: sentences, checksum failures, GGA fix qualities (from
# verified lines), per-type counts of verified lines. The coldboot log is checked apart.
CAPTURES = {
    "bu353s4.log": (90, 0, {1: 25}, {"GGA": 25, "GSA": 25, "RMC": 25, "GSV": 15}),
    "ublox-neo-m9n-nmea.log": (
        1403,
        0,
        {2: 61},
        {"GSV": 732, "GSA": 244, "RMC": 61, "VTG": 61, "GGA": 61, "GLL": 61, "ZDA": 61},
    ),
    "ublox-zed-f9p-nmea.log": (
        1015,
        0,
        {1: 29},
        {"GSV": 696, "GSA": 116, "RMC": 29, "VTG": 29, "GGA": 29, "GBS": 29},
    ),
    "nmea-rtk.log": (244, 0, {2: 104, 4: 18}, {"GGA": 122, "RMC": 122}),
    "skytraq-PX1172RH_DS.log": (
        195,
        0,
        {5: 9},
        {"PSTI": 54, "GSV": 42, "GSA": 36, "GGA": 9, "RMC": 9, "VTG": 9, "THS": 9, "HDT": 9},
    ),
    "rx210.log": (160, 0, {0: 21, 1: 40}, {"RMC": 62, "GGA": 61, "GSA": 26, "GSV": 10}),
    "hemi.log": (753, 0, {0: 194, 1: 21}, {"HDT": 215, "GGA": 215, "VTG": 215, "ZDA": 108}),
}


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_capture_counts_match_readme(shared_data, name):
    sentences, failures, qualities, types = CAPTURES[name]
    data = receiver_output((shared_data / "gnss" / name).read_bytes())
    parser, fixes = parse(data)
    c = parser.counters
    assert c.sentences == sentences
    assert c.checksum_errors == failures
    assert c.parse_errors == 0
    assert dict(c.fix_qualities) == qualities
    for kind, count in types.items():
        assert c.by_type[kind] == count, kind
    assert len(fixes) == sum(qualities.values())
    # Positions exactly for the fixes with quality > 0, none for the others.
    for fix in fixes:
        assert fix.has_position == (fix.fix_quality > 0)
    assert c.positions == sum(n for q, n in qualities.items() if q > 0)


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_chunking_does_not_change_the_result(shared_data, name):
    data = receiver_output((shared_data / "gnss" / name).read_bytes())
    _, whole = parse(data)
    _, pieces = parse(data, chunk=random.Random(name).randint(1, 40))
    assert fixes_to_track(whole).fix_quality.tolist() == fixes_to_track(pieces).fix_quality.tolist()
    assert [f.lat_deg for f in whole if f.has_position] == [
        f.lat_deg for f in pieces if f.has_position
    ]


def test_coldboot_garbled_log(shared_data):
    """The corrupted GPS-320FW log: README's split-at-every-$ count is 137 pieces, 93 with good
    checksums; 2 lines are fragments without '$'. Valid GGA lines give qualities 1: 2, 0: 7; one
    more q0 GGA is recovered from a line where it runs on after a cut-off GSV."""
    data = receiver_output((shared_data / "gnss" / "gp-320fw-2019-04-07-coldboot.log").read_bytes())
    parser, fixes = parse(data, chunk=13)
    c = parser.counters
    assert c.sentences == 137
    assert c.sentences - c.garbled == 93
    assert c.other_lines == 2
    assert dict(c.fix_qualities) == {1: 2, 0: 8}
    positions = [f for f in fixes if f.has_position]
    assert len(positions) == 2
    for fix in positions:
        assert fix.lat_deg == pytest.approx(48 + 8.9993 / 60)
        assert fix.lon_deg == pytest.approx(11 + 35.0798 / 60)
        assert fix.fix_quality == 1


def test_gssi_dzg_sidecar(shared_data):
    data = (shared_data / "gpr" / "gssi" / "test_gssi.DZG").read_bytes()
    parser, fixes = parse(data)
    assert len(fixes) == 14
    assert dict(parser.counters.fix_qualities) == {0: 14}
    assert parser.counters.checksum_missing == 14  # the $GSSIS scan-number lines
    assert not any(f.has_position for f in fixes)  # quality 0: never a position


def test_rtk_qualities_and_utc_time(shared_data):
    data = receiver_output((shared_data / "gnss" / "nmea-rtk.log").read_bytes())
    _, fixes = parse(data)
    track = fixes_to_track(fixes)
    assert set(track.fix_quality.tolist()) == {2, 4}
    # 2020-03-18 13:28:19.6 UTC is the first epoch (date from RMC, time from GGA).
    assert track.utc_time_s[0] == pytest.approx(1584538099.6)
    assert (track.utc_time_s[1:] > track.utc_time_s[:-1]).all()
    rtk = track.fix_quality == 4
    assert rtk.sum() == 18 and not math.isnan(track.lat_deg[rtk][0])


def test_skytraq_rtk_float(shared_data):
    data = receiver_output((shared_data / "gnss" / "skytraq-PX1172RH_DS.log").read_bytes())
    parser, fixes = parse(data)
    assert [f.fix_quality for f in fixes] == [5] * 9
    assert parser.counters.other_lines == 3  # gpsd JSON lines, no NMEA
    assert parser.counters.unknown_types == 9  # THS: sound but unknown to pynmea2


def test_cold_start_gets_a_fix(shared_data):
    data = receiver_output((shared_data / "gnss" / "hemi.log").read_bytes())
    _, fixes = parse(data)
    qualities = [f.fix_quality for f in fixes]
    first_fix = qualities.index(1)
    assert set(qualities[:first_fix]) == {0}
    assert all(math.isnan(f.lat_deg) for f in fixes[:first_fix])
    assert fixes[first_fix].n_satellites == 0  # "the first fix GGAs report 00 satellites"


def sentence(body: str) -> bytes:
    """Add the checksum and CR LF to ``$...`` (the XOR of the characters after '$')."""
    checksum = 0
    for ch in body[1:]:
        checksum ^= ord(ch)
    return f"{body}*{checksum:02X}\r\n".encode()


def test_gga_waits_for_rmc_date_and_midnight_rollover():
    parser = NmeaParser()
    gga = "$GPGGA,235959.00,4808.9993,N,01135.0798,E,1,08,0.9,460.0,M,46.2,M,,"
    rmc = "$GPRMC,235959.00,A,4808.9993,N,01135.0798,E,0.0,0.0,070419,,,A"
    gga2 = "$GPGGA,000000.00,4808.9993,N,01135.0798,E,1,08,0.9,460.0,M,46.2,M,,"

    assert parser.feed(sentence(gga)) == []  # waits for the RMC of its epoch
    first = parser.feed(sentence(rmc))
    assert len(first) == 1
    assert first[0].utc_time_s == pytest.approx(1554681599.0)  # 2019-04-07 23:59:59
    parser.feed(sentence(gga2))
    (second,) = parser.finish()
    assert second.utc_time_s == pytest.approx(1554681600.0)  # next day, no RMC needed


def test_vtg_speed():
    parser = NmeaParser()
    parser.feed(sentence("$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A"))
    assert parser.course_deg == pytest.approx(54.7)
    assert parser.speed_m_s == pytest.approx(10.2 / 3.6)


GOOD = b"$GPGGA,000343.03,4808.9993,N,01135.0798,E,1,04,01.4,00460.0,M,0046.2,M,,*56\r\n"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(0, len(GOOD) - 3), st.integers(1, 255))
def test_garbage_never_crashes_and_never_yields_a_position(noise, position, flip):
    damaged = bytearray(GOOD)
    damaged[position] ^= flip
    parser = NmeaParser()
    fixes = parser.feed(noise + bytes(damaged) + noise) + parser.finish()
    positions = [f for f in fixes if f.has_position]
    # One changed byte of the sentence always breaks its XOR checksum or its shape.
    assert positions == []


def test_overlong_line_is_dropped():
    parser = NmeaParser()
    assert parser.feed(b"$" + b"A" * 10000) == []
    fixes = parser.feed(b"\r\n" + GOOD) + parser.finish()
    assert [f.fix_quality for f in fixes] == [1]
    assert parser.counters.other_lines == 1
