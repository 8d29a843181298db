"""What the interop scenarios share: the Kustomization kind, the log, and polling."""

import sys
import time

KS = ("kustomize.toolkit.fluxcd.io", "v1", "Kustomization", "kustomizations")


def log(message):
    print(f"interop: {message}", file=sys.stderr, flush=True)


def read_until(read, what, seconds):
    """`read()` once a second until `what` holds of it or `seconds` pass; the last read."""
    deadline = time.monotonic() + seconds
    while True:
        seen = read()
        if what(seen) or time.monotonic() > deadline:
            return seen
        time.sleep(1)
