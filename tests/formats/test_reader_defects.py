"""Defects found running the readers as a new user would (issue 18): all-zero gprMax components,
64-bit SEG-Y samples, constant data, and the one sentence for a file detsig does not know."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from detsig.cli import main
from detsig.errors import FormatError
from detsig.io.formats import read_any, write_scans
from detsig.model import GprHeader, GprScan

from .dzt_builder import make_dzt

SHARED_GPR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gpr").resolve()


# -- gprMax: which components hold data --------------------------------------------------------
def _gprmax(path: Path, nonzero: tuple[str, ...]) -> dict[str, np.ndarray]:
    """A gprMax 3 style A-scan whose components in ``nonzero`` hold a signal, the others 0."""
    import h5py

    rng = np.random.default_rng(5)
    fields = {}
    with h5py.File(path, "w") as file:
        file.attrs["gprMax"] = "3.1.7"
        file.attrs["dt"] = 2e-12
        file.attrs["Iterations"] = 50
        file.attrs["nrx"] = 1
        rx = file.create_group("rxs/rx1")
        for name in ("Ex", "Ey", "Ez", "Hx", "Hy", "Hz"):
            values = rng.standard_normal(50).astype(np.float32) if name in nonzero else np.zeros(50)
            rx[name] = values.astype(np.float32)
            fields[name] = values
    return fields


def test_gprmax_te_model_defaults_to_a_component_with_data(tmp_path: Path) -> None:
    path = tmp_path / "te.out"
    fields = _gprmax(path, ("Ex", "Ey", "Hz"))  # a TEz model: Ez is zero everywhere
    scan = read_any(path)[0]
    np.testing.assert_array_equal(scan.data[0], fields["Ey"])
    extra = scan.header.extra
    assert extra["component"] == "Ey"
    assert extra["components_with_data"] == ["Ex", "Ey", "Hz"]
    assert extra["component_rule"] == "first with data (Ez is all zero)"
    with pytest.raises(FormatError, match=r"the Ez component .* is zero .*: Ex, Ey, Hz"):
        read_any(path, component="Ez")
    np.testing.assert_array_equal(read_any(path, component="Hz")[0].data[0], fields["Hz"])


def test_gprmax_without_any_signal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "silent.out"
    _gprmax(path, ())
    with pytest.raises(FormatError, match="is zero at every receiver: the model recorded no"):
        read_any(path)


def test_gprmax_zero_component_of_a_real_file(tmp_path: Path) -> None:
    path = SHARED_GPR / "gprmax" / "cylinder_Bscan20_2D_gprMax4.out"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    scan = read_any(path)[0]
    assert scan.header.extra["component"] == "Ez"  # a TMz model: Ez holds the signal
    assert scan.header.extra["components_with_data"] == ["Ez", "Hx", "Hy"]
    with pytest.raises(FormatError, match=r"the Ex component .* components with data: Ez, Hx, Hy"):
        read_any(path, component="Ex")
    assert main(["convert", str(path), "-o", str(tmp_path / "x.h5"), "--component", "Hz"]) == 2


# -- SEG-Y: 64-bit integer samples (rev 2 codes 9 and 12) ----------------------------------------
@pytest.mark.parametrize(("dtype", "code"), [(np.int64, 9), (np.uint64, 12)])
def test_segy_64_bit_integers_round_trip(tmp_path: Path, dtype: type, code: int) -> None:
    info = np.iinfo(dtype)
    data = np.array(
        [[info.min, info.max, 0, 1, 2**53 + 1], [info.max - 1, info.min + 1, 7, 2**40, 3]],
        dtype=dtype,
    )
    scan = GprScan(data=data, header=GprHeader(sample_interval_s=1e-10))
    path = tmp_path / f"wide_{code}.sgy"
    assert write_scans(path, [scan]) == "segy"
    raw = path.read_bytes()
    assert struct.unpack(">h", raw[3224:3226])[0] == code
    assert raw[3500:3502] == b"\x02\x00"  # SEG-Y revision 2.0: codes 9 and 12 are rev 2
    back = read_any(path)[0]
    assert back.data.dtype == dtype
    np.testing.assert_array_equal(back.data, data)
    import segyio  # an independent reader agrees

    with segyio.open(str(path), ignore_geometry=True) as file:
        np.testing.assert_array_equal(file.trace.raw[:], data)


def test_every_sample_type_read_is_written(tmp_path: Path) -> None:
    """Each sample type any reader returns can be written to SEG-Y and to a recording."""
    from detsig.io.formats.segy import FORMAT_TYPES, WRITE_CODES

    assert set(FORMAT_TYPES.values()) <= set(WRITE_CODES)
    for index, dtype in enumerate(sorted({str(t) for t in FORMAT_TYPES.values()})):
        data = (np.arange(12) % 5).astype(dtype).reshape(3, 4)
        scan = GprScan(data=data, header=GprHeader(sample_interval_s=1e-10))
        for suffix in (".sgy", ".h5"):
            path = tmp_path / f"t{index}{suffix}"
            write_scans(path, [scan])
            back = read_any(path)[0]
            assert back.data.dtype == np.dtype(dtype), (dtype, suffix)
            np.testing.assert_array_equal(back.data, data)


# -- constant data are said, not silent ---------------------------------------------------------
def test_constant_dzt_is_noted_by_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = np.full((6, 16), 32768)
    data[:, 0] = np.arange(6)  # GSSI's scan counter sample varies; the radar data do not
    make_dzt(tmp_path / "flat.DZT", [data], bits=16)
    scan = read_any(tmp_path / "flat.DZT")[0]
    assert scan.header.extra["constant_data"] == 32768
    assert main(["info", str(tmp_path / "flat.DZT")]) == 0
    assert "notes: gpr0 holds the same value (32768) in every sample" in capsys.readouterr().out
    data[3, 7] = 1
    make_dzt(tmp_path / "live.DZT", [data], bits=16)
    assert "constant_data" not in read_any(tmp_path / "live.DZT")[0].header.extra


# -- a file detsig does not know: one sentence from every command -------------------------------
def _seismic_unix(path: Path, n_traces: int = 10, n_samples: int = 64) -> None:
    """A Seismic Unix file: SEG-Y trace headers (240 bytes, ns at byte 115, dt at 117) and
    float32 samples in native byte order, without SEG-Y's 3600-byte file header."""
    with open(path, "wb") as stream:
        for i in range(n_traces):
            header = bytearray(240)
            struct.pack_into("<i", header, 0, i + 1)
            struct.pack_into("<H", header, 114, n_samples)
            struct.pack_into("<H", header, 116, 100)
            stream.write(bytes(header))
            stream.write(np.sin(np.arange(n_samples) * 0.1 + i).astype("<f4").tobytes())


@pytest.mark.parametrize(
    "command",
    [
        ["info"],
        ["info", "--json"],
        ["convert", "-o", "{out}.h5"],
        ["process", "-o", "{out}.h5"],
        ["detect"],
        ["view", "--screenshot", "{out}.png"],
    ],
)
def test_unknown_file_gets_the_same_sentence_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    su = tmp_path / "line.su"
    _seismic_unix(su)
    args = [command[0], str(su), *(a.format(out=tmp_path / "out") for a in command[1:])]
    assert main(args) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert f"{su} is not in a format detsig knows (its content matches none of: detsig" in lines[0]
    assert "HDF5" not in lines[0] and "Traceback" not in captured.err
    assert not list(tmp_path.glob("out*"))  # nothing written
