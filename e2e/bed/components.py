"""What runs beside the control plane: kube-scheduler and a kwok Node, the Git server, and Flux's controllers."""

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error

from .api import http_ok, insecure_tls
from .build import module_dir, yaml_documents
from .pki import kubeconfig
from .processes import free_ports, start, wait_until
from .settings import CONTROLLERS, FLUX_OPERATOR, GIT_DIR, NODE, RUN, Failure, log


def start_node(state, bins, api, pki):
    """kube-scheduler and one kwok Node: pods get scheduled, become Ready, Jobs' pods complete,
    and the Node's kubelet endpoint (kwok's server, TLS signed by the bed's CA) serves logs."""
    scheduler_port, kubelet_port = free_ports(2)
    scheduler = start("kube-scheduler", [
        bins["kube-scheduler"], "--kubeconfig", kubeconfig("system:kube-scheduler"),
        "--bind-address", "127.0.0.1", "--secure-port", scheduler_port, "--leader-elect=false",
    ], state)
    wait_until(
        "kube-scheduler",
        lambda: http_ok(f"https://127.0.0.1:{scheduler_port}/healthz", insecure_tls()),
        scheduler,
    )
    kwok_dir = RUN / "kwok"
    kwok_dir.mkdir()
    write_logs(kwok_dir)
    stages = module_dir("sigs.k8s.io/kwok", "v0.8.0") / "kustomize" / "stage"
    config = [
        (stages / f).read_text()
        for f in [
            "node/fast/node-initialize.yaml",
            "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
            "pod/fast/pod-ready.yaml",
            "pod/fast/pod-complete.yaml",
            "pod/fast/pod-delete.yaml",
        ]
    ]
    config.append(f"""apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: testbed
spec:
  selector: {{}}
  logs:
  - logsFile: {kwok_dir / "current.log"}
    previousLogsFile: {kwok_dir / "previous.log"}
    follow: true
""")
    (kwok_dir / "config.yaml").write_text("---\n".join(config))
    kwok = start("kwok", [
        bins["kwok"], "--kubeconfig", kubeconfig("system:kwok"), "--config", kwok_dir / "config.yaml",
        "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--node-ip", "127.0.0.1", "--node-port", kubelet_port,
        "--server-address", f"127.0.0.1:{kubelet_port}",
        "--tls-cert-file", pki / "kubelet.crt", "--tls-private-key-file", pki / "kubelet.key",
        "--node-lease-duration-seconds", "40",
    ], state)
    capacity = {"cpu": "32", "memory": "256Gi", "pods": "250"}
    api.request("POST", "/api/v1/nodes", json.dumps({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": NODE,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {"kubernetes.io/hostname": NODE, "kubernetes.io/os": "linux", "type": "kwok"},
        },
        "status": {"capacity": capacity, "allocatable": capacity},
    }), "application/json")

    def node_ready():
        node = json.loads(api.request("GET", f"/api/v1/nodes/{NODE}"))
        conditions = node.get("status", {}).get("conditions", [])
        return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

    wait_until(f"the kwok Node {NODE}", node_ready, kwok)


def write_logs(kwok_dir):
    """What every container on the kwok Node prints, in the CRI log format the kubelet keeps:
    kwok serves these files as the current and previous logs of every container."""
    now = time.time()
    for name, first, lines in [("previous", now - 7200, 20), ("current", now - 600, 200)]:
        text = []
        for i in range(lines):
            at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(first + i * 3)) + ".000000000Z"
            level = "error" if i % 50 == 49 else "info"
            stream = "stderr" if level == "error" else "stdout"
            text.append(f'{at} {stream} F {{"level":"{level}","msg":"{name} run, line {i + 1}"}}')
        (kwok_dir / f"{name}.log").write_text("\n".join(text) + "\n")


def git(*args, cwd=None):
    identity = ["-c", "user.name=testbed", "-c", "user.email=testbed@flux-web.invalid"]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def start_git(state):
    """The Git server and the demo repository (e2e/git/demo) committed into `demo.git`."""
    root = RUN / "git"
    root.mkdir()
    git("init", "--quiet", "--bare", "--initial-branch=main", root / "demo.git")
    work = RUN / "git-work"
    shutil.copytree(GIT_DIR / "demo", work)
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    git("add", "--all", cwd=work)
    git("commit", "--quiet", "--message", "The demo world", cwd=work)
    git("push", "--quiet", root / "demo.git", "main", cwd=work)
    shutil.rmtree(work)
    (port,) = free_ports(1)
    state["git"] = f"http://127.0.0.1:{port}"
    server = start("git", [sys.executable, GIT_DIR / "server.py", port, root], state)
    wait_until(
        "the Git server",
        lambda: http_ok(f"{state['git']}/demo.git/info/refs?service=git-upload-pack"),
        server,
    )


