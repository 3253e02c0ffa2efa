"""The reader conformance test: every format plugin x every file in ../shared/data/gpr.

For each pair, the plugin either recognises the file and reads it correctly (shape, sample type,
header fields, positions and marks checked against independent expectations; samples checked
against a peer reader or a direct read; round trip through a detsig recording and SEG-Y exact),
or does not recognise it and refuses it with a FormatError.
"""

from __future__ import annotations

import contextlib
import io
import math
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from detsig.errors import FormatError
from detsig.io.formats import available_formats, convert_file, detect_format, read_any
from detsig.model import GprScan

from .conftest import SIDECARS, copy_with_sidecars
from .expectations import expectation

SHARED_GPR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gpr").resolve()
SAMPLE_FILES = (
    sorted(str(p.relative_to(SHARED_GPR)) for p in SHARED_GPR.rglob("*") if p.is_file())
    if SHARED_GPR.is_dir()
    else []
)
PLUGINS = [
    "detsig",
    "gprmax",
    "segy",
    "pulseekko-dt1",
    "mala-rd3",
    "gssi-dzt",
]


def _is_sidecar(relative: str) -> bool:
    return Path(relative).suffix.lower() in SIDECARS


def _peer_samples(path: Path, tmp_path: Path) -> np.ndarray | None:
    """The samples as an independent reader sees them, shape (n_traces, n_samples)."""
    fmt = expectation(str(path.relative_to(SHARED_GPR)))["format"]
    if fmt == "gssi-dzt":
        import readgssi.dzt

        alone = tmp_path / "peer" / path.name  # without the DZG sidecar, on which readgssi crashes
        alone.parent.mkdir()
        shutil.copy(path, alone)
        with contextlib.redirect_stdout(io.StringIO()):
            header, data, _ = readgssi.dzt.readdzt(str(alone))
        zero = int(header["timezero"][0])  # readgssi drops the first rh_zero samples
        return ("gssi", zero, np.asarray(data[0]).T)  # type: ignore[return-value]
    if fmt == "pulseekko-dt1":
        from impdar.lib.load.load_pulse_ekko import load_pe

        with contextlib.redirect_stdout(io.StringIO()):
            peer = np.asarray(load_pe(str(path.with_suffix(".DT1"))).data).T
        return ("impdar-pe", peer)  # type: ignore[return-value]
    if fmt == "mala-rd3":
        from impdar.lib.load.load_ramac import load_ramac

        with contextlib.redirect_stdout(io.StringIO()):
            return np.asarray(load_ramac(str(path.with_suffix(".rd3"))).data).T
    if fmt == "gprmax":
        with h5py.File(path, "r") as file:
            return np.atleast_2d(np.asarray(file["rxs/rx1/Ez"][()]).T)
    return None


def _check_against_expectation(scan: GprScan, expected: dict[str, object]) -> None:
    assert scan.data.shape == expected["shape"]
    assert str(scan.data.dtype) == expected["dtype"]
    assert scan.data.flags.c_contiguous
    assert math.isclose(scan.header.sample_interval_s, expected["sample_interval_s"], rel_tol=1e-6)
    if "center_frequency_hz" in expected:
        assert scan.header.center_frequency_hz == pytest.approx(expected["center_frequency_hz"])
    if "trace_step_m" in expected:
        assert scan.header.trace_step_m == pytest.approx(expected["trace_step_m"])
    if "n_marks" in expected:
        assert len(scan.marks) == expected["n_marks"]
    for key, value in dict(expected.get("header", {})).items():  # type: ignore[call-overload]
        assert scan.header.extra[key] == value, key
    if "distance_m" in expected:
        span = expected["distance_m"]
        if span is None:
            assert scan.distance_m is None
        else:
            assert scan.distance_m is not None
            assert scan.distance_m[0] == pytest.approx(span[0], abs=1e-9)
            assert scan.distance_m[-1] == pytest.approx(span[1], abs=1e-9)
    for index, value in dict(expected.get("distance_at", {})).items():  # type: ignore[call-overload]
        assert scan.distance_m is not None
        assert scan.distance_m[index] == pytest.approx(value, abs=1e-9)
    if "latlon" in expected:
        if expected["latlon"] is None:
            assert scan.lat_deg is None and scan.lon_deg is None
        else:
            lat, lon = expected["latlon"]  # type: ignore[misc]
            assert scan.lat_deg is not None and scan.lon_deg is not None
            known = np.isfinite(scan.lat_deg)
            np.testing.assert_allclose(scan.lat_deg[known], lat, atol=1e-9)
            np.testing.assert_allclose(scan.lon_deg[known], lon, atol=1e-9)
    if "fix_rows" in expected:  # positions between the first and last fix only, never beyond
        first, last = expected["fix_rows"]  # type: ignore[misc]
        assert scan.lat_deg is not None and scan.lon_deg is not None
        rows = np.arange(scan.n_traces)
        inside = (rows >= first) & (rows <= last)
        np.testing.assert_array_equal(np.isfinite(scan.lat_deg), inside)
        np.testing.assert_array_equal(np.isfinite(scan.lon_deg), inside)
    for index, (lat, lon) in dict(expected.get("latlon_at", {})).items():  # type: ignore[call-overload]
        assert scan.lat_deg is not None and scan.lon_deg is not None
        assert scan.lat_deg[index] == pytest.approx(lat, abs=1e-7)
        assert scan.lon_deg[index] == pytest.approx(lon, abs=1e-7)
    if "gps_fixes" in expected:
        assert scan.header.extra["gps_fixes"] == expected["gps_fixes"]


