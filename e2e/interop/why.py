"""Why is it not ready (issue #32), on the bed's real controllers: a Kustomization held back
by a failing dependency, fixed by a commit; health judged by `healthCheckExprs` beside
kustomize-controller's own judgement."""

import json
import urllib.error
import urllib.request

from bed import flux
from common import KS, read_until


def blocked_until_its_dependency_is_fixed(ctx):
    """A Kustomization that depends on a failing one (issue #32): the bed's kustomize-controller
    holds it back (DependencyNotReady), and flux-web's list row names the dependency; once a
    commit to the bed's Git gives the dependency its path, the controller turns both ready, and
    flux-web says so."""
    def spec(path, **more):
        return {"interval": "10m", "prune": True, "path": path, "targetNamespace": ctx.ns,
                "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}, **more}

    path = f"interop/{ctx.ns}/dep"
    ctx.cluster.apply(*flux(*KS, ctx.ns, "dep", spec(f"./{path}", namePrefix="dep-"), inert=False))
    ctx.cluster.apply(*flux(*KS, ctx.ns, "after", spec("./apps/staging", dependsOn=[{"name": "dep"}]), inert=False))

    def rows():
        url = f"{ctx.web.url}/api/v1/resources?kind=Kustomization&namespace={ctx.ns}&limit=500"
        items = json.loads(urllib.request.urlopen(url, timeout=30).read())["items"]
        return {i["target"]["name"]: i["summary"] for i in items}

    def until(what, seconds):
        return read_until(rows, what, seconds)

    blocked = until(lambda r: (r.get("after", {}).get("blockedBy") or {}).get("target", {}).get("name") == "dep", 90)
    after = blocked.get("after", {})
    ctx.check("a Kustomization held back by its dependency is failed and blocked by it, as kustomize-controller says",
              after.get("state") == "failed" and (after.get("blockedBy") or {}).get("cause") == "dependency"
              and after["blockedBy"]["target"]["namespace"] == ctx.ns, json.dumps(after))
    ctx.check("the failing dependency is blocked by nothing else: its failure is its own",
              blocked.get("dep", {}).get("state") == "failed" and "blockedBy" not in blocked.get("dep", {}),
              json.dumps(blocked.get("dep")))
    ctx.check("the graph has the failing path: the dependency, failed, to what depends on it, failed",
              path_of_graph(ctx) == ("failed", "failed"), json.dumps(path_of_graph(ctx)))
    ctx.cluster.commit({f"{path}/kustomization.yaml": json.dumps({"resources": ["../../../apps/base"]})},
                       f"{ctx.ns}: the dependency's path")
    fixed = until(lambda r: all(r.get(n, {}).get("state") == "ready" for n in ("dep", "after")), 120)
    ctx.check("the dependency fixed, both turn ready and nothing says blocked",
              all(fixed.get(n, {}).get("state") == "ready" and "blockedBy" not in fixed.get(n, {}) for n in ("dep", "after")),
              json.dumps(fixed))
    ctx.check("the graph's path turns ready with them", path_of_graph(ctx) == ("ready", "ready"),
              json.dumps(path_of_graph(ctx)))


def path_of_graph(ctx):
    """The states of `dep` and `after` in the namespace's graph, when it ties them by dependsOn."""
    graph = json.loads(urllib.request.urlopen(f"{ctx.web.url}/api/v1/graph?namespace={ctx.ns}", timeout=30).read())
    states = {n["target"]["name"]: n["summary"]["state"] for n in graph["nodes"] if n["target"]["kind"] == "Kustomization"}
    tied = any(e["via"] == "dependsOn" and (e.get("from") or {}).get("name") == "dep" and e["to"]["name"] == "after"
               for e in graph["edges"])
    return (states.get("dep"), states.get("after")) if tied else None


WIDGETS = "interop.flux-web.dev"
# A custom resource no controller runs, whose status the test writes: only the owner's
# healthCheckExprs can judge it.
WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{WIDGETS}"},
    "spec": {"group": WIDGETS, "scope": "Namespaced",
             "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
             "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                               "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                               "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}]},
}
HEALTH_CHECK_EXPRS = [{"apiVersion": f"{WIDGETS}/v1", "kind": "Widget", "current": "status.phase == 'Ready'",
                       "inProgress": "status.phase == 'Pending'", "failed": "status.phase == 'Failed'"}]
FLUX_READY = {"True": "ready", "Unknown": "progressing", "False": "failed"}


def health_as_kustomize_controller_judges_it(ctx):
    """`healthCheckExprs` on a custom resource (issue #32): a Kustomization with `wait` applies a
    Widget (and its CRD) from a commit to the bed's Git; the test writes the Widget's status as a
    controller would, pending, then ready, then failed. In each, the bed's kustomize-controller
    decides the owner's Ready, and flux-web's inventory row of the Widget must say the same."""
    path = f"interop/{ctx.ns}/health"
    ctx.cluster.commit({f"{path}/kustomization.yaml": json.dumps({"resources": ["crd.yaml", "widget.yaml"]}),
                        f"{path}/crd.yaml": json.dumps(WIDGET_CRD),
                        f"{path}/widget.yaml": json.dumps({"apiVersion": f"{WIDGETS}/v1", "kind": "Widget",
                                                           "metadata": {"name": "gadget"}, "spec": {"size": 1}})},
                       f"{ctx.ns}: a Widget judged by healthCheckExprs")
    # No prune: the CRD is the cluster's, and outlives this namespace.
    owner_path, owner = flux(*KS, ctx.ns, "health", {
        "interval": "10m", "prune": False, "wait": True, "timeout": "90s", "path": f"./{path}",
        "targetNamespace": ctx.ns, "healthCheckExprs": HEALTH_CHECK_EXPRS,
        "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}}, inert=False)
    ctx.cluster.apply(owner_path, owner)
    widget = f"/apis/{WIDGETS}/v1/namespaces/{ctx.ns}/widgets/gadget"

    def both():
        """(the owner's Ready as flux-web's state, its reason, the Widget's row's state)."""
        conditions = json.loads(ctx.cluster.api.request("GET", owner_path)).get("status", {}).get("conditions", [])
        ready = next((c for c in conditions if c["type"] == "Ready"), {})
        url = f"{ctx.web.url}/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ctx.ns}/health/inventory"
        try:
            items = json.loads(urllib.request.urlopen(url, timeout=30).read())["items"]
        except urllib.error.HTTPError:
            items = []
        row = next((i for i in items if i["target"]["kind"] == "Widget"), {})
        return FLUX_READY.get(ready.get("status"), "absent"), ready.get("reason"), row.get("state", "absent")

    def exists():
        try:
            ctx.cluster.api.request("GET", widget)
            return True
        except urllib.error.HTTPError:
            return False

    read_until(lambda: exists(), bool, 90)
    for phase, expected in (("Pending", "progressing"), ("Ready", "ready"), ("Failed", "failed")):
        ctx.cluster.status(widget, {"phase": phase})
        if phase == "Failed":
            # The owner is ready and waits no more: a new reconcile runs the health check again.
            ctx.cluster.request_reconcile(owner_path)
        seen = read_until(both, lambda s: s[0] == s[2] == expected, 90)
        ctx.check(f"a Widget {phase.lower()} by healthCheckExprs: flux-web's row says {expected}, "
                  f"and kustomize-controller's Ready agrees", seen[0] == seen[2] == expected,
                  f"owner {seen[0]} ({seen[1]}), row {seen[2]}")
    url = f"{ctx.web.url}/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ctx.ns}/health"
    summary = json.loads(urllib.request.urlopen(url, timeout=30).read())["summary"]
    ctx.check("the owner failed by its health check is blocked by the Widget, named",
              (summary.get("blockedBy") or {}).get("objects") == [f"Widget/{ctx.ns}/gadget"], json.dumps(summary))
