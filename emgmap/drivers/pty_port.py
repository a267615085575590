"""The board side of a pseudo-terminal, for emulators that stand in for serial boards.

The host opens :attr:`PtyPort.path` like any serial port (pyserial, BrainFlow).
:meth:`unplug` closes the pty, so the host's reads fail as with a pulled USB
cable; :meth:`plug` makes a new one. Pty paths change each time, so an
optional ``link`` path is kept pointing at the current pty, and is removed
while unplugged: hosts that open the link see the "same port" come back.
"""
from __future__ import annotations

import errno
import os
import select
import tty

from ..types import ConfigError


class PtyPort:
    def __init__(self, link: str | None = None):
        if link and os.path.lexists(link) and not os.path.islink(link):
            raise ConfigError(f"--link {link} exists and is not a symlink; choose a path that is free")
        self.link = link
        self.master: int | None = None
        self.path: str | None = None
        self.dropped_bytes = 0  # written while the host was not reading: lost, as on a real board
        self.plug()

    @property
    def plugged(self) -> bool:
        return self.master is not None

    def plug(self) -> None:
        """Create a new pty (and point the link at it)."""
        if self.master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing, until the host sets its own mode
        self.path = os.ttyname(slave)
        os.close(slave)  # only the host holds the slave: poll() then tells when it is open
        os.set_blocking(master, False)
        self.master = master
        if self.link:
            tmp = f"{self.link}.{os.getpid()}.tmp"
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)  # atomic: the link never points nowhere while plugged

    def unplug(self) -> None:
        """Close the pty: the host's port fails and the path (and link) disappear."""
        if self.master is None:
            return
        if self.link and os.path.islink(self.link) and os.readlink(self.link) == self.path:
            os.unlink(self.link)
        os.close(self.master)
        self.master = None

    close = unplug

    def host_open(self) -> bool:
        """Whether a host has the port open (the master sees no hang-up)."""
        if self.master is None:
            return False
        p = select.poll()
        p.register(self.master, select.POLLIN)
        return not any(ev & select.POLLHUP for _, ev in p.poll(0))

    def read(self, timeout: float) -> bytes:
        """Bytes the host wrote, waiting up to ``timeout`` s (b"" when none)."""
        if self.master is None:
            return b""
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return b""
        try:
            return os.read(self.master, 4096)
        except OSError as e:  # EIO: no host has the port open
            if e.errno in (errno.EIO, errno.EAGAIN):
                return b""
            raise

    def write(self, data: bytes, timeout: float = 0.5) -> None:
        """Send ``data``; what the host does not take within ``timeout`` s is lost."""
        view = memoryview(data)
        while view and self.master is not None:
            try:
                n = os.write(self.master, view)
                view = view[n:]
                continue
            except BlockingIOError:
                pass
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                break
            _, w, _ = select.select([], [self.master], [], timeout)
            if not w:
                break
        self.dropped_bytes += len(view)
