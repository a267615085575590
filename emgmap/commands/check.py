"""``emgmap check``: stream for a while and print a per-channel signal check.

The rate is measured from the device's sample indices against the host clock,
after the start-up backlog (emgmap.quality.device_rate); channel flags and the
mains judgement are emgmap.quality's."""
from __future__ import annotations

import sys

from .. import validate

RATE_TOLERANCE = 0.05  # measured rate within 5 % of nominal


def register(sub) -> None:
    p = sub.add_parser("check", help="stream for a few seconds and print a per-channel signal check",
                       description="Stream from a device and print one row per channel; exit 0 when the "
                                   "stream was healthy, 1 with a one-line reason otherwise.")
    p.add_argument("--device", default="sim", help="device spec (default: sim)")
    p.add_argument("--seconds", type=validate.seconds, default=5.0, help="how long to stream (default 5)")
    p.add_argument("--montage", help="montage TOML (default: the device's own)")
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here, not at the top: `emgmap --help` must not load numpy, scipy or numba
    from ..app.live import LiveSession
    from ..montage import Montage
    from ..quality import channel_quality, device_rate
    from ..session import Session, State
    from ..types import DeviceError
    montage = Montage.load(args.montage) if args.montage else None
    live = LiveSession(ring_seconds=max(args.seconds, 1.0) + 1.0)
    driver = live.open(args.device)
    n_target = max(1, int(round(args.seconds * driver.spec.fs)))
    session = live.connect(driver, montage, stop_after=n_target)
    fs, seconds = session.fs, args.seconds
    tty = sys.stderr.isatty()
    try:
        def done(s: Session) -> bool:
            st = s.status
            if tty:
                print(f"\rstreaming {min(st.elapsed_s, seconds):4.1f}/{seconds:g} s, {st.samples} samples",
                      end="", file=sys.stderr, flush=True)
            # enough samples, or the device fell silent / slow well past the time asked
            return st.samples >= n_target or st.elapsed_s >= seconds + 2.0
        session.wait_until(done, timeout=seconds + 30.0)
    finally:
        live.close()
        if tty:
            print(file=sys.stderr)
    st = session.status
    if st.state == State.ERROR and st.samples == 0:  # never streamed: one sentence, exit 2
        raise DeviceError(st.message)
    rings = session.rings  # the first `seconds` of the stream (a block may run past them)
    lo, hi = rings.raw.oldest, min(rings.total, rings.raw.oldest + n_target)
    raw = rings.raw.read_range(lo, hi)
    rate = device_rate(rings.sample_index.read_range(lo, hi), rings.t.read_range(lo, hi), fs) if driver.paced else None
    print(f"device   {driver.spec.device}  ({driver.spec.device_model}, {fs:g} Hz nominal)")
    for w in st.warnings:
        print(f"warning  {w}")
    if rate is None:
        rate_text = "unpaced"
    else:
        rate_text = f"measured {rate.rate_hz:.1f} Hz from device sample indices over {rate.span_s:.1f} s" + \
            (f" (after a {rate.backlog_s:.2f} s start-up backlog)" if rate.backlog_s >= 0.01 else "")
    print(f"streamed {st.elapsed_s:.1f} s: {st.samples} samples, {rate_text}, "
          f"{st.dropped_samples} dropped in {st.gaps} gaps"
          + "".join(f", {v} {k}" for k, v in st.counters.items())
          + (f", lost {st.losses} times, reconnected {st.reconnects}" if st.losses else ""))
    quality = channel_quality(raw, fs, power_line_hz=driver.spec.power_line_hz, range_uv=driver.spec.range_uv) \
        if raw.shape[0] else []
    if quality:
        shown = fs if rate is None else rate.rate_hz
        print()
        print(f"{'channel':<10}{'muscle':<8}{'side':<9}{'rate Hz':>9}{'RMS µV':>10}{'mains µV':>10}"
              f"{'mains %':>9}{'dropped':>9}  flags")
        for ch, q in zip(session.montage.channels, quality):
            print(f"{ch.name:<10}{ch.muscle or '-':<8}{ch.side.value:<9}{shown:>9.1f}{q.rms_uv:>10.1f}"
                  f"{q.mains_uv:>10.1f}{q.mains_fraction * 100:>8.0f}%{st.dropped_samples:>9}  "
                  f"{', '.join(q.flags) or 'ok'}")
    reason = unhealthy_reason(session, quality, rate)
    print()
    print(f"unhealthy: {reason}" if reason else "healthy")
    return 1 if reason else 0


def unhealthy_reason(session, quality, rate) -> str | None:
    from ..quality import MAINS_FRACTION, MAINS_MIN_UV
    from ..session import State
    st = session.status
    if st.state in (State.ERROR, State.LOST, State.RECONNECTING):
        return st.message
    if st.losses:
        return (f"{session.spec.device} was lost {st.losses} times during the check; check the cable, "
                "the power and the radio link")
    if st.samples == 0:
        return f"{session.spec.device} sent no samples; check that the board is on and streaming"
    if rate is not None and abs(rate.rate_hz - session.fs) > RATE_TOLERANCE * session.fs:
        return (f"measured rate {rate.rate_hz:.1f} Hz is not the nominal {session.fs:g} Hz; "
                "check the board's sample-rate setting and the connection")
    if st.dropped_samples:
        return f"{st.dropped_samples} samples were lost in {st.gaps} gaps; check the radio link or cable"
    bad = [(ch.name, flag) for ch, q in zip(session.montage.channels, quality)
           for flag in q.flags if flag in ("not finite", "railed", "flat", "too short")]
    if bad:
        name, flag = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        return f"channel {name} is {flag}{more}; check its electrodes and lead"
    mains = [(ch.name, q) for ch, q in zip(session.montage.channels, quality) if "mains-heavy" in q.flags]
    if mains:
        name, q = max(mains, key=lambda m: m[1].mains_uv)
        return (f"mains interference is {q.mains_fraction:.0%} of channel {name}'s signal ({q.mains_uv:.1f} µV RMS"
                + (f"; {len(mains)} channels above {MAINS_FRACTION:.0%} and {MAINS_MIN_UV:g} µV" if len(mains) > 1
                   else "") + "); check the reference electrode, skin preparation and cable routing")
    return None
