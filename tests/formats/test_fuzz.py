"""Damaged copies of every sample file: a FormatError or a correct prefix, never a crash.

A file cut anywhere gives FormatError, except where the format has no trace count (GSSI DZT,
SEG-Y) and the cut falls exactly between two traces: then the reader must return exactly the
traces before the cut. A flipped bit gives FormatError or a read whose arrays are well formed
(sample values cannot be checked: these formats have no checksums).
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detsig.errors import FormatError
from detsig.io.formats import _common, convert_file, read_any

SHARED_GPR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gpr").resolve()
#: The data files (their sidecars are copied alongside).
DATA_FILES = [
    "gssi/FILE____032.DZT",
    "gssi/test_gssi.DZT",
    "gssi/test_gssi_partialgps.DZT",
    "pulseekko/XLINE00.DT1",
    "mala/ten_col.rd3",
    "mala/ten_col_nogps.rd3",
    "gprmax/rectangle_gprMax3_Bscan.h5",
    "gprmax/cylinder_Ascan_2D_gprMax3.out",
    "gprmax/cylinder_Bscan20_2D_gprMax4.out",
]
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.fixture(autouse=True)
def _short_hdf5_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged HDF5 file that hangs libhdf5 is refused after 2 s instead of 10 s."""
    monkeypatch.setattr(_common, "HDF5_PROBE_TIMEOUT_S", 2.0)


def _source(relative: str, tmp_path: Path) -> Path:
    path = SHARED_GPR / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


_STAGED = itertools.count()


def _stage(source: Path, folder: Path, content: bytes) -> Path:
    """Write ``content`` under the source's name in a new folder, with its sidecars beside it
    (a new path each time, so nothing cached about an earlier copy can apply)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder = folder.with_name(f"{folder.name}-{next(_STAGED)}")
    folder.mkdir(parents=True)
    for sibling in source.parent.iterdir():
        if sibling.stem == source.stem and sibling != source:
            shutil.copy(sibling, folder / sibling.name)
    target = folder / source.name
    target.write_bytes(content)
    return target


def _check_well_formed(scans: list) -> None:
    assert scans
    for scan in scans:
        assert scan.data.ndim == 2 and scan.data.shape[0] >= 1 and scan.data.shape[1] >= 1
        assert scan.header.sample_interval_s > 0


@pytest.mark.parametrize("relative", DATA_FILES)
def test_truncated_copies_raise_format_error(relative: str, tmp_path: Path) -> None:
    source = _source(relative, tmp_path)
    original_bytes = source.read_bytes()
    original = read_any(source)

    @FUZZ
    @given(fraction=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
    def check(fraction: float) -> None:
        cut = int(fraction * len(original_bytes))
        path = _stage(source, tmp_path / "cut", original_bytes[:cut])
        try:
            scans = read_any(path)
        except FormatError as error:
            assert str(error)
            return
        # Only formats without a trace count may read a cut file, and only a clean prefix.
        assert scans[0].header.source_format in ("gssi-dzt", "segy")
        for before, after in zip(original, scans, strict=True):
            assert after.n_traces < before.n_traces
            np.testing.assert_array_equal(after.data, before.data[: after.n_traces])

    check()


@pytest.mark.parametrize("relative", DATA_FILES)
def test_bit_flipped_copies_never_crash(relative: str, tmp_path: Path) -> None:
    source = _source(relative, tmp_path)
    original_bytes = source.read_bytes()
    header_span = min(len(original_bytes), 8192)

    @FUZZ
    @given(
        # Half the flips land in the first 8 KiB, where the headers are.
        position=st.one_of(
            st.integers(0, header_span - 1), st.integers(0, len(original_bytes) - 1)
        ),
        bit=st.integers(0, 7),
    )
    def check(position: int, bit: int) -> None:
        damaged = bytearray(original_bytes)
        damaged[position] ^= 1 << bit
        path = _stage(source, tmp_path / "flip", bytes(damaged))
        try:
            scans = read_any(path)
        except FormatError as error:
            assert str(error)
            return
        _check_well_formed(scans)

    check()


@pytest.mark.parametrize("suffix", [".sgy", ".h5"])
def test_truncated_outputs_raise_format_error(suffix: str, tmp_path: Path) -> None:
    """The writers' own files, cut short, are refused too (SEG-Y at a trace boundary reads the
    prefix)."""
    source = _source("mala/ten_col.rd3", tmp_path)
    written = tmp_path / f"line{suffix}"
    convert_file(source, written)
    content = written.read_bytes()
    for cut in (0, 100, 3599, 3600 + 240 + 7, len(content) // 2, len(content) - 1):
        damaged = tmp_path / f"cut-{cut}{suffix}"
        damaged.write_bytes(content[:cut])
        try:
            scans = read_any(damaged)
        except FormatError:
            continue
        assert suffix == ".sgy" and scans[0].n_traces < 10


def test_hdf5_that_hangs_libhdf5_is_refused(tmp_path: Path) -> None:
    """Regression: this bit flip (found by the fuzz test) corrupts the global heap of the
    variable-length string attributes, and libhdf5 then loops forever reading ``Title``."""
    source = _source("gprmax/cylinder_Bscan20_2D_gprMax4.out", tmp_path)
    damaged = bytearray(source.read_bytes())
    damaged[4529] ^= 1 << 1
    path = tmp_path / "hang.out"
    path.write_bytes(bytes(damaged))
    with pytest.raises(FormatError, match="did not finish reading its metadata"):
        read_any(path)
