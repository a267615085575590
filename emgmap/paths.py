"""Where emgmap keeps things on this machine: the platform's folders (platformdirs:
``~/.config/emgmap`` and ``~/.local/state/emgmap/log`` on Linux, ``~/Library/...``
on macOS, ``%LOCALAPPDATA%`` on Windows), and the files shipped in the package
(the docs and the firmware sketch, reachable from an installed wheel)."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "emgmap"
#: the documentation and the firmware sketch, inside the package (in a checkout these are
#: links to the repository's docs/ and firmware/ folders; a wheel carries copies)
RESOURCES = Path(__file__).with_name("resources")


def config_dir() -> Path:
    """Settings, remembered montages and user protocols: ``$EMGMAP_CONFIG_DIR``, else the
    platform's user config folder."""
    env = os.environ.get("EMGMAP_CONFIG_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP, appauthor=False))


def log_dir() -> Path:
    """The log file's folder: ``$EMGMAP_LOG_DIR``, else the platform's user log folder."""
    env = os.environ.get("EMGMAP_LOG_DIR")
    return Path(env) if env else Path(platformdirs.user_log_dir(APP, appauthor=False))


def docs_dir() -> Path:
    return RESOURCES / "docs"


def firmware_dir() -> Path:
    return RESOURCES / "firmware"
