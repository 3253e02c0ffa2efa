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

#: Qt messages dropped by :func:`install_message_filter` (exact text): the offscreen platform
#: prints this once per window shown or resized, which says nothing to a user of
#: ``--screenshot`` or the benchmark.
DROPPED_QT_MESSAGES = frozenset({"This plugin does not support propagateSizeHints()"})

_previous_handler: Any = None
_filter_installed = False


def _qt_message(mode: Any, context: Any, message: str) -> None:
    if message in DROPPED_QT_MESSAGES:
        return
    if _previous_handler is not None:
        _previous_handler(mode, context, message)
        return
    from PySide6 import QtCore

    # what Qt's default handler prints (honours QT_MESSAGE_PATTERN)
    sys.stderr.write(QtCore.qFormatLogMessage(mode, context, message) + "\n")


def install_message_filter() -> None:
    """Drop the Qt messages of :data:`DROPPED_QT_MESSAGES`; every other message goes on to
    the handler installed before (or is printed as Qt prints it). Idempotent."""
    global _previous_handler, _filter_installed
    if _filter_installed:
        return
    from PySide6 import QtCore

    _previous_handler = QtCore.qInstallMessageHandler(_qt_message)
    _filter_installed = True


def has_display() -> bool:
    """Whether a window can be shown: an X11 or Wayland display is set and Qt is not offscreen.

    Returns
    -------
    bool
        True on Windows and macOS unless Qt is offscreen/minimal; on other systems when
        ``DISPLAY`` or ``WAYLAND_DISPLAY`` is set.
    """
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

    install_message_filter()
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
