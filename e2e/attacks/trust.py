"""The second attack run's classes: what the new surfaces (metrics, log follows, shutdown,
the audit journal, suspend until, limits, streams) must refuse. One function per class, each
given the suite's context; `run` calls them in `CLASSES` order after its own classes."""

import json
import os
import signal
import socket
import threading
import time

from suite import HR, JSON, KS, RSET
from wire import Stream, address, read_until, status_line
from targets import get, id_token, log_streams, oauth2, role, talker, wait_for, web_events




def metric_labels(ctx):
    """Anyone who reaches the port sends made-up methods and paths: the metrics keep their
    series and their size."""
    server = ctx.start("metrics", ["devs"], {})

    def scrape():
        # The HTTP family alone: the server's own calls to Kubernetes (its watches starting)
        # add their series on their own time, and no request of a client's can touch them.
        lines = [l for l in ctx.send(server.url, "GET", "/metrics").body.decode().splitlines()
                 if l.startswith("flux_web_http_request_duration_seconds")]
        series = sorted(l.rsplit(" ", 1)[0] for l in lines
                        if l.startswith("flux_web_http_request_duration_seconds_count"))
        return series, sum(len(l) + 1 for l in lines)

    for path in ["/api/v1/x", "/api/nothing/here", "/metrics"]:
        status_line(server.url, "M0XXXXXXXX", path)
    scrape()  # a scrape times itself: the first adds its own series
    before = scrape()
    refused = [status_line(server.url, f"M{i}" + "X" * 40_000, f"/api/v1/{i}/" + "p" * (i * 100)) for i in range(1, 41)]
    huge = status_line(server.url, "M41" + "X" * 100_000, "/api/v1/x")
    after = scrape()
    ctx.suite.attempt("metrics", "40 requests with 40 KB made-up methods and odd paths", "4xx, same series and size",
                      lambda: (f"{len(before[0])} -> {len(after[0])} series, {before[1]} -> {after[1]} B",
                               all(r.split()[1].startswith("4") for r in refused)
                               and before[0] == after[0] and abs(after[1] - before[1]) < 1000))
    ctx.suite.attempt("metrics", "a request head of 100 KB", "431", lambda: (huge, " 431 " in huge + " "))


def abandoned_follows(ctx):
    """Clients that follow a quiet container's log and leave: the API server's streams close
    at once."""
    follow = talker(ctx)
    server = ctx.start("follows", ["devs"], {})
    before = log_streams(ctx.cluster)
    streams = [Stream(server.url, follow) for _ in range(5)]
    for stream in streams:
        stream.first_line()
    wait_for("the follows' streams open", lambda: log_streams(ctx.cluster) >= before + 5, 15)
    for stream in streams:
        stream.close()
    started = time.monotonic()
    try:
        wait_for("the streams closed", lambda: log_streams(ctx.cluster) <= before, 10)
        took = time.monotonic() - started
    except TimeoutError:
        took = None
    ctx.suite.attempt("follow", "5 follows of a quiet container, their clients gone", "API-server streams closed within 5 s",
                      lambda: ("still open after 10 s" if took is None else f"closed after {took:.1f} s",
                               took is not None and took < 5))


