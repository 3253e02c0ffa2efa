"""Detection benchmark: Pd, false alarms per m2 and ROC of every detector on simulated lanes,
plus the speed of the CFAR kernels against NumPy/SciPy equivalents.

Run ``python benchmarks/bench_detect.py`` (about 10 minutes on 2 cores: 300 standard lanes,
seeds 1000-1299, none of which the defaults were tuned on: tuning used seeds 0-39) or
``--quick`` (20 lanes, smaller speed inputs). ``--json PATH`` writes every number;
``--roc PNG`` draws the ROC curves.

Scoring uses :mod:`detsig.bench` (halo: 0.1 m beyond the target's edge, CWA 14747-1 practice):

- **Pd** over mines at most ``--max-depth`` (0.15 m) deep, with the exact 95 % Clopper-Pearson
  interval; **false alarms per m2** are candidates matching no target over the surveyed area
  (lane length x swept width), with the exact Poisson 95 % interval.
- **Metal-clutter rejection** of the fused detector: among the metal clutter objects (class
  clutter with metal) that ``md-cfar`` flags at its default threshold, the fraction that the
  fused detector does *not* flag at its default threshold (Clopper-Pearson interval).
- **Speed**: CA-CFAR against ``scipy.ndimage.correlate1d`` with the training-cell kernel, OS-CFAR
  against NumPy sliding windows and ``np.partition`` (same levels, checked), best of repeats.
- **ROC**: each detector is run once with ``all_scores=True`` and swept over its score.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def _poisson_ci(count: int, exposure: float, confidence: float = 0.95) -> tuple[float, float]:
    from scipy.stats import chi2

    alpha = 1.0 - confidence
    low = 0.0 if count == 0 else chi2.ppf(alpha / 2, 2 * count) / 2
    high = chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return float(low / exposure), float(high / exposure)


def _best_of(function: Any, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def speed(quick: bool) -> dict[str, Any]:
    """Time CA- and OS-CFAR (Numba) against SciPy filters computing the same levels."""
    from scipy import ndimage

    from detsig.detect.cfar import ca_cfar, os_cfar

    n = 200_000 if quick else 2_000_000
    guard, train = 4, 16
    x = np.abs(np.random.default_rng(0).normal(size=n))
    # CA baseline: correlate with a kernel of ones on the training cells (guard cells zero)
    kernel = np.ones(2 * (guard + train) + 1)
    kernel[train : train + 2 * guard + 1] = 0.0
    kernel /= kernel.sum()

    def ca_scipy() -> Any:
        return ndimage.correlate1d(x, kernel, mode="constant")

    # OS baseline: NumPy sliding windows of the training cells and np.partition, in blocks.
    # (scipy.ndimage.rank_filter with this footprint, guard cells excluded, does not return
    # the rank of the footprint's cells in scipy 1.17 here, so it cannot serve.)
    footprint = kernel > 0
    rank = math.ceil(0.75 * 2 * train) - 1
    half = guard + train

    def os_scipy() -> Any:
        from numpy.lib.stride_tricks import sliding_window_view

        out = np.full(n, np.nan)
        windows = sliding_window_view(x, 2 * half + 1)
        for start in range(0, windows.shape[0], 65536):
            block = windows[start : start + 65536][:, footprint]
            out[start + half : start + half + block.shape[0]] = np.partition(block, rank, axis=1)[
                :, rank
            ]
        return out

    ca_cfar(x[:1000], guard_rows=guard, train_rows=train)  # compile / load the cache
    os_cfar(x[:1000], guard_rows=guard, train_rows=train)
    inner = slice(guard + train, n - guard - train)
    np.testing.assert_allclose(
        ca_cfar(x, guard_rows=guard, train_rows=train)[1][inner], ca_scipy()[inner], rtol=1e-9
    )
    np.testing.assert_allclose(
        os_cfar(x, guard_rows=guard, train_rows=train, rank_fraction=0.75)[1][inner],
        os_scipy()[inner],
    )
    repeats = 3 if quick else 5
    result = {"n_samples": n, "guard_rows": guard, "train_rows": train}
    for name, ours, theirs in (
        ("ca", lambda: ca_cfar(x, guard_rows=guard, train_rows=train), ca_scipy),
        (
            "os",
            lambda: os_cfar(x, guard_rows=guard, train_rows=train, rank_fraction=0.75),
            os_scipy,
        ),
    ):
        t_ours = _best_of(ours, repeats)
        t_theirs = _best_of(theirs, repeats)
        result[name] = {
            "detsig_s": t_ours,
            "scipy_s": t_theirs,
            "detsig_msamples_per_s": n / t_ours / 1e6,
            "scipy_msamples_per_s": n / t_theirs / 1e6,
            "speedup": t_theirs / t_ours,
        }
    return result


def detection(
    scenario: str, seeds: range, max_depth_m: float, verify_lanes: int = 2
) -> dict[str, Any]:
    """Score every detector on the lanes of ``scenario`` for ``seeds``."""
    from detsig.bench.score import pool_curves, score_lane
    from detsig.bench.stats import clopper_pearson
    from detsig.detect import detect, detect_energy, detect_hyperbolas, detect_md
    from detsig.detect.fusion import FusionParams, fuse_candidates
    from detsig.detect.lane import sort_candidates
    from detsig.detect.registry import get_detector
    from detsig.sim import simulate_lane

    names = ("md-cfar", "gpr-energy", "gpr-hyperbola", "fused")
    thresholds = {name: get_detector(name).default_threshold for name in names}
    per: dict[str, dict[str, Any]] = {
        n: {"scores": [], "detected": 0, "mines": 0, "false_alarms": 0, "area": 0.0} for n in names
    }
    flagged_by_md = rejected_by_fused = 0
    started = time.perf_counter()
    for index, seed in enumerate(seeds):
        lane = simulate_lane(scenario, seed)
        found = {
            "md-cfar": detect_md(lane.md, all_scores=True),
            "gpr-energy": detect_energy(lane.gpr, all_scores=True),
            "gpr-hyperbola": detect_hyperbolas(lane.gpr, all_scores=True),
        }
        found["fused"] = fuse_candidates(
            found["md-cfar"], found["gpr-hyperbola"], FusionParams(), all_scores=True
        )
        if index < verify_lanes:  # the registry's fused detector is exactly this
            direct = detect(lane, detector="fused", all_scores=True)
            if sort_candidates(direct) != sort_candidates(found["fused"]):
                raise AssertionError(f"fused detector differs from fuse_candidates, seed {seed}")
        outcomes = {}
        for name in names:
            result = score_lane(
                lane.truth, found[name], threshold=thresholds[name], lane=f"{scenario}-{seed}"
            )
            outcomes[name] = result
            entry = per[name]
            entry["scores"].append(result)
            shallow = [
                t for t in result.targets if t.target_class == "mine" and t.depth_m <= max_depth_m
            ]
            entry["mines"] += len(shallow)
            entry["detected"] += sum(t.detected for t in shallow)
            entry["false_alarms"] += result.count("false_alarm")
            entry["area"] += result.area_m2
        metal = {
            t.id
            for t in lane.truth.targets
            if t.target_class == "clutter" and float(t.extras.get("metal_mass_g") or 0) > 0
        }
        md_hits = {t.id for t in outcomes["md-cfar"].targets if t.id in metal and t.detected}
        fused_hits = {t.id for t in outcomes["fused"].targets if t.detected}
        flagged_by_md += len(md_hits)
        rejected_by_fused += len(md_hits - fused_hits)
        if (index + 1) % 25 == 0:
            elapsed = time.perf_counter() - started
            print(f"  {scenario}: {index + 1}/{len(seeds)} lanes, {elapsed:.0f} s", flush=True)
    detectors = {}
    for name in names:
        entry = per[name]
        low, high = clopper_pearson(entry["detected"], entry["mines"])
        fa_low, fa_high = _poisson_ci(entry["false_alarms"], entry["area"])
        curve = pool_curves([s.curve for s in entry["scores"]])
        detectors[name] = {
            "threshold": thresholds[name],
            "n_mines": entry["mines"],
            "n_detected": entry["detected"],
            "pd": entry["detected"] / entry["mines"] if entry["mines"] else None,
            "pd_ci95": [low, high],
            "n_false_alarms": entry["false_alarms"],
            "area_m2": entry["area"],
            "false_alarms_per_m2": entry["false_alarms"] / entry["area"],
            "false_alarms_per_m2_ci95": [fa_low, fa_high],
            "roc": curve.to_dict(),
        }
    low, high = clopper_pearson(rejected_by_fused, flagged_by_md)
    return {
        "scenario": scenario,
        "seeds": [seeds.start, seeds.stop - 1],
        "n_lanes": len(seeds),
        "max_depth_m": max_depth_m,
        "detectors": detectors,
        "metal_clutter": {
            "flagged_by_md": flagged_by_md,
            "rejected_by_fused": rejected_by_fused,
            "rejection": rejected_by_fused / flagged_by_md if flagged_by_md else None,
            "rejection_ci95": [low, high],
        },
        "seconds": time.perf_counter() - started,
    }


def plot_roc(results: list[dict[str, Any]], path: Path) -> None:
    """ROC curves (Pd of all mines against false alarms per m2), one panel per scenario."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.5), squeeze=False)
    for ax, result in zip(axes[0], results, strict=True):
        for name, entry in result["detectors"].items():
            roc = entry["roc"]
            ax.step(roc["false_alarms_per_m2"], roc["pd"], where="post", label=name)
            d, _, f = _counts_at(roc, entry["threshold"])
            ax.plot([f], [d], "o", color=ax.lines[-1].get_color())
        ax.set_xlim(0, 0.3)  # the operating region: the target is <= 0.3 false alarms per m2
        ax.set_ylim(0, 1.01)
        ax.set_xlabel("false alarms per m2")
        ax.set_ylabel("Pd (all mines, any depth)")
        ax.set_title(f"{result['scenario']}: {result['n_lanes']} lanes (dots: default threshold)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _counts_at(roc: dict[str, Any], threshold: float) -> tuple[float, float, float]:
    thresholds = [math.inf if t is None else t for t in roc["threshold"]]
    index = max(i for i, t in enumerate(thresholds) if t >= threshold)
    return roc["pd"][index] or 0.0, 0.0, roc["false_alarms_per_m2"][index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 lanes, small speed inputs")
    parser.add_argument("--json", type=Path, help="write all results to this JSON file")
    parser.add_argument("--roc", type=Path, help="draw the ROC curves into this PNG")
    parser.add_argument(
        "--scenario", action="append", help="lane scenario (repeatable; default standard)"
    )
    parser.add_argument("--first-seed", type=int, default=1000, help="first seed (default 1000)")
    parser.add_argument("--lanes", type=int, help="lanes per scenario (default 300, quick 20)")
    parser.add_argument("--max-depth", type=float, default=0.15, help="Pd depth limit, m")
    parser.add_argument("--no-speed", action="store_true", help="skip the CFAR speed part")
    parser.add_argument(
        "--plot-from",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="only draw --roc from earlier --json results (no benchmark run)",
    )
    args = parser.parse_args(argv)
    if args.plot_from:
        if not args.roc:
            parser.error("--plot-from needs --roc PNG")
        results = []
        for path in args.plot_from:
            results += json.loads(path.read_text(encoding="utf-8"))["detection"]
        plot_roc(results, args.roc)
        print(f"wrote {args.roc}")
        return 0
    lanes = args.lanes or (20 if args.quick else 300)
    document: dict[str, Any] = {"quick": args.quick}
    if not args.no_speed:
        document["speed"] = result = speed(args.quick)
        print(
            f"CFAR over {result['n_samples']:,} samples (guard {result['guard_rows']}, "
            f"train {result['train_rows']} each side):"
        )
        for name, label in (
            ("ca", "CA-CFAR vs scipy.ndimage.correlate1d"),
            ("os", "OS-CFAR vs NumPy windows + partition"),
        ):
            r = result[name]
            print(
                f"  {label:<40} {r['detsig_msamples_per_s']:8.1f} vs "
                f"{r['scipy_msamples_per_s']:8.1f} Msamples/s  ratio {r['speedup']:.2f}x"
            )
    document["detection"] = []
    for scenario in args.scenario or ["standard"]:
        seeds = range(args.first_seed, args.first_seed + lanes)
        result = detection(scenario, seeds, args.max_depth)
        document["detection"].append(result)
        print(
            f"\n{scenario}: {lanes} lanes (seeds {seeds.start}-{seeds.stop - 1}), mines <= "
            f"{args.max_depth * 100:.0f} cm deep, halo 0.1 m beyond the edge"
        )
        print(f"  {'detector':<14} {'thr':>5} {'Pd':>7} {'95% CI':>17} {'FA/m2':>7} {'95% CI':>15}")
        for name, entry in result["detectors"].items():
            low, high = entry["pd_ci95"]
            fa_low, fa_high = entry["false_alarms_per_m2_ci95"]
            print(
                f"  {name:<14} {entry['threshold']:>5.1f} {entry['pd']:>7.3f} "
                f"[{low:.3f}, {high:.3f}]  {entry['false_alarms_per_m2']:>6.3f} "
                f"[{fa_low:.3f}, {fa_high:.3f}]   ({entry['n_detected']}/{entry['n_mines']})"
            )
        clutter = result["metal_clutter"]
        if clutter["rejection"] is not None:
            low, high = clutter["rejection_ci95"]
            print(
                f"  metal clutter flagged by md-cfar: {clutter['flagged_by_md']}, rejected by "
                f"fused: {clutter['rejected_by_fused']} = {clutter['rejection']:.3f} "
                f"[{low:.3f}, {high:.3f}]"
            )
    if args.json:
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    if args.roc:
        plot_roc(document["detection"], args.roc)
        print(f"wrote {args.roc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
