"""Consumers of a live session: each reads the session's aligned rings and events through
lossless cursors on its own thread, so a slow disk or network never stalls acquisition.

- :class:`~emgmap.sinks.recorder.Recorder`: rings -> an HDF5 recording (emgmap.recordings);
- :class:`~emgmap.sinks.lsl.LslPublisher`: rings -> Lab Streaming Layer outlets (emgmap.lsl).
"""
