"""The first attack run's classes, one function each, given the suite's context: forged
tokens and cookies, cross-site and DNS-rebinding requests, path tricks, bad input, SSRF,
every action without RBAC in both access modes, faults of what flux-web depends on, and a
client that trickles."""

import base64
import json
import os
import time

from suite import ARTIFACT, HR, JSON, KS, REPO, bulk_unchanged, hs256_token, unsigned_token
from wire import Answer, events_after, first_line, held_open, raw_download, send

def tokens(ctx):
    """Tokens and cookies (OAuth2 mode)."""
    suite = ctx.suite
    world = ctx.world
    state = ctx.state
    oidc = ctx.oidc
    reconcile = ctx.reconcile
    detail = ctx.detail
    now = int(time.time())
    claims = {"iss": state["oidc_issuer"], "aud": "flux-web", "sub": "alice", "email": "alice@example.com",
              "groups": ["devs"], "iat": now, "exp": now + 300}
    for what, headers in [
        ("no credential", {}),
        ("a bearer that is no JWT", {"Authorization": "Bearer garbage"}),
        ("an unsigned token (alg none)", {"Authorization": f"Bearer {unsigned_token(claims)}"}),
        ("an HS256 token with a guessed key", {"Authorization": f"Bearer {hs256_token(claims)}"}),
        ("a Basic credential", {"Authorization": "Basic YWxpY2U6YWxpY2U="}),
        ("a forged session cookie", {"Cookie": "flux-web-session=" + base64.b64encode(os.urandom(64)).decode()}),
    ]:
        suite.attempt("tokens", f"reconcile with {what}", "401, unchanged",
                      lambda h=headers: suite.refused_unchanged(world, KS, "apps", lambda: send(oidc.url, "POST", reconcile, h), 401, None))
        suite.attempt("tokens", f"read with {what}", "401",
                      lambda h=headers: (a := send(oidc.url, "GET", detail, h), a.status == 401))


def csrf(ctx):
    """Cross-site requests (Anonymous mode: no credential is needed at all)."""
    suite = ctx.suite
    world = ctx.world
    alice = ctx.alice
    reconcile = ctx.reconcile
    for what, headers in [
        ("from another origin", {"Origin": "http://evil.example"}),
        ("marked cross-site by the browser", {"Sec-Fetch-Site": "cross-site"}),
        ("from an opaque origin", {"Origin": "null"}),
        ("with cached Basic credentials", {"Origin": "http://evil.example", "Authorization": "Basic YTpi"}),
        ("with a bearer the mode never reads", {"Sec-Fetch-Site": "cross-site", "Authorization": "Bearer x"}),
        ("as a text/plain form", {"Origin": "http://evil.example", "Content-Type": "text/plain"}),
    ]:
        suite.attempt("csrf", f"POST reconcile {what}", "403 cross_site, unchanged",
                      lambda h=headers: suite.refused_unchanged(world, KS, "apps", lambda: send(alice.url, "POST", reconcile, h), 403, "cross_site"))
    bulk = json.dumps({"targets": [f"{KS[0]}/{KS[3]}/{world.ns}/apps"]})
    suite.attempt("csrf", "POST a bulk suspend from another origin", "403 cross_site, unchanged",
                  lambda: suite.refused_unchanged(world, KS, "apps", lambda: send(
                      alice.url, "POST", "/api/v1/actions/suspend", {**JSON, "Origin": "http://evil.example"}, bulk),
                      403, "cross_site"))


