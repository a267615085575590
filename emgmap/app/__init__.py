"""The application layer: what the faces (the CLI in ``commands/`` and the Qt ``gui/``) ask for.

It owns lifecycles (a live session's driver, acquisition, recorder and LSL
publisher), Qt-free view models (levels, gauges, the guided session's flow),
the patient store and the study runner. Nothing here imports Qt; the faces
only draw what it gives them and send intents back.
"""
