"""``emgmap montage``: write a montage template; assign muscles to a recording's channels."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("montage", help="write a montage template, or assign muscles to a recording",
                       description="A montage (TOML, docs/recording-format.md#montage-files) says which muscle and "
                                   "side each channel records.")
    ms = p.add_subparsers(dest="montage_command", metavar="ACTION", required=True)
    t = ms.add_parser("template", help="write a commented montage template to fill in",
                      description="Write a montage TOML with one [[channel]] per channel, every muscle left "
                                  "unassigned, and comments listing the muscle keys and sides.")
    src = t.add_mutually_exclusive_group()
    src.add_argument("--channels", type=int, default=8, metavar="N", help="number of channels (default 8)")
    src.add_argument("--from", dest="source", metavar="REC.h5",
                     help="take the channel names (and any muscles already assigned) from a recording")
    t.add_argument("-o", "--output", required=True, metavar="M.toml", help="file to write (never overwritten)")
    t.set_defaults(func=run_template)
    a = ms.add_parser("assign", help="give the channels of an existing recording their muscles, in place",
                      description="Write muscles and sides into REC.h5's /channels without rewriting its samples. "
                                  "--montage channels are matched by name, or by position when the names differ "
                                  "and the count is the same; --channel sets one channel (after --montage).")
    a.add_argument("recording", metavar="REC.h5")
    a.add_argument("--montage", metavar="M.toml", help="montage file (`emgmap montage template` writes one)")
    a.add_argument("--channel", action="append", default=[], metavar="NAME=muscle:side",
                   help="muscle and side of one channel (name or 1-based number); repeatable")
    a.set_defaults(func=run_assign)


def run_template(args) -> int:
    from ..montage import Montage
    from ..outputs import check_output, write_text
    from ..recordings import open_recording
    from ..types import ConfigError
    if args.source:
        with open_recording(args.source) as rec:
            montage = rec.montage
    else:
        if args.channels < 1:
            raise ConfigError(f"--channels must be at least 1, got {args.channels}")
        montage = Montage.unassigned(f"ch{i + 1}" for i in range(args.channels))
    out = check_output(args.output, what="-o")   # never over a file; a bad folder in one sentence
    text = template(montage)
    Montage.loads(text, str(out))   # the template must load as it is
    write_text(out, text)
    print(f"wrote {out}: {len(montage)} channels; fill in muscle and side, then `emgmap montage assign REC.h5 "
          f"--montage {out}` or `emgmap import FILE --montage {out}`")
    return 0


def template(montage) -> str:
    """A commented montage TOML for ``montage``'s channels."""
    from ..montage import MUSCLES
    keys = "\n".join(f"#   {k:<5} {m.name}" for k, m in MUSCLES.items())
    lines = ["# emgmap montage: one [[channel]] per EMG channel, in the order of the recording's columns.",
             "# name:      the channel's name in the recording (a montage is matched by name, else by position)",
             '# muscle:    one of the keys below; "" leaves the channel unassigned (recorded, not analysed)',
             "# side:      left, right or midline (an unassigned channel is midline)",
             "# placement: optional free text; SENIAM locations are in docs (reference/semg.md §2)",
             "# muscle keys:", keys,
             "# Optional comparisons (agonist:antagonist), e.g.:",
             "# [[pair]]", '# agonist = "gmed"', '# antagonist = "tfl"', ""]
    for c in montage.channels:
        lines += ["[[channel]]", f'name = "{_escape(c.name)}"',
                  f'muscle = "{c.muscle}"' + ("" if c.assigned else '          # e.g. "gmed"'),
                  f'side = "{c.side.value}"' + ("" if c.assigned else '       # left | right | midline')]
        if c.placement:
            lines.append(f'placement = "{_escape(c.placement)}"')
        lines.append("")
    for p in montage.pairs:
        lines += ["[[pair]]", f'agonist = "{"+".join(p.agonists)}"', f'antagonist = "{"+".join(p.antagonists)}"', ""]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def run_assign(args) -> int:
    from ..montage import Montage
    from ..recordings.assign import assign_montage
    montage = Montage.load(args.montage) if args.montage else None
    new = assign_montage(args.recording, montage, args.channel)
    done = [f"{c.name}={c.muscle}:{c.side.value}" for c in new.channels if c.assigned]
    left = [c.name for c in new.channels if not c.assigned]
    print(f"assigned {len(done)} of {len(new)} channels in {args.recording}: {', '.join(done) or 'none'}"
          + (f"; unassigned: {', '.join(left)}" if left else ""))
    return 0
