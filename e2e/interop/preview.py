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
