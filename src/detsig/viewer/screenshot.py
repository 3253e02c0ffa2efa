"""Render one frame of the viewer offscreen to a PNG, for docs, tests and headless machines."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from detsig.errors import InputError


def render_window(window: Any, path: str | os.PathLike[str]) -> Path:
    """Draw ``window`` (a shown :class:`~detsig.viewer.window.ViewerWindow`) into a PNG.

    Parameters
    ----------
    window : ViewerWindow
        The window, already shown (a ``QApplication`` must exist).
    path : str or Path
        The PNG file to create.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        The file exists (never overwritten), its folder is missing, or it cannot be written.
    """
    from PySide6 import QtWidgets

    path = Path(path)
    if path.exists():
        raise InputError(f"{path} already exists; give a new file name for the screenshot")
    if not path.parent.is_dir():
        raise InputError(f"the folder {path.parent} does not exist; create it first")
    app = QtWidgets.QApplication.instance()
    assert app is not None, "create the application with ensure_app() first"
    for _ in range(3):  # layout, then pyqtgraph's deferred range updates
        app.processEvents()
    window.redraw()
    app.processEvents()
    if not window.grab().save(str(path), "PNG", 0):  # 0: smallest file
        raise InputError(f"cannot write the screenshot {path}; check the folder's permissions")
    return path


def screenshot(
    source: Any,
    path: str | os.PathLike[str],
    *,
    width_px: int = 1400,
    height_px: int = 900,
    first_trace: int | None = None,
    start_m: float | None = None,
    **window_options: Any,
) -> Path:
    """Open a viewer window on ``source`` offscreen, draw one frame, save it as PNG, close it.

    Parameters
    ----------
    source : ViewSource
        What to show.
    path : str or Path
        The PNG to write (must not exist).
    width_px, height_px : int
        Window size, pixels.
    first_trace : int, optional
        Show the window starting at this trace (default: the start of the file).
    start_m : float, optional
        Show the window starting at this along-lane position, m.
    **window_options
        Passed to :class:`~detsig.viewer.window.ViewerWindow` (``preset``, ``settings``,
        ``window_traces``, ``threshold``).

    Returns
    -------
    Path
        The written file.
    """
    from detsig.viewer.app import ensure_app

    ensure_app(headless=True)
    from detsig.viewer.window import ViewerWindow

    window = ViewerWindow(source, **window_options)
    try:
        window.resize(int(width_px), int(height_px))
        window.show()
        if start_m is not None:
            window.go_to_distance(start_m)
        elif first_trace is not None:
            window.go_to_trace(first_trace)
        return render_window(window, path)
    finally:
        window.close()
        window.deleteLater()
