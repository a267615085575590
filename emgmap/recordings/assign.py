"""Give the channels of an existing recording their muscles (``emgmap montage assign``).

Only ``/channels/muscle``, ``side`` and ``placement`` and the ``[montage]`` tables of
the ``config`` attribute change, in place; samples, events and calibration are not
touched, so a 1-hour file is assigned in milliseconds. Everything is checked before
the first write, and a write that fails (disk full) puts the old values back: the
file never holds half a montage.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Sequence

import h5py

from .. import tomlio
from ..montage import Channel, Montage
from ..types import MontageError
from .format import RecordingError
from .importers import apply_assignments
from .reader import open_recording
from .writer import utc_now

FIELDS = ("muscle", "side", "placement")


def new_montage(current: Montage, montage: Montage | None, assignments: Sequence[str]) -> Montage:
    """``current`` with the channels of ``montage`` (matched by name when it names the recording's
    channels, else by position when it has as many) and then ``NAME=muscle:side`` assignments."""
    chans = list(current.channels)
    names = [c.name for c in chans]
    if montage is not None:
        if all(n in names for n in montage.names):
            for c in montage.channels:
                chans[names.index(c.name)] = Channel(c.name, c.muscle, c.side, c.placement)
        elif len(montage) == len(chans):
            chans = [Channel(n, c.muscle, c.side, c.placement) for n, c in zip(names, montage.channels)]
        else:
            raise RecordingError(f"the montage names channels the recording does not have and has {len(montage)} "
                                 f"channels, not {len(chans)}; name its channels {', '.join(names)} or list all "
                                 "of them in order")
    apply_assignments(chans, names, assignments)
    try:
        return Montage(tuple(chans), current.pairs if montage is None else montage.pairs)
    except MontageError as e:
        raise RecordingError(f"the new montage is not valid: {e}") from None


def assign_montage(path: str | os.PathLike, montage: Montage | None = None,
                   assignments: Sequence[str] = ()) -> Montage:
    """Write the muscles and sides of ``path``'s channels in place; returns the new montage."""
    path = Path(path)
    with open_recording(path) as rec:
        if rec.interrupted:
            raise RecordingError(f"{path} is still being recorded or was interrupted; run `emgmap repair {path}` "
                                 "and assign the repaired copy")
        current = rec.montage
        config_text = str(rec.attrs.get("config", ""))
    if montage is None and not assignments:
        raise RecordingError("give --montage FILE.toml or --channel NAME=muscle:side")
    new = new_montage(current, montage, assignments)
    try:
        config = tomllib.loads(config_text) if config_text else {}
    except tomllib.TOMLDecodeError:
        config = None                       # leave a config we cannot read as it is
    if config is not None and "montage" in config:
        config["montage"] = new.to_dict()
    try:
        f = h5py.File(path, "r+")
    except OSError as e:
        raise RecordingError(f"cannot open {path} for writing ({str(e).splitlines()[0]}); is it being recorded, "
                             "read-only, or open in another program?") from None
    with f:
        ch = f["channels"]
        old = {k: ch[k].asstr()[()].tolist() for k in FIELDS}
        old_attrs = {k: f.attrs[k] for k in ("config", "montage_assigned_utc") if k in f.attrs}
        values = {"muscle": [c.muscle for c in new.channels], "side": [c.side.value for c in new.channels],
                  "placement": [c.placement for c in new.channels]}
        try:
            for k in FIELDS:
                ch[k][...] = values[k]
            if config is not None and "montage" in config:
                f.attrs["config"] = tomlio.dumps(config)
            f.attrs["montage_assigned_utc"] = utc_now()
            f.flush()
        except Exception as e:
            for k in FIELDS:
                ch[k][...] = old[k]
            for k in ("config", "montage_assigned_utc"):
                if k in old_attrs:
                    f.attrs[k] = old_attrs[k]
                elif k in f.attrs:
                    del f.attrs[k]
            raise RecordingError(f"could not write the montage into {path} ({e}); the file keeps its old "
                                 "montage") from None
    return new
