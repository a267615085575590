"""Slow work (opening a serial board) on a worker thread while the GUI keeps painting."""
from __future__ import annotations

import threading
from typing import Callable

from PyQt6.QtCore import QEventLoop, QTimer

QUICK_S = 0.05   # a simulator or a replay opens at once: no "opening…" flicker


def off_thread(work: Callable[[], object], waiting: Callable[[bool], None]):
    """``work()`` on a worker thread; while it runs past :data:`QUICK_S` a nested event loop
    keeps the window alive (``waiting(True)`` before, ``waiting(False)`` after). Returns its
    result; its exception is raised here, on the calling (GUI) thread."""
    result: dict = {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as e:   # handed to the GUI thread below
            result["error"] = e

    worker = threading.Thread(target=run, name="emgmap-open", daemon=True)
    worker.start()
    worker.join(QUICK_S)
    if worker.is_alive():
        waiting(True)
        loop = QEventLoop()
        poll = QTimer()
        poll.timeout.connect(lambda: None if worker.is_alive() else loop.quit())
        poll.start(20)
        loop.exec()
        poll.stop()
        waiting(False)
    if "error" in result:
        raise result["error"]
    return result["value"]
