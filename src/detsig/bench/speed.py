"""``detsig bench speed``: run every ``benchmarks/bench_*.py`` and collect their JSON.

Each benchmark script accepts ``--quick`` and ``--json PATH`` and writes one JSON document.
The documents are kept whole (``benchmarks[].data``) and also flattened into one long table of
``benchmark | case | metric | value`` rows, whatever each script's layout: a list of objects
under ``results`` (or ``rows``/``cases``), a top-level list, or a flat object.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detsig.errors import UsageError

__all__ = [
    "BenchmarkRun",
    "find_benchmarks",
    "flatten",
    "format_table",
    "run_benchmarks",
]

_CASE_KEYS = ("name", "case", "operation", "kernel", "filter", "label")
_ROW_KEYS = ("results", "rows", "cases", "runs")


@dataclass(frozen=True)
class BenchmarkRun:
    """One benchmark script's run.

    Attributes
    ----------
    name : str
        Script stem without ``bench_`` (``"dsp"`` for ``bench_dsp.py``).
    script : str
        Path of the script.
    returncode : int
        Exit status (-1 when it timed out).
    seconds : float
        Wall time.
    data : object or None
        The JSON it wrote.
    error : str
        Why it failed (empty when it did not).
    """

    name: str
    script: str
    returncode: int
    seconds: float
    data: Any
    error: str

    @property
    def ok(self) -> bool:
        """It exited 0 and wrote JSON."""
        return self.returncode == 0 and self.data is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON form.

        Returns
        -------
        dict
            ``name``, ``script``, ``returncode``, ``seconds`` (s), ``ok``, ``error`` and ``data``.
        """
        return {
            "name": self.name,
            "script": self.script,
            "returncode": self.returncode,
            "seconds": self.seconds,
            "ok": self.ok,
            "error": self.error,
            "data": self.data,
        }


def default_benchmarks_folder() -> Path | None:
    """``./benchmarks`` if present, else the source tree's ``benchmarks/`` (editable installs).

    Returns
    -------
    Path or None
        The folder, or None when neither exists.
    """
    here = Path.cwd() / "benchmarks"
    if here.is_dir():
        return here
    import detsig

    tree = Path(detsig.__file__).resolve().parents[2] / "benchmarks"
    return tree if tree.is_dir() else None


def find_benchmarks(folder: Path, only: Sequence[str] | None = None) -> list[Path]:
    """The ``bench_*.py`` scripts of a folder, sorted, optionally only some names.

    Parameters
    ----------
    folder : Path
        Folder holding the ``bench_*.py`` scripts.
    only : sequence of str, optional
        Benchmark names to keep, with or without the ``bench_`` prefix; all when None or
        empty.

    Returns
    -------
    list of Path
        The scripts, sorted by name, or in the order of ``only``.

    Raises
    ------
    UsageError
        The folder does not exist, holds no benchmark, or ``only`` names an unknown one.
    """
    if not folder.is_dir():
        raise UsageError(
            f"the benchmark folder {folder} does not exist; give the folder of the bench_*.py "
            "scripts",
            parameter="benchmarks",
        )
    scripts = sorted(folder.glob("bench_*.py"))
    if not scripts:
        raise UsageError(f"{folder} holds no bench_*.py script")
    if only:
        names = {script.stem.removeprefix("bench_"): script for script in scripts}
        missing = [name for name in only if name.removeprefix("bench_") not in names]
        if missing:
            raise UsageError(
                f"no benchmark named {missing[0]!r}; choose from {', '.join(sorted(names))}"
            )
        scripts = [names[name.removeprefix("bench_")] for name in only]
    return scripts


def _run_one(script: Path, quick: bool, timeout_s: float) -> BenchmarkRun:
    name = script.stem.removeprefix("bench_")
    with tempfile.TemporaryDirectory(prefix="detsig-speed-") as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, str(script), "--json", str(out)]
        if quick:
            command.insert(2, "--quick")
        start = time.perf_counter()
        try:
            completed = subprocess.run(
                command,
                cwd=script.parent.parent,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                env={**os.environ, "MPLBACKEND": "Agg"},
                check=False,
            )
        except subprocess.TimeoutExpired:
            seconds = time.perf_counter() - start
            return BenchmarkRun(
                name, str(script), -1, seconds, None, f"timed out after {timeout_s:g} s"
            )
        seconds = time.perf_counter() - start
        data = None
        error = ""
        if out.is_file():
            try:
                data = json.loads(out.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as problem:
                error = f"wrote invalid JSON ({problem})"
        elif completed.returncode == 0:
            error = "wrote no JSON"
        if completed.returncode != 0:
            lines = [line for line in completed.stderr.splitlines() if line.strip()]
            error = f"exit {completed.returncode}: {lines[-1] if lines else 'no message'}"
    return BenchmarkRun(name, str(script), completed.returncode, seconds, data, error)


def run_benchmarks(
    scripts: Iterable[Path],
    *,
    quick: bool = True,
    timeout_s: float = 600.0,
    on_done: Any = None,
) -> list[BenchmarkRun]:
    """Run scripts one after another (never in parallel: they measure speed).

    Parameters
    ----------
    scripts : iterable of Path
        The scripts.
    quick : bool
        Pass ``--quick``.
    timeout_s : float
        Per-script time limit.
    on_done : callable, optional
        ``on_done(run)`` after each script.

    Returns
    -------
    list of BenchmarkRun
        One per script, in order (a failed or timed-out script is a run with ``ok`` False).
    """
    runs = []
    for script in scripts:
        run = _run_one(script, quick, timeout_s)
        runs.append(run)
        if on_done is not None:
            on_done(run)
    return runs


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float | str | bool) or value is None


