"""Candidate exports (GeoJSON, CSV) and the reader for every candidate source."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from detsig.errors import FormatError, InputError
from detsig.io.candidates import (
    read_candidates,
    write_candidates_csv,
    write_candidates_geojson,
)
from detsig.model import CANDIDATE_FIELDS, Candidate


def sample_candidates() -> list[Candidate]:
    return [
        Candidate(
            score=0.93,
            detector="gpr-hyperbola",
            stream="gpr0",
            x_m=1.2345678901234567,
            y_m=-0.1,
            lat_deg=46.0123456789,
            lon_deg=6.1234567891,
            time_s=12.5,
            depth_m=0.08,
            extras={"relative_permittivity": 6.25, "n_traces": 31, "note": 'a, "quoted"'},
        ),
        Candidate(score=0.1, detector="md-cfar", stream="md0", x_m=3.0, extras={"channel": "g1"}),
        Candidate(score=-2.0, detector="md-cfar", stream="md0", x_m=4.5, time_s=3.0),
    ]


def same(a: Candidate, b: Candidate) -> bool:
    for name in ("x_m", "y_m", "lat_deg", "lon_deg", "time_s", "depth_m", "score"):
        x, y = getattr(a, name), getattr(b, name)
        if not (x == y or (math.isnan(x) and math.isnan(y))):
            return False
    return a.detector == b.detector and a.stream == b.stream and dict(a.extras) == dict(b.extras)


def test_geojson_round_trip_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "c.geojson"
    candidates = sample_candidates()
    write_candidates_geojson(path, candidates)
    text = path.read_text(encoding="utf-8")
    document = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in GeoJSON"))
    assert document["type"] == "FeatureCollection"
    assert document["detsig_format"] == "detsig-candidates"
    first, second = document["features"][:2]
    assert first["type"] == "Feature"
    assert first["geometry"] == {"type": "Point", "coordinates": [6.1234567891, 46.0123456789]}
    assert list(first["properties"])[: len(CANDIDATE_FIELDS)] == list(CANDIDATE_FIELDS)
    assert second["geometry"] is None  # no GNSS: an unlocated feature (RFC 7946 3.2)
    assert second["properties"]["lat_deg"] is None
    again = read_candidates(path)
    assert len(again) == 3
    assert all(same(a, b) for a, b in zip(candidates, again, strict=True))


def test_csv_round_trip_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    candidates = sample_candidates()
    write_candidates_csv(path, candidates)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(
        [*CANDIDATE_FIELDS, "channel", "n_traces", "note", "relative_permittivity"]
    )
    assert lines[2].startswith("3.0,,,,,,0.1,md-cfar,md0,g1,")
    again = read_candidates(path)
    assert all(same(a, b) for a, b in zip(candidates, again, strict=True))


def test_writers_refuse_to_overwrite(tmp_path: Path) -> None:
    for writer, name in ((write_candidates_geojson, "c.geojson"), (write_candidates_csv, "c.csv")):
        path = tmp_path / name
        path.write_text("keep me")
        with pytest.raises(InputError, match="already exists"):
            writer(path, sample_candidates())
        assert path.read_text() == "keep me"
        writer(path, sample_candidates(), overwrite=True)
        assert len(read_candidates(path)) == 3


def test_empty_exports(tmp_path: Path) -> None:
    write_candidates_geojson(tmp_path / "e.geojson", [])
    write_candidates_csv(tmp_path / "e.csv", [])
    assert read_candidates(tmp_path / "e.geojson") == []
    assert read_candidates(tmp_path / "e.csv") == []


def test_minimal_hand_written_csv(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("X_m,Score,comment\n1.5,0.8,first\n\n2.5,0.2,\n", encoding="utf-8")
    candidates = read_candidates(path)
    assert [(c.x_m, c.score) for c in candidates] == [(1.5, 0.8), (2.5, 0.2)]
    assert candidates[0].extras == {"comment": "first"}
    assert math.isnan(candidates[0].y_m)


def test_plain_json_list(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps([{"x_m": 1.0, "score": 0.5}]))
    assert read_candidates(path)[0].x_m == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("x_m,y_m\n1,2\n", "no 'score' column"),
        ("x_m,score\n1\n", "line 2 has 1 cells"),
        ("x_m,score\nabc,1\n", "'x_m' must be a number"),
        ("", "empty"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": [{"properties": {}}]}', "needs a 'score'"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_files_give_one_sentence(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad"
    path.write_text(content)
    with pytest.raises(FormatError, match=message):
        read_candidates(path)


def test_missing_file_and_binary_junk(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_candidates(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="folder"):
        read_candidates(tmp_path)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FormatError):
        read_candidates(junk)


def test_reads_a_recordings_candidates(tmp_path: Path) -> None:
    from detsig.io.recording import RecordingWriter

    with_candidates = tmp_path / "lane.h5"
    with RecordingWriter(with_candidates) as writer:
        writer.write_candidates(sample_candidates())
    again = read_candidates(with_candidates)
    assert all(same(a, b) for a, b in zip(sample_candidates(), again, strict=True))

    without = tmp_path / "bare.h5"
    with RecordingWriter(without):
        pass
    with pytest.raises(InputError, match="no /candidates"):
        read_candidates(without)
