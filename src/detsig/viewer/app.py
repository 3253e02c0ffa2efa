"""The Qt application of the viewer: created once, safe without a display.

Qt aborts a process that asks for a window without a display, so :func:`ensure_app` switches
to the offscreen platform whenever no display is reachable (or when the caller asks for
headless rendering, as ``--screenshot`` does). The pyqtgraph options every view relies on are
set here: column-major images (``data[trace, sample]``), a light theme readable in sunlight and
in printed docs, and plain (not antialiased) curves, which paint ten times faster.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def has_display() -> bool:
    """Whether a window can be shown: an X11 or Wayland display is set and Qt is not offscreen."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def ensure_app(*, headless: bool = False) -> Any:
    """The running ``QApplication``, created when there is none.

    Parameters
    ----------
    headless : bool
        Render offscreen even when a display exists (screenshots, benchmarks). Has no effect
        once an application exists.

    Returns
    -------
    QApplication
    """
    if (headless or not has_display()) and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1] or ["detsig"])
        app.setApplicationName("detsig viewer")
    pg.setConfigOptions(
        imageAxisOrder="col-major",
        background="w",
        foreground="k",
        antialias=False,  # antialiased curves cost ~10x more to paint: keep 25 fps live
    )
    return app
