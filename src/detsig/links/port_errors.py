"""Turn operating-system port failures into one-sentence :class:`DeviceError` messages.

A technician in the field reads these, so each says what is wrong and what to do: the port
does not exist (and which ports do), permission is denied (how to join the ``dialout``
group), the port is busy (and, when it is easy to find, which process holds it). The
exception classes themselves are in :mod:`detsig.errors` (a port that dies while open raises
:class:`detsig.errors.LinkLost`).
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from pathlib import Path

from detsig.errors import DeviceError


def available_ports() -> list[str]:
    """Serial ports present on this machine, real ones first, then open pseudo-terminals.

    Returns
    -------
    list of str
        Device paths from ``serial.tools.list_ports`` (USB-serial, ACM, on-board UARTs).
    """
    try:
        from serial.tools import list_ports

        return sorted(p.device for p in list_ports.comports())
    except Exception:  # pragma: no cover - list_ports fails only on exotic systems
        return []


def _pty_hint() -> str:
    ptys = sorted(glob.glob("/dev/pts/[0-9]*"), key=lambda p: int(p.rsplit("/", 1)[-1]))
    if not ptys:
        return ""
    shown = ", ".join(ptys[:6]) + (" ..." if len(ptys) > 6 else "")
    return f"; pseudo-terminals (emulated devices) are under /dev/pts ({shown})"


def port_missing_error(path: str) -> DeviceError:
    """The error for a port path that does not exist, listing the ports that do.

    Parameters
    ----------
    path : str
        The port path given.

    Returns
    -------
    DeviceError
        The error to raise (its message names the existing serial ports).
    """
    ports = available_ports()
    listed = ", ".join(ports) if ports else "none"
    return DeviceError(
        f"serial port {path} does not exist; serial ports present: {listed}{_pty_hint()} "
        "(check the cable, or run 'detsig emulate gpr' for a virtual device)"
    )


def port_permission_error(path: str) -> DeviceError:
    """The error for a port the user may not open.

    Parameters
    ----------
    path : str
        The port path given.

    Returns
    -------
    DeviceError
        The error to raise (its message says how to get access).
    """
    return DeviceError(
        f"permission denied opening {path}; add yourself to the group that owns serial ports "
        "with 'sudo usermod -aG dialout $USER', then log out and back in"
    )


def holders_of(path: str) -> list[str]:
    """Processes (``"name (pid N)"``) that hold ``path`` open, found through ``/proc``.

    Parameters
    ----------
    path : str
        The device path (symbolic links are resolved).

    Returns
    -------
    list of str
        Empty when nobody else holds it or ``/proc`` cannot be read.
    """
    try:
        target = os.path.realpath(path)
    except OSError:
        return []
    found: list[str] = []
    me = os.getpid()
    for proc in Path("/proc").glob("[0-9]*"):
        pid = int(proc.name)
        if pid == me:
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == target:
                    name = (proc / "comm").read_text().strip()
                    found.append(f"{name} (pid {pid})")
                    break
        except OSError:
            continue
    return found


def lock_holders_of(path: str) -> list[str]:
    """Processes (``"name (pid N)"``) holding an ``flock`` on ``path``, from ``/proc/locks``.

    Parameters
    ----------
    path : str
        A file or device path.

    Returns
    -------
    list of str
        ``"name (pid N)"`` per holder; empty when none is found or ``/proc/locks`` is
        unreadable.
    """
    try:
        inode = os.stat(path).st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 30222 00:19:4 0 EOF" (a "->" marks a waiting lock)
        if len(fields) < 6 or fields[1] != "FLOCK" or "->" in fields:
            continue
        try:
            pid, lock_inode = int(fields[4]), int(fields[5].rsplit(":", 1)[1])
        except (ValueError, IndexError):
            continue
        if lock_inode == inode and pid != os.getpid():
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                name = "process"
            found.append(f"{name} (pid {pid})")
    return found


def port_busy_error(path: str) -> DeviceError:
    """The error for a port another program has locked.

    Parameters
    ----------
    path : str
        The port path given.

    Returns
    -------
    DeviceError
        The error to raise (its message names the holders when they can be found).
    """
    holders = lock_holders_of(path) or holders_of(path)
    who = f" by {', '.join(holders)}" if holders else " by another program"
    return DeviceError(
        f"serial port {path} is busy: it is in use{who}; close that program "
        "(another detsig record, a terminal such as minicom or screen, or ModemManager) and retry"
    )


def _what_it_is(path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "not a terminal"
    if stat.S_ISREG(mode):
        return "it is a regular file"
    if stat.S_ISDIR(mode):
        return "it is a folder"
    if stat.S_ISCHR(mode):
        return "it is a device that is not a terminal"
    if stat.S_ISFIFO(mode):
        return "it is a named pipe"
    if stat.S_ISSOCK(mode):
        return "it is a socket file"
    return "it is not a terminal"


def not_a_port_error(path: str) -> DeviceError:
    """The error for a path that exists but is not a serial port (a file, a folder ...).

    Parameters
    ----------
    path : str
        The path given.

    Returns
    -------
    DeviceError
        The error to raise (its message says what the path is).
    """
    return DeviceError(
        f"{path} is not a serial port ({_what_it_is(path)}); give a serial device such as "
        "/dev/ttyUSB0 or an emulator's pty (the path 'detsig emulate' prints)"
    )


def map_open_error(path: str, error: BaseException) -> DeviceError:
    """Map an exception raised while opening ``path`` to a one-sentence :class:`DeviceError`.

    Parameters
    ----------
    path : str
        The port path or URL the user gave.
    error : BaseException
        The ``serial.SerialException`` or ``OSError`` raised by pyserial.

    Returns
    -------
    DeviceError
        The error to raise.
    """
    code = getattr(error, "errno", None)
    text = str(error)
    if code == errno.ENOENT or "No such file" in text:
        return port_missing_error(path)
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return port_permission_error(path)
    if code == errno.EBUSY or "exclusively lock" in text or "Resource temporarily" in text:
        return port_busy_error(path)
    if (
        code in (errno.ENOTTY, errno.EISDIR)
        or "Inappropriate ioctl" in text
        or "Is a directory" in text
    ):
        return not_a_port_error(path)
    if code == errno.ECONNREFUSED or "Connection refused" in text:
        return DeviceError(f"nothing is listening at {path}; start the device server and retry")
    return DeviceError(f"cannot open serial port {path}: {text}")