def rebinding(ctx):
    """DNS rebinding: a page of another name resolved to flux-web's address."""
    suite = ctx.suite
    world = ctx.world
    alice = ctx.alice
    reconcile = ctx.reconcile
    detail = ctx.detail
    for what, headers, method, path in [
        ("read the object", {"Host": "rebound.evil.example:9080"}, "GET", detail),
        ("read the list", {"Host": "127.0.0.1.nip.io:9080"}, "GET", "/api/v1/resources"),
        ("act", {"Host": "rebound.evil.example:9080", "Origin": "http://rebound.evil.example:9080"}, "POST", reconcile),
    ]:
        if method == "GET":
            suite.attempt("rebinding", f"{what} under a rebound name", "421 misdirected_host",
                          lambda h=headers, p=path: (a := send(alice.url, "GET", p, h), a.status == 421 and a.code() == "misdirected_host"))
        else:
            suite.attempt("rebinding", f"{what} under a rebound name", "421 misdirected_host, unchanged",
                          lambda h=headers, p=path: suite.refused_unchanged(world, KS, "apps", lambda: send(alice.url, "POST", p, h), 421, "misdirected_host"))


def paths(ctx):
    """Path tricks: traversal, encoded slashes, names Kubernetes refuses."""
    suite = ctx.suite
    world = ctx.world
    alice = ctx.alice
    for what, path, status in [
        ("traversal in the namespace", "/api/v1/kustomize.toolkit.fluxcd.io/ks/..%2f..%2fkube-system/apps", 400),
        ("an encoded slash in the name", f"/api/v1/kustomize.toolkit.fluxcd.io/ks/{world.ns}/a%2fb", 400),
        ("an upper-case namespace", "/api/v1/kustomize.toolkit.fluxcd.io/ks/Kube-System/apps", 400),
        ("a Secret by the core group", f"/api/v1/core/secrets/{world.ns}/x", 400),
        ("a name of 254 characters", f"/api/v1/kustomize.toolkit.fluxcd.io/ks/{world.ns}/{'a' * 254}", 400),
    ]:
        suite.attempt("path", what, str(status), lambda p=path, s=status: (a := send(alice.url, "GET", p), a.status == s))
    suite.attempt("path", "an unknown action", "400 unknown_action, unchanged",
                  lambda: suite.refused_unchanged(world, KS, "apps", lambda: send(alice.url, "POST", world.path(KS, "apps", "/actions/delete-all")), 400, "unknown_action"))


def inputs(ctx):
    """Input the server must refuse whole, before it reads or acts."""
    suite = ctx.suite
    world = ctx.world
    alice = ctx.alice
    long_reason = json.dumps({"reason": "x" * 300_000})
    suite.attempt("input", "suspend with a 300 KB reason", "400 invalid_body, unchanged",
                  lambda: suite.refused_unchanged(world, KS, "apps", lambda: send(
                      alice.url, "POST", world.path(KS, "apps", "/actions/suspend"), {"Content-Type": "application/json"}, long_reason), 400, "invalid_body"))
    suite.attempt("input", "a body announced at 2 MB", "413, unchanged",
                  lambda: suite.refused_unchanged(world, KS, "apps", lambda: Answer(int(first_line(
                      alice.url, world.path(KS, "apps", "/actions/suspend"), 2 << 20, b"{" + b" " * 65536).split()[1]), {}, b""), 413, None))
    suite.attempt("input", "a bulk run with a forged pre-flight token", "400 invalid_preflight, unchanged",
                  lambda: suite.refused_unchanged(world, KS, "apps", lambda: send(
                      alice.url, "POST", "/api/v1/actions/suspend", JSON,
                      json.dumps({"targets": [f"{KS[0]}/{KS[3]}/{world.ns}/apps"], "token": "Zm9yZ2Vk"})), 400, "invalid_preflight"))
    suite.attempt("input", "a bulk action on 501 targets", "400 too_many_targets, unchanged",
                  lambda: suite.refused_unchanged(world, KS, "apps", lambda: send(
                      alice.url, "POST", "/api/v1/actions/suspend", JSON,
                      json.dumps({"targets": [f"{KS[0]}/{KS[3]}/{world.ns}/apps"] + [f"{KS[0]}/{KS[3]}/{world.ns}/x{i}" for i in range(500)]})),
                      400, "too_many_targets"))
    suite.attempt("input", "a body that is no JSON", "400 invalid_body, unchanged",
                  lambda: suite.refused_unchanged(world, KS, "apps", lambda: send(
                      alice.url, "POST", world.path(KS, "apps", "/actions/suspend"), {"Content-Type": "application/json"}, "{reason:"), 400, "invalid_body"))
    suite.attempt("input", "reconcile a name with a 70-character part", "200",
                  lambda: (a := send(alice.url, "POST", world.path(KS, "k" * 70, "/actions/reconcile")), a.status == 200))