def shutdown_during_a_bulk_run(ctx):
    """A bulk run whose client left, and then SIGTERM: stopped between targets, its tally
    logged, every object written audited."""
    ns = ctx.world.ns
    names = [f"bulk-{i:03}" for i in range(200)]
    for name in names:
        ctx.world.create(KS, name, {"interval": "10m", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "good"}})
    journal = ctx.workdir / "shutdown.journal"
    args = ["--audit-journal", str(journal), "--shutdown-grace", "0s"]
    spec = {"userActions": {"audit": ["*"], "bulk": {"concurrency": 2}}}
    server = ctx.start("shutdown", ["devs"], spec, args=args)
    targets = [f"{KS[0]}/{KS[3]}/{ns}/{name}" for name in names]
    host, port = address(server.url)
    body = json.dumps({"targets": targets, "reason": "attack"}).encode()
    with socket.create_connection((host, port), timeout=15) as s:
        s.sendall(f"POST /api/v1/actions/suspend HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        seen = read_until(s, lambda data: b'"type":"result"' in data)
    run = json.loads(next(l for l in seen.decode("utf-8", "replace").splitlines() if '"type":"start"' in l))["run"]
    server.process.send_signal(signal.SIGTERM)
    code = server.process.wait(timeout=30)
    log = server.log.read_text()
    stopped = next((l for l in log.splitlines() if "bulk run" in l and run in l and ("stopped" in l or "done" in l)), "")

    def suspended():
        items = get(ctx.cluster, f"/apis/{KS[0]}/{KS[1]}/namespaces/{ns}/{KS[3]}")["items"]
        return sum(1 for o in items if o["metadata"]["name"].startswith("bulk-") and o["spec"].get("suspend"))

    written = suspended()
    again = ctx.start("shutdown-again", ["devs"], spec, args=args)

    def audited():
        return sum(1 for e in web_events(ctx.cluster, ns)
                   if e["metadata"].get("annotations", {}).get("event.toolkit.fluxcd.io/bulk-run") == run)

    try:
        wait_for("every object written audited", lambda: audited() >= written, 30)
    except TimeoutError:
        pass
    again.stop()
    ctx.suite.attempt("shutdown", "SIGTERM during a bulk run whose client left", "exit 0, stopped between targets and logged",
                      lambda: (f"exit {code}; {stopped[stopped.find('bulk run'):][:70] or 'no log line'}",
                               code == 0 and "stopped" in stopped and "not_taken=" in stopped))
    ctx.suite.attempt("shutdown", "every object the cut run wrote", "has its audit Event",
                      lambda: (f"{written} written, {audited()} audited", written > 0 and audited() == written))


def cut_journal(ctx):
    """A journal cut inside a multi-byte character, a line planted without its MAC, one with
    a made-up MAC, and a link where the journal is rewritten: the server starts, writes none
    of them, and writes through no link."""
    ns = ctx.world.ns
    journal = ctx.workdir / "planted.journal"
    planted = {"event": {
        "metadata": {"name": "planted.0000000000000001", "namespace": ns},
        "involvedObject": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "name": "apps", "namespace": ns},
        "reason": "WebAction", "type": "Normal",
        "message": "User 'admin' performed action 'reconcile' for 'Kustomization/x/apps' on the web UI",
    }}
    text = json.dumps(planted).encode()
    cut = json.dumps({"event": {"metadata": {"name": "zo\u00eb.1", "namespace": ns}}}, ensure_ascii=False).encode()
    cut = cut[:cut.index("ë".encode()) + 1]
    journal.write_bytes(text + b"\n" + b"AAAAAAAAAAAAAAAA " + text + b"\n" + cut)
    victim = ctx.workdir / "victim"
    victim.write_text("keep me")
    link = journal.with_suffix(".new")
    if link.exists() or link.is_symlink():
        link.unlink()
    os.symlink(victim, link)
    try:
        # OAuth2: the journal's key comes from a secret the planter does not have.
        server = ctx.start("journal", [], {**oauth2(ctx.state, "flux-web"), "userActions": {"audit": ["*"]}},
                           args=["--audit-journal", str(journal)])
        started = True
    except (SystemExit, TimeoutError, RuntimeError) as e:
        started, server = str(e)[:60], None
    time.sleep(3)
    names = [e["metadata"]["name"] for e in get(ctx.cluster, f"/api/v1/namespaces/{ns}/events")["items"]]
    ctx.suite.attempt("journal", "a journal cut inside a multi-byte character", "the server starts",
                      lambda: ("started" if started is True else f"not started: {started}", started is True))
    ctx.suite.attempt("journal", "lines planted without the server's MAC", "no Event written",
                      lambda: ("written" if "planted.0000000000000001" in names else "none", "planted.0000000000000001" not in names))
    ctx.suite.attempt("journal", "a link planted where the journal is rewritten", "the linked file unchanged",
                      lambda: (victim.read_text(), victim.read_text() == "keep me"))
    if server:
        server.stop()


def stale_ends(ctx):
    """kubectl annotate resumes and suspends again a ResourceSet flux-web had suspended until a
    time: that end must not lift kubectl's suspension. A control, left alone, is lifted."""
    ns, cluster = ctx.world.ns, ctx.cluster
    cluster.apply("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/testbed-flux-web", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "testbed-flux-web"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "flux-web"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "flux-web"}],
    })
    role(cluster, ns, "attack-resumer", [
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
        {"apiGroups": [RSET[0]], "resources": [RSET[3]], "verbs": ["patch"]},
    ], ("User", "flux-web"))
    for name in ["held", "control"]:
        ctx.world.create(RSET, name, {"resources": []})
    server = ctx.start("resumer", ["devs"], {"resumer": {"leaseNamespace": ns, "period": "1s", "leaseDuration": "3s"}})
    for name in ["held", "control"]:
        answer = ctx.send(server.url, "POST", ctx.world.path(RSET, name, "/actions/suspend"), JSON, json.dumps({"until": "3s"}))
        if answer.status != 200:
            raise RuntimeError(f"suspend {name}: {answer}")
    path = f"/apis/{RSET[0]}/{RSET[1]}/namespaces/{ns}/{RSET[3]}"
    for value in ["enabled", "disabled"]:
        cluster.api.request("PATCH", f"{path}/held?fieldManager=kubectl-annotate",
                            json.dumps({"metadata": {"annotations": {"fluxcd.controlplane.io/reconcile": value}}}),
                            "application/merge-patch+json")
    state = lambda name: get(cluster, f"{path}/{name}")["metadata"]["annotations"].get("fluxcd.controlplane.io/reconcile")  # noqa: E731
    try:
        wait_for("the control lifted", lambda: state("control") == "enabled", 15)
        control = "lifted"
    except TimeoutError:
        control = "not lifted"
    time.sleep(2)
    server.stop()
    ctx.suite.attempt("stale end", "an end left on a ResourceSet kubectl annotate suspended again", "kubectl's suspension stands",
                      lambda: (f"{state('held')} (control {control})", state("held") == "disabled" and control == "lifted"))


