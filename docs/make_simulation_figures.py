"""Render the pictures of docs/simulation.md from detsig's own simulator.

Run from the repository root::

    python docs/make_simulation_figures.py            # writes docs/img/sim-*.png

Uses matplotlib's Agg backend (no display needed). The pictures are small PNGs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from detsig.model import SPEED_OF_LIGHT_M_PER_S
from detsig.sim import simulate_lane

MARKERS = {"mine": ("v", "tab:red"), "clutter": ("o", "tab:blue")}


def bscan_figure(out: Path, scenario: str, seed: int) -> None:
    """Raw and background-removed B-scan with the truth targets marked."""
    lane = simulate_lane(scenario, seed)
    scan = lane.gpr
    data = scan.data.astype(np.float32)
    removed = data - data.mean(axis=0, keepdims=True)
    time_ns = (scan.time_s) * 1e9
    extent = (
        float(scan.position_m[0]),
        float(scan.position_m[-1]),
        float(time_ns[-1]),
        float(time_ns[0]),
    )
    velocity = SPEED_OF_LIGHT_M_PER_S / np.sqrt(lane.scenario.soil.relative_permittivity)
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 5.0), sharex=True, constrained_layout=True)
    for ax, image, title in (
        (axes[0], data, "raw int16 counts"),
        (axes[1], removed, "after mean-trace background removal"),
    ):
        limit = float(np.percentile(np.abs(image), 99.5))
        ax.imshow(
            image.T,
            aspect="auto",
            cmap="gray",
            extent=extent,
            vmin=-limit,
            vmax=limit,
            interpolation="nearest",
        )
        ax.set_ylabel("two-way time after surface, ns")
        ax.set_title(f"'{scenario}' seed {seed}: {title}", fontsize=9)
    for target in lane.truth.targets:
        marker, colour = MARKERS[target.target_class]
        apex_ns = 2 * target.depth_m / velocity * 1e9
        axes[1].plot(target.x_m, apex_ns, marker, color=colour, ms=5, mfc="none")
        axes[1].annotate(
            target.kind,
            (target.x_m, apex_ns),
            fontsize=6,
            color=colour,
            xytext=(3, -6),
            textcoords="offset points",
        )
    axes[1].set_xlabel("distance along lane, m")
    fig.savefig(out, dpi=72, pil_kwargs={"optimize": True})
    plt.close(fig)


def md_figure(out: Path, scenario: str, seed: int) -> None:
    """Pulse-induction gates along the lane with the truth targets marked."""
    lane = simulate_lane(scenario, seed)
    md = lane.md
    x = lane.md_distance_m
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 4.2), sharex=True, constrained_layout=True)
    for k, name in enumerate(md.channel_names):
        series = md.data[:, k].astype(np.float64)
        axes[0].plot(
            x,
            series - np.median(series),
            lw=0.6,
            label=f"{name} ({md.gate_delays_s[k] * 1e6:g} us)",
        )
    axes[0].set_ylabel("counts - median")
    axes[0].set_yscale("symlog", linthresh=20)
    axes[0].legend(fontsize=7, ncol=4, loc="upper right")
    axes[0].set_title(f"'{scenario}' seed {seed}: pulse-induction gates", fontsize=9)
    for target in lane.truth.targets:
        marker, colour = MARKERS[target.target_class]
        axes[0].axvline(target.x_m, color=colour, lw=0.5, alpha=0.5)
    axes[1].plot(x, lane.md_motion.y_m, lw=0.6, color="k", label="sweep offset y, m")
    axes[1].plot(x, lane.md_motion.height_m, lw=0.6, color="tab:green", label="coil height, m")
    for target in lane.truth.targets:
        marker, colour = MARKERS[target.target_class]
        axes[1].plot(target.x_m, target.y_m, marker, color=colour, ms=5, mfc="none")
    axes[1].legend(fontsize=7, loc="upper right")
    axes[1].set_xlabel("distance along lane, m")
    fig.savefig(out, dpi=72, pil_kwargs={"optimize": True})
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "img")
    parser.add_argument("--scenario", default="standard")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    bscan_figure(args.out / "sim-bscan.png", args.scenario, args.seed)
    md_figure(args.out / "sim-md.png", args.scenario, args.seed)
    print(f"wrote {args.out / 'sim-bscan.png'} and {args.out / 'sim-md.png'}")


if __name__ == "__main__":
    main()
