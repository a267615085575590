import sys
from pathlib import Path

# whole simulated sessions (tests/protocols/sessions.py) are shared with the protocol tests
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "protocols"))