def until_rules(ctx):
    """A user who may suspend but not resume asks for an end (the server would resume and
    reconcile for them): refused in both modes, nothing changed."""
    ns = ctx.world.ns
    role(ctx.cluster, ns, "suspenders", [
        {"apiGroups": [KS[0]], "resources": [KS[3]], "verbs": ["get", "list", "patch", "suspend"]},
    ], ("Group", "suspenders"))
    for mode in ["Impersonated", "FineGrained"]:
        server = ctx.start(f"sue-{mode.lower()}", ["suspenders"], {"userActions": {"access": mode}})
        for until in ["2h", "0s"]:
            expected = 403 if until == "2h" else 400
            ctx.suite.attempt("until", f"{mode}: suspend until {until} without resume", f"{expected}, unchanged",
                              lambda s=server, u=until, e=expected: ctx.suite.refused_unchanged(ctx.world, KS, "apps", lambda: ctx.send(
                                  s.url, "POST", ctx.world.path(KS, "apps", "/actions/suspend"), JSON, json.dumps({"until": u})), e, None))
        server.stop()


def caps(ctx):
    """One user opens more streams and follows than the limits allow: 429 with Retry-After."""
    follow = talker(ctx)
    server = ctx.start("caps", ["devs"], {"limits": {"streams": {"perUser": 2, "total": 10},
                                                     "logFollows": {"perUser": 1, "total": 10}}})
    held = [Stream(server.url, "/api/v1/events/watch"), Stream(server.url, "/api/v1/watch?kind=ks")]
    third = Stream(server.url, "/api/v1/events/watch")
    first_follow = Stream(server.url, follow)
    second_follow = Stream(server.url, follow)
    ctx.suite.attempt("caps", "a third live stream past 2 per user", "429 with Retry-After",
                      lambda: (f"{third.status}, Retry-After {third.headers.get('retry-after')}",
                               third.status == 429 and third.headers.get("retry-after") == "30"))
    ctx.suite.attempt("caps", "a second followed log past 1 per user", "429",
                      lambda: (f"{first_follow.status} then {second_follow.status}",
                               first_follow.status == 200 and second_follow.status == 429))
    for stream in [*held, third, first_follow, second_follow]:
        stream.close()
    server.stop()


def expired_credentials(ctx):
    """Streams opened with an ID token that lives 4 seconds: they end when it is no longer
    taken (its `exp` and the 30 s of clock skew allowed), and it opens nothing then."""
    state = ctx.state
    server = ctx.start("short-tokens", [], oauth2(state, "flux-web-short"))
    host = {"Host": "flux-web.testbed"}
    token = id_token(state, "flux-web-short", "alice")
    auth = {**host, "Authorization": f"Bearer {token}"}
    opened = time.monotonic()
    streams = {path: Stream(server.url, path, auth) for path in ["/api/v1/watch?kind=ks", "/api/v1/events/watch"]}
    for path, stream in streams.items():
        ended = stream.ended_by(opened + 45) if stream.status == 200 else None
        took = ended - opened if ended else None
        stream.close()
        # 4 s of token, 30 s of skew allowed, and the second it is taken in.
        ctx.suite.attempt("expiry", f"{path.split('?')[0]} opened with a 4 s ID token", "ended within 36 s",
                          lambda s=stream.status, t=took: (f"{s}, ended after {t:.1f} s" if t is not None else f"{s}",
                                                           s == 200 and t is not None and t < 36))
    again = Stream(server.url, "/api/v1/watch?kind=ks", auth)
    again.close()
    ctx.suite.attempt("expiry", "a stream opened again with the expired token", "401",
                      lambda: (again.status, again.status == 401))
    server.stop()


