"""Convert any readable GPR file to a detsig recording or to SEG-Y."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from detsig.errors import FormatError
from detsig.io.formats.registry import detect_format, get_format, read_any, write_scans

#: Output extensions and the plugin that writes them.
OUTPUT_FORMATS = {".h5": "detsig", ".hdf5": "detsig", ".sgy": "segy", ".segy": "segy"}


def convert_file(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    in_format: str | None = None,
    **read_options: Any,
) -> dict[str, Any]:
    """Read ``in_path`` (any supported format) and write it to the new file ``out_path``.

    A ``.h5`` output is a detsig recording (streams ``gpr0``, ``gpr1`` ... with exactly the
    file's samples in their native type, distances, lat/lon, marks as events, vendor header as
    JSON); a ``.sgy`` output is SEG-Y. An existing output is never overwritten.

    Parameters
    ----------
    in_path, out_path : str or Path
        Input file and new output file.
    in_format : str, optional
        Force the input format by name instead of detecting it.
    **read_options
        Passed to the reader (e.g. ``component="Ez"`` for gprMax).

    Returns
    -------
    dict
        ``input``, ``output``, ``input_format``, ``output_format`` and ``streams``
        (name, shape, dtype of each written channel).

    Raises
    ------
    FormatError
        Unreadable input, unknown output extension, or the output exists.
    """
    in_path = Path(in_path)
    out_path = Path(out_path)
    output_format = OUTPUT_FORMATS.get(out_path.suffix.lower())
    if output_format is None:
        raise FormatError(
            f"cannot tell the output format from {out_path.name}; end the name with "
            ".h5 (detsig recording) or .sgy (SEG-Y)"
        )
    if out_path.exists() or out_path.is_symlink():
        raise FormatError(
            f"{out_path} already exists; detsig never overwrites a file, so give a new name"
        )
    if in_path.resolve() == out_path.resolve():
        raise FormatError("the output must be a new file, not the input")
    name = in_format or detect_format(in_path)
    get_format(name)
    scans = read_any(in_path, format=name, **read_options)
    write_options: dict[str, Any] = {}
    if output_format == "detsig":
        write_options["source"] = in_path.name
        write_options["notes"] = f"converted from {in_path.name} ({name}) by detsig convert"
    write_scans(out_path, scans, format=output_format, **write_options)
    return {
        "input": str(in_path),
        "output": str(out_path),
        "input_format": name,
        "output_format": output_format,
        "streams": [
            {
                "name": scan.name,
                "shape": [scan.n_traces, scan.n_samples],
                "dtype": str(scan.data.dtype),
            }
            for scan in scans
        ],
    }
