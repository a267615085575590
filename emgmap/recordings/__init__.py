"""HDF5 recordings: the writer, the reader, importers and exporters (the recorder thread that
writes a live session is :mod:`emgmap.sinks.recorder`).

Format: DESIGN §3 and docs/recording-format.md.
"""
from .format import ENVELOPE_FS, FORMAT, FORMAT_VERSION, RecordingError
from .reader import Recording, open_recording
from .writer import RecordingWriter

__all__ = ["ENVELOPE_FS", "FORMAT", "FORMAT_VERSION", "RecordingError", "Recording",
           "open_recording", "RecordingWriter"]
