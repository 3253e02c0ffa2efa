"""pulseEKKO, MALA, SEG-Y and gprMax details: variants, sidecars, contradictions."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from detsig.errors import FormatError
from detsig.io.formats import convert_file, read_any

from .dzt_builder import make_dzt

SHARED_GPR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gpr").resolve()


def _copy(relative: str, folder: Path) -> Path:
    source = SHARED_GPR / relative
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    for sibling in source.parent.iterdir():
        if sibling.stem == source.stem:
            shutil.copy(sibling, folder / sibling.name)
    return folder / source.name


# -- pulseEKKO ---------------------------------------------------------------------------------
def test_pulseekko_header_problems(tmp_path: Path) -> None:
    dt1 = _copy("pulseekko/XLINE00.DT1", tmp_path)
    hd = tmp_path / "XLINE00.HD"
    text = hd.read_text()
    hd.write_text(text.replace("NUMBER OF TRACES   = 531", "NUMBER OF TRACES   = 600"))
    with pytest.raises(FormatError, match=r"is truncated: XLINE00\.HD gives 600 traces"):
        read_any(dt1)
    hd.write_text(text.replace("NUMBER OF PTS/TRC", "NUMBER OF POINTS"))
    with pytest.raises(FormatError, match=r"lacks a numeric 'NUMBER OF PTS/TRC'"):
        read_any(dt1)
    hd.unlink()
    with pytest.raises(FormatError, match=r"needs its \.HD header"):
        read_any(dt1)


def test_pulseekko_trace_header_contradiction_and_gps(tmp_path: Path) -> None:
    dt1 = _copy("pulseekko/XLINE00.DT1", tmp_path)
    content = bytearray(dt1.read_bytes())
    record = 128 + 1500 * 2
    content[5 * record + 8 : 5 * record + 12] = np.float32(1499).tobytes()
    dt1.write_bytes(bytes(content))
    with pytest.raises(FormatError, match="trace 6 claims 1499"):
        read_any(dt1)
    dt1 = _copy("pulseekko/XLINE00.DT1", tmp_path)
    body = "GPGGA,101010.00,4930.0000,N,12300.0000,W,1,08,1.0,10.0,M,0.0,M,,"
    checksum = 0
    for char in body:
        checksum ^= ord(char)
    (tmp_path / "XLINE00.GPS").write_text(
        f"Trace #1 at position 0.000000\n${body}*{checksum:02X}\n"
        f"Trace #531 at position 1060.0\n${body.replace('4930.0000', '4930.6000')}*"
        f"{checksum ^ ord('0') ^ ord('6'):02X}\n"
    )
    scan = read_any(dt1)[0]
    assert scan.lat_deg is not None
    assert scan.lat_deg[0] == pytest.approx(49.5) and scan.lat_deg[-1] == pytest.approx(49.51)
    assert scan.lon_deg[265] == pytest.approx(-123.0)  # type: ignore[index]


def test_pulseekko_values(tmp_path: Path) -> None:
    scan = read_any(_copy("pulseekko/XLINE00.DT1", tmp_path))[0]
    assert scan.header.time_zero_s == pytest.approx((3.18 - 1) * 0.8e-9)
    assert scan.trace_time_s is not None and np.all(np.diff(scan.trace_time_s) > 0)
    # The trace headers say 800 ns, the .HD 1200 ns: the .HD wins, and the quirk is kept.
    assert scan.header.extra["trace_header_time_window_ns"] == 800.0


# -- MALA ------------------------------------------------------------------------------------
def test_mala_rd7_and_size_checks(tmp_path: Path) -> None:
    rd3 = _copy("mala/ten_col_nogps.rd3", tmp_path)
    values = np.fromfile(rd3, dtype="<i2").astype("<i4") * 70000
    rd7 = tmp_path / "ten_col_nogps.rd7"
    values.tofile(rd7)
    rd3.unlink()
    scan = read_any(rd7)[0]
    assert scan.data.dtype == np.int32
    np.testing.assert_array_equal(scan.data.ravel(), values)
    rd7.write_bytes(rd7.read_bytes()[:-4])
    with pytest.raises(FormatError, match="is truncated"):
        read_any(rd7)
    rd7.write_bytes(rd7.read_bytes() + b"\x00" * 12)
    with pytest.raises(FormatError, match="longer than its header says"):
        read_any(rd7)
    (tmp_path / "ten_col_nogps.rad").unlink()
    with pytest.raises(FormatError, match=r"needs its \.rad header"):
        read_any(rd7)


def test_mala_cor_positions(tmp_path: Path) -> None:
    scan = read_any(_copy("mala/ten_col.rd3", tmp_path))[0]
    assert scan.header.extra["cor_fixes"] == 3
    assert scan.header.extra["cor_traces_beyond_data"] == 2  # the .cor lists traces 18 and 27
    # distance 0 at the first fix (trace 7, row 6); no distance before it
    assert scan.distance_m is not None and scan.distance_m[6] == 0.0
    assert np.isnan(scan.distance_m[:6]).all() and np.isfinite(scan.distance_m[6:]).all()
    assert scan.trace_time_s is not None


# -- SEG-Y -----------------------------------------------------------------------------------
def test_segy_multichannel_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    channels = [rng.integers(0, 65536, size=(9, 32)) for _ in range(2)]
    make_dzt(tmp_path / "two.DZT", channels, bits=16, spm=10.0)
    convert_file(tmp_path / "two.DZT", tmp_path / "two.sgy")
    scans = read_any(tmp_path / "two.sgy")
    assert [s.name for s in scans] == ["gpr0", "gpr1"]
    for scan, channel in zip(scans, channels, strict=True):
        assert scan.data.dtype == np.uint16
        np.testing.assert_array_equal(scan.data, channel)
        np.testing.assert_allclose(scan.distance_m, np.arange(9) / 10.0)


def test_foreign_segy_interval_units(tmp_path: Path) -> None:
    """A SEG-Y written by another tool (segyio directly): standard microseconds by default."""
    import segyio

    spec = segyio.spec()
    spec.format = 1  # IBM float
    spec.samples = np.arange(50) * 0.1
    spec.tracecount = 4
    spec.iline, spec.xline, spec.sorting = 189, 193, None
    path = tmp_path / "foreign.segy"
    values = np.linspace(-1, 1, 200, dtype=np.float32).reshape(4, 50)
    with segyio.create(str(path), spec) as file:
        file.bin.update(hdt=100)
        for i in range(4):
            file.header[i] = {segyio.TraceField.CDP_X: 10 * i, segyio.TraceField.CDP_Y: 0}
            file.trace[i] = values[i]
    scan = read_any(path)[0]
    assert scan.header.sample_interval_s == pytest.approx(100e-6)
    np.testing.assert_allclose(scan.data, values, rtol=1e-6)
    np.testing.assert_allclose(scan.distance_m, [0, 10, 20, 30])
    assert read_any(path, sample_interval_unit="ps")[0].header.sample_interval_s == pytest.approx(
        100e-12
    )
    with pytest.raises(FormatError, match="sample_interval_unit"):
        read_any(path, sample_interval_unit="fortnights")
    raw = bytearray(path.read_bytes())
    raw[3224:3226] = (4).to_bytes(2, "big")  # fixed point with gain: not supported
    bad = tmp_path / "bad.sgy"
    bad.write_bytes(bytes(raw))
    with pytest.raises(FormatError, match="sample format code 4"):
        read_any(bad)


# -- gprMax ----------------------------------------------------------------------------------
def test_gprmax_components(tmp_path: Path) -> None:
    path = _copy("gprmax/cylinder_Ascan_2D_gprMax3.out", tmp_path)
    with pytest.raises(FormatError, match="unknown gprMax field component"):
        read_any(path, component="Qx")
    with pytest.raises(FormatError, match="no Ix component"):
        read_any(path, component="Ix")
    import h5py

    with h5py.File(path) as file:
        expected = np.asarray(file["rxs/rx1/Hx"][()])
        assert not np.any(file["rxs/rx1/Hz"][()])  # a TMz model: Hz is zero
    with pytest.raises(FormatError, match=r"the Hz component .* is zero at every receiver"):
        read_any(path, component="Hz")
    scan = read_any(path, component="Hx", center_frequency_hz=1.5e9)[0]
    np.testing.assert_array_equal(scan.data, expected.reshape(1, -1))
    assert scan.header.center_frequency_hz == 1.5e9
    assert scan.header.extra["gprmax_version"] == "3.0.13"