def ssrf(ctx):
    """SSRF: artifact URLs aimed inside the cluster or at the machine."""
    suite = ctx.suite
    world = ctx.world
    alice = ctx.alice
    for name in ["apiserver", "metadata", "mapped", "unspecified", "lookalike", "file", "credentials"]:
        suite.attempt("ssrf", f"download from the '{name}' URL", "502 storage_failed",
                      lambda n=name: (a := send(alice.url, "GET", world.path(REPO, n, "/actions/download")), a.status == 502 and a.code() == "storage_failed"))


def rbac(ctx):
    """RBAC: a user with none, in both modes, reads and does nothing."""
    suite = ctx.suite
    world = ctx.world
    alice = ctx.alice
    alice_fg = ctx.alice_fg
    mallory = ctx.mallory
    mallory_fg = ctx.mallory_fg
    listing = ctx.listing
    reconcile = ctx.reconcile
    detail = ctx.detail
    for server, mode in [(mallory, "Impersonated"), (mallory_fg, "FineGrained")]:
        for what, path in [("the object", detail), ("its events", detail + "/events"), ("its actions", listing)]:
            suite.attempt("rbac", f"{mode}: no RBAC reads {what}", "403 forbidden",
                          lambda s=server, p=path: (a := send(s.url, "GET", p), a.status == 403 and a.code() == "forbidden"))
        suite.attempt("rbac", f"{mode}: no RBAC lists the Events of every namespace", "none of the namespace",
                      lambda s=server: (a := send(s.url, "GET", "/api/v1/events?limit=500"),
                                        a.status == 200 and world.ns not in a.body.decode()))
        suite.attempt("rbac", f"{mode}: no RBAC lists the namespace's Events", "403 forbidden",
                      lambda s=server: (a := send(s.url, "GET", f"/api/v1/events?namespace={world.ns}"),
                                        a.status == 403 and a.code() == "forbidden"))
        suite.attempt("rbac", f"{mode}: no RBAC follows the Events live while devs act", "no Event",
                      lambda s=server: (body := events_after(s.url, "/api/v1/events/watch", lambda: send(alice.url, "POST", reconcile)),
                                        ("an Event" if "event: event" in body else "none", "event: event" not in body))[1])
        suite.attempt("rbac", f"{mode}: no RBAC lists the namespace", "no item",
                      lambda s=server: (a := send(s.url, "GET", f"/api/v1/resources?namespace={world.ns}"),
                                        a.status == 200 and not json.loads(a.body)["items"]))
        for action in ["reconcile", "suspend", "resume", "pull", "stage"]:
            suite.attempt("rbac", f"{mode}: no RBAC {action}s", "403, unchanged",
                          lambda s=server, act=action: suite.refused_unchanged(
                              world, KS, "apps", lambda: send(s.url, "POST", world.path(KS, "apps", f"/actions/{act}")), 403, "forbidden"))
        suite.attempt("rbac", f"{mode}: no RBAC resets a HelmRelease", "403, unchanged",
                      lambda s=server: suite.refused_unchanged(
                          world, HR, "release", lambda: send(s.url, "POST", world.path(HR, "release", "/actions/reset")), 403, "forbidden"))
        for what, body in [("by name", {"targets": [f"{KS[0]}/{KS[3]}/{world.ns}/apps"]}),
                           ("by selector", {"selector": {"namespace": world.ns}})]:
            suite.attempt("rbac", f"{mode}: no RBAC bulk-suspends {what}", "nothing changed, none acted on",
                          lambda s=server, b=body: bulk_unchanged(world, s, "suspend", b))
        suite.attempt("rbac", f"{mode}: no RBAC downloads", "403 forbidden",
                      lambda s=server: (a := send(s.url, "GET", world.path(REPO, "good", "/actions/download")), a.status == 403))
    suite.attempt("rbac", "FineGrained: devs follow the Events live (the control)", "the audit Event",
                  lambda: (body := events_after(alice_fg.url, "/api/v1/events/watch", lambda: send(alice.url, "POST", reconcile)),
                           ("an Event" if "event: event" in body else "none", "event: event" in body and world.ns in body))[1])
    suite.attempt("rbac", "FineGrained: devs reconcile (the control)", "200, changed",
                  lambda: (lambda before: (a := send(alice_fg.url, "POST", reconcile), a.status == 200 and world.version(KS, "apps") != before))(world.version(KS, "apps")))


