"""Positions from GPS/COR/DZG/DZX fixes: interpolated between fixes, missing (NaN) outside them,
merged lines whose sidecar restarts its trace count mapped right or refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from detsig.errors import FormatError
from detsig.io.formats import convert_file, read_any
from detsig.io.formats._common import interpolate_lon_rows, interpolate_rows

from .dzt_builder import make_dzt

SHARED_GPR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gpr").resolve()


def gga(lat_deg: float, lon_deg: float, utc: str = "101010.00") -> str:
    """A valid $GPGGA sentence (checksum included) at ``lat_deg``, ``lon_deg``."""
    lat_d, lon_d = int(abs(lat_deg)), int(abs(lon_deg))
    north, east = ("N" if lat_deg >= 0 else "S"), ("E" if lon_deg >= 0 else "W")
    body = (
        f"GPGGA,{utc},{lat_d:02d}{(abs(lat_deg) - lat_d) * 60:07.4f},{north},"
        f"{lon_d:03d}{(abs(lon_deg) - lon_d) * 60:07.4f},{east},"
        "1,08,1.0,10.0,M,0.0,M,,"
    )
    checksum = 0
    for char in body:
        checksum ^= ord(char)
    return f"${body}*{checksum:02X}"


def make_pulseekko(
    folder: Path, numbers: list[int], positions: list[float], n_samples: int = 8
) -> Path:
    """A pulseEKKO line LINE.DT1 + LINE.HD whose trace headers hold ``numbers`` and
    ``positions`` (m); returns the .DT1 path."""
    n = len(numbers)
    (folder / "LINE.HD").write_text(
        "1234\nData Collected with test builder\n2024-05-01\n"
        f"NUMBER OF TRACES   = {n}\nNUMBER OF PTS/TRC  = {n_samples}\n"
        "TOTAL TIME WINDOW  = 100\nTIMEZERO AT POINT  = 1\nPOSITION UNITS     = m\n"
        "STEP SIZE USED     = 0.1\nNOMINAL FREQUENCY  = 250\n"
    )
    record = np.dtype([("header", "<f4", (32,)), ("data", "<i2", (n_samples,))])
    records = np.zeros(n, record)
    records["header"][:, 0] = numbers
    records["header"][:, 1] = positions
    records["header"][:, 2] = n_samples
    records["header"][:, 5] = 2
    records["header"][:, 6] = 100
    records["data"] = np.arange(n * n_samples).reshape(n, n_samples) % 97
    path = folder / "LINE.DT1"
    records.tofile(path)
    return path


def write_gps(path: Path, fixes: list[tuple[int, float, float, float]]) -> None:
    """A .GPS sidecar: (trace number, position, lat, lon) per fix, in file order."""
    lines = []
    for number, position, lat, lon in fixes:
        lines += [f"Trace #{number} at position {position:.6f}", gga(lat, lon)]
    path.write_text("\n".join(lines) + "\n")


# -- the interpolation helpers -------------------------------------------------------------
def test_interpolate_rows_never_extrapolates() -> None:
    got = interpolate_rows(np.array([2.0, 6.0]), np.array([10.0, 30.0]), 9)
    np.testing.assert_array_equal(np.isnan(got), [1, 1, 0, 0, 0, 0, 0, 1, 1])
    np.testing.assert_allclose(got[2:7], [10, 15, 20, 25, 30])
    single = interpolate_rows(np.array([3.0]), np.array([5.0]), 5)
    np.testing.assert_array_equal(np.isnan(single), [1, 1, 1, 0, 1])
    assert np.isnan(interpolate_rows(np.array([]), np.array([]), 3)).all()


def test_longitude_across_the_antimeridian() -> None:
    got = interpolate_lon_rows(np.array([0.0, 2.0]), np.array([179.9, -179.9]), 3)
    assert abs(abs(got[1]) - 180.0) < 1e-9  # not 0: the short way over the 180th meridian
    assert got[0] == pytest.approx(179.9) and got[2] == pytest.approx(-179.9)


# -- pulseEKKO -------------------------------------------------------------------------------
def test_pulseekko_positions_only_between_fixes(tmp_path: Path) -> None:
    dt1 = make_pulseekko(tmp_path, list(range(1, 11)), [0.1 * i for i in range(10)])
    write_gps(tmp_path / "LINE.GPS", [(3, 0.2, 45.0, 7.0), (7, 0.6, 45.004, 7.004)])
    scan = read_any(dt1)[0]
    assert scan.lat_deg is not None and scan.lon_deg is not None
    known = np.isfinite(scan.lat_deg)
    np.testing.assert_array_equal(known, [0, 0, 1, 1, 1, 1, 1, 0, 0, 0])
    np.testing.assert_allclose(scan.lat_deg[known], 45.0 + 0.001 * np.arange(5), atol=1e-9)
    assert np.nanmin(scan.lat_deg) >= 45.0 and np.nanmax(scan.lat_deg) <= 45.004
    assert scan.header.extra["gps_trace_rule"] == "trace number"


def test_pulseekko_merged_line_with_restarting_numbers(tmp_path: Path) -> None:
    """Both the DT1 and the .GPS restart their trace count: each part maps to its own traces."""
    numbers = [1, 2, 3, 4, 5, 6, 1, 2, 3, 4]
    positions = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.0, 0.1, 0.2, 0.3]
    dt1 = make_pulseekko(tmp_path, numbers, positions)
    write_gps(
        tmp_path / "LINE.GPS",
        [
            (1, 0.0, 10.0, 20.0),
            (6, 0.5, 10.005, 20.0),
            (1, 0.0, 11.0, 21.0),
            (4, 0.3, 11.003, 21.0),
        ],
    )
    scan = read_any(dt1)[0]
    assert scan.lat_deg is not None
    np.testing.assert_allclose(scan.lat_deg[:6], 10.0 + 0.001 * np.arange(6), atol=1e-9)
    np.testing.assert_allclose(scan.lat_deg[6:], 11.0 + 0.001 * np.arange(4), atol=1e-9)
    assert scan.header.extra["gps_restarts"] == 1
    assert scan.header.extra["gps_trace_rule"] == "trace number within each merged part"


def test_pulseekko_restart_mapped_by_position(tmp_path: Path) -> None:
    """DT1 renumbered 1..10, .GPS restarting its count but keeping growing positions."""
    dt1 = make_pulseekko(tmp_path, list(range(1, 11)), [0.1 * i for i in range(10)])
    write_gps(
        tmp_path / "LINE.GPS",
        [
            (1, 0.0, 10.0, 20.0),
            (5, 0.4, 10.004, 20.0),
            (1, 0.5, 10.005, 20.0),
            (5, 0.9, 10.009, 20.0),
        ],
    )
    scan = read_any(dt1)[0]
    assert scan.lat_deg is not None
    np.testing.assert_allclose(scan.lat_deg, 10.0 + 0.001 * np.arange(10), atol=1e-9)
    assert scan.header.extra["gps_trace_rule"] == "trace position"


def test_pulseekko_restart_that_cannot_be_mapped_is_refused(tmp_path: Path) -> None:
    dt1 = make_pulseekko(tmp_path, list(range(1, 11)), [0.1 * i for i in range(10)])
    write_gps(
        tmp_path / "LINE.GPS",
        [(1, 0.0, 10.0, 20.0), (5, 0.4, 10.004, 20.0), (1, 0.0, 50.0, 60.0), (5, 0.4, 50.1, 60)],
    )
    with pytest.raises(FormatError, match=r"restarts its trace count \(trace #1 follows trace #5"):
        read_any(dt1)
    assert read_any(dt1, gps=False)[0].lat_deg is None


def test_real_pulseekko_line_with_restarting_gps(tmp_path: Path) -> None:
    """XLINE00 (531 traces every 2 ft) with a .GPS split in two parts whose count restarts."""
    source = SHARED_GPR / "pulseekko" / "XLINE00.DT1"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    for name in ("XLINE00.DT1", "XLINE00.HD"):
        shutil.copy(source.parent / name, tmp_path / name)
    # part 1: traces 1..300 at 0..598 ft; part 2 renumbered from 1: DT1 traces 301..531
    write_gps(
        tmp_path / "XLINE00.GPS",
        [
            (1, 0.0, 49.0, -123.0),
            (300, 598.0, 49.299, -123.0),
            (1, 600.0, 49.3, -123.0),
            (231, 1060.0, 49.53, -123.0),
        ],
    )
    scan = read_any(tmp_path / "XLINE00.DT1")[0]
    assert scan.lat_deg is not None
    np.testing.assert_allclose(scan.lat_deg, 49.0 + 0.001 * np.arange(531), atol=1e-9)


# -- GSSI DZG and DZX ------------------------------------------------------------------------
def _dzg(path: Path, records: list[tuple[int, float, float]]) -> None:
    lines = []
    for number, (scan, lat, lon) in enumerate(records):
        lines += [f"$GSSIS,{scan},-1", gga(lat, lon, utc=f"1010{10 + number:02d}.00"), ""]
    path.write_text("\n".join(lines))


def test_dzg_positions_only_between_fixes(tmp_path: Path) -> None:
    make_dzt(tmp_path / "a.DZT", [np.full((20, 16), 30000) + np.arange(16)], bits=16)
    _dzg(tmp_path / "a.DZG", [(4, 45.0, 7.0), (14, 45.01, 7.0)])
    scan = read_any(tmp_path / "a.DZT")[0]
    assert scan.lat_deg is not None and scan.distance_m is not None
    rows = np.arange(20)
    inside = (rows >= 4) & (rows <= 14)
    np.testing.assert_array_equal(np.isfinite(scan.lat_deg), inside)
    np.testing.assert_array_equal(np.isfinite(scan.distance_m), inside)
    assert scan.distance_m[4] == 0.0
    assert scan.distance_m[14] == pytest.approx(0.01 * 111_132, rel=0.01)  # 0.01 deg of latitude


def test_dzg_restart_is_refused(tmp_path: Path) -> None:
    make_dzt(tmp_path / "b.DZT", [np.full((20, 16), 30000) + np.arange(16)], bits=16)
    _dzg(tmp_path / "b.DZG", [(2, 45.0, 7.0), (12, 45.01, 7.0), (3, 46.0, 8.0)])
    with pytest.raises(FormatError, match=r"restarts its scan count \(scan 3 follows scan 12\)"):
        read_any(tmp_path / "b.DZT")
    assert read_any(tmp_path / "b.DZT", gps=False)[0].lat_deg is None


def test_dzx_distance_only_between_waypoints(tmp_path: Path) -> None:
    make_dzt(tmp_path / "c.DZT", [np.full((12, 16), 30000) + np.arange(16)], bits=16)
    (tmp_path / "c.DZX").write_text(
        "<DZX><File><WayPt><scan>2</scan><localCoords>0,0,0</localCoords></WayPt>"
        "<WayPt><scan>8</scan><localCoords>3,0,0</localCoords></WayPt></File></DZX>"
    )
    scan = read_any(tmp_path / "c.DZT")[0]
    assert scan.distance_m is not None
    inside = (np.arange(12) >= 2) & (np.arange(12) <= 8)
    np.testing.assert_array_equal(np.isfinite(scan.distance_m), inside)
    np.testing.assert_allclose(scan.distance_m[2:9], 0.5 * np.arange(7))


# -- MALA COR --------------------------------------------------------------------------------
def _mala(folder: Path, n_traces: int = 10) -> Path:
    (folder / "m.rad").write_text(
        f"SAMPLES:16\nFREQUENCY:1000\nLAST TRACE:{n_traces}\nANTENNAS:500 MHz\n"
    )
    path = folder / "m.rd3"
    (np.arange(n_traces * 16, dtype="<i2") % 50).tofile(path)
    return path


def test_cor_positions_only_between_fixes_and_restart_refused(tmp_path: Path) -> None:
    rd3 = _mala(tmp_path)
    cor = tmp_path / "m.cor"
    cor.write_text(
        "3\t2024-05-01\t10:00:00\t45.0\tN\t7.0\tE\t100.0\tM\t0.5\n"
        "8\t2024-05-01\t10:00:05\t45.005\tN\t7.0\tE\t100.0\tM\t0.5\n"
    )
    scan = read_any(rd3)[0]
    assert scan.lat_deg is not None and scan.trace_time_s is not None
    inside = (np.arange(10) >= 2) & (np.arange(10) <= 7)
    np.testing.assert_array_equal(np.isfinite(scan.lat_deg), inside)
    np.testing.assert_allclose(scan.lat_deg[inside], 45.0 + 0.001 * np.arange(6), atol=1e-9)
    np.testing.assert_array_equal(np.isfinite(scan.trace_time_s), inside)
    cor.write_text(cor.read_text() + "2\t2024-05-01\t10:00:09\t46.0\tN\t8.0\tE\t1\tM\t0.5\n")
    restart = r"restarts its trace numbers \(trace 2 follows trace 8\)"
    with pytest.raises(FormatError, match=restart):
        read_any(rd3)


# -- missing positions survive conversion ------------------------------------------------------
@pytest.mark.parametrize("suffix", [".sgy", ".h5"])
def test_missing_positions_round_trip(tmp_path: Path, suffix: str) -> None:
    rd3 = _mala(tmp_path)
    (tmp_path / "m.cor").write_text(
        "3\t2024-05-01\t10:00:00\t45.0\tN\t7.0\tE\t100.0\tM\t0.5\n"
        "8\t2024-05-01\t10:00:05\t45.005\tN\t7.0\tE\t100.0\tM\t0.5\n"
    )
    original = read_any(rd3)[0]
    out = tmp_path / f"m{suffix}"
    convert_file(rd3, out)
    back = read_any(out)[0]
    for name in ("lat_deg", "lon_deg", "distance_m"):
        mine, theirs = getattr(original, name), getattr(back, name)
        assert theirs is not None, name
        np.testing.assert_array_equal(np.isnan(theirs), np.isnan(mine), err_msg=name)
        tolerance = 5e-4 if name == "distance_m" else 1e-6  # SEG-Y stores mm and milli-arcsec
        np.testing.assert_allclose(theirs, mine, atol=tolerance, err_msg=name)
    if suffix == ".h5":
        assert back.trace_time_s is not None
        np.testing.assert_array_equal(back.trace_time_s, original.trace_time_s)


def test_process_a_line_with_positions_missing_at_its_ends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """detsig process on a DZT whose DZG covers the middle only: NaN positions and times pass
    through (no invented device times), the rest of the output is written."""
    from detsig.cli import main
    from detsig.io.recording import open_recording

    rng = np.random.default_rng(1)
    make_dzt(tmp_path / "p.DZT", [rng.integers(0, 65536, size=(40, 256))], bits=16, range_ns=60.0)
    raw = bytearray((tmp_path / "p.DZT").read_bytes())  # created 2024-05-01 12:00:00
    created = (12 << 11) | (1 << 16) | (5 << 21) | ((2024 - 1980) << 25)
    raw[32:36] = created.to_bytes(4, "little")
    (tmp_path / "p.DZT").write_bytes(bytes(raw))
    _dzg(tmp_path / "p.DZG", [(5, 45.0, 7.0), (30, 45.001, 7.0)])
    times = read_any(tmp_path / "p.DZT")[0].trace_time_s
    assert times is not None and np.isnan(times[:5]).all() and np.isfinite(times[5:31]).all()
    out = tmp_path / "p.h5"
    assert main(["process", str(tmp_path / "p.DZT"), "-o", str(out)]) == 0, capsys.readouterr()
    with open_recording(out) as recording:
        stream = recording.streams["gpr0"]
        lat = stream.column("lat_deg")
        assert np.isnan(lat[:5]).all() and np.isfinite(lat[5:31]).all() and np.isnan(lat[31:]).all()
        assert not stream.column("device_time_us").any()  # unknown, not garbage
