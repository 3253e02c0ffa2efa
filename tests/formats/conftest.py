"""Fixtures of the format tests: the sample GPR files and what is known about each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

#: Sidecar extensions: files that belong to a data file and are not readable on their own.
SIDECARS = {".dzg", ".dzx", ".cor", ".in", ".xyz", ".gps"}


def gpr_folder(shared_data: Path) -> Path:
    folder = shared_data / "gpr"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


def copy_with_sidecars(source: Path, folder: Path) -> Path:
    """Copy ``source`` and every file of the same stem into ``folder``; return the copy."""
    for sibling in source.parent.iterdir():
        if sibling.stem == source.stem:
            shutil.copy(sibling, folder / sibling.name)
    return folder / source.name
