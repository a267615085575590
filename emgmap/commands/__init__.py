"""One module per ``emgmap`` command; each has ``register(subparsers)``."""
