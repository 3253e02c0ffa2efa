"""GSSI DZT details: sample types, channels, header length, sidecars, errors."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from detsig.errors import FormatError
from detsig.io.formats import read_any
from detsig.io.formats.gssi import antenna_frequency_hz, read_dzg

from .dzt_builder import make_dzt

SHARED_GSSI = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gpr" / "gssi"


def _random(shape: tuple[int, int], bits: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if bits == 32:
        return rng.integers(-(2**31), 2**31 - 1, size=shape, dtype=np.int64)
    return rng.integers(0, 2**bits, size=shape, dtype=np.int64)


@pytest.mark.parametrize("bits", [8, 16, 32])
@pytest.mark.parametrize("n_channels", [1, 2, 3])
def test_channels_and_sample_types_match_readgssi(
    bits: int, n_channels: int, tmp_path: Path
) -> None:
    channels = [_random((37, 64), bits, seed=c) for c in range(n_channels)]
    path = tmp_path / "LINE.DZT"
    make_dzt(path, channels, bits=bits)
    scans = read_any(path)
    assert [s.name for s in scans] == [f"gpr{c}" for c in range(n_channels)]
    expected_type = {8: np.uint8, 16: np.uint16, 32: np.int32}[bits]
    import readgssi.dzt

    with contextlib.redirect_stdout(io.StringIO()):
        _, peer, _ = readgssi.dzt.readdzt(str(path), zero=[0] * 4)
    for channel, scan in enumerate(scans):
        assert scan.data.dtype == expected_type
        np.testing.assert_array_equal(scan.data, channels[channel])
        np.testing.assert_array_equal(np.asarray(peer[channel]).T, scan.data.astype(np.int64))
    assert scans[-1].header.center_frequency_hz == antenna_frequency_hz(
        ("400MHz", "900MHz", "1600MHz")[n_channels - 1]
    )


@pytest.mark.parametrize("rh_data", [1, 4, 128, 1024, 3072])
def test_header_length_comes_from_rh_data(rh_data: int, tmp_path: Path) -> None:
    data = _random((5, 16), 16)
    path = tmp_path / "a.dzt"
    make_dzt(path, [data], bits=16, rh_data=rh_data)
    scan = read_any(path)[0]
    np.testing.assert_array_equal(scan.data, data)
    expected_offset = rh_data * 1024 if rh_data < 1024 else rh_data
    assert scan.header.extra["data_offset_bytes"] == expected_offset


def test_unsigned_16_bit_samples_are_not_wrapped() -> None:
    path = SHARED_GSSI / "FILE____032.DZT"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    scan = read_any(path)[0]
    assert scan.data.dtype == np.uint16
    # Values above 32767 are the upper half of the unsigned range, not negative numbers.
    raw = np.frombuffer(path.read_bytes()[1024:], dtype="<u2").reshape(1040, 512)
    assert (raw > 32767).mean() > 0.5
    np.testing.assert_array_equal(scan.data, raw)
    assert scan.marks == tuple(range(0, 1001, 100))
    assert scan.header.traces_per_s == 100.0


def test_truncated_and_contradictory_files(tmp_path: Path) -> None:
    data = _random((6, 32), 16)
    path = tmp_path / "b.DZT"
    make_dzt(path, [data], bits=16)
    content = path.read_bytes()
    (tmp_path / "short.DZT").write_bytes(content[:60])
    with pytest.raises(FormatError, match="truncated"):
        read_any(tmp_path / "short.DZT")
    (tmp_path / "cut.DZT").write_bytes(content[:-10])
    with pytest.raises(FormatError, match="not a whole number"):
        read_any(tmp_path / "cut.DZT")
    partial = read_any(tmp_path / "cut.DZT", allow_partial=True)[0]
    np.testing.assert_array_equal(partial.data, data[:5])
    (tmp_path / "nodata.DZT").write_bytes(content[:1024])
    with pytest.raises(FormatError, match="no complete scan"):
        read_any(tmp_path / "nodata.DZT")
    bad = bytearray(content)
    bad[6:8] = (12).to_bytes(2, "little")  # 12 bits per sample: no such variant
    (tmp_path / "bits.DZT").write_bytes(bytes(bad))
    with pytest.raises(FormatError, match="valid DZT header"):
        read_any(tmp_path / "bits.DZT")


def test_dzg_gps_positions_and_partial_sidecar(tmp_path: Path) -> None:
    full = SHARED_GSSI / "test_gssi.DZG"
    partial = SHARED_GSSI / "test_gssi_partialgps.DZG"
    if not full.is_file():
        pytest.skip(f"{full} is absent")
    complete = read_dzg(full, 345)
    cut = read_dzg(partial, 345)
    assert complete is not None and cut is not None
    assert complete["scan"].tolist() == list(range(23, 336, 24))
    assert 143 not in cut["scan"].tolist() and cut["n_skipped"] == 1
    np.testing.assert_allclose(complete["lat_deg"], 47 + 39.2552 / 60)
    assert np.isnan(complete["alt_m"]).all()  # the GGA sentences carry no altitude
    # A sidecar cut mid-sentence and one with a corrupted checksum still give what they hold.
    text = full.read_text()
    (tmp_path / "x.DZG").write_text(text[: len(text) // 2] + "$GPGGA,0003")
    assert 0 < read_dzg(tmp_path / "x.DZG", 345)["scan"].size < 14  # type: ignore[index]
    (tmp_path / "y.DZG").write_text(text.replace("*46", "*00", 1))
    assert read_dzg(tmp_path / "y.DZG", 345)["scan"].size == 13  # type: ignore[index]
    (tmp_path / "z.DZG").write_text("garbage\n")
    assert read_dzg(tmp_path / "z.DZG", 345) is None


def test_moving_gps_gives_distance(tmp_path: Path) -> None:
    """A DZG track with a valid fix gives lat/lon per trace and the geodesic distance."""
    data = _random((101, 16), 16)
    path = tmp_path / "walk.DZT"
    make_dzt(path, [data], bits=16)
    lines = []
    for i, scan in enumerate(range(0, 101, 25)):
        minutes = 30.0 + i * 0.001  # 0.001 arc-minute of latitude = 1.853 m
        body = f"GPGGA,120000,45{minutes:07.4f},N,00600.0000,E,4,12,0.6,100.0,M,47.0,M,,"
        checksum = 0
        for char in body:
            checksum ^= ord(char)
        lines += [f"$GSSIS,{scan},0", f"${body}*{checksum:02X}"]
    (tmp_path / "walk.dzg").write_text("\n".join(lines) + "\n")
    scan = read_any(path)[0]
    assert scan.header.extra["distance_source"] == "dzg gps"
    assert scan.distance_m is not None and scan.lat_deg is not None
    assert scan.distance_m[0] == 0.0
    assert scan.distance_m[100] == pytest.approx(4 * 1852.0 * 0.001, rel=0.01)
    assert scan.lat_deg[50] == pytest.approx(45.5 + 0.002 / 60)


def test_dzx_user_marks(tmp_path: Path) -> None:
    data = _random((20, 16), 16)
    data[:, 1] = 0
    path = tmp_path / "m.DZT"
    make_dzt(path, [data], bits=16)
    (tmp_path / "m.DZX").write_text(
        '<DZX xmlns="www.geophysical.com/DZX/1.02"><File><Profile>'
        "<WayPt><scan>3</scan><mark>User</mark><name>Mark1</name></WayPt>"
        "<WayPt><scan>11</scan><mark>User</mark><name>Mark2</name></WayPt>"
        "<WayPt><scan>99</scan><mark>User</mark></WayPt>"
        "</Profile></File></DZX>"
    )
    assert read_any(path)[0].marks == (3, 11)
    (tmp_path / "m.DZX").write_text("<DZX><unclosed>")
    with pytest.raises(FormatError, match="not readable XML"):
        read_any(path)


def test_antenna_names() -> None:
    assert antenna_frequency_hz("400MHz") == 400e6
    assert antenna_frequency_hz("1.6 GHz") == 1.6e9
    assert antenna_frequency_hz("5106") == 200e6
    assert np.isnan(antenna_frequency_hz("custom"))


def test_copied_file_without_sidecars_has_no_positions(tmp_path: Path) -> None:
    source = SHARED_GSSI / "test_gssi.DZT"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    shutil.copy(source, tmp_path / "alone.DZT")
    scan = read_any(tmp_path / "alone.DZT")[0]
    assert scan.lat_deg is None and scan.distance_m is None and scan.trace_time_s is None
