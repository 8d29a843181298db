"""The preview (issue #33), on the bed's real source- and kustomize-controller: flux-web's
build of each fixture is the controller's, byte for byte; once applied, the dry run changes
nothing; drift shows; a Secret's value never does."""

import json
import time
import urllib.error
import urllib.request

from bed import flux
from common import KS, log, read_until


def preview_fixtures(ns):
    """The fixtures of the preview's fidelity (issue #33), by name: (files, the Kustomization's
    spec beyond its path). A plain directory without kustomization.yaml; an overlay with
    patches, images, a name prefix and a component; post-build substitution from a ConfigMap,
    a Secret and an optional Secret that does not exist."""
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "ghcr.io/example/web:1.0.0"}]}}}}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"mode": "plain"}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    root = f"interop/{ns}/preview"
    return {
        "plain": ({f"{root}/plain/deployment.yaml": json.dumps(deployment), f"{root}/plain/config.yaml": json.dumps(config)},
                  {"path": f"./{root}/plain"}),
        "overlay": ({
            f"{root}/base/kustomization.yaml": json.dumps({"resources": ["deployment.yaml", "service.yaml"]}),
            f"{root}/base/deployment.yaml": json.dumps(deployment),
            f"{root}/base/service.yaml": json.dumps(service),
            f"{root}/component/kustomization.yaml": json.dumps({
                "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
                "resources": ["extra.yaml"], "labels": [{"pairs": {"tier": "front"}}]}),
            f"{root}/component/extra.yaml": json.dumps({**config, "metadata": {"name": "extra"}}),
            f"{root}/overlay/kustomization.yaml": json.dumps({
                "resources": ["../base"], "components": ["../component"], "namePrefix": "pre-",
                "images": [{"name": "ghcr.io/example/web", "newTag": "2.0.0"}],
                "patches": [{"target": {"kind": "Deployment", "name": "web"},
                             "patch": json.dumps([{"op": "replace", "path": "/spec/replicas", "value": 3}])}]}),
        }, {"path": f"./{root}/overlay", "nameSuffix": "-s", "images": [{"name": "ghcr.io/example/web", "newTag": "2.1.0"}]}),
        "substituted": ({f"{root}/vars/config.yaml": json.dumps({
            **config, "metadata": {"name": "vars"}, "data": {"greeting": "${greeting}", "token": "${token}", "cluster": "${cluster}",
                               "fallback": "${missing:=default}"}})},
            {"path": f"./{root}/vars", "postBuild": {"substitute": {"cluster": "bed"}, "substituteFrom": [
                {"kind": "ConfigMap", "name": "preview-vars"}, {"kind": "Secret", "name": "preview-creds"},
                {"kind": "Secret", "name": "preview-absent", "optional": True}]}}),
    }


PREVIEW_SECRET = "s3cr3t-value-never-shown"


