"""Streaming DSP: the numba filter/envelope Pipeline, calibration, onsets and indices.

Definitions of every number: docs/dsp.md. Contract: DESIGN §3 "Streaming DSP API".
"""
from .config import ENVELOPES, PipelineConfig, design
from .pipeline import Pipeline, PipelineOutput, start_warm_up

__all__ = ["ENVELOPES", "Pipeline", "PipelineConfig", "PipelineOutput", "design", "start_warm_up"]
