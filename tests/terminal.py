"""Run a process with stderr on a real pseudo-terminal, as a user's shell would."""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_on_terminal(args: list[str], *, size: tuple[int, int] | None = (24, 100),
                    timeout: float = 300) -> tuple[int, str, str]:
    """Run ``python args...`` with stderr on a fresh pty of ``size`` (rows, columns; None: a
    terminal that reports 0 x 0) and stdout on a pipe: (exit status, what the terminal showed,
    stdout). The terminal is read until the child closes it, so nothing it drew is missed."""
    master, slave = pty.openpty()
    if size is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    p = subprocess.Popen([sys.executable, *map(str, args)], stdout=subprocess.PIPE, stderr=slave, cwd=REPO,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:   # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = p.stdout.read().decode()
    return p.wait(timeout), b"".join(chunks).decode(errors="replace"), out
