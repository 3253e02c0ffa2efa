"""Candidate exports: GeoJSON and CSV writers, and one reader for every candidate source.

DESIGN.md section 3: a candidate is ``x_m``, ``y_m``, ``lat_deg``/``lon_deg``, ``time_s``,
``depth_m``, ``score``, ``detector``, ``stream`` plus detector extras; candidates are exported as
GeoJSON points (for QGIS and mine-action information systems) and as CSV.

GeoJSON (RFC 7946): a ``FeatureCollection``; each candidate is a ``Feature`` whose geometry is a
``Point`` ``[lon_deg, lat_deg]`` (WGS84) when GNSS gave a position, else ``null`` (an unlocated
feature, RFC 7946 section 3.2: lanes without GNSS still carry ``x_m`` in the properties).
The properties hold every fixed field in :data:`~detsig.model.CANDIDATE_FIELDS` order (NaN
written as ``null``), then the extras. The collection carries the foreign members
``"detsig_format": "detsig-candidates"`` and ``"format_version": 1``.

CSV (RFC 4180, UTF-8, comma-separated, header row): the fixed fields in order, then the union
of extras keys sorted by name. NaN and missing values are empty cells; floats are written with
Python's shortest round-tripping ``repr``; non-scalar extras are JSON text.

References
----------
.. [1] H. Butler et al., "The GeoJSON Format", RFC 7946, IETF, 2016.
.. [2] Y. Shafranovich, "Common Format and MIME Type for Comma-Separated Values (CSV) Files",
   RFC 4180, IETF, 2005.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from detsig.errors import FormatError, InputError
from detsig.io._files import HDF5_SIGNATURE, read_head
from detsig.model import CANDIDATE_FIELDS, Candidate

__all__ = [
    "candidates_from_geojson",
    "candidates_to_geojson",
    "read_candidates",
    "read_candidates_csv",
    "read_candidates_geojson",
    "write_candidates_csv",
    "write_candidates_geojson",
]

_FLOAT_FIELDS = ("x_m", "y_m", "lat_deg", "lon_deg", "time_s", "depth_m", "score")


def _json_value(value: Any) -> Any:
    """A JSON-safe copy of a value: non-finite floats become None, containers recurse."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if hasattr(value, "item"):  # NumPy scalars
        return _json_value(value.item())
    if hasattr(value, "tolist"):  # NumPy arrays
        return _json_value(value.tolist())
    return str(value)


def candidates_to_geojson(candidates: Iterable[Candidate]) -> dict[str, Any]:
    """The GeoJSON ``FeatureCollection`` of candidates, as a dict (see the module docstring).

    Parameters
    ----------
    candidates : iterable of Candidate
        The candidates, in the order they are written.

    Returns
    -------
    dict
        JSON-serialisable (no NaN) FeatureCollection.
    """
    features = []
    for candidate in candidates:
        properties = _json_value(candidate.to_dict())
        located = math.isfinite(candidate.lat_deg) and math.isfinite(candidate.lon_deg)
        geometry = (
            {"type": "Point", "coordinates": [candidate.lon_deg, candidate.lat_deg]}
            if located
            else None
        )
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {
        "type": "FeatureCollection",
        "detsig_format": "detsig-candidates",
        "format_version": 1,
        "features": features,
    }


def _open_new(path: Path, overwrite: bool) -> io.TextIOWrapper:
    try:
        return open(path, "w" if overwrite else "x", encoding="utf-8", newline="")
    except FileExistsError:
        raise InputError(
            f"{path} already exists; choose another output name or remove it first"
        ) from None
    except OSError as error:
        raise InputError(f"cannot write {path} ({error.strerror})") from None


def write_candidates_geojson(
    path: str | os.PathLike[str], candidates: Iterable[Candidate], *, overwrite: bool = False
) -> None:
    """Write candidates as a GeoJSON FeatureCollection of points.

    Parameters
    ----------
    path : path-like
        Output file (``.geojson``); an existing file is refused unless ``overwrite``.
    candidates : iterable of Candidate
        The candidates.
    overwrite : bool
        Replace an existing file.

    Raises
    ------
    InputError
        The file exists (and ``overwrite`` is false) or cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from detsig.model import Candidate
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.geojson"
    >>> write_candidates_geojson(out, [Candidate(score=0.9, detector="md-cfar", stream="md0",
    ...                                          x_m=1.25)])
    >>> read_candidates(out)[0].x_m
    1.25
    """
    document = candidates_to_geojson(candidates)
    text = json.dumps(document, indent=1, allow_nan=False)
    with _open_new(Path(path), overwrite) as stream:
        stream.write(text + "\n")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(_json_value(value), allow_nan=False)


def write_candidates_csv(
    path: str | os.PathLike[str], candidates: Iterable[Candidate], *, overwrite: bool = False
) -> None:
    """Write candidates as CSV: fixed fields, then extras sorted by name.

    Parameters
    ----------
    path : path-like
        Output file (``.csv``); an existing file is refused unless ``overwrite``.
    candidates : iterable of Candidate
        The candidates.
    overwrite : bool
        Replace an existing file.

    Raises
    ------
    InputError
        The file exists (and ``overwrite`` is false) or cannot be written.
    """
    rows = [candidate.to_dict() for candidate in candidates]
    extras = sorted({key for row in rows for key in row} - set(CANDIDATE_FIELDS))
    columns = [*CANDIDATE_FIELDS, *extras]
    with _open_new(Path(path), overwrite) as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(name)) for name in columns])


