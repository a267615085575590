"""Helpers for the patient-store tests: the CLI in-process and the three simulated visits."""
import contextlib
import io
from pathlib import Path

from emgmap import cli

SHORT_CLAMSHELL = Path(__file__).with_name("clamshell_short.toml")
# One simulated patient (seed 3) reassessed three times: TFL-dominant clamshell, then the
# imbalance 40 % of the way back (sim `severity`), then healthy.
VISITS = (("tfl_dominant_clam", "", "first assessment: TFL leads the clamshell"),
          ("tfl_dominant_clam", "&severity=0.4", "after 4 weeks of gmed isolation work"),
          ("healthy", "", "after 8 weeks: pelvis stays still"))


def emgmap(*argv) -> tuple[int, str]:
    """Run the CLI in this process (no interpreter start-up per call): (exit status, stdout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = cli.main([str(a) for a in argv])
    return rc, out.getvalue()


def session_argv(scenario: str, extra: str = "", patient: str = "P01", note: str = "") -> list[str]:
    return ["session", "--protocol", SHORT_CLAMSHELL, "--scenario", scenario, "--device", f"sim:?seed=3&fs=1000{extra}",
            "--fast", "--patient", patient, "--note", note]