def preview_is_the_controllers_build(ctx):
    """Fidelity (issue #33): for each fixture, once the bed's kustomize-controller has applied the
    revision, flux-web's preview of it has the digest the controller recorded for it. Printed as
    a table."""
    fixtures = preview_fixtures(ctx.ns)
    # What the fixtures apply goes to a namespace of its own: the other scenarios' Deployments
    # have the same names (a clash the dry run shows, as the controllers fight over them).
    target = f"{ctx.ns}-preview"
    ctx.cluster.namespace(target)
    files = {path: text for files, _ in fixtures.values() for path, text in files.items()}
    ctx.cluster.apply(f"/api/v1/namespaces/{ctx.ns}/configmaps/preview-vars", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "preview-vars"}, "data": {"greeting": "hello"}})
    ctx.cluster.apply(f"/api/v1/namespaces/{ctx.ns}/secrets/preview-creds", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "preview-creds"}, "stringData": {"token": PREVIEW_SECRET}})
    ctx.cluster.commit(files, f"{ctx.ns}: the preview's fixtures")
    source = {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}
    for name, (_, spec) in fixtures.items():
        ctx.cluster.apply(*flux(*KS, ctx.ns, f"preview-{name}", {
            "interval": "10m", "prune": True, "targetNamespace": target, "sourceRef": source, **spec}, inert=False))
    rows = []
    for name in fixtures:
        path = f"/apis/{KS[0]}/{KS[1]}/namespaces/{ctx.ns}/{KS[3]}/preview-{name}"

        def applied():
            status = json.loads(ctx.cluster.api.request("GET", path)).get("status", {})
            ready = next((c for c in status.get("conditions", []) if c["type"] == "Ready"), {})
            return ready.get("status") == "True" and status.get("history")

        read_until(applied, bool, 120)
        url = f"{ctx.web.url}/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ctx.ns}/preview-{name}/preview"
        started = time.monotonic()
        try:
            body = urllib.request.urlopen(url, timeout=180).read()
        except urllib.error.HTTPError as e:
            body = e.read()
        took = time.monotonic() - started
        answer = json.loads(body or b"{}")
        rows.append((name, answer.get("digest", "-")[:19], (answer.get("appliedDigest") or "-")[:19],
                     len(answer.get("objects", [])), f"{took:.1f}s"))
        ctx.check(f"preview of {name}: its digest is the one kustomize-controller recorded for {answer.get('revision')}",
                  answer.get("matches") is True and answer.get("digest") == answer.get("appliedDigest"), body[:400])
        ctx.check(f"preview of {name}: no Secret value in the answer's bytes", PREVIEW_SECRET.encode() not in body)
        fates = {o.get("fate") for o in answer.get("objects", [])}
        ctx.check(f"preview of {name}: once applied, every object is unchanged by the dry run", fates == {"unchanged"},
                  json.dumps([(o["kind"], o["name"], o["fate"], o.get("message"), o.get("diff")) for o in answer.get("objects", [])])[:1500])
    # Drift: a replica count changed by hand is what the next reconcile puts back.
    web = f"/apis/apps/v1/namespaces/{target}/deployments/pre-web-s"
    ctx.cluster.api.request("PATCH", web + "?fieldManager=kubectl-scale", json.dumps({"spec": {"replicas": 7}}),
                            "application/merge-patch+json")
    url = f"{ctx.web.url}/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ctx.ns}/preview-overlay/preview"
    drifted = json.loads(urllib.request.urlopen(url, timeout=180).read())
    fate = next((o for o in drifted["objects"] if o["kind"] == "Deployment"), {})
    ctx.check("a Deployment scaled by hand: the preview shows the reconcile putting its replicas back",
              fate.get("fate") == "update" and "-   replicas: 7" in (fate.get("diff") or "")
              and "+   replicas: 3" in (fate.get("diff") or ""), json.dumps(fate))
    others = {o["fate"] for o in drifted["objects"] if o["kind"] != "Deployment"}
    ctx.check("and nothing else changes", others == {"unchanged"}, json.dumps(drifted["objects"])[:800])
    # A value substituted from a Secret, in a diff: redacted, never shown.
    ctx.cluster.api.request("PATCH", f"/api/v1/namespaces/{target}/configmaps/vars?fieldManager=kubectl-edit",
                            json.dumps({"data": {"greeting": "changed by hand"}}), "application/merge-patch+json")
    url = f"{ctx.web.url}/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ctx.ns}/preview-substituted/preview"
    body = urllib.request.urlopen(url, timeout=180).read()
    vars_fate = next((o for o in json.loads(body)["objects"] if o["name"] == "vars"), {})
    ctx.check("a ConfigMap changed by hand holding a Secret's value: its diff shows the change, the value redacted",
              vars_fate.get("fate") == "update" and "<redacted>" in (vars_fate.get("diff") or "")
              and PREVIEW_SECRET.encode() not in body, json.dumps(vars_fate))
    log("preview fidelity:")
    log(f"  {'fixture':<12} {'preview digest':<20} {'controller digest':<20} {'objects':>7} {'took':>6}")
    for name, ours, theirs, count, took in rows:
        log(f"  {name:<12} {ours:<20} {theirs:<20} {count:>7} {took:>6}")


