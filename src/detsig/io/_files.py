"""Small file helpers of the readers: the first bytes of an input file, clear errors."""

from __future__ import annotations

from pathlib import Path

from detsig.errors import InputError

#: The first 8 bytes of every HDF5 file (so of every detsig recording).
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def read_head(path: Path, n_bytes: int, what: str, folder_hint: str) -> bytes:
    """The first ``n_bytes`` of an input file (fewer when it is shorter), to tell its format.

    Parameters
    ----------
    path : Path
        The file.
    n_bytes : int
        How many bytes to read at most.
    what : str
        What the file should be, for the message when it is missing (``"truth file"``).
    folder_hint : str
        What to give instead when ``path`` is a folder (``"give a candidates file"``).

    Raises
    ------
    InputError
        The file does not exist, is a folder or cannot be read.
    """
    try:
        with open(path, "rb") as stream:
            return stream.read(n_bytes)
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; {folder_hint}") from None
    except OSError as error:
        raise InputError(f"cannot read {path} ({error.strerror})") from None


def looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file read as UTF-8 text without NUL bytes.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (512 are plenty).

    Returns
    -------
    bool
        False for an empty ``head`` and for anything binary.
    """
    head = head[:512]
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3  # only a multi-byte character cut at the end
    return True
