"""The plugin interface: built-ins, entry-point discovery, detection, describe_scans."""

from __future__ import annotations

import sys
import textwrap
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from detsig.errors import FormatError
from detsig.io.formats import (
    ENTRY_POINT_GROUP,
    FormatPlugin,
    available_formats,
    convert_file,
    describe_scans,
    detect_format,
    get_format,
    read_any,
    reload_plugins,
    write_scans,
)
from detsig.model import GprHeader, GprScan

SHARED_GPR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gpr").resolve()
BUILT_INS = {"detsig", "gprmax", "segy", "pulseekko-dt1", "mala-rd3", "gssi-dzt"}


def test_built_ins_are_declared_as_entry_points() -> None:
    declared = {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert set(declared) >= BUILT_INS
    for name in BUILT_INS:
        plugin_class = declared[name].load()
        assert plugin_class.name == name
        assert issubclass(plugin_class, FormatPlugin)
    assert set(available_formats()) >= BUILT_INS


def test_third_party_plugin_is_discovered_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real installed distribution (a dist-info folder on sys.path) adds a format."""
    (tmp_path / "toy_gpr_format.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            from detsig.io.formats import FormatPlugin
            from detsig.model import GprHeader, GprScan

            class ToyFormat(FormatPlugin):
                name = "toy"
                extensions = ("toy",)
                description = "8 magic bytes then uint8 traces of 4 samples"

                def sniff(self, path, head_bytes):
                    return head_bytes.startswith(b"TOYGPR01")

                def read(self, path, **options):
                    raw = np.frombuffer(path.read_bytes()[8:], dtype=np.uint8)
                    return [GprScan(raw.reshape(-1, 4), GprHeader(sample_interval_s=1e-10,
                                    source_format="toy"))]
            """
        )
    )
    info = tmp_path / "toy_gpr_format-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-gpr-format\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\ntoy = toy_gpr_format:ToyFormat\nbroken = no_such_module:X\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        plugins = reload_plugins()
        assert "toy" in plugins and set(plugins) >= BUILT_INS
        sample = tmp_path / "line.bin"  # content decides, not the extension
        sample.write_bytes(b"TOYGPR01" + bytes(range(12)))
        assert detect_format(sample) == "toy"
        scan = read_any(sample)[0]
        assert scan.data.shape == (3, 4) and scan.data.dtype == np.uint8
        from detsig.io.formats import broken_plugins

        assert "broken" in broken_plugins()
    finally:
        sys.modules.pop("toy_gpr_format", None)
        monkeypatch.undo()
        reload_plugins()
    assert "toy" not in available_formats()


def test_unknown_empty_and_missing_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello, not radar\n")
    with pytest.raises(FormatError, match="not in a format detsig knows"):
        read_any(text)
    empty = tmp_path / "empty.DZT"
    empty.write_bytes(b"")
    with pytest.raises(FormatError, match="empty"):
        read_any(empty)
    with pytest.raises(FormatError, match="does not exist"):
        read_any(tmp_path / "missing.DZT")
    with pytest.raises(FormatError, match="folder"):
        read_any(tmp_path)
    with pytest.raises(FormatError, match="unknown format"):
        get_format("nope")
    # A cut-off file with a known extension reaches its reader and gets its precise complaint.
    stub = tmp_path / "cut.DZT"
    stub.write_bytes(b"\x00\x01\x02")
    assert detect_format(stub) == "gssi-dzt"
    with pytest.raises(FormatError, match="truncated"):
        read_any(stub)


def test_unknown_reader_option(tmp_path: Path) -> None:
    path = SHARED_GPR / "mala" / "ten_col.rd3"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    with pytest.raises(FormatError, match="does not take"):
        read_any(path, colour="red")


def test_writers_never_overwrite(tmp_path: Path) -> None:
    scan = GprScan(np.arange(12, dtype=np.int16).reshape(3, 4), GprHeader(sample_interval_s=1e-10))
    for name in ("out.sgy", "out.h5"):
        target = tmp_path / name
        target.write_bytes(b"precious")
        with pytest.raises(FormatError, match="already exists"):
            write_scans(target, [scan])
        assert target.read_bytes() == b"precious"
    with pytest.raises(FormatError, match="output format"):
        write_scans(tmp_path / "out.xyz", [scan])
    with pytest.raises(FormatError, match="cannot write"):
        write_scans(tmp_path / "x.dzt", [scan], format="gssi-dzt")


def test_describe_scans_matches_recording_describe(tmp_path: Path) -> None:
    """The vendor description has the shape of ``detsig info --json`` for a recording."""
    path = SHARED_GPR / "gssi" / "FILE____032.DZT"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    info = describe_scans(path)
    assert info["format"] == "gssi-dzt"
    assert info["has_truth"] is False and info["has_candidates"] is False
    assert info["events"] == {"mark": 11}
    stream = info["streams"][0]
    assert stream["shape"] == [1040, 512] and stream["dtype"] == "uint16"
    assert stream["duration_s"] == pytest.approx(1040 / 100.0)  # 100 scans/s
    assert stream["sample_interval_s"] == pytest.approx(48e-9 / 512)
    out = tmp_path / "line.h5"
    convert_file(path, out)
    from detsig.io.recording import open_recording

    with open_recording(out) as recording:
        native = recording.describe()
    assert set(info) <= set(native)
    native_stream = native["streams"][0]
    for key in ("name", "kind", "shape", "dtype", "sample_interval_s", "distance_m"):
        assert native_stream[key] == stream[key], key
    assert native["events"] == info["events"]
    again = describe_scans(out)
    assert again["format"] == "detsig" and again["streams"][0]["shape"] == [1040, 512]


def test_detect_format_not_strict(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not radar")
    assert detect_format(text, strict=False) is None
    assert detect_format(tmp_path / "missing.dzt", strict=False) is None
    with pytest.raises(FormatError):
        detect_format(text)
