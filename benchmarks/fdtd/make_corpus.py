"""Build the FDTD landmine-lane corpus with gprMax (2-D TMz B-scans), cached.

Run ``python benchmarks/fdtd/make_corpus.py`` (about 40 minutes on 2 cores for all lanes; a
lane already converted is skipped). gprMax is not a detsig dependency: install it in a venv of
its own (``python3 -m venv /opt/gprmax && /opt/gprmax/bin/pip install gprMax``) and give its
interpreter with ``--gprmax-python`` or ``GPRMAX_PYTHON``. ``make test`` never runs this.

For every lane it writes into ``recordings/fdtd/``:

- ``<lane>.in`` — the gprMax model (committed: the lane can be remade exactly);
- ``<lane>.h5`` — the merged B-scan converted with ``detsig convert`` (detsig recording, native
  gprMax sampling, compressed; committed, so the ``fdtd`` suite runs without gprMax);
- ``<lane>.truth.json`` — the ground truth in detsig's truth format, ``x_m`` in the frame of
  the recording's ``distance_m`` (the gprMax source-receiver midpoint), ``depth_m`` to the
  target's top below the mean ground surface.

The gprMax ``.out`` files stay in ``benchmarks/fdtd/work/`` (git-ignored).

Models (materials with their sources):

- dry sand eps_r 3.5, 1 mS/m; moist loam eps_r 12, 10 mS/m (Daniels 2004, table 4.1);
- heterogeneous Peplinski soils (``#soil_peplinski`` + ``#fractal_box``, Peplinski, Ulaby and
  Dobson 1995, as in gprMax's ``heterogeneous_soil.in`` example) with a fractal rough surface
  (``#add_surface_roughness``);
- two-layer soils (a sand layer over a wetter layer);
- targets: plastic AP mines (TNT-like body eps_r 2.9), with a steel firing pin (PEC) or an air
  gap, metal-cased mines (PEC), rocks (eps_r 8), roots (eps_r 18, conductive), voids (air) and
  metal fragments (PEC, 6-9 mm).

The antenna is a Hertzian dipole source and a field receiver 4 cm apart, 3-4 cm above the
ground, stepped along the lane (``#src_steps`` / ``#rx_steps``), Ricker pulses of 1.0-1.5 GHz.

References
----------
.. [1] Warren, C., Giannopoulos, A. and Giannakis, I. (2016). gprMax: Open source software to
   simulate electromagnetic wave propagation for Ground Penetrating Radar. *Computer Physics
   Communications* 209, 163-170.
.. [2] Peplinski, N. R., Ulaby, F. T. and Dobson, M. C. (1995). Dielectric properties of soils
   in the 0.3-1.3-GHz range. *IEEE Trans. Geosci. Remote Sens.* 33(3), 803-807.
.. [3] Daniels, D. J. (Ed.) (2004). *Ground Penetrating Radar*, 2nd ed., IET.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "recordings" / "fdtd"
WORK_DIR = Path(__file__).resolve().parent / "work"

#: Soil block: the ground surface lies at this height in the model, m.
SURFACE_Y_M = 0.26
#: Air above the antenna before the top of the domain (PML included), m.
AIR_ABOVE_M = 0.05
#: Transmitter-receiver separation along the lane, m.
SEPARATION_M = 0.04
#: First transmitter position, m.
FIRST_TX_M = 0.06


@dataclass(frozen=True)
class Target:
    """A buried object: ``kind`` sets its build; position of its centre x and top depth."""

    ident: str
    kind: str
    x_m: float
    depth_m: float
    width_m: float
    height_m: float

    @property
    def target_class(self) -> str:
        return "mine" if self.kind.startswith(("ap-", "at-")) else "clutter"


@dataclass(frozen=True)
class Lane:
    """One gprMax lane."""

    name: str
    soil: str
    frequency_hz: float
    dx_m: float
    step_m: float
    length_m: float
    time_window_s: float
    antenna_height_m: float
    targets: tuple[Target, ...]
    layers: tuple[tuple[float, str], ...] = ()  # (depth of top, material) below the surface
    notes: str = ""
    extra_materials: tuple[str, ...] = field(default=())

    @property
    def n_traces(self) -> int:
        last_tx = self.length_m - FIRST_TX_M - SEPARATION_M - 0.04
        return int((last_tx - FIRST_TX_M) / self.step_m + 1e-9) + 1


MATERIALS = {
    "sand": "#material: 3.5 0.001 1 0 sand",
    "loam": "#material: 12 0.01 1 0 loam",
    "sand4": "#material: 4 0.002 1 0 sand4",
    "clay9": "#material: 9 0.01 1 0 clay9",
    "soil6": "#material: 6 0.003 1 0 soil6",
    "wet15": "#material: 15 0.02 1 0 wet15",
    "tnt": "#material: 2.9 0 1 0 tnt",
    "rock": "#material: 8 0.001 1 0 rock",
    "root": "#material: 18 0.05 1 0 root",
}

PEPLINSKI = {
    "pep-sand": "#soil_peplinski: 0.8 0.1 1.6 2.66 0.02 0.08 pep",
    "pep-loam": "#soil_peplinski: 0.5 0.3 1.5 2.66 0.08 0.16 pep",
    "pep-dry": "#soil_peplinski: 0.9 0.05 1.6 2.66 0.01 0.03 pep",
}


def _box(x0: float, y0: float, x1: float, y1: float, dz: float, material: str) -> str:
    return f"#box: {x0:.4f} {y0:.4f} 0 {x1:.4f} {y1:.4f} {dz} {material}"


def _target_lines(target: Target, dz: float) -> list[str]:
    """gprMax commands of one target (centre x, top depth below the surface)."""
    top = SURFACE_Y_M - target.depth_m
    bottom = top - target.height_m
    x0 = target.x_m - target.width_m / 2
    x1 = target.x_m + target.width_m / 2
    kind = target.kind
    if kind in ("ap-plastic", "at-plastic"):
        return [_box(x0, bottom, x1, top, dz, "tnt")]
    if kind == "ap-plastic-pin":
        pin = [_box(target.x_m - 0.003, top - 0.018, target.x_m + 0.003, top - 0.003, dz, "pec")]
        return [_box(x0, bottom, x1, top, dz, "tnt"), *pin]
    if kind == "ap-plastic-airgap":
        gap = _box(x0 + 0.008, top - 0.012, x1 - 0.008, top - 0.006, dz, "free_space")
        return [_box(x0, bottom, x1, top, dz, "tnt"), gap]
    if kind == "ap-metal":
        return [_box(x0, bottom, x1, top, dz, "pec")]
    if kind == "rock":
        r = target.width_m / 2
        return [
            f"#cylinder: {target.x_m:.4f} {top - r:.4f} 0 {target.x_m:.4f} {top - r:.4f} "
            f"{dz} {r:.4f} rock"
        ]
    if kind == "root":
        return [_box(x0, bottom, x1, top, dz, "root")]
    if kind == "void":
        r = target.width_m / 2
        return [
            f"#cylinder: {target.x_m:.4f} {top - r:.4f} 0 {target.x_m:.4f} {top - r:.4f} "
            f"{dz} {r:.4f} free_space"
        ]
    if kind == "shrapnel":
        return [_box(x0, bottom, x1, top, dz, "pec")]
    raise ValueError(f"unknown target kind {kind!r}")


def model_text(lane: Lane) -> str:
    """The gprMax input file of a lane."""
    dz = lane.dx_m
    height = SURFACE_Y_M + lane.antenna_height_m + AIR_ABOVE_M
    antenna_y = SURFACE_Y_M + lane.antenna_height_m
    lines = [
        f"#title: detsig FDTD corpus lane {lane.name}: {lane.soil}",
        f"#domain: {lane.length_m:.3f} {height:.3f} {dz}",
        f"#dx_dy_dz: {lane.dx_m} {lane.dx_m} {dz}",
        f"#time_window: {lane.time_window_s:.3e}",
    ]
    soil_material = lane.soil.split(":")[0]
    if soil_material in PEPLINSKI:
        lines.append(PEPLINSKI[soil_material])
    used = {m for _, m in lane.layers} | {"tnt", "rock", "root"}
    if soil_material in MATERIALS:
        used.add(soil_material)
    lines += [MATERIALS[m] for m in sorted(used) if m in MATERIALS]
    lines += [
        f"#waveform: ricker 1 {lane.frequency_hz:.4g} pulse",
        f"#hertzian_dipole: z {FIRST_TX_M:.4f} {antenna_y:.4f} 0 pulse",
        f"#rx: {FIRST_TX_M + SEPARATION_M:.4f} {antenna_y:.4f} 0",
        f"#src_steps: {lane.step_m} 0 0",
        f"#rx_steps: {lane.step_m} 0 0",
    ]
    if soil_material in PEPLINSKI:
        seed = sum(ord(c) for c in lane.name)
        lines.append(
            f"#fractal_box: 0 0 0 {lane.length_m:.3f} {SURFACE_Y_M:.3f} {dz} 1.5 1 1 1 20 pep "
            f"soilbox {seed}"
        )
        rough = 0.006
        lines.append(
            f"#add_surface_roughness: 0 {SURFACE_Y_M:.3f} 0 {lane.length_m:.3f} "
            f"{SURFACE_Y_M:.3f} {dz} 1.5 1 1 {SURFACE_Y_M - rough:.3f} "
            f"{SURFACE_Y_M + rough:.3f} soilbox {seed + 1}"
        )
    else:
        lines.append(_box(0, 0, lane.length_m, SURFACE_Y_M, dz, soil_material))
    for depth, material in lane.layers:
        lines.append(_box(0, 0, lane.length_m, SURFACE_Y_M - depth, dz, material))
    for target in lane.targets:
        lines += _target_lines(target, dz)
    return "\n".join(lines) + "\n"


def truth_document(lane: Lane) -> dict[str, object]:
    """The lane's ground truth (detsig truth JSON)."""
    # gprMax places sources, receivers and their steps on whole cells
    cells = lane.dx_m
    tx = round(FIRST_TX_M / cells) * cells
    rx = tx + round(SEPARATION_M / cells) * cells
    step = round(lane.step_m / cells) * cells
    first_mid = (tx + rx) / 2
    last_mid = first_mid + (lane.n_traces - 1) * step
    return {
        "x_start_m": round(first_mid, 4),
        "x_end_m": round(last_mid, 4),
        "swept_width_m": 0.1,
        "lane": lane.name,
        "soil": lane.soil,
        "notes": lane.notes,
        "targets": [
            {
                "id": t.ident,
                "class": t.target_class,
                "kind": t.kind,
                "x_m": t.x_m,
                "depth_m": t.depth_m,
                "size_m": t.width_m,
            }
            for t in lane.targets
        ],
    }


