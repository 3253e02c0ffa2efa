"""Write a coil signal file for pi_harness: one lane pass over a buried metal target.

The operator sweeps the coil along the lane at ``--speed-m-s``; a small metal target lies at
``--target-x-m``, ``--depth-m`` below the coil. The amplitude of its eddy-current decay seen
by a coincident-loop pulse-induction coil falls off with the sixth power of distance (a small
conductive target in the near field of a small loop: the primary field at the target and the
target's dipole field at the coil each fall as r**-3), so along the lane it is

    target_mv(x) = peak_mv * (depth**2 / (depth**2 + (x - x_target)**2)) ** 3

The file format is what ``pi_harness`` reads: ``# key=value`` lines for the coil model, then
``time_s,target_mv`` lines.

References
----------
.. [1] D. Guelle, A. Smith, A. Lewis, T. Bloodworth, "Metal detector handbook for
   humanitarian demining", European Commission JRC, 2003, ch. 3 (PI detectors, target
   response vs. distance).

Usage::

    python make_signal.py -o target_pass.csv [--duration-s 6] [--target-x-m 1.5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def target_mv(x_m: float, target_x_m: float, depth_m: float, peak_mv: float) -> float:
    """Target decay amplitude when the coil is at ``x_m``, mV."""
    d2 = depth_m * depth_m
    return peak_mv * (d2 / (d2 + (x_m - target_x_m) ** 2)) ** 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--duration-s", type=float, default=6.0)
    parser.add_argument("--speed-m-s", type=float, default=0.5)
    parser.add_argument("--target-x-m", type=float, default=1.5)
    parser.add_argument("--depth-m", type=float, default=0.08)
    parser.add_argument("--peak-mv", type=float, default=600.0)
    parser.add_argument("--target-tau-us", type=float, default=40.0)
    parser.add_argument("--noise-mv", type=float, default=2.0)
    parser.add_argument("--step-s", type=float, default=0.002)
    args = parser.parse_args(argv)
    lines = [
        "# detsig pi_harness signal: one lane pass over a metal target",
        f"# speed_m_s={args.speed_m_s} target_x_m={args.target_x_m} depth_m={args.depth_m}",
        "# offset_mv=400",
        "# coil_mv=3000",
        "# coil_tau_us=6",
        f"# target_tau_us={args.target_tau_us}",
        f"# noise_mv={args.noise_mv}",
        "# seed=1",
    ]
    n = round(args.duration_s / args.step_s) + 1
    for i in range(n):
        t = i * args.step_s
        value = target_mv(t * args.speed_m_s, args.target_x_m, args.depth_m, args.peak_mv)
        lines.append(f"{t:.4f},{value:.3f}")
    args.output.write_text("\n".join(lines) + "\n", encoding="ascii")
    return 0


if __name__ == "__main__":
    sys.exit(main())
