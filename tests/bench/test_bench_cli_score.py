"""``detsig bench score`` end to end: truth JSON or recording, candidates CSV, GeoJSON or HDF5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detsig.cli import main
from detsig.io.candidates import write_candidates_csv, write_candidates_geojson
from detsig.io.truth import write_truth
from detsig.model import Candidate, GroundTruth, TruthTarget


def truth() -> GroundTruth:
    return GroundTruth(
        (
            TruthTarget("m1", "mine", "ap-plastic", 1.0, 0.03, 0.08),
            TruthTarget("m2", "mine", "at", 3.0, 0.12, 0.30),
            TruthTarget("m3", "mine", "ap-plastic", 5.0, 0.08, 0.08),
            TruthTarget("k1", "clutter", "shrapnel", 7.0, 0.02, 0.03),
        ),
        x_start_m=0.0,
        x_end_m=10.0,
        swept_width_m=0.5,
    )


def candidates() -> list[Candidate]:
    rows = [(1.05, 0.9), (3.2, 0.8), (7.05, 0.7), (8.5, 0.6), (9.5, 0.2), (12.0, 0.95)]
    return [Candidate(score=s, detector="t", stream="md0", x_m=x) for x, s in rows]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    truth_path = tmp_path / "truth.json"
    write_truth(truth(), truth_path)
    csv_path = tmp_path / "c.csv"
    write_candidates_csv(csv_path, candidates())
    geojson_path = tmp_path / "c.geojson"
    write_candidates_geojson(geojson_path, candidates())
    return {"truth": truth_path, "csv": csv_path, "geojson": geojson_path, "dir": tmp_path}


def test_score_json_known_answer(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = files["dir"] / "score.json"
    code = main(
        [
            "bench",
            "score",
            "--truth",
            str(files["truth"]),
            "--candidates",
            str(files["csv"]),
            "--json",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "Pd 2/3 = 0.667" in text
    assert "candidates outside the surveyed extent: 1" in text
    result = json.loads(out.read_text())
    assert result["n_targets"] == 3
    assert result["n_detected"] == 2
    assert result["pd"] == pytest.approx(2 / 3)
    assert result["pd_ci"] == pytest.approx([0.094299324, 0.991596241], abs=1e-8)
    assert result["n_false_alarms"] == 2
    assert result["n_clutter_hits"] == 1
    assert result["area_m2"] == 5.0
    assert result["false_alarms_per_m2"] == pytest.approx(0.4)
    assert result["swept_width_source"] == "truth"
    assert result["by_kind"]["ap-plastic"]["n_detected"] == 1
    assert result["by_kind"]["at"]["pd"] == 1.0
    assert result["by_kind"]["shrapnel"]["n_clutter_hits"] == 1
    assert [row["halo_m"] for row in result["pd_vs_halo"]] == [0.0, 0.05, 0.1, 0.2, 0.3, 0.5]
    assert result["candidate_status"][-1] == "outside"


def test_score_options(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base = ["bench", "score", "--truth", str(files["truth"]), "--candidates", str(files["geojson"])]
    assert main([*base, "--mode", "centre", "--swept-width-m", "2", "--json", "-"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["halo"] == {"mode": "centre", "halo_m": 0.5}
    assert result["n_detected"] == 2
    assert result["area_m2"] == 20.0
    assert result["swept_width_source"] == "argument"
    assert main([*base, "--threshold", "0.85", "--json", "-"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["n_detected"], result["n_false_alarms"]) == (1, 0)
    assert result["n_candidates_below_threshold"] == 4


def test_score_recordings(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    from detsig.io.recording import RecordingWriter

    lane = files["dir"] / "lane.h5"
    with RecordingWriter(lane) as writer:
        writer.write_truth(truth())
        writer.write_candidates(candidates())
    assert (
        main(["bench", "score", "--truth", str(lane), "--candidates", str(lane), "--json", "-"])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert (result["n_detected"], result["n_false_alarms"], result["n_clutter_hits"]) == (2, 2, 1)

    bare = files["dir"] / "bare.h5"
    with RecordingWriter(bare):
        pass
    assert main(["bench", "score", "--truth", str(bare), "--candidates", str(lane)]) == 2
    assert "holds no /truth" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--halo-m", "-1"], "--halo-m must be"),
        (["--swept-width-m", "0"], "--swept-width-m must be > 0"),
        (["--fa-bound", "0"], "--fa-bound must be > 0"),
    ],
)
def test_bad_arguments(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    args = ["bench", "score", "--truth", str(files["truth"]), "--candidates", str(files["csv"])]
    assert main([*args, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_files(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["bench", "score", "--truth", str(files["csv"]), "--candidates", str(files["csv"])])
        == 2
    )
    assert "not valid JSON" in capsys.readouterr().err
    missing = str(files["dir"] / "missing.csv")
    assert main(["bench", "score", "--truth", str(files["truth"]), "--candidates", missing]) == 2
    assert "does not exist" in capsys.readouterr().err
    existing = files["dir"] / "taken.json"
    existing.write_text("{}")
    args = ["bench", "score", "--truth", str(files["truth"]), "--candidates", str(files["csv"])]
    assert main([*args, "--json", str(existing)]) == 2
    assert existing.read_text() == "{}"


def test_empty_truth_and_candidates(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    empty_truth = files["dir"] / "empty.json"
    empty_truth.write_text(json.dumps({"x_start_m": 0, "x_end_m": 4, "targets": []}))
    empty_cands = files["dir"] / "none.csv"
    write_candidates_csv(empty_cands, [])
    args = ["bench", "score", "--truth", str(empty_truth), "--candidates", str(files["csv"])]
    assert main([*args, "--json", "-"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pd"] is None and result["n_false_alarms"] == 2
    assert result["n_candidates_outside"] == 4
    assert result["swept_width_source"] == "default" and result["area_m2"] == 4.0
    args = ["bench", "score", "--truth", str(files["truth"]), "--candidates", str(empty_cands)]
    assert main([*args]) == 0
    assert "Pd 0/3 = 0.000" in capsys.readouterr().out
