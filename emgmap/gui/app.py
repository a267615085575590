"""Start the dashboard: check for a display, build the QApplication and the window."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..types import EmgmapError

NO_DISPLAY = ("no display is available for the dashboard (DISPLAY and WAYLAND_DISPLAY are unset); "
              "use `emgmap check` or `emgmap record` in a terminal, or run on a desktop session")


def display_problem() -> str | None:
    """Why Qt could not open a window here, or None. Checked before Qt starts, because
    Qt aborts the whole process when it cannot reach a display."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("WAYLAND_DISPLAY"):
        return None
    display = os.environ.get("DISPLAY", "")
    if not display:
        return NO_DISPLAY
    host, _, num = display.partition(":")
    num = num.split(".")[0]
    if not host and num.isdigit() and not Path(f"/tmp/.X11-unix/X{num}").exists():
        return (f"no X server answers on DISPLAY={display}; use `emgmap check` or `emgmap record` "
                "in a terminal, or start the dashboard on a desktop session")
    return None


def run(device: str | None, *, protocol: str | None = None, quit_after: float | None = None,
        recording: str | None = None) -> int:
    problem = display_problem()
    if problem:
        raise EmgmapError(problem)
    if recording is not None:   # a bad file: one sentence, before Qt
        from ..recordings import open_recording
        open_recording(recording).close()
    from ..protocols import load_protocol
    proto = load_protocol(protocol) if protocol is not None else None  # a bad name: one sentence, before Qt
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from .settings import GuiSettings
    from .window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("emgmap")
    settings = GuiSettings.load()
    device = device or settings.device
    if proto is not None and proto.gait is not None:   # walking/running: a simulator with foot switches
        from ..app.guided import guided_device
        device = guided_device(device, proto, None, False)
    window = MainWindow(device, settings=settings, protocol=proto)
    window.show()
    if recording is not None:
        window.open_recording(recording)
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), window.close)
    app.exec()
    return 0