def preview_predicts_what_a_resume_applies(ctx):
    """Prediction = outcome (issue #33), with the bed's real source- and kustomize-controller:
    drift shows, except where `spec.ignore` hides it (a label selector) and `ssa: Ignore` skips
    it; a commit staged while the Kustomization holds (flux-web's staged pull) is previewed
    without anything changing, and once resumed the cluster is what the preview said: its
    deletes gone, its creates there, its updates applied, and a second preview all unchanged."""
    target = f"{ctx.ns}-predict"
    ctx.cluster.namespace(target)
    root = f"interop/{ctx.ns}/predict"
    name = "predict"

    def config_map(cm, data, annotations=None):
        return json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": cm, **({"annotations": annotations} if annotations else {})}, "data": data})

    def deployment(dm, replicas, labels):
        return json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": dm, "labels": labels},
                           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": dm}},
                                    "template": {"metadata": {"labels": {"app": dm}},
                                                 "spec": {"containers": [{"name": dm, "image": "ghcr.io/example/web:1.0.0"}]}}}})

    frozen = {"kustomize.toolkit.fluxcd.io/ssa": "Ignore"}
    ctx.cluster.commit({
        f"{root}/settings.yaml": config_map("settings", {"mode": "one"}),
        f"{root}/doomed.yaml": config_map("doomed", {"x": "y"}),
        f"{root}/frozen.yaml": config_map("frozen", {"v": "r"}, frozen),
        f"{root}/web.yaml": deployment("web", 1, {"app": "web"}),
        f"{root}/api.yaml": deployment("api", 1, {"app": "api", "scaled-by": "hpa"}),
    }, f"{ctx.ns}: the prediction's R")
    ks_path = f"/apis/{KS[0]}/{KS[1]}/namespaces/{ctx.ns}/{KS[3]}/{name}"
    ctx.cluster.apply(*flux(*KS, ctx.ns, name, {
        "interval": "10m", "prune": True, "targetNamespace": target, "path": f"./{root}",
        "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"},
        "ignore": [{"paths": ["/spec/replicas"], "target": {"kind": "Deployment", "labelSelector": "scaled-by=hpa"}}],
    }, inert=False))
    repo_path = "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system"

    def get(path):
        try:
            return json.loads(ctx.cluster.api.request("GET", path))
        except Exception:  # noqa: BLE001 - a 404 reads as nothing
            return None

    def applied(revision=None):
        status = (get(ks_path) or {}).get("status", {})
        ready = next((c for c in status.get("conditions", []) if c["type"] == "Ready"), {})
        return ready.get("status") == "True" and (revision is None or status.get("lastAppliedRevision") == revision)

    read_until(lambda: applied(), bool, 120)

    def preview():
        url = f"{ctx.web.url}/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ctx.ns}/{name}/preview"
        answer = json.loads(urllib.request.urlopen(url, timeout=180).read())
        return answer, {(o["kind"], o["name"]): o for o in answer["objects"]}

    # Drift: both Deployments scaled by hand; spec.ignore hides api's replicas, ssa: Ignore
    # skips frozen.
    for dm in ("web", "api"):
        ctx.cluster.api.request("PATCH", f"/apis/apps/v1/namespaces/{target}/deployments/{dm}?fieldManager=kubectl-scale",
                                json.dumps({"spec": {"replicas": 5}}), "application/merge-patch+json")
    _, fates = preview()
    said = json.dumps({f"{k}/{n}": (o["fate"], o.get("diff")) for (k, n), o in fates.items()})[:1500]
    ctx.check("drift: the Deployment scaled by hand is an update putting its replicas back",
              fates.get(("Deployment", "web"), {}).get("fate") == "update", said)
    ctx.check("drift: spec.ignore (a label selector) hides the other one's replicas",
              fates.get(("Deployment", "api"), {}).get("fate") == "unchanged", said)
    ctx.check("drift: ssa: Ignore is skipped", fates.get(("ConfigMap", "frozen"), {}).get("fate") == "skipped", said)

    # R+1 committed, not fetched; flux-web's staged pull suspends and fetches it.
    before_revision = get(repo_path)["status"]["artifact"]["revision"]
    ctx.cluster.commit({
        f"{root}/settings.yaml": config_map("settings", {"mode": "two"}),
        f"{root}/doomed.yaml": None,
        f"{root}/added.yaml": config_map("added", {"new": "yes"}),
        f"{root}/frozen.yaml": config_map("frozen", {"v": "r+1"}, frozen),
        f"{root}/web.yaml": deployment("web", 2, {"app": "web"}),
    }, f"{ctx.ns}: the prediction's R+1", fetch=False)
    ctx.web_act(name, "stage")
    fetched = read_until(lambda: get(repo_path)["status"].get("artifact", {}).get("revision"),
                         lambda r: r and r != before_revision, 60)
    ks = get(ks_path)
    ctx.check("a staged pull: the Kustomization suspended with reason preview, the source at R+1",
              ks["spec"].get("suspend") is True and fetched != before_revision
              and ks["metadata"].get("annotations", {}).get("fluxcd.controlplane.io/suspendedReason") == "preview",
              json.dumps(ks["metadata"].get("annotations")))

    def versions():
        listed = {}
        for plural, group in (("configmaps", "/api/v1"), ("deployments", "/apis/apps/v1")):
            for item in get(f"{group}/namespaces/{target}/{plural}")["items"]:
                listed[(plural, item["metadata"]["name"])] = (item["metadata"]["resourceVersion"], item["metadata"].get("generation"))
        ks_meta = get(ks_path)["metadata"]
        listed[("kustomization", name)] = (ks_meta["resourceVersion"], ks_meta.get("generation"))
        return listed

    seen = versions()
    answer, fates = preview()
    ctx.check("a preview changes nothing: every object's resourceVersion and generation as they were",
              versions() == seen, json.dumps([str(x) for x in set(versions().items()) ^ set(seen.items())]))
    said = json.dumps({f"{k}/{n}": o["fate"] for (k, n), o in fates.items()})
    wanted = {("ConfigMap", "settings"): "update", ("ConfigMap", "doomed"): "delete", ("ConfigMap", "added"): "create",
              ("ConfigMap", "frozen"): "skipped", ("Deployment", "web"): "update", ("Deployment", "api"): "unchanged"}
    ctx.check("the preview of R+1: what it says of each object",
              answer.get("revision") == fetched and {k: o["fate"] for k, o in fates.items()} == wanted, f"{answer.get('revision')} {said}")
    web_diff = fates.get(("Deployment", "web"), {}).get("diff") or ""
    ctx.check("and the update's diff says how", "-   replicas: 5" in web_diff and "+   replicas: 2" in web_diff, web_diff[:600])

    # Resumed: the controller applies R+1, and the cluster is what the preview said.
    ctx.web_act(name, "resume")
    read_until(lambda: applied(fetched), bool, 120)
    live = {(kind, n): get(f"{group}/namespaces/{target}/{plural}/{n}")
            for kind, plural, group in (("ConfigMap", "configmaps", "/api/v1"), ("Deployment", "deployments", "/apis/apps/v1"))
            for n in ("settings", "doomed", "added", "frozen", "web", "api")}
    deleted = {k for k, o in fates.items() if o["fate"] == "delete"}
    plurals = {"ConfigMap": "configmaps", "Deployment": "deployments"}
    gone = {k for k, o in live.items() if o is None and (plurals[k[0]], k[1]) in seen}
    ctx.check("the objects deleted are exactly the preview's deletes", gone == deleted, f"{gone} vs {deleted}")
    # ssa: Ignore is never applied: skipped in R, skipped in R+1, never there.
    ctx.check("its create is there, its updates applied, the skipped one not applied",
              (live[("ConfigMap", "added")] or {}).get("data") == {"new": "yes"}
              and (live[("ConfigMap", "settings")] or {}).get("data") == {"mode": "two"}
              and (live[("Deployment", "web")] or {}).get("spec", {}).get("replicas") == 2
              and live[("ConfigMap", "frozen")] is None,
              json.dumps({f"{k}/{n}": (o or {}).get("data", (o or {}).get("spec", {}).get("replicas")) for (k, n), o in live.items()}))
    _, after = preview()
    ctx.check("a second preview: nothing left to change",
              {o["fate"] for k, o in after.items() if k != ("ConfigMap", "frozen")} == {"unchanged"},
              json.dumps({f"{k}/{n}": (o["fate"], o.get("diff")) for (k, n), o in after.items()})[:1500])
