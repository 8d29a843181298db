"""The commands of `e2e/testbed`: build, up, env, logs, apply, down."""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

from .api import Api, http_ok, insecure_tls
from .build import binaries, crds, npm_ci, yaml_documents
from .components import apply_documents, start_flux, start_git, start_node
from .pki import kubeconfig, make_pki, write_kubeconfig, write_tokens
from .processes import free_ports, load, ours, save, start, wait_until
from .settings import Failure, NODE, OIDC_DIR, OIDC_REDIRECTS, RUN, STOP_TIMEOUT, USERS, log


def running():
    state = load()
    if not state or not state.get("ready"):
        return None
    if not all(ours(p) for p in state["processes"]):
        return None
    try:
        api = Api(state["apiserver"], RUN / "pki" / "ca.crt", state["admin_token"])
        if api.request("GET", "/readyz") == "ok":
            return state
    except (OSError, urllib.error.URLError):
        return None
    return None


def build():
    """What `up` runs, built or fetched into the cache; returns the binaries and the CRD files."""
    bins = binaries()
    crd_files = crds()
    npm_ci(OIDC_DIR)
    return bins, crd_files


def up():
    started = time.monotonic()
    if running():
        log(f"already up at {load()['apiserver']}: reusing it")
        return
    if RUN.exists():
        log("removing what a previous run left behind")
        down(quiet=True)
    bins, crd_files = build()
    RUN.mkdir(parents=True)
    pki = RUN / "pki"
    make_pki(pki)
    tokens = write_tokens(RUN / "tokens.csv")
    etcd_port, peer_port, api_port, kcm_port, oidc_port = free_ports(5)
    server = f"https://127.0.0.1:{api_port}"
    state = {"processes": [], "apiserver": server, "admin_token": tokens["admin"], "ready": False,
             "oidc_issuer": f"http://127.0.0.1:{oidc_port}", "oidc_secret": secrets.token_hex(24)}
    save(state)
    try:
        etcd_url = f"http://127.0.0.1:{etcd_port}"
        peer_url = f"http://127.0.0.1:{peer_port}"
        etcd = start("etcd", [
            bins["etcd"], "--name", "testbed", "--data-dir", RUN / "etcd",
            "--listen-client-urls", etcd_url, "--advertise-client-urls", etcd_url,
            "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
            "--initial-cluster", f"testbed={peer_url}", "--unsafe-no-fsync",
            "--log-level", "warn",
        ], state)
        wait_until("etcd", lambda: http_ok(f"{etcd_url}/health"), etcd)

        apiserver = start("kube-apiserver", [
            bins["kube-apiserver"],
            "--etcd-servers", etcd_url,
            "--bind-address", "127.0.0.1", "--secure-port", api_port,
            "--advertise-address", "127.0.0.1", "--endpoint-reconciler-type", "none",
            "--cert-dir", RUN / "apiserver",
            "--tls-cert-file", pki / "apiserver.crt", "--tls-private-key-file", pki / "apiserver.key",
            "--client-ca-file", pki / "ca.crt",
            "--token-auth-file", RUN / "tokens.csv",
            "--authorization-mode", "RBAC",
            "--service-account-issuer", server,
            "--service-account-key-file", pki / "sa.pub",
            "--service-account-signing-key-file", pki / "sa.key",
            "--service-cluster-ip-range", "10.96.0.0/16",
            "--kubelet-certificate-authority", pki / "ca.crt",
        ], state)
        api = Api(server, pki / "ca.crt", tokens["admin"])
        wait_until("kube-apiserver", lambda: api.request("GET", "/readyz") == "ok", apiserver)

        for user in USERS:
            write_kubeconfig(kubeconfig(user), server, pki / "ca.crt", user, tokens[user])

        kcm = start("kube-controller-manager", [
            bins["kube-controller-manager"],
            "--kubeconfig", kubeconfig("system:kube-controller-manager"),
            "--bind-address", "127.0.0.1", "--secure-port", kcm_port,
            "--cert-dir", RUN / "kcm",
            "--leader-elect=false",
            "--service-account-private-key-file", pki / "sa.key",
            "--root-ca-file", pki / "ca.crt",
            "--use-service-account-credentials=false",
        ], state)
        wait_until(
            "kube-controller-manager",
            lambda: http_ok(f"https://127.0.0.1:{kcm_port}/healthz", insecure_tls()),
            kcm,
        )

        oidc = start("oidc", [
            shutil.which("node") or "node", OIDC_DIR / "provider.mjs", oidc_port, state["oidc_secret"],
            *OIDC_REDIRECTS,
        ], state)
        wait_until(
            "the OIDC provider",
            lambda: http_ok(f"{state['oidc_issuer']}/.well-known/openid-configuration"),
            oidc,
        )

        names = [api.apply_crd(d) for f in crd_files for d in yaml_documents(f.read_text())]
        for name in names:
            wait_until(f"CRD {name}", lambda n=name: api.established(n), timeout=30)
        start_node(state, bins, api, pki)
        start_git(state)
        start_flux(state, bins, api)
        state["ready"] = True
        save(state)
    except (Failure, subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        log(f"up failed: {e}")
        logs()
        down(quiet=True)
        raise SystemExit(1)
    log(f"up at {server} with {len(names)} Flux CRDs in {time.monotonic() - started:.1f}s")


def apply(files):
    """Server-side applies the documents of `files` as admin (the kinds of KINDS only)."""
    state = running()
    if not state:
        raise Failure("not up: run `e2e/testbed up` first")
    api = Api(state["apiserver"], RUN / "pki" / "ca.crt", state["admin_token"])
    for file in files:
        apply_documents(api, yaml_documents(Path(file).read_text()), file)


def env():
    state = running()
    if not state:
        log("not up: run `e2e/testbed up` first")
        raise SystemExit(1)
    print(f"export FLUX_WEB_TEST_APISERVER={state['apiserver']}")
    print(f"export FLUX_WEB_TEST_LOGS={RUN / 'logs'}")
    print(f"export FLUX_WEB_TEST_OIDC_ISSUER={state['oidc_issuer']}")
    print(f"export FLUX_WEB_TEST_OIDC_SECRET={state['oidc_secret']}")
    print(f"export FLUX_WEB_TEST_GIT={state['git']}")
    print(f"export FLUX_WEB_TEST_GIT_ROOT={RUN / 'git'}")
    print(f"export FLUX_WEB_TEST_NOTIFICATION_CONTROLLER={state['notification_controller']}")
    print(f"export FLUX_WEB_TEST_STORAGE={state['storage']}")
    print(f"export FLUX_WEB_TEST_STORAGE_PATH={RUN / 'storage'}")
    print(f"export FLUX_WEB_TEST_NODE={NODE}")
    for user, (_, suffix) in USERS.items():
        if suffix:
            print(f"export FLUX_WEB_TEST_KUBECONFIG_{suffix}={kubeconfig(user)}")


def logs(lines=40):
    for f in sorted((RUN / "logs").glob("*.log")):
        tail = f.read_text(errors="replace").splitlines()[-lines:]
        print(f"===== {f.name} (last {len(tail)} lines) =====", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)


def down(quiet=False):
    state = load() or {"processes": []}
    # Stop in reverse order of start, so the API server never outlives etcd by much.
    for entry in reversed(state["processes"]):
        if not ours(entry):
            continue
        os.kill(entry["pid"], signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while ours(entry) and time.monotonic() < deadline:
            time.sleep(0.1)
        if ours(entry):
            os.kill(entry["pid"], signal.SIGKILL)
        if not quiet:
            log(f"stopped {entry['name']} (pid {entry['pid']})")
    shutil.rmtree(RUN, ignore_errors=True)


def main(usage):
    commands = {"build": build, "up": up, "down": down, "env": env, "logs": logs}
    takes_files = len(sys.argv) > 2 and sys.argv[1] == "apply"
    if not takes_files and (len(sys.argv) != 2 or sys.argv[1] not in commands):
        print(usage, file=sys.stderr)
        raise SystemExit(2)
    try:
        if takes_files:
            apply(sys.argv[2:])
        else:
            commands[sys.argv[1]]()
    except Failure as e:
        log(str(e))
        raise SystemExit(1)
