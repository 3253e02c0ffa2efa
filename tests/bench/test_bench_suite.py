"""``detsig bench detection``: simulate, detect, score on Dask; determinism across workers."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from detsig.bench.detectors import available_detectors, operating_threshold, parameter_sets
from detsig.bench.suite import DetectorSpec, LaneSpec, get_suite
from detsig.cli import main
from detsig.errors import UsageError

# These run the real detectors on simulated lanes: compiled, a quick suite takes well under a
# minute; interpreted (NUMBA_DISABLE_JIT=1) about an hour. The scorer and the fan-out are
# tested without the detectors in the other test modules, JIT or not.
needs_jit = pytest.mark.skipif(
    os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"),
    reason="runs the detectors on whole lanes: too slow with NUMBA_DISABLE_JIT=1",
)


def results_without_timing(folder: Path) -> dict:
    document = json.loads((folder / "results.json").read_text())
    document.pop("timing")
    return document


@needs_jit
@pytest.mark.slow
def test_quick_suite_on_two_workers_equals_one_worker(tmp_path: Path) -> None:
    start = time.perf_counter()
    code = main(["bench", "detection", "--suite", "quick", "-o", str(tmp_path / "two")])
    two_workers_s = time.perf_counter() - start
    assert code == 0
    assert two_workers_s < 300  # the bound for this machine (2 cores)
    code = main(
        [
            "bench",
            "detection",
            "--suite",
            "quick",
            "--workers",
            "1",
            "--no-progress",
            "-o",
            str(tmp_path / "one"),
        ]
    )
    assert code == 0
    two = results_without_timing(tmp_path / "two")
    one = results_without_timing(tmp_path / "one")
    assert two == one

    suite = get_suite("quick")
    assert [lane["name"] for lane in two["lanes"]] == [lane.name for lane in suite.lanes]
    assert [r["detector"] for r in two["results"]] == available_detectors()
    for result in two["results"]:
        summary = result["summary"]
        assert summary["n_targets"] == sum(lane["n_mines"] for lane in two["lanes"])
        assert 0 <= summary["n_detected"] <= summary["n_targets"]
        low, high = summary["pd_ci"]
        assert low <= summary["pd"] <= high
        assert summary["threshold"] == operating_threshold(result["name"], result["params"])
        assert len(result["lanes"]) == len(suite.lanes)
        # The operating point lies on the ROC curve.
        roc = summary["roc"]
        index = max(
            i for i, t in enumerate(roc["threshold"]) if t is None or t >= summary["threshold"]
        )
        assert roc["n_detected"][index] == summary["n_detected"]
        assert roc["n_false_alarms"][index] == summary["n_false_alarms"]
    # At least one detector finds something on these lanes: the pipeline really ran.
    assert max(r["summary"]["n_detected"] for r in two["results"]) > 0

    png = (tmp_path / "two" / "roc.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    report = (tmp_path / "two" / "report.md").read_text()
    assert "![Pd against false alarms per m2](roc.png)" in report
    assert "## Pd by kind" in report and "## Pd by soil" in report
    timing = json.loads((tmp_path / "two" / "results.json").read_text())["timing"]
    assert timing["executor"] == "a local Dask cluster of 2 worker processes"


@needs_jit
def test_reduced_suite_on_an_existing_scheduler(tmp_path: Path) -> None:
    from distributed import LocalCluster

    def run(executor: list[str], out: str) -> int:
        return main(
            [
                "bench",
                "detection",
                "--suite",
                "quick",
                "--seeds",
                "3",
                "--detectors",
                "gpr-energy",
                "--no-progress",
                *executor,
                "--mode",
                "centre",
                "-o",
                str(tmp_path / out),
            ]
        )

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        assert run(["--scheduler", cluster.scheduler_address], "remote") == 0
    assert run(["--workers", "1"], "local") == 0
    remote = results_without_timing(tmp_path / "remote")
    assert remote == results_without_timing(tmp_path / "local")
    assert remote["halo"] == {"mode": "centre", "halo_m": 0.5}
    assert [lane["seed"] for lane in remote["lanes"]] == [3, 3, 3, 3]
    assert [r["detector"] for r in remote["results"]] == ["gpr-energy"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--detectors", "magic"], "unknown detector 'magic'"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--seeds", "-1"], "--seeds must be integers >= 0"),
        (["--halo-m", "nan"], "--halo-m must be"),
    ],
)
def test_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code = main(["bench", "detection", "--suite", "quick", "-o", str(tmp_path / "o"), *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "o" / "results.json").exists()


def test_refuses_a_non_empty_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("x")
    assert main(["bench", "detection", "--suite", "quick", "-o", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err


def test_suite_definitions() -> None:
    quick = get_suite("quick")
    standard = get_suite("standard")
    assert len(quick.lanes) == 8 and len({lane.name for lane in quick.lanes}) == 8
    assert {d.name for d in quick.detectors} == set(available_detectors())
    assert all(not d.params for d in quick.detectors)
    labels = [d.label for d in standard.detectors]
    assert len(labels) == len(set(labels)) > len(quick.detectors)
    assert parameter_sets("md-cfar")[0] == {}
    assert DetectorSpec("md-cfar", {"cfar_method": "os"}).label == "md-cfar[cfar_method=os]"
    assert LaneSpec("standard", 4, "loam").name == "standard-s4"
    reseeded = quick.with_seeds([7])
    assert [lane.seed for lane in reseeded.lanes] == [7, 7, 7, 7]
    assert [d.name for d in quick.with_detectors(["fused"]).detectors] == ["fused"]
    with pytest.raises(UsageError, match="unknown suite"):
        get_suite("huge")
