"""The Flux Operator's web server (the peer of the interop suite and of `make bench`), built
from its published Go module into ~/.cache/flux-web once, and run on the test bed.

The Flux Operator is AGPL-3.0: it is built from its published module and run, never copied
from; the facts of its build are in ../shared/TOOLCHAIN.md's terms, in docs/decisions.md.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bed import stop, testbed

PEER = ("github.com/controlplaneio-fluxcd/flux-operator", "v0.59.0")
# v0.59.0 says `go 1.27.0`: the Go module proxy serves that toolchain as a module.
GO_127 = "go1.27.3"


def log(message):
    print(f"peer: {message}", file=sys.stderr, flush=True)


def go(args, cwd, **env):
    subprocess.run(["go", *args], cwd=cwd, env=dict(os.environ, **env), check=True,
                   stdout=subprocess.DEVNULL, timeout=1800)


def module_copy(module, version, into, toolchain=None):
    env = dict(os.environ, GOTOOLCHAIN=toolchain) if toolchain else None
    out = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"], cwd=testbed.CACHE,
                         capture_output=True, text=True, env=env, timeout=600)
    source = json.loads(out.stdout or "{}").get("Dir")
    if not source:
        raise SystemExit(f"interop: cannot download {module}@{version}: {out.stdout}{out.stderr}")
    shutil.copytree(source, into)
    for path in into.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)


def cached(name, build):
    """The binary `name` built once into the cache by `build(workdir, binary)`."""
    binary = testbed.CACHE / name / name.split("-")[0]
    if binary.is_file():
        return binary
    started = time.monotonic()
    log(f"building {name} into {binary.parent}")
    testbed.CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{name}-build-", dir=testbed.CACHE))
    try:
        build(work, work / "out")
        binary.parent.mkdir(parents=True, exist_ok=True)
        (work / "out").rename(binary)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"built {name} in {time.monotonic() - started:.0f}s")
    return binary


def build_peer(work, out):
    src = work / "src"
    module_copy(*PEER, src, toolchain=GO_127)
    # The module carries the web UI's sources only: build them into web/dist, which it embeds.
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=src / "web", check=True,
                   stdout=subprocess.DEVNULL, timeout=900)
    subprocess.run(["npm", "run", "build"], cwd=src / "web", check=True, stdout=subprocess.DEVNULL, timeout=900)
    # It requires a pseudo-version of authn/kubernetes the proxy refuses; take the newest served.
    authn = "github.com/google/go-containerregistry/pkg/authn/kubernetes"
    latest = subprocess.run(["go", "list", "-m", "-json", f"{authn}@latest"], cwd=src, capture_output=True,
                            text=True, check=True, env=dict(os.environ, GOTOOLCHAIN=GO_127), timeout=600)
    go(["mod", "edit", "-replace", f"{authn}={authn}@{json.loads(latest.stdout)['Version']}"], src,
       GOTOOLCHAIN=GO_127)
    # It exits unless FIPS 140-3 mode is on.
    go(["build", "-trimpath", "-mod=mod", "-o", out, "./cmd/operator"], src,
       GOTOOLCHAIN=GO_127, GOFIPS140="latest", CGO_ENABLED="0")


class Peer:
    """The Flux Operator's web server, Anonymous as `username` in `groups` (`peter`, an admin,
    unless said), with the bed's admin kubeconfig."""

    def __init__(self, binary, workdir, username="peter", groups=("system:masters",)):
        self.port = testbed.free_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "peer.yaml"
        config.write_text(json.dumps({
            "apiVersion": "web.fluxcd.controlplane.io/v1", "kind": "Config",
            "spec": {"authentication": {"type": "Anonymous",
                                        "anonymous": {"username": username, "groups": list(groups)}},
                     "userActions": {"audit": ["*"]}},
        }))
        env = dict(os.environ, KUBECONFIG=str(testbed.kubeconfig("admin")), NOTIFICATIONS_DISABLED="true")
        with open(workdir / "peer.log", "wb") as out:
            # It binds every interface; it is only ever sent traffic on 127.0.0.1.
            self.process = subprocess.Popen(
                [binary, "--web-server-only", "--web-server-port", str(self.port), "--web-config", config,
                 "--metrics-addr", "0", "--health-addr", "0"],
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        testbed.wait_until("the Flux Operator's web server", self.ready, self.process)

    def ready(self):
        try:
            urllib.request.urlopen(self.url + "/", timeout=2)
            return True
        except urllib.error.HTTPError:
            return True  # any answer: it listens
        except OSError:
            return False

    def request(self, path, body=None, timeout=10):
        """The JSON answer; 503 "server not initialized" for a moment after start is waited out."""
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode() if body else None,
                                         headers={"Content-Type": "application/json"})
        for _ in range(50):
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as e:
                if e.code != 503:
                    raise
            time.sleep(0.2)
        raise SystemExit(f"interop: the Flux Operator still answers 503 to {path}")

    def get(self, kind, namespace, name):
        return self.request(f"/api/v1/resource?kind={kind}&namespace={namespace}&name={name}")

    def act(self, namespace, name, action):
        body = {"kind": "Kustomization", "namespace": namespace, "name": name, "action": action}
        try:
            return self.request("/api/v1/resource/action", body)
        except urllib.error.HTTPError as e:
            return {"success": False, "message": f"{e.code} {e.read().decode()}"}

    def stop(self):
        stop(self.process)