def _same_scan(a: GprScan, b: GprScan, *, exact_times: bool) -> None:
    assert b.data.dtype == a.data.dtype
    np.testing.assert_array_equal(b.data, a.data)
    assert b.header.sample_interval_s == a.header.sample_interval_s
    assert b.header.time_zero_s == a.header.time_zero_s
    assert b.marks == a.marks
    for name, tolerance in (("distance_m", 5e-4), ("lat_deg", 1e-6), ("lon_deg", 1e-6)):
        mine, theirs = getattr(a, name), getattr(b, name)
        assert (mine is None) == (theirs is None), name
        if mine is not None:
            np.testing.assert_allclose(theirs, mine, atol=tolerance, err_msg=name)
    if exact_times and a.trace_time_s is not None:
        assert b.trace_time_s is not None
        np.testing.assert_allclose(b.trace_time_s, a.trace_time_s, atol=1e-6)


@pytest.mark.parametrize("relative", SAMPLE_FILES)
@pytest.mark.parametrize("plugin_name", PLUGINS)
def test_reader_conformance(plugin_name: str, relative: str, tmp_path: Path) -> None:
    if not SAMPLE_FILES:
        pytest.skip(f"{SHARED_GPR} is absent")
    path = SHARED_GPR / relative
    plugin = available_formats()[plugin_name]
    with open(path, "rb") as stream:
        head = stream.read(4096)
    if _is_sidecar(relative):
        assert not plugin.sniff(path, head)
        with pytest.raises(FormatError):
            plugin.read(path)
        with pytest.raises(FormatError):
            read_any(path)
        return
    expected = expectation(relative)
    if expected["format"] != plugin_name:
        assert not plugin.sniff(path, head), f"{plugin_name} claims {relative}"
        with pytest.raises(FormatError):
            plugin.read(path)
        return

    assert plugin.sniff(path, head)
    assert detect_format(path) == plugin_name
    scans = plugin.read(path)
    assert [s.name for s in scans] == [f"gpr{i}" for i in range(len(scans))]
    scan = scans[0]
    assert scan.header.source_format == plugin_name
    _check_against_expectation(scan, expected)

    peer = _peer_samples(path, tmp_path)
    if isinstance(peer, tuple) and peer[0] == "gssi":
        _, zero, samples = peer  # readgssi: int32 copy without the first rh_zero samples
        np.testing.assert_array_equal(samples, scan.data[:, zero:].astype(np.int64))
    elif isinstance(peer, tuple):
        # ImpDAR subtracts each trace's mean over its first 100 samples and truncates to int16.
        offset = scan.data[:, :100].astype(np.float64).mean(axis=1, keepdims=True)
        np.testing.assert_array_equal(peer[1], (scan.data - offset).astype(np.int16))
    elif peer is not None:
        assert peer.shape == scan.data.shape
        np.testing.assert_array_equal(peer, scan.data)

    # Round trip through a detsig recording and through SEG-Y: exactly the same samples.
    for suffix in (".h5", ".sgy"):
        out = tmp_path / f"copy{suffix}"
        result = convert_file(path, out)
        assert result["streams"][0]["dtype"] == expected["dtype"]
        back = read_any(out)
        assert len(back) == len(scans)
        for original, copy in zip(scans, back, strict=True):
            _same_scan(original, copy, exact_times=suffix == ".h5")
    from detsig.io.recording import open_recording

    with open_recording(tmp_path / "copy.h5") as recording:
        stream = recording.streams["gpr0"]
        assert stream.kind == "gpr"
        assert stream.shape == expected["shape"]
        assert str(stream.dtype) == expected["dtype"]
        marks = [e for e in recording.events() if e.kind == "mark"]
        assert len(marks) == len(scan.marks)
    import segyio

    with segyio.open(str(tmp_path / "copy.sgy"), ignore_geometry=True) as segy:
        np.testing.assert_array_equal(segy.trace.raw[:], scan.data)


def test_sample_folder_is_covered() -> None:
    """Every non-sidecar sample file has an expectation (a new sample must be described)."""
    if not SAMPLE_FILES:
        pytest.skip(f"{SHARED_GPR} is absent")
    missing = [r for r in SAMPLE_FILES if not _is_sidecar(r) and r not in _known()]
    assert not missing


def _known() -> set[str]:
    from .expectations import EXPECTED

    return set(EXPECTED)


def test_copy_with_sidecars_keeps_reading(tmp_path: Path) -> None:
    """Lower-case names (and lower-case sidecars) read the same as the vendor's upper case."""
    if not SAMPLE_FILES:
        pytest.skip(f"{SHARED_GPR} is absent")
    source = SHARED_GPR / "gssi" / "test_gssi.DZT"
    copy = copy_with_sidecars(source, tmp_path)
    lower = tmp_path / "line.dzt"
    copy.rename(lower)
    for ext in ("DZG", "DZX"):
        (tmp_path / f"test_gssi.{ext}").rename(tmp_path / f"line.{ext.lower()}")
    original = read_any(source)[0]
    renamed = read_any(lower)[0]
    np.testing.assert_array_equal(renamed.data, original.data)
    np.testing.assert_allclose(renamed.lat_deg, original.lat_deg)
    np.testing.assert_allclose(renamed.distance_m, original.distance_m)