def faults(ctx):
    """Faults of what flux-web depends on: storage, notification-controller, the API server."""
    suite = ctx.suite
    world = ctx.world
    alice = ctx.alice
    downloader = ctx.downloader
    frozen = ctx.frozen
    freezer = ctx.freezer
    reconcile = ctx.reconcile
    detail = ctx.detail
    status, length, got, complete = raw_download(downloader.url, world.path(REPO, "good", "/actions/download"))
    suite.attempt("storage", "an honest artifact", "whole", lambda: (f"{got} of {length} bytes", complete and got == len(ARTIFACT)))
    status, length, got, complete = raw_download(downloader.url, world.path(REPO, "lying", "/actions/download"))
    suite.attempt("storage", "storage lying about the digest (with a length)", "incomplete transfer",
                  lambda: (f"{status or 'no answer'}, {got} of {length} bytes, {'complete' if complete else 'incomplete'}",
                           not complete))
    started = time.monotonic()
    status, length, got, complete = raw_download(downloader.url, world.path(REPO, "trickle", "/actions/download"), timeout=30)
    took = time.monotonic() - started
    suite.attempt("storage", "storage trickling a byte at a time", "cut within 10 s, incomplete",
                  lambda: (f"cut after {took:.1f} s, {'complete' if complete else 'incomplete'}", took < 10 and not complete))
    started = time.monotonic()
    answer = send(alice.url, "POST", reconcile)
    took = time.monotonic() - started
    suite.attempt("notification", "reconcile with notification-controller down", "200 within 5 s",
                  lambda: (f"{answer} after {took:.1f} s", answer.status == 200 and took < 5))
    freezer.frozen.set()
    for method, path in [("GET", detail), ("POST", reconcile)]:
        before = world.version(KS, "apps")
        started = time.monotonic()
        answer = send(frozen.url, method, path, timeout=30)
        took = time.monotonic() - started
        suite.attempt("apiserver", f"{method} with the API server frozen", "504 upstream_timeout within 8 s",
                      lambda a=answer, t=took: (f"{a} after {t:.1f} s", a.status == 504 and a.code() == "upstream_timeout" and t < 8))
    freezer.frozen.clear()
    time.sleep(3)
    suite.attempt("apiserver", "nothing applied once it thaws", "unchanged",
                  lambda b=before: ("unchanged" if world.version(KS, "apps") == b else "CHANGED", world.version(KS, "apps") == b))


def slowloris(ctx):
    """Clients that trickle their headers or never send the body they announce."""
    suite = ctx.suite
    world = ctx.world
    alice = ctx.alice
    head = f"GET /healthz HTTP/1.1\r\nHost: {alice.url.removeprefix('http://')}\r\n"
    took = held_open(alice.url, head, 30)
    suite.attempt("slowloris", "headers trickled a line a second", "closed within 15 s",
                  lambda: (f"closed after {took:.1f} s", took < 15))
    started = time.monotonic()
    first = first_line(alice.url, world.path(KS, "apps", "/actions/suspend"), 500_000, b"{")
    took = time.monotonic() - started
    suite.attempt("slowloris", "a body announced and never sent", "408 within 15 s",
                  lambda: (f"{first} after {took:.1f} s", first.startswith("HTTP/1.1 408") and took < 15))


CLASSES = [tokens, csrf, rebinding, paths, inputs, ssrf, rbac, faults, slowloris]