def previews(ctx):
    """Previews (#33): no RBAC, or no `preview` verb, in both modes: 403 and nothing changed;
    a staged pull refused leaves the Kustomization running; hostile artifacts (a path out of
    the tree, a link, a remote base, a build that doubles without end, bytes that are no
    tarball, an artifact URL aimed inside the cluster) each a clear problem, with the server
    answering meanwhile and nothing changed."""
    world, suite = ctx.world, ctx.suite
    sources = ["traversal", "link", "remote", "doubling", "good", "metadata"]
    for source in sources:
        world.create(KS, f"preview-{source}", {"interval": "10m", "prune": True, "sourceRef": {"kind": "GitRepository", "name": source}})
    role(ctx.cluster, world.ns, "previewers", [
        {"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"], "verbs": ["get", "list", "preview"]},
        {"apiGroups": ["source.toolkit.fluxcd.io"], "resources": ["gitrepositories"], "verbs": ["get"]},
    ], ("Group", "previewers"))
    for server, mode in [(ctx.mallory, "Impersonated"), (ctx.mallory_fg, "FineGrained"),
                         (ctx.alice, "Impersonated, devs"), (ctx.alice_fg, "FineGrained, devs")]:
        suite.attempt("preview", f"{mode}: a preview without the preview verb", "403 naming it, unchanged",
                      lambda s=server: refused_naming(ctx, s, "preview-good", "preview"))
    for server, mode in [(ctx.mallory, "Impersonated"), (ctx.mallory_fg, "FineGrained")]:
        suite.attempt("preview", f"{mode}: no RBAC stages a pull", "403, still running",
                      lambda s=server: suite.refused_unchanged(world, KS, "preview-good", lambda: ctx.send(
                          s.url, "POST", world.path(KS, "preview-good", "/actions/stage")), 403, "forbidden"))
    expected = {"traversal": (422, "build_failed"), "link": (422, "build_failed"), "remote": (422, "build_failed"),
                "doubling": (None, None), "good": (422, "build_failed"), "metadata": (502, "storage_failed")}
    # The storage is on loopback here, as the bed's source-controller is. A build is the same
    # in both modes (the preview reads as the caller in each): one server, whose first
    # preview compiles the engine.
    server = ctx.start("pia", ["previewers"], {"userActions": {"audit": ["*"]}, "download": {"allowLoopback": True}})
    wait_for("the previewers' grant", lambda: ctx.send(server.url, "GET", world.path(KS, "preview-traversal", "/preview"),
                                                       timeout=180).status != 403, 20)
    for source in sources:
        status, code = expected[source]
        shown = f"{status} {code}" if status else "413, 422 or 504, a problem"
        suite.attempt("preview", f"a preview of the '{source}' artifact", f"{shown}, unchanged, answering",
                      lambda n=source, st=status, c=code: hostile(ctx, server, n, st, c))
    server.stop()


def refused_naming(ctx, server, name, verb):
    """A preview of Kustomization `name` by `server`: refused with 403 naming `verb`, and the
    Kustomization unchanged."""
    before = ctx.world.version(KS, name)
    answer = ctx.send(server.url, "GET", ctx.world.path(KS, name, "/preview"), timeout=180)
    same = ctx.world.version(KS, name) == before
    try:
        detail = json.loads(answer.body).get("detail", "")
    except ValueError:
        detail = ""
    return f"{answer}, {'unchanged' if same else 'CHANGED'}", answer.status == 403 and verb in detail and same


def hostile(ctx, server, source, status, code):
    """A preview of the Kustomization of `source`: its answer, the server's health meanwhile,
    and the Kustomization unchanged."""
    before = ctx.world.version(KS, f"preview-{source}")
    answers = {}
    building = threading.Thread(target=lambda: answers.update(
        a=ctx.send(server.url, "GET", ctx.world.path(KS, f"preview-{source}", "/preview"), timeout=180)))
    building.start()
    time.sleep(0.5)
    started = time.monotonic()
    health = ctx.send(server.url, "GET", "/healthz", timeout=10).status
    took = time.monotonic() - started
    building.join(200)
    answer = answers.get("a")
    same = ctx.world.version(KS, f"preview-{source}") == before
    problem = answer is not None and answer.headers.get("Content-Type", answer.headers.get("content-type", "")).startswith("application/problem+json")
    if status is None:
        matched = answer is not None and answer.status in (413, 422, 504) and problem
    else:
        matched = answer is not None and answer.status == status and answer.code() == code
    observed = f"{answer}, healthz {health} in {took:.2f} s, {'unchanged' if same else 'CHANGED'}"
    return observed, matched and health == 200 and took < 2 and same


