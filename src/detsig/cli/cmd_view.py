"""``detsig view FILE``: replay viewer, ``--follow`` for a growing recording, ``--screenshot``."""

from __future__ import annotations

import argparse
from pathlib import Path

from detsig.io.truth import read_truth


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig view``."""
    parser.add_argument("file", type=Path, help="a detsig recording (.h5) or a vendor GPR file")
    parser.add_argument(
        "--follow",
        action="store_true",
        help="follow a recording another process is writing (SWMR), showing the newest traces",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PNG",
        help="render one frame offscreen into this new PNG file and exit (no window)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--start-m", type=float, metavar="M", help="start the view at this along-lane position, m"
    )
    where.add_argument("--trace", type=int, metavar="N", help="start the view at trace N")
    parser.add_argument(
        "--window",
        type=int,
        default=2000,
        metavar="N",
        help="traces on screen at once (default 2000)",
    )
    parser.add_argument(
        "--preset",
        choices=["raw", "processed", "envelope", "detector"],
        default="raw",
        help="processing applied to the displayed traces (default raw): processed = the "
        "gpr-display pipeline preset, envelope = it plus the envelope, detector = the "
        "gpr-detect preset (exactly what the GPR detectors look at)",
    )
    parser.add_argument(
        "--cmap", choices=["grey", "seismic", "viridis"], default="grey", help="B-scan colours"
    )
    parser.add_argument(
        "--contrast", type=float, default=1.0, help="contrast (colour limits / this), default 1"
    )
    parser.add_argument("--gain-db", type=float, default=0.0, help="display gain, dB (default 0)")
    parser.add_argument(
        "--depth",
        action="store_true",
        help="vertical axis in depth (m) instead of two-way time (ns)",
    )
    parser.add_argument(
        "--eps-r",
        type=float,
        metavar="EPS",
        help="soil relative permittivity for the depth axis (default: from the file, else 6)",
    )
    parser.add_argument(
        "--trace-axis", action="store_true", help="horizontal axis in trace index, not metres"
    )
    parser.add_argument(
        "--threshold", type=float, metavar="SCORE", help="show candidates scoring at least this"
    )
    parser.add_argument(
        "--truth",
        type=Path,
        metavar="JSON",
        help="ground truth JSON to overlay (default: the recording's own /truth)",
    )
    parser.add_argument("--gpr-stream", metavar="NAME", help="GPR stream to show (default: first)")
    parser.add_argument("--md-stream", metavar="NAME", help="MD stream to show (default: first)")
    parser.add_argument(
        "--channel", type=int, default=0, help="radar channel of a multi-channel vendor file"
    )
    parser.add_argument(
        "--size",
        default="1400x900",
        metavar="WxH",
        help="screenshot size in pixels (default 1400x900)",
    )


def _size(text: str) -> tuple[int, int]:
    from detsig.errors import UsageError

    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size must look like 1400x900, got {text!r}") from None
    if not (200 <= width <= 8000 and 150 <= height <= 8000):
        raise UsageError(f"--size {text} is out of range; use 200x150 to 8000x8000 pixels")
    return width, height


def run(args: argparse.Namespace) -> int:
    """Open the viewer (or write a screenshot)."""
    from detsig.errors import UsageError

    if args.window < 2:
        raise UsageError(f"--window must be at least 2 traces, got {args.window}")
    if args.eps_r is not None and not 1.0 <= args.eps_r <= 81.0:
        raise UsageError(f"--eps-r must lie between 1 (air) and 81 (water), got {args.eps_r}")
    if args.contrast <= 0:
        raise UsageError(f"--contrast must be positive, got {args.contrast}")
    if args.screenshot is not None:
        if args.follow:
            raise UsageError("--screenshot renders one frame; drop --follow")
        if args.screenshot.exists():
            raise UsageError(
                f"{args.screenshot} already exists; give a new file name for the screenshot"
            )
        if args.screenshot.suffix.lower() != ".png":
            raise UsageError(f"--screenshot must name a .png file, got {args.screenshot}")
        folder = args.screenshot.resolve().parent
        if not folder.is_dir():
            raise UsageError(
                f"the folder {folder} for the screenshot does not exist; create it first"
            )
    width, height = _size(args.size)

    from detsig.viewer.app import ensure_app, has_display

    if args.screenshot is None and not has_display():
        raise UsageError(
            "no display is available for the viewer window; "
            "use --screenshot PNG to render a picture instead"
        )
    ensure_app(headless=args.screenshot is not None)

    from detsig.viewer.bscan import DisplaySettings
    from detsig.viewer.sources import open_source

    truth = None
    if args.truth is not None:
        truth = read_truth(args.truth)
    source = open_source(
        args.file,
        truth=truth,
        follow=args.follow,
        gpr_stream=args.gpr_stream,
        md_stream=args.md_stream,
        channel=args.channel,
    )
    with source:
        eps = args.eps_r
        if eps is None:
            eps = (source.gpr.relative_permittivity if source.gpr else None) or 6.0
        settings = DisplaySettings(
            color_map=args.cmap,
            contrast=args.contrast,
            gain_db=args.gain_db,
            vertical="depth" if args.depth else "time",
            relative_permittivity=eps,
            x_axis="trace" if args.trace_axis else "distance",
        )
        options = {
            "window_traces": args.window,
            "settings": settings,
            "preset": args.preset,
            "threshold": args.threshold,
        }
        if args.screenshot is not None:
            from detsig.viewer.screenshot import screenshot

            path = screenshot(
                source,
                args.screenshot,
                width_px=width,
                height_px=height,
                first_trace=args.trace,
                start_m=args.start_m,
                **options,
            )
            print(f"wrote {path}")
            return 0
        from detsig.viewer.window import ViewerWindow

        window = ViewerWindow(source, **options)
        window.resize(width, height)
        if args.start_m is not None:
            window.go_to_distance(args.start_m)
        elif args.trace is not None:
            window.go_to_trace(args.trace)
        window.show()
        from PySide6 import QtWidgets

        app = QtWidgets.QApplication.instance()
        assert app is not None
        app.exec()
    return 0
