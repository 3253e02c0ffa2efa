"""Reading speed of the vendor-format readers against readgssi and ImpDAR, same run, same files.

Builds a ~100 MB GSSI DZT (traces of ../shared/data/gpr/gssi/FILE____032.DZT repeated) and a
~100 MB pulseEKKO DT1 (+ HD) (traces of XLINE00.DT1 repeated) in a temporary folder, then times
(best of ``--repeat`` runs, page cache warm for everyone):

- detsig ``read_any`` (full read: header, samples in native type, positions, marks),
- ``numpy.fromfile`` of the raw sample bytes (the floor: no header parsing at all),
- readgssi ``readdzt`` (DZT only), ImpDAR ``load_gssi`` (DZT) and ``load_pe`` (DT1).

It prints MB/s and the ratio of detsig to each peer, and whether each peer's samples equal
detsig's. Run: ``python benchmarks/bench_formats.py [--quick] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_GPR = (REPO / ".." / "shared" / "data" / "gpr").resolve()


def build_dzt(folder: Path, target_bytes: int) -> Path:
    """A DZT of about ``target_bytes`` made by repeating the sample file's scans."""
    source = SHARED_GPR / "gssi" / "FILE____032.DZT"
    raw = source.read_bytes()
    header, body = raw[:1024], np.frombuffer(raw[1024:], dtype="<u2").reshape(-1, 512)
    n_traces = max(1, target_bytes // body[0].nbytes)
    reps = -(-n_traces // body.shape[0])
    data = np.tile(body, (reps, 1))[:n_traces]
    path = folder / "BIG.DZT"
    with open(path, "wb") as stream:
        stream.write(header)
        stream.write(data.tobytes())
    return path


def build_dt1(folder: Path, target_bytes: int) -> Path:
    """A DT1 + HD of about ``target_bytes`` made by repeating the sample file's traces."""
    source = SHARED_GPR / "pulseekko" / "XLINE00.DT1"
    records = np.frombuffer(source.read_bytes(), dtype=np.uint8).reshape(531, -1)
    n_traces = max(1, target_bytes // records.shape[1])
    reps = -(-n_traces // 531)
    big = np.tile(records, (reps, 1))[:n_traces].copy()
    header_words = big[:, :128].copy().view("<f4")
    header_words[:, 0] = np.arange(1, n_traces + 1)  # trace numbers
    header_words[:, 1] = np.arange(n_traces) * 2.0  # positions, ft
    big[:, :128] = header_words.view(np.uint8)
    path = folder / "BIG.DT1"
    big.tofile(path)
    hd = (source.with_suffix(".HD")).read_text()
    hd = hd.replace("NUMBER OF TRACES   = 531", f"NUMBER OF TRACES   = {n_traces}")
    hd = hd.replace(
        "FINAL POSITION     = 1060.0000", f"FINAL POSITION     = {2.0 * (n_traces - 1):.4f}"
    )
    (folder / "BIG.HD").write_text(hd)
    return path


def best_time(function: Callable[[], Any], repeat: int, warm_up: bool) -> tuple[float, Any]:
    """Shortest wall time of ``repeat`` calls (after one untimed call when ``warm_up``, so
    lazy imports and first-touch costs are not counted), s, and the last result."""
    best = float("inf")
    result = None
    for run in range(repeat + int(warm_up)):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = function()
        if run or not warm_up:
            best = min(best, time.perf_counter() - start)
    return best, result


def run(target_mb: float, repeat: int) -> dict[str, Any]:
    from detsig.io.formats import read_any

    results: dict[str, Any] = {"target_mb": target_mb, "repeat": repeat, "files": {}}
    with tempfile.TemporaryDirectory(prefix="detsig-bench-formats-") as tmp:
        folder = Path(tmp)
        dzt = build_dzt(folder, int(target_mb * 1e6))
        dt1 = build_dt1(folder, int(target_mb * 1e6))
        cases: dict[Path, dict[str, Callable[[], Any]]] = {
            dzt: {
                "detsig": lambda: read_any(dzt)[0].data,
                "numpy.fromfile": lambda: np.fromfile(dzt, "<u2", offset=1024).reshape(-1, 512),
            },
            dt1: {
                "detsig": lambda: read_any(dt1)[0].data,
                "numpy.fromfile": lambda: np.ascontiguousarray(
                    np.fromfile(dt1, np.dtype([("h", "<f4", 32), ("d", "<i2", 1500)]))["d"]
                ),
            },
        }
        peers = _peers()
        for name, reader in peers.get("dzt", {}).items():
            cases[dzt][name] = lambda reader=reader: reader(dzt)
        for name, reader in peers.get("dt1", {}).items():
            cases[dt1][name] = lambda reader=reader: reader(dt1)
        for path, readers in cases.items():
            size_mb = path.stat().st_size / 1e6
            entry: dict[str, Any] = {"size_mb": round(size_mb, 1), "readers": {}}
            reference = None
            for name, function in readers.items():
                try:
                    slow = name.startswith("ImpDAR")  # seconds per call: one cold run
                    seconds, data = best_time(function, 1 if slow else repeat, not slow)
                except Exception as error:  # a peer that fails is a result, not a crash
                    entry["readers"][name] = {"error": f"{type(error).__name__}: {error}"}
                    continue
                if name == "detsig":
                    reference = np.asarray(data)
                row = {"seconds": round(seconds, 4), "mb_per_s": round(size_mb / seconds, 1)}
                if reference is not None and name != "detsig":
                    row["same_samples_as_detsig"] = _same(reference, data)
                entry["readers"][name] = row
            results["files"][path.suffix.lstrip(".").upper()] = entry
    return results


def _same(reference: np.ndarray, data: Any) -> str:
    array = np.asarray(data)
    if array.shape != reference.shape and array.T.shape == reference.shape:
        array = array.T
    if array.shape != reference.shape:
        return f"no: shape {array.shape} vs {reference.shape}"
    if np.array_equal(array.astype(np.int64), reference.astype(np.int64)):
        return "yes" if array.dtype == reference.dtype else f"values yes, type {array.dtype}"
    return f"no: {np.mean(array.astype(np.int64) != reference.astype(np.int64)):.0%} differ"


def _peers() -> dict[str, dict[str, Callable[[Path], Any]]]:
    peers: dict[str, dict[str, Callable[[Path], Any]]] = {"dzt": {}, "dt1": {}}
    try:
        import readgssi.dzt

        def readgssi_dzt(path: Path) -> Any:
            _, data, _ = readgssi.dzt.readdzt(str(path), zero=[0, 0, 0, 0])
            return data[0]

        peers["dzt"]["readgssi"] = readgssi_dzt
    except ImportError:
        print("readgssi is not installed (pip install readgssi): skipped", file=sys.stderr)
    try:
        from impdar.lib.load.load_gssi import load_gssi
        from impdar.lib.load.load_pulse_ekko import load_pe

        peers["dzt"]["ImpDAR"] = lambda path: load_gssi(str(path)).data
        peers["dt1"]["ImpDAR"] = lambda path: load_pe(str(path)).data
    except ImportError:
        print("ImpDAR is not installed (pip install impdar): skipped", file=sys.stderr)
    return peers


def report(results: dict[str, Any]) -> None:
    for kind, entry in results["files"].items():
        print(f"\n{kind}  ({entry['size_mb']} MB)")
        readers = entry["readers"]
        mine = readers.get("detsig", {}).get("mb_per_s")
        for name, row in readers.items():
            if "error" in row:
                print(f"  {name:16s} failed: {row['error']}")
                continue
            ratio = (
                "" if not mine or name == "detsig" else f"  detsig is {mine / row['mb_per_s']:.2f}x"
            )
            same = row.get("same_samples_as_detsig", "")
            same = f"  same samples: {same}" if same else ""
            print(
                f"  {name:16s} {row['mb_per_s']:9.1f} MB/s  ({row['seconds']:.3f} s){ratio}{same}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 MB files, one run each")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader (best is kept)")
    args = parser.parse_args(argv)
    if not SHARED_GPR.is_dir():
        print(f"the sample data folder {SHARED_GPR} is absent", file=sys.stderr)
        return 2
    target_mb, repeat = (10.0, 1) if args.quick else (100.0, args.repeat)
    results = run(target_mb, repeat)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
