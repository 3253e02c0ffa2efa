"""Ground-truth files: the truth JSON of a lane or area (DESIGN.md, "Truth") read and written."""

from __future__ import annotations

import json
from pathlib import Path

from detsig.errors import InputError
from detsig.model import GroundTruth


def read_truth(path: str | Path) -> GroundTruth:
    """Read a truth JSON file; raises :class:`InputError` with one clear sentence.

    Parameters
    ----------
    path : str or Path
        A UTF-8 JSON file holding the truth object.

    Returns
    -------
    GroundTruth
        The validated ground truth.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"truth file {path} does not exist") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"truth file {path} is not valid JSON ({error})") from None
    try:
        return GroundTruth.from_dict(data)
    except (ValueError, TypeError, KeyError) as error:
        raise InputError(f"truth file {path}: {error}") from None


def write_truth(truth: GroundTruth, path: str | Path) -> None:
    """Write a truth JSON file (refuses to overwrite).

    Parameters
    ----------
    truth : GroundTruth
        The truth to write.
    path : str or Path
        The file to create (indented JSON plus a final newline).

    Raises
    ------
    FileExistsError
        If ``path`` exists.
    """
    with open(path, "x", encoding="utf-8") as stream:
        json.dump(truth.to_dict(), stream, indent=2)
        stream.write("\n")
