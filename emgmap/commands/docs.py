"""``emgmap docs``: where the documentation is (installed with the package)."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("docs", help="list the documentation files (they come with the package)",
                       description="The docs/*.md files that --help texts refer to, from the installed package.")
    p.add_argument("--path", action="store_true", help="print only the folder that holds them")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..paths import docs_dir
    folder = docs_dir().resolve()
    if args.path:
        print(folder)
        return 0
    for f in sorted(folder.glob("*.md")):
        print(f)
    return 0
