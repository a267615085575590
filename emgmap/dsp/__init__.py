"""Streaming DSP: the numba filter/envelope Pipeline, calibration, onsets and indices.

Definitions of every number: docs/dsp.md. Contract: DESIGN §3 "Streaming DSP API".
"""
from .calibration import Calibration, CalibrationSnapshot, rest_baseline, sliding_mean_max, sliding_means
from .config import ENVELOPES, PipelineConfig, design
from .indices import (IndexLayout, IndexTracker, LiveIndices, cci, lr_ratio, median_frequency, pair_ratio,
                      symmetry_index)
from .onset import OnsetConfig, OnsetDetector, OnsetEvent, TkeoEnvelope, detect_bursts, tkeo_envelope
from .pipeline import Pipeline, PipelineOutput, kernels_ready, start_warm_up

__all__ = ["Calibration", "CalibrationSnapshot", "ENVELOPES", "IndexLayout", "IndexTracker", "LiveIndices",
           "OnsetConfig", "OnsetDetector", "OnsetEvent", "Pipeline", "PipelineConfig", "PipelineOutput",
           "TkeoEnvelope", "cci", "design", "detect_bursts", "kernels_ready", "lr_ratio", "median_frequency",
           "pair_ratio", "rest_baseline", "sliding_mean_max", "sliding_means", "start_warm_up", "symmetry_index",
           "tkeo_envelope"]
