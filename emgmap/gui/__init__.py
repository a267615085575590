"""The live dashboard (PyQt6 + pyqtgraph): the only package that imports Qt.

The windows draw the application layer's immutable views (:mod:`emgmap.app`:
``LiveState`` from :class:`~emgmap.app.live.LiveSession`, the levels, gauges,
summary, comparison and biofeedback views, the wizard's flow) and send the
user's intents back; they hold no judgement of their own. Qt-free here:
:mod:`.decimate` (min/max trace decimation) and :mod:`.settings` (remembered
device, montage, theme). Workers never touch Qt. Importing this package does
not import Qt.
"""
