"""The attack suite's table of attempts, the objects it aims at by kind, and tokens forged the ways attackers forge them."""

import base64
import hashlib
import json
import sys

from wire import send


KS = ("kustomize.toolkit.fluxcd.io", "v1", "Kustomization", "kustomizations")


REPO = ("source.toolkit.fluxcd.io", "v1", "GitRepository", "gitrepositories")


HR = ("helm.toolkit.fluxcd.io", "v2", "HelmRelease", "helmreleases")


FLUX_GROUPS = ["kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io", "source.toolkit.fluxcd.io",
               "source.extensions.fluxcd.io", "notification.toolkit.fluxcd.io", "image.toolkit.fluxcd.io",
               "fluxcd.controlplane.io"]


ARTIFACT = bytes(range(256)) * 256  # 64 KiB


JSON = {"Content-Type": "application/json"}


def log(message):
    print(f"attacks: {message}", file=sys.stderr, flush=True)


class Suite:
    def __init__(self):
        self.rows = []

    def attempt(self, klass, what, expected, run):
        """`run` answers (observed, ok). A crash is a failure with its exception."""
        try:
            observed, ok = run()
        except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
            observed, ok = f"{type(e).__name__}: {e}"[:90], False
        self.rows.append((klass, what, expected, str(observed), ok))
        log(f"{'PASS' if ok else 'FAIL'} [{klass}] {what}: expected {expected}, observed {observed}")

    def refused_unchanged(self, world, kind, name, send_it, status, code):
        """Sends a state-changing attempt and checks its answer and that nothing changed."""
        before = world.version(kind, name)
        answer = send_it()
        after = world.version(kind, name)
        same = before == after
        observed = f"{answer}, {'unchanged' if same else 'CHANGED'}"
        return observed, answer.status == status and (code is None or answer.code() == code) and same

    def table(self):
        widths = [max(len(r[i]) for r in self.rows) for i in range(4)]
        header = ("class", "attempt", "expected", "observed")
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)) + "  result")
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row[:4], widths)) + ("  pass" if row[4] else "  FAIL"))
        passed = sum(1 for r in self.rows if r[4])
        print(f"attacks: {passed} passed, {len(self.rows) - passed} failed")
        return passed == len(self.rows)


RSET = ("fluxcd.controlplane.io", "v1", "ResourceSet", "resourcesets")


def bulk_unchanged(world, server, action, body):
    """A bulk run: its answer streams, so success is the run's end refusing every target it
    saw and the object's resourceVersion unchanged."""
    before = world.version(KS, "apps")
    answer = send(server.url, "POST", f"/api/v1/actions/{action}", JSON, json.dumps(body))
    lines = [json.loads(line) for line in answer.body.decode().splitlines() if line.strip()] if answer.status == 200 else []
    tally = lines[-1].get("tally", {}) if lines else {}
    same = before == world.version(KS, "apps")
    observed = f"{answer.status}, changed {tally.get('changed')}, refused {tally.get('refused')}, {'unchanged' if same else 'CHANGED'}"
    return observed, answer.status == 200 and tally.get("changed") == 0 and same


def unsigned_token(claims):
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{encode({'alg': 'none', 'typ': 'JWT'})}.{encode(claims)}."


def hs256_token(claims, key=b"guessed"):
    import hmac
    encode = lambda part: base64.urlsafe_b64encode(part).rstrip(b"=").decode()  # noqa: E731
    head = encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "any"}).encode())
    body = encode(json.dumps(claims).encode())
    signature = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{encode(signature)}"