def _t(ident: str, kind: str, x: float, depth: float, width: float, height: float) -> Target:
    return Target(ident, kind, x, depth, width, height)


LANES: tuple[Lane, ...] = (
    Lane(
        "sand-1",
        "sand",
        1.5e9,
        0.003,
        0.02,
        1.70,
        5e-9,
        0.03,
        (
            _t("m1", "ap-plastic", 0.40, 0.04, 0.075, 0.04),
            _t("c1", "rock", 0.85, 0.05, 0.03, 0.03),
            _t("m2", "ap-metal", 1.30, 0.08, 0.06, 0.03),
        ),
        notes="homogeneous dry sand",
    ),
    Lane(
        "moist-1",
        "loam",
        1.0e9,
        0.003,
        0.02,
        1.70,
        6.5e-9,
        0.04,
        (
            _t("m1", "ap-plastic", 0.40, 0.05, 0.08, 0.04),
            _t("c1", "root", 0.85, 0.06, 0.12, 0.015),
            _t("m2", "ap-plastic-pin", 1.30, 0.09, 0.08, 0.045),
        ),
        notes="homogeneous moist loam",
    ),
    Lane(
        "pep-rough-1",
        "pep-sand: heterogeneous Peplinski sand, rough surface",
        1.2e9,
        0.003,
        0.02,
        1.70,
        5.5e-9,
        0.03,
        (
            _t("m1", "ap-plastic", 0.40, 0.04, 0.075, 0.04),
            _t("c1", "shrapnel", 0.85, 0.02, 0.009, 0.003),
            _t("m2", "ap-metal", 1.30, 0.10, 0.06, 0.03),
        ),
        notes="Peplinski sand, fractal heterogeneity, +-6 mm rough surface",
    ),
    Lane(
        "layered-1",
        "sand4: sand over clay at 8 cm",
        1.2e9,
        0.003,
        0.02,
        1.70,
        6e-9,
        0.03,
        (
            _t("m1", "ap-plastic", 0.40, 0.04, 0.075, 0.035),
            _t("c1", "rock", 0.85, 0.06, 0.03, 0.03),
            _t("m2", "ap-metal", 1.30, 0.12, 0.06, 0.03),
        ),
        layers=((0.08, "clay9"),),
        notes="two layers",
    ),
    Lane(
        "sand-2",
        "sand",
        1.5e9,
        0.003,
        0.02,
        1.70,
        5e-9,
        0.03,
        (
            _t("m1", "ap-plastic-pin", 0.40, 0.06, 0.08, 0.045),
            _t("c1", "shrapnel", 0.85, 0.03, 0.006, 0.003),
            _t("m2", "ap-plastic-airgap", 1.30, 0.12, 0.08, 0.04),
        ),
        notes="homogeneous dry sand",
    ),
    Lane(
        "moist-2",
        "loam",
        1.0e9,
        0.003,
        0.02,
        1.70,
        6.5e-9,
        0.04,
        (
            _t("m1", "ap-metal", 0.40, 0.03, 0.06, 0.03),
            _t("c1", "void", 0.85, 0.07, 0.04, 0.04),
            _t("m2", "ap-plastic", 1.30, 0.10, 0.08, 0.04),
        ),
        notes="homogeneous moist loam",
    ),
    Lane(
        "pep-rough-2",
        "pep-sand: heterogeneous Peplinski sand, rough surface",
        1.5e9,
        0.0025,
        0.02,
        1.70,
        5.5e-9,
        0.03,
        (
            _t("m1", "ap-plastic-airgap", 0.40, 0.07, 0.08, 0.04),
            _t("c1", "rock", 0.85, 0.05, 0.03, 0.03),
            _t("m2", "ap-plastic-pin", 1.30, 0.12, 0.08, 0.045),
        ),
        notes="Peplinski sand, fractal heterogeneity, +-6 mm rough surface",
    ),
    Lane(
        "pep-loam-1",
        "pep-loam: heterogeneous Peplinski loam, rough surface",
        1.0e9,
        0.003,
        0.02,
        1.70,
        6.5e-9,
        0.04,
        (
            _t("m1", "ap-plastic", 0.40, 0.05, 0.08, 0.04),
            _t("c1", "root", 0.85, 0.05, 0.10, 0.015),
            _t("m2", "ap-metal", 1.30, 0.08, 0.06, 0.03),
        ),
        notes="wetter Peplinski loam, rough surface",
    ),
    Lane(
        "layered-2",
        "soil6: moist soil over wet soil at 10 cm",
        1.2e9,
        0.003,
        0.02,
        1.70,
        6e-9,
        0.03,
        (
            _t("m1", "ap-plastic-pin", 0.40, 0.06, 0.08, 0.045),
            _t("c1", "void", 0.85, 0.05, 0.04, 0.04),
            _t("m2", "ap-plastic", 1.30, 0.13, 0.08, 0.04),
        ),
        layers=((0.10, "wet15"),),
        notes="two layers",
    ),
    Lane(
        "sand-fine",
        "sand4: dry sand",
        1.5e9,
        0.0025,
        0.015,
        1.70,
        5e-9,
        0.03,
        (
            _t("m1", "ap-plastic", 0.40, 0.03, 0.06, 0.03),
            _t("c1", "shrapnel", 0.85, 0.04, 0.008, 0.003),
            _t("m2", "ap-metal", 1.30, 0.15, 0.06, 0.03),
        ),
        notes="dry sand, 1.5 cm trace step, 2.5 mm cells",
    ),
    Lane(
        "moist-3",
        "soil6: moist sandy soil",
        1.2e9,
        0.003,
        0.02,
        1.70,
        6e-9,
        0.03,
        (
            _t("m1", "ap-plastic", 0.40, 0.08, 0.08, 0.04),
            _t("c1", "rock", 0.85, 0.04, 0.03, 0.03),
            _t("m2", "ap-plastic-airgap", 1.30, 0.04, 0.08, 0.04),
        ),
        notes="homogeneous moist sandy soil",
    ),
    Lane(
        "pep-dry-1",
        "pep-dry: nearly dry Peplinski sand, rough surface",
        1.5e9,
        0.003,
        0.02,
        1.70,
        5e-9,
        0.03,
        (
            _t("m1", "ap-metal", 0.40, 0.05, 0.06, 0.03),
            _t("c1", "root", 0.85, 0.04, 0.10, 0.015),
            _t("m2", "ap-plastic", 1.30, 0.10, 0.075, 0.04),
        ),
        notes="nearly dry Peplinski sand, rough surface",
    ),
)