def values_reveals(ctx):
    """A HelmRelease's values (#34): no RBAC reads and reveals nothing, in both modes; devs, who
    may not get the Secret, see it named and never its value, and their reveal is refused; a
    reader of the Secret revealing cross-site, or naming what the release does not take, is
    refused; no answer holds the secret, nothing is audited or changed."""
    world, suite, cluster = ctx.world, ctx.suite, ctx.cluster
    secret = "attack-s3cret-token"
    cluster.apply(f"/api/v1/namespaces/{world.ns}/secrets/release-values", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "release-values"},
        "stringData": {"values.yaml": f"token: {secret}\n"}})
    world.create(HR, "valued", {"interval": "10m", "chart": {"spec": {
        "chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}},
        "valuesFrom": [{"kind": "Secret", "name": "release-values"}]})
    role(cluster, world.ns, "revealers", [
        {"apiGroups": ["helm.toolkit.fluxcd.io"], "resources": ["helmreleases"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
    ], ("Group", "revealers"))
    values = world.path(HR, "valued", "/values")
    reveal = f"{values}/reveal"

    def body(name):
        return json.dumps({"secret": name})

    def refused(server, name, statuses, headers=JSON):
        before = world.version(HR, "valued")
        events = audited(ctx)
        answer = ctx.send(server.url, "POST", reveal, headers, body(name), timeout=180)
        same = world.version(HR, "valued") == before and audited(ctx) == events
        leaked = secret.encode() in answer.body
        observed = f"{answer}, {'unchanged' if same else 'CHANGED'}{', LEAKED' if leaked else ''}"
        return observed, answer.status in statuses and same and not leaked

    def read(server, statuses, shown):
        answer = ctx.send(server.url, "GET", values, timeout=180)
        leaked = secret.encode() in answer.body
        states = [s.get("state") for s in json.loads(answer.body).get("sources", [])] if answer.status == 200 else []
        observed = f"{answer} {states}{', LEAKED' if leaked else ''}"
        return observed, answer.status in statuses and not leaked and (shown is None or states[:1] == [shown])

    for server, mode in [(ctx.mallory, "Impersonated"), (ctx.mallory_fg, "FineGrained")]:
        suite.attempt("values", f"{mode}: no RBAC reads a release's values", "403 or 404, nothing of it",
                      lambda s=server: read(s, (403, 404), None))
        suite.attempt("values", f"{mode}: no RBAC reveals a Secret's values", "403 or 404, unchanged, unaudited",
                      lambda s=server: refused(s, "release-values", (403, 404)))
    for server, mode in [(ctx.alice, "Impersonated, devs"), (ctx.alice_fg, "FineGrained, devs")]:
        suite.attempt("values", f"{mode}: values with a Secret they may not get", "200, the Secret forbidden, no value",
                      lambda s=server: read(s, (200,), "forbidden"))
        suite.attempt("values", f"{mode}: a reveal of that Secret", "403, unchanged, unaudited",
                      lambda s=server: refused(s, "release-values", (403,)))
    rita = ctx.start("rita", ["revealers"], {"userActions": {"audit": ["*"]}})
    wait_for("the revealers' grant", lambda: ctx.send(rita.url, "GET", values, timeout=180).status == 200, 20)
    suite.attempt("values", "a reader of the Secret sees it masked", "200, masked, no value",
                  lambda: read(rita, (200,), "masked"))
    for what, headers in [("from another origin", {**JSON, "Origin": "http://evil.example"}),
                          ("marked cross-site by the browser", {**JSON, "Sec-Fetch-Site": "cross-site"})]:
        suite.attempt("values", f"a reveal {what}", "403, unchanged, unaudited",
                      lambda h=headers: refused(rita, "release-values", (403,), h))
    for name, what in [("../secrets/release-values", "a path"), ("x" * 300, "a long name"),
                       ("release-values\u0000", "a NUL"), ("webhook-token", "a Secret the release does not take")]:
        suite.attempt("values", f"a reveal naming {what}", "404, unchanged, unaudited",
                      lambda n=name: refused(rita, n, (404,)))
    rita.stop()


def audited(ctx):
    """The audit Events of the attacks' namespace, by name."""
    events = get(ctx.cluster, f"/api/v1/namespaces/{ctx.world.ns}/events")["items"]
    return sorted(e["metadata"]["name"] for e in events if e.get("reason") in ("WebAction", "WebActionRefused"))


CLASSES = [metric_labels, abandoned_follows, shutdown_during_a_bulk_run, cut_journal, stale_ends, until_rules, caps,
           expired_credentials, previews, values_reveals]
