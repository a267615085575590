"""Offline analysis of recordings: sets, reps, indices, gait, tables and reports (services layer)."""