def _parse_csv_cell(name: str, text: str) -> Any:
    if text == "":
        return None
    if name in ("detector", "stream"):
        return text
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def _candidate(row: Mapping[str, Any], where: str) -> Candidate:
    for name in _FLOAT_FIELDS:
        value = row.get(name)
        if value is not None and value != "" and not isinstance(value, int | float):
            raise FormatError(f"{where}: '{name}' must be a number, got {value!r}")
    try:
        return Candidate.from_dict({k: v for k, v in row.items()})
    except (TypeError, ValueError) as error:
        raise FormatError(f"{where}: {error}") from None


def read_candidates_csv(path: str | os.PathLike[str]) -> list[Candidate]:
    """Read candidates from CSV (a header row naming at least ``score``).

    Column names are matched case-insensitively; empty cells are missing values; unknown
    columns become extras (numbers parsed as numbers, JSON objects and lists parsed).

    Parameters
    ----------
    path : str or Path
        A UTF-8 CSV file (a BOM is allowed).

    Returns
    -------
    list of Candidate
        One per non-blank data row, in file order.

    Raises
    ------
    FormatError
        No header, no ``score`` column, or a value that is not a number where one is needed.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise FormatError(f"{path} is empty; a candidate CSV needs a header row") from None
    columns = [name.lower() if name.lower() in CANDIDATE_FIELDS else name for name in header]
    if "score" not in columns:
        raise FormatError(f"{path} has no 'score' column (header: {', '.join(header)})")
    candidates = []
    for line, cells in enumerate(reader, start=2):
        if not cells or all(cell.strip() == "" for cell in cells):
            continue
        if len(cells) != len(columns):
            raise FormatError(
                f"{path} line {line} has {len(cells)} cells, the header has {len(columns)}"
            )
        parsed = (
            (name, _parse_csv_cell(name, cell.strip()))
            for name, cell in zip(columns, cells, strict=True)
        )
        row = {name: value for name, value in parsed if value is not None}  # empty = missing
        candidates.append(_candidate(row, f"{path} line {line}"))
    return candidates


def candidates_from_geojson(document: Any, where: str = "GeoJSON") -> list[Candidate]:
    """Candidates from a parsed GeoJSON FeatureCollection (or a JSON list of flat objects).

    Point geometries supply ``lon_deg``/``lat_deg`` when the properties do not.

    Parameters
    ----------
    document : object
        The parsed JSON: a FeatureCollection whose feature properties are candidate fields, or
        a list of flat candidate objects.
    where : str
        Name of the source, used in error messages (e.g. the file path).

    Returns
    -------
    list of Candidate
        One per feature or object, in document order.

    Raises
    ------
    FormatError
        The document is neither a FeatureCollection nor a list of candidate objects.
    """
    if isinstance(document, list):
        rows = document
    elif isinstance(document, Mapping) and document.get("type") == "FeatureCollection":
        rows = []
        for number, feature in enumerate(document.get("features", [])):
            if not isinstance(feature, Mapping):
                raise FormatError(f"{where}: feature {number} is not an object")
            row = dict(feature.get("properties") or {})
            geometry = feature.get("geometry")
            if isinstance(geometry, Mapping) and geometry.get("type") == "Point":
                coordinates = geometry.get("coordinates") or []
                if len(coordinates) >= 2:
                    if row.get("lon_deg") is None:
                        row["lon_deg"] = coordinates[0]
                    if row.get("lat_deg") is None:
                        row["lat_deg"] = coordinates[1]
            rows.append(row)
    else:
        raise FormatError(f"{where} is not a GeoJSON FeatureCollection of candidates")
    candidates = []
    for number, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise FormatError(f"{where}: candidate {number} is not an object")
        candidates.append(_candidate(row, f"{where} candidate {number}"))
    return candidates


def read_candidates_geojson(path: str | os.PathLike[str]) -> list[Candidate]:
    """Read candidates from a GeoJSON file written by :func:`write_candidates_geojson`.

    Parameters
    ----------
    path : str or Path
        A GeoJSON (or JSON list) file, UTF-8.

    Returns
    -------
    list of Candidate
        One per feature, in file order.

    Raises
    ------
    FormatError
        Not valid JSON, or not a FeatureCollection of candidates.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"{path} is not valid JSON ({error})") from None
    return candidates_from_geojson(document, str(path))


def read_candidates(path: str | os.PathLike[str]) -> list[Candidate]:
    """Read candidates from a recording's ``/candidates``, a GeoJSON file or a CSV file.

    The source is recognised by content (HDF5 signature; JSON object or list; else CSV), not by
    the file name.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    list of Candidate
        In file order.

    Raises
    ------
    InputError
        The file does not exist or cannot be read; :class:`FormatError` (a subclass) when
        its content is not candidates.
    """
    path = Path(path)
    head = read_head(path, 512, "candidates file", "give a candidates file")
    if head.startswith(HDF5_SIGNATURE):
        return _read_recording_candidates(path)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return read_candidates_geojson(path)
    try:
        return read_candidates_csv(path)
    except UnicodeDecodeError:
        raise FormatError(
            f"{path} is neither a detsig recording, GeoJSON nor CSV candidates"
        ) from None


def _read_recording_candidates(path: Path) -> list[Candidate]:
    from detsig.io.recording import open_recording

    with open_recording(path) as recording:
        if not recording.has_candidates:
            raise InputError(
                f"{path} holds no /candidates; run 'detsig detect' on it first or give a "
                "GeoJSON or CSV candidates file"
            )
        candidates: Sequence[Candidate] = recording.candidates()
    return list(candidates)
