"""The survey speed benchmark runs, stays under 1 s and agrees with its SciPy baseline."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_gridding_benchmark_row(repo_root, tmp_path):
    out = tmp_path / "survey.json"
    subprocess.run(
        [
            sys.executable,
            str(repo_root / "benchmarks" / "bench_survey.py"),
            "--quick",
            "--json",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (row,) = json.loads(out.read_text())
    assert row["baseline"].startswith("scipy.interpolate.griddata")
    assert row["detsig_s"] < 1.0 and row["under_1_s"]
    assert row["ratio"] == pytest.approx(row["baseline_s"] / row["detsig_s"])
    assert row["slice_correlation_with_baseline"] > 0.9
