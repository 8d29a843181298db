"""The test bed as a Python package, and what the e2e scripts share.

- `settings`, `build`, `pki`, `processes`, `api`, `components`, `commands`: the test bed
  itself, which `e2e/testbed` runs (up, env, logs, apply, down).
- `testbed`: the bed's functions the scripts use (running, kubeconfig, apply, free_ports,
  wait_until, http_ok, Api, the paths).
- Here: the running bed as admin (`Cluster`), flux-web processes on it (`FluxWeb`), Flux
  objects to create (`flux`).
"""

import json
import os
import subprocess
import tempfile
import time
import urllib.error
from pathlib import Path

from . import testbed

ROOT = Path(__file__).resolve().parent.parent.parent


class Cluster:
    """The running test bed, as admin."""

    def __init__(self):
        state = testbed.running()
        if not state:
            raise SystemExit("the test bed is not up: run `e2e/testbed up` first")
        self.api = testbed.Api(state["apiserver"], testbed.RUN / "pki" / "ca.crt", state["admin_token"])
        # The bed's Git server, which serves the demo repository as demo.git.
        self.git = state["git"]

    def apply(self, path, body):
        """Server-side apply of one object (JSON is YAML)."""
        try:
            self.api.request(
                "PATCH", path + "?fieldManager=flux-web-e2e&force=true", json.dumps(body), "application/apply-patch+yaml"
            )
        except urllib.error.HTTPError as e:
            raise SystemExit(f"applying {path}: {e.code} {e.read().decode()[:300]}")

    def try_apply(self, path, body):
        try:
            self.apply(path, body)
            return True
        except SystemExit as e:
            print(e)
            return False

    def status(self, path, status):
        """Merge-patches the status subresource, as a controller would."""
        try:
            self.api.request("PATCH", path + "/status", json.dumps({"status": status}), "application/merge-patch+json")
        except urllib.error.HTTPError as e:
            raise SystemExit(f"status of {path}: {e.code} {e.read().decode()[:300]}")

    def commit(self, files, message, fetch=True):
        """Commits `files` ({path: text}, None to remove one) to the demo repository, then (unless `fetch` is false)
        asks source-controller to fetch it now, as `flux reconcile source git` would."""
        with tempfile.TemporaryDirectory(prefix="flux-web-git-") as work:
            testbed.git("clone", "--quiet", f"{self.git}/demo.git", work)
            for path, text in files.items():
                # None removes the file.
                if text is None:
                    (Path(work) / path).unlink(missing_ok=True)
                    continue
                (Path(work) / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(work) / path).write_text(text)
            testbed.git("add", "--all", cwd=work)
            testbed.git("commit", "--quiet", "--message", message, cwd=work)
            testbed.git("push", "--quiet", "origin", "main", cwd=work)
        if fetch:
            self.request_reconcile("/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system")

    def request_reconcile(self, path):
        """What every Flux tool's reconcile writes: a new `reconcile.fluxcd.io/requestedAt`."""
        stamp = {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": str(time.time_ns())}}}
        self.api.request("PATCH", path, json.dumps(stamp), "application/merge-patch+json")

    def namespace(self, name):
        self.apply(f"/api/v1/namespaces/{name}", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def bind(self, namespace, role, group):
        """Binds the ClusterRole `role` to `group` in `namespace`."""
        self.apply(
            f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{role}",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": role, "namespace": namespace},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}],
            },
        )


# The bed's Flux controllers watch only objects without a shard key, as Flux's main shard
# does; no controller runs this one, so the statuses the scripts set stay theirs.
INERT = {"sharding.fluxcd.io/key": "inert"}


def flux(group, version, kind, plural, namespace, name, spec, inert=True):
    """The path and body of a Flux object; in the inert shard unless `inert` is false."""
    path = f"/apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}"
    metadata = {"name": name, "namespace": namespace}
    if inert:
        metadata["labels"] = dict(INERT)
    body = {"apiVersion": f"{group}/{version}", "kind": kind, "metadata": metadata, "spec": spec}
    return path, body


def build_server():
    """Builds the debug binary FluxWeb runs, with its integration tests: selecting a test makes
    cargo resolve the dependencies' features as the tests do (the dev-dependencies add some), so
    after `make unit` and the integration tests this compiles nothing, where a plain `cargo build
    -p flux-web` would compile most of the dependency graph a second time."""
    subprocess.run(["cargo", "build", "-q", "-p", "flux-web", "--bin", "flux-web", "--test", "integration"],
                   cwd=ROOT, check=True, timeout=3600)


class FluxWeb:
    """The flux-web binary of `profile` (or `binary`) on a free loopback port, as the bed's
    server identity, in Anonymous mode as `username` in `groups` unless `spec` says otherwise,
    or with the config file `config` as it is, or the config Secret `config_secret`."""

    def __init__(self, username, groups, workdir, profile="debug", spec=None, args=(), port=None, kubeconfig=None,
                 config=None, binary=None, config_secret=None):
        self.port = port or testbed.free_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        if config is None:
            config = workdir / f"{username}.yaml"
            config.write_text(json.dumps({
                "apiVersion": "web.fluxcd.controlplane.io/v1", "kind": "Config",
                "spec": {
                    "authentication": {"type": "Anonymous", "anonymous": {"username": username, "groups": groups}},
                    **(spec or {}),
                },
            }))
        self.log = workdir / f"{username}.log"
        binary = binary or Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / profile / "flux-web"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [binary, *(["--config-secret", config_secret] if config_secret else ["--config", config]),
                 "--kubeconfig", kubeconfig or testbed.kubeconfig("flux-web"),
                 "--listen", f"127.0.0.1:{self.port}",
                 *args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )
        testbed.wait_until(f"flux-web as {username}", lambda: testbed.http_ok(f"{self.url}/readyz"), self.process)

    def rss_kib(self):
        return rss_kib(self.process)

    def stop(self):
        stop(self.process)


def rss_kib(process):
    """A process's resident memory now and at its peak, in KiB, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{process.pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def stop(process):
    """Stops a server the scripts started: SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
