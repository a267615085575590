"""The live dashboard (PyQt6 + pyqtgraph): the only package that imports Qt.

Qt-free here: :mod:`.decimate` (min/max trace decimation), :mod:`.model`
(activation levels, symmetry and agonist:antagonist gauges with zones and
trends), :mod:`.settings` (remembered device, montage, theme) and
:mod:`.connection` (the session's lifecycle). Views (:mod:`.window` and the
widgets it holds) pull from the session's rings and status on a QTimer and
subscribe to those models; workers never touch Qt. Importing this package
does not import Qt.
"""
