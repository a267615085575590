"""``emgmap info``: what a recording holds, in a summary a researcher can check."""
from __future__ import annotations

import collections
import json
import math

from .. import validate


def register(sub) -> None:
    p = sub.add_parser("info", help="summarise a recording (device, channels, duration, gaps, events)")
    p.add_argument("file", metavar="FILE.h5")
    p.add_argument("--events", type=validate.arg(0, 10**9, integer=True), default=20, metavar="N",
                   help="list at most N events (default 20)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON (every event, numbers as numbers)")
    p.set_defaults(func=run)


def _num(x: float, fmt: str = ".1f") -> str:
    return "-" if not math.isfinite(x) else format(x, fmt)


def _finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def summary(rec) -> dict:
    """What :func:`run` prints, as data (``info --json``)."""
    from ..montage import MUSCLES
    a = rec.attrs
    gaps = rec.gaps()
    return {
        "file": str(rec.path), "format_version": int(a["format_version"]),
        "software_version": str(a.get("software_version", "")), "created_utc": str(a.get("created_utc", "")),
        "finalised": bool(rec.finalised), "interrupted": bool(rec.interrupted),
        "subject": str(a.get("subject_id", "")), "device": rec.device, "device_model": str(a.get("device_model", "")),
        "sampling_frequency": rec.fs, "n_channels": rec.n_channels, "power_line_hz": _finite(a.get("power_line_hz", 0)),
        "placement_scheme": str(a.get("placement_scheme", "")), "n_samples": int(rec.n_samples),
        "duration_s": rec.duration_s, "gaps": len(gaps), "missing_samples": int(sum(g.missing for g in gaps)),
        "events": [{"onset_s": e.onset_s, "duration_s": e.duration_s, "kind": e.kind, "label": e.label,
                    "channel": e.channel} for e in rec.events],
        "envelope_rows": int(rec.envelope()[0].shape[0]),
        "channels": [{"name": ch.name, "muscle": ch.muscle, "side": ch.side.value,
                      "low_cutoff_hz": _finite(rec.low_cutoff_hz[i]), "high_cutoff_hz": _finite(rec.high_cutoff_hz[i]),
                      "rest_rms_uv": _finite(rec.rest_rms_uv[i]), "mvc_uv": _finite(rec.mvc_uv[i]),
                      "placement": ch.placement or MUSCLES[ch.muscle].name}
                     for i, ch in enumerate(rec.montage.channels)],
        "aux": [{"name": n, "unit": u} for n, u in zip(rec.aux_names, rec.aux_units)],
        "notes": str(a.get("notes", "")),
    }


def run(args) -> int:
    from ..montage import MUSCLES
    from ..recordings import open_recording
    with open_recording(args.file) as rec:
        if args.json:
            print(json.dumps(summary(rec), indent=2, ensure_ascii=False))
            return 0
        a = rec.attrs
        print(f"file         {rec.path}  (emgmap format {a['format_version']}, "
              f"written by emgmap {a.get('software_version', '?')} at {a.get('created_utc', '?')})")
        if rec.interrupted or not rec.finalised:
            print("state        not finalised: still being recorded, or the recorder was interrupted; the file holds "
                  "the data up to its "
                  "last flush (run `emgmap repair` for other tools)")
        print(f"subject      {a.get('subject_id') or '-'}")
        print(f"device       {rec.device}  ({a.get('device_model', '')})")
        print(f"sampling     {rec.fs:g} Hz, {rec.n_channels} channels, mains {a.get('power_line_hz', 0):g} Hz, "
              f"placement {a.get('placement_scheme', '')}")
        gaps = rec.gaps()
        print(f"duration     {rec.duration_s:.3f} s, {rec.n_samples} samples")
        print(f"gaps         {len(gaps)}" + (f", {sum(g.missing for g in gaps)} samples missing "
                                             f"({sum(g.missing for g in gaps) / rec.fs:.3f} s)" if gaps else ""))
        kinds = collections.Counter(e.kind for e in rec.events)
        print(f"events       {len(rec.events)}" + (" (" + ", ".join(f"{n} {k}" for k, n in kinds.items()) + ")"
                                                    if kinds else ""))
        env, _ = rec.envelope()
        print(f"envelope     {env.shape[0]} rows at 100 Hz" if env.shape[0] else "envelope     not recorded")
        calibrated = any(math.isfinite(v) for v in (*rec.mvc_uv, *rec.rest_rms_uv))
        print(f"calibration  {'per channel below' if calibrated else 'none'}")
        if rec.aux_names:
            print("aux          " + ", ".join(f"{n} ({u})" for n, u in zip(rec.aux_names, rec.aux_units)))
        if a.get("notes"):
            print("notes        " + "\n             ".join(str(a["notes"]).splitlines()))
        print()
        w = max(8, *(len(n) for n in rec.channel_names)) + 2
        print(f"{'channel':<{w}}{'muscle':<8}{'side':<9}{'band Hz':>14}{'rest µV':>9}{'MVC µV':>9}  placement")
        for i, ch in enumerate(rec.montage.channels):
            band = f"{rec.low_cutoff_hz[i]:g}-{rec.high_cutoff_hz[i]:g}"
            what = ch.placement or (MUSCLES[ch.muscle].name if ch.assigned else
                                    "unassigned (emgmap montage assign gives it a muscle)")
            print(f"{ch.name:<{w}}{ch.muscle or '-':<8}{ch.side.value:<9}{band:>14}{_num(rec.rest_rms_uv[i]):>9}"
                  f"{_num(rec.mvc_uv[i]):>9}  {what}")
        if rec.events and args.events:
            print()
            print(f"{'onset s':>10}{'dur s':>8}  {'kind':<7}label")
            for e in rec.events[:args.events]:
                print(f"{e.onset_s:>10.3f}{e.duration_s:>8.3f}  {e.kind:<7}{e.label}"
                      + (f"  [{e.channel}]" if e.channel else ""))
            if len(rec.events) > args.events:
                print(f"... {len(rec.events) - args.events} more (--events N)")
    return 0