def _flat_items(data: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flat_items(value, name + ".")
        elif _scalar(value):
            yield name, value


def flatten(run: BenchmarkRun) -> list[dict[str, Any]]:
    """Rows ``{"benchmark", "case", "metric", "value"}`` of one run's JSON.

    Cases are the objects of a list (top level, or under ``results``, ``rows``, ``cases``,
    ``runs``) named by their ``name``/``case``/``operation`` field, or the entries of an
    object of objects under one of those keys; other top-level scalars form the case ``""``.
    A failed run gives one row with metric ``error``.

    Parameters
    ----------
    run : BenchmarkRun
        One finished benchmark run.

    Returns
    -------
    list of dict
        The rows, in the order of the JSON document.
    """
    if not run.ok:
        return [{"benchmark": run.name, "case": "", "metric": "error", "value": run.error}]
    data = run.data
    cases: list[tuple[str, Mapping[str, Any]]] = []
    if isinstance(data, list):
        data = {"results": data}
    if not isinstance(data, Mapping):
        return [{"benchmark": run.name, "case": "", "metric": "value", "value": data}]
    rest = dict(data)
    for key in _ROW_KEYS:
        source = data.get(key)
        if isinstance(source, list) and all(isinstance(row, Mapping) for row in source):
            for number, row in enumerate(source):
                case = next((str(row[k]) for k in _CASE_KEYS if k in row), str(number))
                cases.append((case, {k: v for k, v in row.items() if k not in _CASE_KEYS}))
            rest.pop(key)
        elif isinstance(source, Mapping) and all(isinstance(v, Mapping) for v in source.values()):
            cases.extend((str(name), values) for name, values in source.items())
            rest.pop(key)
    if rest:
        cases.insert(0, ("", rest))
    rows = []
    for case, values in cases:
        for metric, value in _flat_items(values):
            rows.append({"benchmark": run.name, "case": case, "metric": metric, "value": value})
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4g}"
    return "" if value is None else str(value)


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The long table as markdown.

    Parameters
    ----------
    rows : sequence of mapping
        Rows of :func:`flatten`.

    Returns
    -------
    str
        A markdown table with the columns benchmark, case, metric, value (floats to 4
        significant digits).
    """
    from detsig.bench.report import markdown_table

    return markdown_table(
        ("benchmark", "case", "metric", "value"),
        [(r["benchmark"], r["case"], r["metric"], _cell(r["value"])) for r in rows],
    )


def run_speed_command(
    *,
    benchmarks: Path | None = None,
    only: Sequence[str] | None = None,
    quick: bool = True,
    timeout_s: float = 600.0,
    json_path: Path | None = None,
) -> int:
    """``detsig bench speed``: run, print the table, optionally write JSON; 1 if any failed.

    Parameters
    ----------
    benchmarks : Path, optional
        Folder of ``bench_*.py`` scripts; ``./benchmarks``, else the source tree's, when None.
    only : sequence of str, optional
        Run only these benchmarks (names with or without ``bench_``); all when None.
    quick : bool
        Run each script with its quick settings.
    timeout_s : float
        Time limit per benchmark, s (> 0).
    json_path : Path, optional
        Write every result to this new JSON file.

    Returns
    -------
    int
        Exit code: 0 when every benchmark succeeded, else 1.

    Raises
    ------
    UsageError
        If the JSON output exists, the timeout is not > 0 or no benchmark can be found.
    """
    if json_path is not None and json_path.exists():
        raise UsageError(
            f"{json_path} already exists; choose another path for the results or remove it",
            parameter="json_path",
        )
    if not timeout_s > 0:
        raise UsageError(
            f"the time limit per benchmark must be > 0 s, got {timeout_s}", parameter="timeout_s"
        )
    folder = benchmarks or default_benchmarks_folder()
    if folder is None:
        raise UsageError(
            "no benchmarks/ folder here or in the source tree; give the folder of the "
            "bench_*.py scripts",
            parameter="benchmarks",
        )
    scripts = find_benchmarks(Path(folder), only)

    def report(run: BenchmarkRun) -> None:
        state = "ok" if run.ok else f"FAILED ({run.error})"
        print(f"  {run.name}: {state} in {run.seconds:.1f} s", file=sys.stderr)

    print(f"running {len(scripts)} benchmarks from {folder}", file=sys.stderr)
    runs = run_benchmarks(scripts, quick=quick, timeout_s=timeout_s, on_done=report)
    rows = [row for run in runs for row in flatten(run)]
    print(format_table(rows))
    if json_path is not None:
        document = {
            "quick": quick,
            "python": sys.version.split()[0],
            "benchmarks": [run.to_dict() for run in runs],
            "table": rows,
        }
        with open(json_path, "x", encoding="utf-8") as stream:
            json.dump(document, stream, indent=1, default=str)
            stream.write("\n")
        print(f"wrote {json_path}", file=sys.stderr)
    return 0 if all(run.ok for run in runs) else 1
