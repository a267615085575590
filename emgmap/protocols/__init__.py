"""Exercise protocols (built-in TOML files plus a user folder), the cue plan of a
guided session, rep segmentation and session analysis. No Qt here."""
from .model import Protocol, Timing, Zones, list_protocols, load_protocol, user_protocol_dir
from .plan import Plan, Step, build_plan

__all__ = ["Protocol", "Timing", "Zones", "list_protocols", "load_protocol", "user_protocol_dir",
           "Plan", "Step", "build_plan"]
