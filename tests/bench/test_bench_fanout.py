"""Fan-out on Dask: same results in-process and on a local cluster, errors surface clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detsig.bench.fanout import Executor, fan_out
from detsig.bench.matching import Halo
from detsig.bench.suite import (
    LaneFiles,
    ScoreFilesPipeline,
    ScoringConfig,
    build_document,
    write_outputs,
)
from detsig.errors import InputError, JobError, UsageError
from detsig.io.candidates import write_candidates_csv, write_candidates_geojson
from detsig.io.truth import write_truth
from detsig.model import Candidate, GroundTruth, TruthTarget

# distributed may warn while starting or stopping a cluster (ports, event-loop teardown);
# only these are tolerated, everything else stays an error.
DASK_WARNINGS = [
    "ignore:Port .* is already in use:UserWarning",
    "ignore:.*unclosed.*:ResourceWarning",
    "ignore:.*coroutine.*was never awaited:RuntimeWarning",
]


def make_lanes(
    folder: Path, n_lanes: int = 3
) -> tuple[list[LaneFiles], list[tuple[int, tuple[str, str]]]]:
    lanes, jobs = [], []
    for lane_index in range(n_lanes):
        mines = [
            TruthTarget(f"m{i}", "mine", ("ap-metal", "at")[i % 2], 1.0 + i, 0.03 * (i + 1), 0.1)
            for i in range(6)
        ]
        targets = (*mines, TruthTarget("k1", "clutter", "shrapnel", 8.5, 0.02, 0.03))
        truth = GroundTruth(targets, x_start_m=0.0, x_end_m=10.0, swept_width_m=0.5)
        truth_path = folder / f"lane{lane_index}.json"
        write_truth(truth, truth_path)
        lanes.append(
            LaneFiles(f"lane{lane_index}", str(truth_path), soil=("dry", "wet")[lane_index % 2])
        )
        for detector, offset in (("near", 0.05), ("far", 0.3)):
            candidates = [
                Candidate(
                    score=1.0 - 0.1 * i, detector=detector, stream="md0", x_m=1.0 + i + offset
                )
                for i in range(lane_index, 6)
            ] + [Candidate(score=0.05, detector=detector, stream="md0", x_m=9.6 - 0.1 * lane_index)]
            path = folder / f"lane{lane_index}-{detector}.csv"
            write_candidates_csv(path, candidates)
            jobs.append((lane_index, (detector, str(path))))
    return lanes, jobs


def document_for(lanes, jobs, executor: Executor) -> dict:
    pipeline = ScoreFilesPipeline(ScoringConfig.for_halo(Halo("edge", 0.1)))
    results = fan_out(pipeline.prepare, pipeline.evaluate, lanes, jobs, executor)
    return build_document(
        "files",
        [{"name": lane.name, "scenario": "", "seed": -1, "soil": lane.soil} for lane in lanes],
        [("near", "near", {}), ("far", "far", {})],
        results,
        pipeline.config,
    )


def test_serial_fan_out_scores_known_answers(tmp_path: Path) -> None:
    lanes, jobs = make_lanes(tmp_path)
    progress: list[tuple[int, int]] = []
    pipeline = ScoreFilesPipeline()
    results = fan_out(
        pipeline.prepare,
        pipeline.evaluate,
        lanes,
        jobs,
        Executor(workers=1),
        lambda done, total: progress.append((done, total)),
    )
    assert progress == [(n, 6) for n in range(1, 7)]
    assert [(r["lane"], r["detector"]) for r in results] == [
        (f"lane{i}", d) for i in range(3) for d in ("near", "far")
    ]
    document = document_for(lanes, jobs, Executor(workers=1))
    near, far = document["results"]
    # "near" finds every mine it points at (6 + 5 + 4 = 15 of 18); "far" (0.3 m off) none.
    assert (near["summary"]["n_detected"], near["summary"]["n_targets"]) == (15, 18)
    assert far["summary"]["n_detected"] == 0
    assert near["summary"]["n_false_alarms"] == 3
    assert near["summary"]["area_m2"] == pytest.approx(15.0)
    assert near["summary"]["by_lane"]["lane0"]["pd"] == 1.0
    assert near["summary"]["by_soil"]["wet"]["n_targets"] == 6
    # Pd against halo: far candidates are found once the halo reaches 0.3 - 0.05 m.
    far_halo = {row["halo_m"]: row["n_detected"] for row in far["pd_vs_halo"]}
    assert far_halo[0.2] == 0 and far_halo[0.3] == 15


def test_local_cluster_gives_the_same_document(tmp_path: Path) -> None:
    lanes, jobs = make_lanes(tmp_path)
    serial = document_for(lanes, jobs, Executor(workers=1))
    progress: list[int] = []
    pipeline = ScoreFilesPipeline(ScoringConfig.for_halo(Halo("edge", 0.1)))
    results = fan_out(
        pipeline.prepare,
        pipeline.evaluate,
        lanes,
        jobs,
        Executor(workers=2),
        lambda done, total: progress.append(done),
    )
    assert sorted(progress) == list(range(1, 7))
    parallel = build_document(
        "files",
        [{"name": lane.name, "scenario": "", "seed": -1, "soil": lane.soil} for lane in lanes],
        [("near", "near", {}), ("far", "far", {})],
        results,
        pipeline.config,
    )
    serial.pop("timing")
    parallel.pop("timing")
    assert json.dumps(parallel, sort_keys=True) == json.dumps(serial, sort_keys=True)


def test_task_errors_surface_as_detsig_errors(tmp_path: Path) -> None:
    lanes, jobs = make_lanes(tmp_path, n_lanes=1)
    jobs = [*jobs, (0, ("broken", str(tmp_path / "missing.csv")))]
    pipeline = ScoreFilesPipeline()
    for executor in (Executor(workers=1), Executor(workers=2)):
        with pytest.raises(InputError, match="does not exist"):
            fan_out(pipeline.prepare, pipeline.evaluate, lanes, jobs, executor)


def test_unreachable_scheduler_is_one_sentence() -> None:
    with pytest.raises(JobError, match="cannot reach the Dask scheduler"):
        fan_out(
            str.upper,
            lambda p, j: p,
            ["a"],
            [(0, None)],
            Executor(scheduler="tcp://127.0.0.1:9", connect_timeout_s=1.0),
        )


def test_bad_plans() -> None:
    with pytest.raises(UsageError, match="worker processes must be at least 1") as caught:
        Executor(workers=0)
    assert caught.value.parameters == ("workers",)
    with pytest.raises(ValueError, match="lane 3"):
        fan_out(str.upper, lambda p, j: p, ["a"], [(3, None)], Executor(workers=1))


def test_outputs_written_once(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    lanes, jobs = make_lanes(tmp_path / "in")
    document = document_for(lanes, jobs, Executor(workers=1))
    document["timing"].update(wall_s=1.0, executor="test")
    out = tmp_path / "out"
    paths = write_outputs(document, out)
    assert sorted(p.name for p in paths) == ["report.md", "results.json", "roc.png"]
    assert (out / "roc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "roc.png").stat().st_size > 10_000
    report = (out / "report.md").read_text()
    assert "| near | 0.833 (15/18) |" in report
    assert "![Pd against false alarms per m2](roc.png)" in report
    assert json.loads((out / "results.json").read_text())["results"][0]["detector"] == "near"
    with pytest.raises(UsageError, match="already exists"):
        write_outputs(document, out)


def test_geojson_candidates_score_the_same(tmp_path: Path) -> None:
    lanes, jobs = make_lanes(tmp_path, n_lanes=1)
    from detsig.io.candidates import read_candidates

    lane_index, (label, csv_path) = jobs[0]
    geojson_path = tmp_path / "same.geojson"
    write_candidates_geojson(geojson_path, read_candidates(csv_path))
    pipeline = ScoreFilesPipeline()
    prepared = pipeline.prepare(lanes[lane_index])
    a = pipeline.evaluate(prepared, (label, csv_path))
    b = pipeline.evaluate(prepared, (label, str(geojson_path)))
    assert a["lane_score"] == b["lane_score"]


def test_existing_scheduler_address(tmp_path: Path) -> None:
    from distributed import LocalCluster

    lanes, jobs = make_lanes(tmp_path, n_lanes=2)
    serial = document_for(lanes, jobs, Executor(workers=1))
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        remote = document_for(lanes, jobs, Executor(scheduler=cluster.scheduler_address))
    assert Executor(scheduler=cluster.scheduler_address).describe().startswith("the Dask cluster")
    serial.pop("timing")
    remote.pop("timing")
    assert remote == serial