def flux_rbac():
    """The Flux distribution's RBAC for its controllers: crd-controller for all, cluster-admin
    for kustomize-controller (flux-view and flux-edit, which aggregate into the built-in user
    roles, are left out: the tests decide what their users may do)."""
    rbac = module_dir(*FLUX_OPERATOR) / "config" / "data" / "flux" / "v2.9.4" / "rbac.yaml"
    wanted = {("ClusterRole", "crd-controller"), ("ClusterRoleBinding", "crd-controller"),
              ("ClusterRoleBinding", "cluster-reconciler")}
    return [d for d in yaml_documents(rbac.read_text()) if (kind_of(d), name_of(d)) in wanted]


# What each controller watches. Objects with a shard key are left alone, as by Flux's main
# shard: the tests that set statuses themselves put their objects in a shard no controller
# runs (sharding.fluxcd.io/key: inert). notification-controller takes no label selector: it
# watches its own namespace only, so Alerts and Providers of tests live in flux-system and
# Receivers elsewhere keep the statuses tests give them; its event endpoint takes events of
# every namespace.
WATCH = {
    "source-controller": ["--watch-all-namespaces", "--watch-label-selector=!sharding.fluxcd.io/key"],
    "kustomize-controller": ["--watch-all-namespaces", "--watch-label-selector=!sharding.fluxcd.io/key"],
    "notification-controller": ["--watch-all-namespaces=false"],
}


def start_flux(state, bins, api):
    """notification-controller, then source- and kustomize-controller sending it their events;
    all watch every namespace, without leader election, listening on loopback only."""
    try:
        api.request("POST", "/api/v1/namespaces", json.dumps(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system"}}
        ), "application/json")
    except urllib.error.HTTPError as e:
        if e.code != 409:
            raise
    apply_documents(api, flux_rbac(), "the Flux distribution")
    storage = RUN / "storage"
    storage.mkdir()
    ports = dict(zip(["events", "receiver", "storage"], free_ports(3)))
    state["notification_controller"] = f"http://127.0.0.1:{ports['events']}/"
    state["storage"] = f"127.0.0.1:{ports['storage']}"
    extra = {
        "notification-controller": [
            "--events-addr", f"127.0.0.1:{ports['events']}",
            "--receiverAddr", f"127.0.0.1:{ports['receiver']}",
        ],
        "source-controller": [
            "--events-addr", state["notification_controller"],
            "--storage-path", storage,
            "--storage-addr", state["storage"], "--storage-adv-addr", state["storage"],
        ],
        # A dependant tries again 5 s after its dependency was not ready (Flux's default is
        # 30 s), so the suites see a fixed dependency's dependants follow within seconds.
        "kustomize-controller": ["--events-addr", state["notification_controller"], "--requeue-dependency=5s"],
    }
    for controller in CONTROLLERS:
        metrics, health = free_ports(2)
        process = start(controller, [
            bins[controller], "--log-encoding=json", *WATCH[controller],
            "--metrics-addr", f"127.0.0.1:{metrics}", "--health-addr", f"127.0.0.1:{health}",
            *extra[controller],
        ], state, env={
            "KUBECONFIG": str(kubeconfig(f"system:serviceaccount:flux-system:{controller}")),
            "RUNTIME_NAMESPACE": "flux-system",
        })
        wait_until(controller, lambda h=health: http_ok(f"http://127.0.0.1:{h}/readyz"), process)


KINDS = {
    ("v1", "Namespace"): "/api/v1/namespaces/{name}",
    ("v1", "ServiceAccount"): "/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}",
    ("rbac.authorization.k8s.io/v1", "Role"): "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/{name}",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"):
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{name}",
    ("v1", "Secret"): "/api/v1/namespaces/{namespace}/secrets/{name}",
}


def kind_of(document):
    field = lambda key: (re.search(rf"^{key}: (\S+)$", document, re.M) or [None, None])[1]
    return field("kind")


def name_of(document, key="name"):
    pattern = rf"^metadata:\n(?:[ ]{{2,}}.*\n)*?[ ]{{2}}{key}: (\S+)$"
    return (re.search(pattern, document, re.M) or [None, None])[1]


def apply_documents(api, documents, source):
    """Server-side applies `documents` (the kinds of KINDS only)."""
    for document in documents:
        version = (re.search(r"^apiVersion: (\S+)$", document, re.M) or [None, None])[1]
        kind = (version, kind_of(document))
        if kind not in KINDS:
            raise Failure(f"{source}: apply knows no {kind[1]} ({kind[0]})")
        path = KINDS[kind].format(name=name_of(document), namespace=name_of(document, "namespace"))
        try:
            api.request("PATCH", path + "?fieldManager=flux-web-testbed&force=true", document, "application/apply-patch+yaml")
        except urllib.error.HTTPError as e:
            raise Failure(f"{source}: applying {kind[1]} {name_of(document)}: {e.code} {e.read().decode()[:300]}") from e
        log(f"applied {kind[1]} {name_of(document)}")
