"""Byte links: loop://, socket://, ptys, and the one-sentence errors for port problems."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import threading
import time
import tty

import pytest

from detsig.errors import DeviceError, LinkLost
from detsig.links import (
    SerialLink,
    available_ports,
    map_open_error,
    open_link,
    port_present,
)


def _read_until(link: SerialLink, n_bytes: int, timeout_s: float = 2.0) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout_s
    while len(data) < n_bytes and time.monotonic() < deadline:
        data += link.read()
    return data


def test_loop_url_round_trip():
    with open_link("loop://", read_timeout_s=0.01) as link:
        link.write(b"\x00abc\x00")
        assert _read_until(link, 5) == b"\x00abc\x00"
        assert link.bytes_written == 5 and link.bytes_read == 5


def test_empty_read_after_timeout():
    with open_link("loop://", read_timeout_s=0.01) as link:
        start = time.monotonic()
        assert link.read() == b""
        assert time.monotonic() - start < 1.0


def test_pty_reads_bytes_and_keeps_input_sent_before_open():
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        path = os.ttyname(slave)
        os.write(master, b"early")
        with open_link(path) as link:
            os.write(master, b"-late")
            assert _read_until(link, 10) == b"early-late"
            link.write(b"cmd")
            assert os.read(master, 10) == b"cmd"
    finally:
        os.close(master)
        os.close(slave)


def test_socket_url():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    done = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            time.sleep(0.2)  # pyserial discards what arrives while it opens a socket:// port
            conn.sendall(b"from-socket")
            done.wait(5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with open_link(f"socket://127.0.0.1:{port}", read_timeout_s=0.05) as link:
            assert _read_until(link, 11) == b"from-socket"
    finally:
        done.set()
        thread.join(2)
        server.close()


def test_socket_nobody_listening():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(DeviceError, match="nothing is listening"):
        open_link(f"socket://127.0.0.1:{port}")


def test_missing_port_lists_present_ports(tmp_path):
    missing = str(tmp_path / "ttyUSB7")
    with pytest.raises(DeviceError) as info:
        open_link(missing)
    message = str(info.value)
    assert f"serial port {missing} does not exist" in message
    assert "serial ports present:" in message
    for port in available_ports():
        assert port in message


def test_missing_port_mentions_ptys_when_there_are_some(tmp_path):
    master, slave = os.openpty()
    try:
        with pytest.raises(DeviceError, match="/dev/pts"):
            open_link(str(tmp_path / "nothing"))
    finally:
        os.close(master)
        os.close(slave)


def test_permission_error_says_how_to_join_dialout():
    error = map_open_error("/dev/ttyUSB0", OSError(errno.EACCES, "Permission denied"))
    assert "sudo usermod -aG dialout $USER" in str(error)
    assert "log out" in str(error)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may open any port")
def test_permission_denied_on_a_real_device_node(tmp_path):
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        os.chmod(path, 0o000)
        with pytest.raises(DeviceError, match="dialout"):
            open_link(path)
    finally:
        os.close(master)
        os.close(slave)


def test_busy_port_names_the_holder():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import serial,sys,time; s=serial.Serial(sys.argv[1], exclusive=True); "
            "print('ok', flush=True); time.sleep(30)",
            path,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(DeviceError) as info:
            open_link(path)
        message = str(info.value)
        assert f"serial port {path} is busy" in message
        assert f"(pid {holder.pid})" in message
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
        os.close(master)
        os.close(slave)


def test_vanishing_port_raises_link_lost():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.close(slave)
    link = open_link(path)
    os.write(master, b"x")
    assert _read_until(link, 1) == b"x"
    os.close(master)
    with pytest.raises(LinkLost, match="stopped answering"):
        for _ in range(50):
            link.read()
    link.close()
    link.close()  # idempotent


def test_port_present_polls_paths_and_urls(tmp_path):
    assert port_present("loop://")
    assert not port_present(str(tmp_path / "gone"))
    (tmp_path / "here").touch()
    assert port_present(str(tmp_path / "here"))


def test_read_waiting_returns_what_arrived_without_waiting():
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        path = os.ttyname(slave)
        os.write(master, b"stale")
        with open_link(path, read_timeout_s=1.0) as link:
            time.sleep(0.05)
            start = time.monotonic()
            assert link.read_waiting() == b"stale"
            assert link.read_waiting() == b""
            assert time.monotonic() - start < 0.5  # never waits for the read timeout
            os.write(master, b"fresh")
            assert _read_until(link, 5) == b"fresh"
            assert link.bytes_read == 10
    finally:
        os.close(master)
        os.close(slave)
    with open_link("loop://", read_timeout_s=0.01) as link:
        link.write(b"old")
        time.sleep(0.05)
        assert link.read_waiting() == b"old"
        link.write(b"new")
        assert _read_until(link, 3) == b"new"


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("text", "a regular file"),
        ("folder", "a folder"),
        ("null", "a device that is not a terminal"),
    ],
)
def test_not_a_serial_port_is_one_sentence(tmp_path, kind, what):
    if kind == "text":
        (tmp_path / "notes.txt").write_text("hello\n")
        path = str(tmp_path / "notes.txt")
    else:
        path = str(tmp_path) if kind == "folder" else "/dev/null"
    with pytest.raises(DeviceError) as caught:
        open_link(path)
    message = str(caught.value)
    assert message == (
        f"{path} is not a serial port (it is {what}); give a serial device such as "
        "/dev/ttyUSB0 or an emulator's pty (the path 'detsig emulate' prints)"
    )
    assert "ioctl" not in message and "(25" not in message
