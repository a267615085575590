"""The built-in sEMG simulator: signal model, activation schedules, scenarios.

See ``reference/semg.md`` §4-5 and docs/simulator.md for the model.
"""
from .model import SCENARIOS, EXERCISES, SimConfig, SimTruth, Simulator
from .schedule import Contraction, ContractionList, RepeatingExercise, Schedule

__all__ = ["SCENARIOS", "EXERCISES", "SimConfig", "SimTruth", "Simulator", "Contraction",
           "ContractionList", "RepeatingExercise", "Schedule"]