def gprmax_python(given: str | None) -> str:
    """The interpreter that has gprMax."""
    candidate = given or os.environ.get("GPRMAX_PYTHON") or sys.executable
    probe = subprocess.run([candidate, "-c", "import gprMax"], capture_output=True)
    if probe.returncode != 0:
        raise SystemExit(
            f"{candidate} cannot import gprMax; install it in a venv (pip install gprMax) and "
            "give that venv's python with --gprmax-python or GPRMAX_PYTHON"
        )
    return candidate


def build_lane(lane: Lane, python: str, threads: int) -> float:
    """Run and convert one lane; returns the gprMax seconds per trace."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    model = model_text(lane)
    (OUT_DIR / f"{lane.name}.in").write_text(model)
    work_in = WORK_DIR / f"{lane.name}.in"
    work_in.write_text(model)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    merged = WORK_DIR / f"{lane.name}_merged.h5"
    start = time.perf_counter()
    traces = [WORK_DIR / f"{lane.name}{i}.h5" for i in range(1, lane.n_traces + 1)]
    if not merged.exists() and not all(path.exists() for path in traces):
        subprocess.run(
            [python, "-m", "gprMax", str(work_in), "-n", str(lane.n_traces)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            cwd=WORK_DIR,
        )
    seconds = time.perf_counter() - start
    if not merged.exists():
        subprocess.run(
            [
                python,
                "-m",
                "gprMax.toolboxes.Utilities.outputfiles_merge",
                str(WORK_DIR / lane.name),
                "-o",
                str(merged),
                "--remove-files",
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    target = OUT_DIR / f"{lane.name}.h5"
    if target.exists():
        target.unlink()
    subprocess.run(
        [sys.executable, "-m", "detsig", "convert", str(merged), "-o", str(target)], check=True
    )
    (OUT_DIR / f"{lane.name}.truth.json").write_text(
        json.dumps(truth_document(lane), indent=2) + "\n"
    )
    return seconds / lane.n_traces


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gprmax-python", help="python with gprMax (else $GPRMAX_PYTHON)")
    parser.add_argument("--lane", action="append", help="only these lanes (repeatable)")
    parser.add_argument("--threads", type=int, default=2, help="OpenMP threads for gprMax")
    parser.add_argument("--force", action="store_true", help="remake lanes already built")
    parser.add_argument("--list", action="store_true", help="print the lanes and stop")
    args = parser.parse_args(argv)
    lanes = [lane for lane in LANES if not args.lane or lane.name in args.lane]
    if args.list:
        for lane in lanes:
            print(f"{lane.name:12s} {lane.n_traces:3d} traces  {lane.soil}")
        return 0
    python = gprmax_python(args.gprmax_python)
    for lane in lanes:
        if (OUT_DIR / f"{lane.name}.h5").exists() and not args.force:
            print(f"{lane.name}: cached")
            continue
        per_trace = build_lane(lane, python, args.threads)
        print(f"{lane.name}: {lane.n_traces} traces, {per_trace:.2f} s per trace", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
