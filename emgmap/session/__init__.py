"""Acquisition: one thread from a driver through the pipeline into aligned rings.

:class:`Session` (acquisition.py) runs the thread, accounts for gaps and
reconnects; :class:`LiveMeasures` (measures.py) turns the envelope into live
indices, calibration and onsets; :class:`Status` (status.py) is what the
faces show. Consumers read through :mod:`emgmap.rings` (aligned frames and
cursors) and :class:`emgmap.events.EventLog` cursors.
"""
from .acquisition import Session
from .measures import LiveMeasures
from .status import State, Status

__all__ = ["Session", "LiveMeasures", "State", "Status"]
