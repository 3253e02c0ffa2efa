"""Reading the inputs of a scoring run: ground truth from a recording or a truth JSON file."""

from __future__ import annotations

import os
from pathlib import Path

from detsig.errors import InputError
from detsig.io._files import HDF5_SIGNATURE, read_head
from detsig.io.truth import read_truth
from detsig.model import GroundTruth

__all__ = ["load_truth"]


def load_truth(path: str | os.PathLike[str]) -> GroundTruth:
    """Ground truth from a recording's ``/truth`` or a truth JSON file (recognised by content).

    The JSON form is an object with ``targets`` (DESIGN.md section 3), the surveyed extent
    ``x_start_m`` and ``x_end_m``, and optionally ``swept_width_m``.

    Parameters
    ----------
    path : path-like
        The recording (``.h5``) or JSON file.

    Returns
    -------
    GroundTruth

    Raises
    ------
    InputError
        Missing or unreadable file, a recording without ``/truth``, or invalid truth JSON.
    """
    path = Path(path)
    head = read_head(path, 8, "truth file", "give a recording or a truth JSON file")
    if head.startswith(HDF5_SIGNATURE):
        from detsig.io.recording import open_recording

        with open_recording(path) as recording:
            truth = recording.truth()
        if truth is None:
            raise InputError(
                f"{path} holds no /truth; give a simulated or surveyed lane, or a truth JSON file"
            )
        return truth
    return read_truth(path)
