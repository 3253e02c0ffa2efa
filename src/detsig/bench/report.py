"""Human-readable output of scores: terminal text, report.md tables, the ROC figure.

Everything here formats numbers already computed by :mod:`detsig.bench.score`; nothing is
scored here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from detsig.bench.stats import zero_miss_sample_size

__all__ = [
    "format_score_text",
    "markdown_table",
    "plot_roc",
    "suite_report_markdown",
]


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _pd_cell(row: Mapping[str, Any], clutter: bool = False) -> str:
    if not row["n_targets"]:
        if clutter and row.get("n_clutter"):
            return f"clutter hits {row['n_clutter_hits']}/{row['n_clutter']}"
        return "-"
    return f"{row['pd']:.3f} ({row['n_detected']}/{row['n_targets']})"


def _ci_cell(row: Mapping[str, Any]) -> str:
    if not row["n_targets"]:
        return "-"
    low, high = row["pd_ci"]
    return f"{low:.3f}-{high:.3f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table (cells converted with ``str``).

    Parameters
    ----------
    header : sequence
        Column titles.
    rows : sequence of sequence
        Table rows, each with one cell per column.

    Returns
    -------
    str
        The table, one line per row, without a final newline.
    """
    lines = [
        "| " + " | ".join(str(h) for h in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def format_score_text(summary: Mapping[str, Any]) -> str:
    """The result of ``detsig bench score`` as a few lines of terminal text.

    Parameters
    ----------
    summary : mapping
        The summary document of ``detsig bench score`` (``halo``, ``n_targets``, ``pd``,
        ``pd_ci``, false-alarm counts and rates ...).

    Returns
    -------
    str
        Lines of text, without a final newline.
    """
    halo = summary["halo"]
    where = "centre" if halo["mode"] == "centre" else "edge"
    lines = []
    if summary["n_targets"]:
        low, high = summary["pd_ci"]
        lines.append(
            f"Pd {summary['n_detected']}/{summary['n_targets']} = {summary['pd']:.3f} "
            f"(95 % CI {low:.3f}-{high:.3f}, one-sided 95 % lower bound "
            f"{summary['pd_lower_95']:.3f})"
        )
    else:
        lines.append("Pd undefined: the truth lists no mine in the surveyed extent")
    width = summary["swept_width_m"]
    width_text = (
        f"{width:g}" if isinstance(width, int | float) else "/".join(f"{w:g}" for w in width)
    )
    lines.append(
        f"False alarms {summary['n_false_alarms']} on {summary['area_m2']:.2f} m2 "
        f"({summary['length_m']:.2f} m x {width_text} m swept width, "
        f"width from {summary['swept_width_source']}) = "
        f"{summary['false_alarms_per_m2']:.4f} per m2"
    )
    lines.append(
        f"Clutter hits {summary['n_clutter_hits']} of {summary['n_clutter']} clutter objects"
    )
    lines.append(f"Halo: within {halo['halo_m']:g} m of the target's {where}")
    threshold = summary.get("threshold")
    if threshold is not None:
        lines.append(
            f"Threshold: score >= {threshold:g} "
            f"({summary['n_candidates_below_threshold']} candidates below it)"
        )
    skipped = []
    if summary["n_candidates_outside"]:
        skipped.append(f"candidates outside the surveyed extent: {summary['n_candidates_outside']}")
    if summary["n_candidates_no_position"]:
        skipped.append(f"candidates without x_m: {summary['n_candidates_no_position']}")
    if summary["n_targets_outside"]:
        skipped.append(f"targets outside the surveyed extent: {summary['n_targets_outside']}")
    if skipped:
        lines.append("Not scored: " + "; ".join(skipped))
    auc = summary.get("partial_auc")
    if auc and auc["value"] is not None:
        lines.append(
            f"Partial AUC up to {auc['max_false_alarms_per_m2']:g} false alarms per m2: "
            f"{auc['value']:.3f}"
        )
    if summary["by_kind"]:
        rows = [
            (kind, _pd_cell(row), _ci_cell(row), f"{row['n_clutter_hits']}/{row['n_clutter']}")
            for kind, row in summary["by_kind"].items()
        ]
        lines += ["", markdown_table(("kind", "Pd", "95 % CI", "clutter hits"), rows)]
    return "\n".join(lines)


def _stratum_table(results: Sequence[Mapping[str, Any]], key: str, title: str) -> str:
    strata = sorted({s for r in results for s in r["summary"][key]})
    if not strata:
        return ""
    rows = []
    for stratum in strata:
        row: list[str] = [stratum]
        for result in results:
            cell = result["summary"][key].get(stratum)
            row.append("-" if cell is None else _pd_cell(cell, clutter=True))
        rows.append(row)
    header = [title, *[f"Pd {r['detector']}" for r in results]]
    return markdown_table(header, rows)


def suite_report_markdown(document: Mapping[str, Any], roc_png: str | None = "roc.png") -> str:
    """The ``report.md`` of a detection suite from its results document (``results.json``).

    Parameters
    ----------
    document : mapping
        The results document of :func:`detsig.bench.suite.run_suite`.
    roc_png : str or None
        Path of the ROC figure relative to the report, linked at the end; no link when None
        or empty.

    Returns
    -------
    str
        The markdown text.
    """
    results = document["results"]
    halo = document["halo"]
    where = "centre" if halo["mode"] == "centre" else "edge"
    lines = [
        f"# Detection benchmark: suite `{document['suite']}`",
        "",
        f"detsig {document['detsig_version']}. A candidate detects a target within "
        f"{halo['halo_m']:g} m of the target's {where}, one-to-one by optimal assignment. "
        "Pd intervals are two-sided exact 95 % (Clopper-Pearson); false alarms are candidates "
        "matching neither a mine nor a clutter object, per m2 of surveyed area (lane length x "
        "swept width). Definitions and sources: docs/metrics.md.",
        "",
        "## Lanes",
        "",
    ]
    lane_rows = [
        (
            lane["name"],
            lane["scenario"],
            lane["seed"],
            lane["soil"],
            f"{lane['length_m']:.2f}",
            f"{lane['swept_width_m']:.2f}",
            lane["n_mines"],
            lane["n_clutter"],
        )
        for lane in document["lanes"]
    ]
    lines.append(
        markdown_table(
            ("lane", "scenario", "seed", "soil", "length m", "swept width m", "mines", "clutter"),
            lane_rows,
        )
    )
    n_mines = sum(lane["n_mines"] for lane in document["lanes"])
    lines += [
        "",
        f"{n_mines} mines in all. Demonstrating Pd >= 0.95 at 95 % confidence with no miss "
        f"needs {zero_miss_sample_size(0.95)} mines (0.90: {zero_miss_sample_size(0.90)}, "
        f"0.99: {zero_miss_sample_size(0.99)}); the lower bounds below say what these lanes "
        "can show.",
        "",
        "## Results",
        "",
    ]
    rows = []
    for result in results:
        s = result["summary"]
        auc = s["partial_auc"]["value"]
        rows.append(
            (
                result["detector"],
                _num(s["threshold"], 2),
                _pd_cell(s),
                _ci_cell(s),
                _num(s["pd_lower_95"]),
                s["n_false_alarms"],
                _num(s["false_alarms_per_m2"], 4),
                _num(s.get("false_alarms_per_m", math.nan), 3),
                f"{s['n_clutter_hits']}/{s['n_clutter']}",
                _num(auc),
            )
        )
    bound = results[0]["summary"]["partial_auc"]["max_false_alarms_per_m2"] if results else 0
    lines.append(
        markdown_table(
            (
                "detector",
                "threshold",
                "Pd",
                "95 % CI",
                "Pd lower bound (95 %)",
                "false alarms",
                "false alarms per m2",
                "false alarms per m of lane",
                "clutter hits",
                f"pAUC (FA <= {bound:g}/m2)",
            ),
            rows,
        )
    )
    if roc_png:
        lines += ["", f"![Pd against false alarms per m2]({roc_png})"]
    for key, title in (
        ("by_kind", "kind"),
        ("by_depth_bin", "depth"),
        ("by_soil", "soil"),
        ("by_lane", "lane"),
    ):
        table = _stratum_table(results, key, title)
        if table:
            lines += ["", f"## Pd by {title}", "", table]
    if results and results[0].get("pd_vs_halo"):
        halos = [row["halo_m"] for row in results[0]["pd_vs_halo"]]
        mode = results[0].get("pd_vs_halo_mode", halo["mode"])
        halo_rows = []
        for result in results:
            cells = [_pd_cell(row) for row in result["pd_vs_halo"]]
            halo_rows.append((result["detector"], *cells))
        lines += [
            "",
            f"## Pd against halo size ({mode} mode)",
            "",
            markdown_table(("detector", *[f"{h:g} m" for h in halos]), halo_rows),
        ]
    timing = document.get("timing")
    if timing and timing.get("detectors"):
        timing_rows = [
            (name, f"{row['total_s']:.2f}", f"{row['per_lane_median_s']:.3f}")
            for name, row in timing["detectors"].items()
        ]
        lines += [
            "",
            "## Time",
            "",
            f"Wall time {timing['wall_s']:.1f} s on {timing['executor']}.",
            "",
            markdown_table(("detector", "total s", "median per lane s"), timing_rows),
        ]
    return "\n".join(lines) + "\n"


def plot_roc(
    document: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    max_false_alarms_per_m2: float | None = None,
) -> None:
    """Draw Pd against false alarms per m2 for every detector into a PNG (matplotlib Agg).

    Parameters
    ----------
    document : mapping
        The suite's results document (``results`` with each ``summary["roc"]``).
    path : path-like
        Output PNG.
    max_false_alarms_per_m2 : float, optional
        Right end of the x axis; default the largest rate reached.
    """
    # A bare Figure renders with the Agg canvas and leaves pyplot's global backend alone.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 5.0), dpi=110)
    axes = figure.subplots()
    largest = 0.0
    for result in document["results"]:
        roc = result["summary"]["roc"]
        if roc["n_targets"] == 0:
            continue
        rate = roc["false_alarms_per_m2"]
        pd = roc["pd"]
        largest = max(largest, max(rate))
        summary = result["summary"]
        (line,) = axes.step(rate, pd, where="post", label=result["detector"], linewidth=1.5)
        # The operating point: the detector's own threshold, as in the tables.
        axes.plot(
            summary["false_alarms_per_m2"],
            summary["pd"],
            "o",
            color=line.get_color(),
            markersize=5,
        )
    bound = document.get("partial_auc_bound")
    if bound:
        axes.axvline(bound, color="0.6", linestyle=":", linewidth=1, label=f"pAUC bound {bound:g}")
    right = max_false_alarms_per_m2 or max(largest * 1.05, 0.1)
    # A small margin left of 0 keeps curves that rise at zero false alarms visible.
    axes.set_xlim(-0.02 * right, right)
    axes.set_ylim(0.0, 1.02)
    axes.set_xlabel("false alarms per m2 (dots: operating thresholds)")
    axes.set_ylabel("probability of detection")
    halo = document["halo"]
    axes.set_title(
        f"suite {document['suite']}: halo {halo['halo_m']:g} m ({halo['mode']}), "
        f"{sum(lane['n_mines'] for lane in document['lanes'])} mines"
    )
    axes.grid(True, alpha=0.3)
    if axes.lines:
        axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    figure.savefig(Path(path), format="png")
