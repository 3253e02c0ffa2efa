"""Coverage outputs: GeoJSON layers, the raster, a PNG map and a one-page Markdown report.

GeoJSON (RFC 7946) wants WGS84 longitude/latitude; layers of a survey whose local grid is
located (GNSS, or a plan with ``origin_lat_deg``) are written so. A planned grid without a
geographic origin has only local metres: its layers carry the foreign member
``"detsig_crs": "local-grid-m"`` and coordinates ``[x_m, y_m]`` (load them in QGIS as a
projected layer, not as degrees).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.model import Candidate
from detsig.survey.coverage import CoverageReport, thin_polyline
from detsig.survey.layout import Survey

__all__ = ["COVERAGE_FILES", "coverage_layers", "write_coverage"]

#: The files :func:`write_coverage` writes.
COVERAGE_FILES = (
    "coverage-footprint.geojson",
    "coverage-gaps.geojson",
    "coverage-flags.geojson",
    "coverage-tracks.geojson",
    "coverage-raster.npz",
    "coverage.png",
    "coverage.md",
)

_CHECK_TEXT = {
    "speed": "sweep speed outside the band",
    "sample_step": "GPR trace spacing too coarse",
    "fix_quality": "GNSS fix below RTK",
}


def _coordinates(survey: Survey, points: npt.NDArray[np.float64]) -> list[list[float]]:
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if survey.frame is None:
        return [[round(float(x), 4), round(float(y), 4)] for x, y in points]
    lat, lon = survey.frame.to_lat_lon(points[:, 0], points[:, 1])
    return [[round(float(a), 9), round(float(b), 9)] for a, b in zip(lon, lat, strict=True)]


def _collection(survey: Survey, features: list[dict[str, Any]], layer: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": "FeatureCollection",
        "detsig_format": "detsig-coverage",
        "format_version": 1,
        "layer": layer,
        "features": features,
    }
    if survey.frame is None:
        document["detsig_crs"] = "local-grid-m"
    return document


def _polygon(survey: Survey, rings: Sequence[npt.NDArray[np.float64]]) -> dict[str, Any]:
    closed = [np.vstack([ring, ring[:1]]) for ring in rings if len(ring) >= 3]
    return {"type": "Polygon", "coordinates": [_coordinates(survey, ring) for ring in closed]}


def coverage_layers(survey: Survey, report: CoverageReport) -> dict[str, dict[str, Any]]:
    """The GeoJSON layers of a coverage report.

    Parameters
    ----------
    survey : Survey
        The survey (its grid locates the layers).
    report : CoverageReport
        From :func:`~detsig.survey.coverage.check_coverage`.

    Returns
    -------
    dict of str to dict
        ``footprint`` (covered and overlap polygons), ``gaps`` (polygons with area, width and
        spacing), ``flags`` (line strings of failed stretches) and ``tracks`` (one line per
        sweep), each a FeatureCollection.
    """
    footprint = [
        {"type": "Feature", "geometry": _polygon(survey, rings), "properties": {"covered_by": kind}}
        for kind, polygons in (
            ("one or more sweeps", report.footprint),
            ("two or more sweeps", report.overlap),
        )
        for rings in polygons
    ]
    gaps = [
        {
            "type": "Feature",
            "geometry": _polygon(survey, gap.polygons[:1] + gap.polygons[1:]),
            "properties": {
                "area_m2": round(gap.area_m2, 4),
                "width_m": round(gap.width_m, 3),
                "sweep_spacing_m": round(gap.spacing_m, 3),
                "wider_than_nominal": gap.wider_than_nominal,
                "x_m": round(gap.centre_m[0], 3),
                "y_m": round(gap.centre_m[1], 3),
            },
        }
        for gap in report.gaps
    ]
    flags = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": _coordinates(survey, s.points_m)},
            "properties": {
                "check": s.check,
                "problem": _CHECK_TEXT[s.check],
                "sweep": s.sweep,
                "stream": s.stream,
                "start_m": round(s.start_m, 3),
                "end_m": round(s.end_m, 3),
                "duration_s": round(s.duration_s, 2),
                "value": round(s.value, 4),
                "limit": s.limit,
            },
        }
        for s in report.stretches
        if len(s.points_m) >= 2
    ]
    tracks = []
    for sweep in survey.sweeps:
        track = sweep.track()
        ok = track.known
        points = np.column_stack([track.x_m[ok], track.y_m[ok]])
        if len(points) >= 2:
            tracks.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": _coordinates(survey, thin_polyline(points)),
                    },
                    "properties": {
                        "sweep": sweep.name,
                        "stream": track.stream,
                        "source": sweep.source,
                    },
                }
            )
    return {
        "footprint": _collection(survey, footprint, "footprint"),
        "gaps": _collection(survey, gaps, "gaps"),
        "flags": _collection(survey, flags, "flags"),
        "tracks": _collection(survey, tracks, "tracks"),
    }


def plot_coverage(
    survey: Survey,
    report: CoverageReport,
    path: Path,
    dig_list: Sequence[Candidate] = (),
) -> None:
    """Draw the coverage map: sweeps per cell, tracks, gaps, failed stretches, dig list.

    Parameters
    ----------
    survey : Survey
        The survey.
    report : CoverageReport
        Its coverage check.
    path : Path
        The PNG to create.
    dig_list : sequence of Candidate
        Items to mark (local ``x_m``, ``y_m``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    raster = report.raster
    fig, ax = plt.subplots(figsize=(8.0, 7.2), dpi=110, layout="constrained")
    levels = int(max(3, raster.count.max()))
    colours = ["#ffffff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"][: min(levels, 4) + 1]
    cmap = ListedColormap(colours)
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5, 99][: len(colours) + 1], cmap.N)
    image = ax.imshow(
        raster.count,
        origin="lower",
        extent=raster.grid.extent_m,
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
    )
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, ticks=range(len(colours)))
    bar.set_label("sweeps covering the cell")
    x0, x1, y0, y1 = report.area
    ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color="black", lw=1.0, label="area")
    for sweep in survey.sweeps:
        track = sweep.track()
        ax.plot(track.x_m, track.y_m, color="#555555", lw=0.5)
    for number, gap in enumerate(report.gaps):
        for ring in gap.polygons:
            closed = np.vstack([ring, ring[:1]])
            ax.fill(
                closed[:, 0],
                closed[:, 1],
                facecolor="#e31a1c",
                alpha=0.55,
                edgecolor="#a50f15",
                label="gap" if number == 0 else None,
            )
    styles = {
        "speed": ("#ff7f00", "speed outside band"),
        "sample_step": ("#6a3d9a", "traces too far apart"),
        "fix_quality": ("#b15928", "GNSS below RTK"),
    }
    shown: set[str] = set()
    for stretch in report.stretches:
        colour, text = styles[stretch.check]
        shift = {"speed": 0.0, "sample_step": 0.04, "fix_quality": -0.04}[stretch.check]
        points = stretch.points_m
        ax.plot(
            points[:, 0],
            points[:, 1] + shift,
            color=colour,
            lw=3.0,
            label=text if stretch.check not in shown else None,
        )
        shown.add(stretch.check)
    if dig_list:
        ax.scatter(
            [c.x_m for c in dig_list],
            [c.y_m for c in dig_list],
            marker="x",
            s=40,
            color="black",
            linewidths=1.5,
            label="dig list",
            zorder=5,
        )
    ax.set_aspect("equal")
    ax.set_xlabel("x (m, local grid east)")
    ax.set_ylabel("y (m, local grid north)")
    ax.set_title(
        f"Coverage {100 * report.covered_fraction:.1f} % of {(x1 - x0) * (y1 - y0):.1f} m2, "
        f"{len(report.gaps)} gap(s), {len(report.stretches)} flagged stretch(es)"
    )
    fig.legend(loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    fig.savefig(path)
    plt.close(fig)


def _markdown(survey: Survey, report: CoverageReport, png_name: str) -> str:
    x0, x1, y0, y1 = report.area
    limits = survey.limits
    lines = [
        "# Coverage report",
        "",
        f"![coverage map]({png_name})",
        "",
        "| | |",
        "|---|---|",
        f"| sweeps | {len(survey.sweeps)} ({survey.sweeps[0].source} positions) |",
        f"| area | x {x0:g} to {x1:g} m, y {y0:g} to {y1:g} m ({(x1 - x0) * (y1 - y0):.2f} m2) |",
        f"| sensor width / lane spacing | {report.sensor_width_m:g} m / {report.spacing_m:g} m |",
        f"| covered | **{100 * report.covered_fraction:.1f} %** of the area |",
        f"| overlap | {100 * report.overlap_fraction:.1f} % of the covered ground has 2+ sweeps |",
        f"| gaps | {len(report.gaps)} ({sum(g.wider_than_nominal for g in report.gaps)} wider than "
        "the nominal spacing) |",
        f"| speed band | {limits.speed_min_m_per_s:g}-{limits.speed_max_m_per_s:g} m/s |",
        f"| GPR trace spacing limit | {limits.max_sample_step_m:g} m |",
        f"| GNSS fix quality required | {limits.min_fix_quality} or better |",
        "",
        "## Gaps (re-sweep these)",
        "",
    ]
    if report.gaps:
        lines += [
            "| # | centre x, y (m) | area (m2) | width (m) | sweeps either side (m apart) "
            "| wider than nominal |",
            "|---|---|---|---|---|---|",
        ]
        for number, gap in enumerate(report.gaps, start=1):
            lines.append(
                f"| {number} | {gap.centre_m[0]:.2f}, {gap.centre_m[1]:.2f} | {gap.area_m2:.3f} | "
                f"{gap.width_m:.2f} | {gap.spacing_m:.2f} | "
                f"{'yes' if gap.wider_than_nominal else 'no'} |"
            )
    else:
        lines.append("None: every part of the area was covered.")
    lines += ["", "## Flagged stretches", ""]
    if report.stretches:
        lines += [
            "| sweep | problem | from-to (m along) | for (s) | value | limit |",
            "|---|---|---|---|---|---|",
        ]
        for s in report.stretches:
            lines.append(
                f"| {s.sweep} ({s.stream}) | {_CHECK_TEXT[s.check]} | "
                f"{s.start_m:.2f}-{s.end_m:.2f} | "
                f"{s.duration_s:.1f} | {s.value:.3g} | {s.limit} |"
            )
    else:
        lines.append("None.")
    lines.append("")
    return "\n".join(lines)


def write_coverage(
    survey: Survey, report: CoverageReport, folder: Path, dig_list: Sequence[Candidate] = ()
) -> list[Path]:
    """Write the coverage layers, raster, map and report into a folder.

    Parameters
    ----------
    survey : Survey
        The survey.
    report : CoverageReport
        Its coverage check.
    folder : Path
        Existing folder; none of :data:`COVERAGE_FILES` may exist in it.
    dig_list : sequence of Candidate
        Dig-list items to mark on the map.

    Returns
    -------
    list of Path
        The files written, in :data:`COVERAGE_FILES` order.
    """
    layers = coverage_layers(survey, report)
    paths = [folder / name for name in COVERAGE_FILES]
    for name, path in zip(("footprint", "gaps", "flags", "tracks"), paths, strict=False):
        with open(path, "x", encoding="utf-8") as stream:
            json.dump(layers[name], stream, indent=1, allow_nan=False)
            stream.write("\n")
    raster = report.raster
    with open(paths[4], "xb") as stream:
        np.savez_compressed(
            stream,
            count=raster.count,
            inside=raster.inside,
            x_m=raster.x_m,
            y_m=raster.y_m,
            cell_m=np.float64(raster.cell_m),
        )
    plot_coverage(survey, report, paths[5], dig_list)
    with open(paths[6], "x", encoding="utf-8") as stream:
        stream.write(_markdown(survey, report, paths[5].name))
    return paths
