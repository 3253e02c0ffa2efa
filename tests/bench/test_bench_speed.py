"""``detsig bench speed``: running benchmark scripts and collecting their JSON."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from detsig.bench.speed import BenchmarkRun, find_benchmarks, flatten, run_benchmarks
from detsig.cli import main
from detsig.errors import UsageError

GOOD = """
import argparse, json, sys
parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true")
parser.add_argument("--json")
args = parser.parse_args()
size = 10 if args.quick else 1000
result = {"quick": args.quick, "results": [
    {"name": "kernel", "seconds": 0.5, "ratio_vs_numpy": 3.0},
    {"name": "numpy", "seconds": 1.5, "ratio_vs_numpy": 1.0},
], "size": size}
print("kernel 3.00x numpy")
if args.json:
    open(args.json, "w").write(json.dumps(result))
"""

RUNS_LAYOUT = """
import argparse, json
parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true")
parser.add_argument("--json")
args = parser.parse_args()
open(args.json, "w").write(json.dumps({"note": "x", "runs": {"fast": {"mb_per_s": 9.5}}}))
"""

BROKEN = """
import sys
sys.exit("cannot find the test data")
"""


def make_folder(folder: Path, **scripts: str) -> Path:
    folder.mkdir()
    for name, text in scripts.items():
        (folder / f"bench_{name}.py").write_text(textwrap.dedent(text))
    (folder / "helper.py").write_text("raise SystemExit('not a benchmark')\n")
    return folder


def test_runs_scripts_and_flattens(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "benchmarks", good=GOOD, runs=RUNS_LAYOUT, broken=BROKEN)
    scripts = find_benchmarks(folder)
    assert [s.name for s in scripts] == ["bench_broken.py", "bench_good.py", "bench_runs.py"]
    runs = run_benchmarks(scripts, quick=True, timeout_s=60)
    broken, good, runs_layout = runs
    assert not broken.ok and "cannot find the test data" in broken.error
    assert good.ok and good.data["quick"] is True and good.data["size"] == 10
    rows = flatten(good)
    assert {"benchmark": "good", "case": "kernel", "metric": "ratio_vs_numpy", "value": 3.0} in rows
    assert {"benchmark": "good", "case": "", "metric": "size", "value": 10} in rows
    assert flatten(runs_layout) == [
        {"benchmark": "runs", "case": "", "metric": "note", "value": "x"},
        {"benchmark": "runs", "case": "fast", "metric": "mb_per_s", "value": 9.5},
    ]
    assert flatten(broken)[0]["metric"] == "error"


def test_full_mode_and_timeout(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "b", good=GOOD, slow="import time\ntime.sleep(30)\n")
    good, slow = run_benchmarks(find_benchmarks(folder, ["good", "slow"]), quick=False, timeout_s=2)
    assert good.data["size"] == 1000
    assert slow.returncode == -1 and "timed out" in slow.error


def test_selection_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        find_benchmarks(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no bench_"):
        find_benchmarks(tmp_path / "empty")
    folder = make_folder(tmp_path / "b", good=GOOD)
    with pytest.raises(UsageError, match="no benchmark named 'fast'"):
        find_benchmarks(folder, ["fast"])


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_folder(tmp_path / "benchmarks", good=GOOD, broken=BROKEN)
    out = tmp_path / "speed.json"
    code = main(["bench", "speed", "--benchmarks", str(folder), "--json", str(out)])
    assert code == 1  # one benchmark failed
    captured = capsys.readouterr()
    assert "| good | kernel | ratio_vs_numpy | 3 |" in captured.out
    assert "broken: FAILED" in captured.err
    document = json.loads(out.read_text())
    assert [b["name"] for b in document["benchmarks"]] == ["broken", "good"]
    code = main(["bench", "speed", "--benchmarks", str(folder), "--only", "good"])
    assert code == 0
    code = main(["bench", "speed", "--benchmarks", str(folder), "--json", str(out)])
    assert code == 2
    assert "already exists" in capsys.readouterr().err


def test_flatten_scalar_document() -> None:
    run = BenchmarkRun("x", "bench_x.py", 0, 0.1, 3.5, "")
    assert flatten(run) == [{"benchmark": "x", "case": "", "metric": "value", "value": 3.5}]
