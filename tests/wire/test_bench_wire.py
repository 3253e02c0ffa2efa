"""The wire benchmark script runs and reports what it promises (no timing asserted)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_wire.py"


def test_bench_wire_quick_writes_results(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = importlib.util.spec_from_file_location("bench_wire", SCRIPT)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "wire.json"
    assert bench.main(["--quick", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert set(results["runs"]) == {
        "pure-Python COBS (slices)",
        "pure-Python COBS (bytes)",
        "framing",
        "framing+message",
    }
    for run in results["runs"].values():
        assert run["frames_per_s"] > 0 and run["mb_per_s"] > 0
    assert "frames/s" in capsys.readouterr().out


def test_baselines_decode_like_the_cobs_package() -> None:
    spec = importlib.util.spec_from_file_location("bench_wire_b", SCRIPT)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from cobs import cobs

    for data in [b"", b"\x00", b"\x01" * 254, b"\x01" * 255 + b"\x00", bytes(range(256)) * 3]:
        encoded = cobs.encode(data)
        assert bench.bytewise_cobs_decode(encoded) == data
        assert bench.naive_cobs_decode(encoded) == data
    assert bench.bytewise_cobs_decode(b"\x05\x01") is None
    assert bench.naive_cobs_decode(b"\x05\x01") is None
