"""What the attacks aim at: storage that lies or trickles, an API server that freezes, a namespace of objects with RBAC for devs, a Pod that logs, the bed's OIDC provider."""

import base64
import hashlib
import http.cookiejar
import http.server
import io
import json
import os
import socket
import socketserver
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from suite import ARTIFACT, FLUX_GROUPS, HR, KS, REPO


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "e2e"))
from bed import flux, testbed  # noqa: E402


def tarball(entries):
    """A gzipped tarball of (name, text) files, (name, "->target") symbolic links."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in entries:
            info = tarfile.TarInfo(name)
            if text.startswith("->"):
                info.type, info.linkname = tarfile.SYMTYPE, text[2:]
                tar.addfile(info)
                continue
            data = text.encode()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def doubling(levels):
    """A kustomization that doubles its objects at each of `levels` levels: 2^levels
    ConfigMaps of 64 KiB, a build without end as far as one process is concerned."""
    entries = [("0/kustomization.yaml", "resources: [cm.yaml]\n"),
               ("0/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  v: " + "x" * 65536 + "\n")]
    for level in range(1, levels + 1):
        entries.append((f"{level}/kustomization.yaml", "resources: [a, b]\n"))
        for half in "ab":
            entries.append((f"{level}/{half}/kustomization.yaml", f"namePrefix: {half}-\nresources: [../../{level - 1}]\n"))
    return tarball(entries)


# The artifacts a preview is aimed at, by name: each one a build must refuse clearly.
HOSTILE = {
    "traversal": tarball([("app/config.yaml", "kind: ConfigMap\n"), ("../../escape.yaml", "kind: ConfigMap\n")]),
    "link": tarball([("app/config.yaml", "kind: ConfigMap\n"), ("app/etc", "->/etc")]),
    "remote": tarball([("kustomization.yaml", "resources:\n- https://github.com/example/repo//base?ref=main\n")]),
    "doubling": doubling(18),
}


def storage():
    """source-controller's storage, as liars and tricklers would play it, and the hostile
    tarballs of HOSTILE at /<name>.tar.gz."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            hostile = HOSTILE.get(self.path.removeprefix("/").removesuffix(".tar.gz"))
            if hostile is not None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(hostile)))
                self.end_headers()
                self.wfile.write(hostile)
                return
            if self.path == "/trickle.tar.gz":
                self.send_response(200)
                self.send_header("Content-Length", str(10**6))
                self.end_headers()
                for _ in range(300):
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(0.2)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(ARTIFACT)))
            self.end_headers()
            self.wfile.write(ARTIFACT)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


class Freezer:
    """A TCP relay to the API server that can stop passing bytes, as a frozen API server."""

    def __init__(self, upstream):
        self.frozen = threading.Event()
        host, port = upstream.removeprefix("https://").rstrip("/").split(":")
        freezer = self

        class Relay(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    server = socket.create_connection((host, int(port)), timeout=5)
                except OSError:
                    return
                server.settimeout(None)
                threading.Thread(target=freezer.pipe, args=(server, self.request), daemon=True).start()
                freezer.pipe(self.request, server)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Relay)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"

    def pipe(self, source, target):
        deadline = time.monotonic() + 600
        try:
            while time.monotonic() < deadline:
                data = source.recv(65536)
                if not data:
                    return
                while self.frozen.is_set() and time.monotonic() < deadline:
                    time.sleep(0.02)
                target.sendall(data)
        except OSError:
            return


def api_path(group, version, plural, namespace, name=""):
    prefix = "/api/v1" if not group else f"/apis/{group}/{version}"
    return f"{prefix}/namespaces/{namespace}/{plural}" + (f"/{name}" if name else "")


def web_path(group, plural, namespace, name, tail=""):
    return f"/api/v1/{group or 'core'}/{plural}/{namespace}/{name}" + tail


class World:
    """One namespace of objects to aim at, RBAC for `devs`, and readers of their state."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.ns = f"attacks-{os.getpid()}"
        cluster.namespace(self.ns)
        testbed.apply([ROOT / "deploy/base/namespace.yaml", ROOT / "deploy/base/server-rbac.yaml",
                       ROOT / "e2e/dev-rbac.yaml"])
        self.fine_grained_rbac()
        cluster.apply(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{self.ns}/roles/devs", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "devs", "namespace": self.ns},
            "rules": [
                {"apiGroups": FLUX_GROUPS, "resources": ["*"],
                 "verbs": ["get", "list", "watch", "patch", "reconcile", "suspend", "resume", "download"]},
                {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "list"]},
            ],
        })
        cluster.apply(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{self.ns}/rolebindings/devs", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "devs", "namespace": self.ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "devs"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "devs"}],
        })
        self.storage = storage()
        digest = "sha256:" + hashlib.sha256(ARTIFACT).hexdigest()
        lie = "sha256:" + hashlib.sha256(b"what source-controller recorded").hexdigest()
        self.create(KS, "apps", {"interval": "10m", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "good"}})
        self.create(HR, "release", {"interval": "10m", "chart": {"spec": {
            "chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}})
        self.create(KS, "k" * 70, {"interval": "10m", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "good"}})
        repos = {
            "good": (f"{self.storage}/a.tar.gz", digest),
            "lying": (f"{self.storage}/a.tar.gz", lie),
            "trickle": (f"{self.storage}/trickle.tar.gz", digest),
            "apiserver": ("https://kubernetes.default.svc/api/v1/secrets", digest),
            "metadata": ("http://169.254.169.254/latest/meta-data/", digest),
            "mapped": ("http://[::ffff:127.0.0.1]:9/x.tar.gz", digest),
            "unspecified": ("http://[::ffff:0.0.0.0]:9/x.tar.gz", digest),
            "lookalike": ("http://source-controller.flux-system.svc.evil.example/x.tar.gz", digest),
            "file": ("file:///etc/passwd", digest),
            "credentials": ("http://user:pw@source-controller.flux-system.svc/x", digest),
        }
        for name, artifact in HOSTILE.items():
            repos[name] = (f"{self.storage}/{name}.tar.gz", "sha256:" + hashlib.sha256(artifact).hexdigest())
        for name, (url, sha) in repos.items():
            self.create(REPO, name, {"interval": "10m", "url": "https://git.example.com/x"})
            self.cluster.status(api_path(REPO[0], REPO[1], REPO[3], self.ns, name), {"artifact": {
                "url": url, "digest": sha, "revision": "main@sha1:0123456789abcdef", "path": "x",
                "lastUpdateTime": "2026-12-01T00:00:00Z"}})

    def fine_grained_rbac(self):
        """The server's FineGrained rights as deploy/ ships them, bound in this namespace only,
        so that nothing outlives the run in the rest of the bed."""
        text = (ROOT / "deploy/components/fine-grained/rbac.yaml").read_text()
        role = text.split("\n---\n")[0]
        path = ROOT / "e2e" / ".run" / "attacks-fine-grained.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(role)
        testbed.apply([path])
        self.cluster.apply(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{self.ns}/rolebindings/flux-web-fine-grained", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "flux-web-fine-grained", "namespace": self.ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "flux-web-fine-grained"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "flux-web"}],
        })

    def create(self, kind, name, spec):
        group, version, k, plural = kind
        path, body = flux(group, version, k, plural, self.ns, name, spec)
        self.cluster.apply(path, body)

    def version(self, kind, name):
        group, version, _, plural = kind
        text = self.cluster.api.request("GET", api_path(group, version, plural, self.ns, name))
        return json.loads(text)["metadata"]["resourceVersion"]

    def path(self, kind, name, tail=""):
        return web_path(kind[0], kind[3], self.ns, name, tail)


# The callback the bed's OIDC provider knows for flux-web's clients.
CALLBACK = "http://flux-web.testbed/oauth2/callback"


def wait_for(what, check, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"{what} within {seconds} s")


def get(cluster, path):
    return json.loads(cluster.api.request("GET", path))


def role(cluster, ns, name, rules, subject):
    """A Role of `rules` in `ns`, bound to `subject` (kind, name)."""
    cluster.apply(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles/{name}", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": name, "namespace": ns},
        "rules": rules,
    })
    cluster.apply(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings/{name}", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": name, "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": subject[0], "name": subject[1]}],
    })


def talker(ctx):
    """A Pod in the attack namespace whose logs devs may read and follow (kwok's Node runs it
    and serves its logs); made once."""
    if getattr(ctx, "talker", None):
        return ctx.talker
    ns = ctx.world.ns
    role(ctx.cluster, ns, "devs-pods", [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    ], ("Group", "devs"))
    ctx.cluster.apply(f"/api/v1/namespaces/{ns}/pods/talker", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "talker", "namespace": ns},
        "spec": {"containers": [{"name": "app", "image": "example.com/talker:1"}]},
    })
    wait_for("the talker Pod running", lambda: get(ctx.cluster, f"/api/v1/namespaces/{ns}/pods/talker")
             .get("status", {}).get("phase") == "Running", 60)
    ctx.talker = f"/api/v1/core/pods/{ns}/talker/logs?follow=true&tailLines=1"
    return ctx.talker


def log_streams(cluster):
    """The `pods/log` streams kube-apiserver holds open now."""
    text = cluster.api.request("GET", "/metrics")
    return sum(int(float(l.rsplit(" ", 1)[1])) for l in text.splitlines()
               if l.startswith("apiserver_longrunning_requests{") and 'subresource="log"' in l)


def id_token(state, client, user):
    """An ID token of the bed's OIDC provider for `user`, by its login form, as a browser."""
    issuer = state["oidc_issuer"]
    verifier = "a-verifier-of-enough-length-for-pkce-0123456789-abcdefghijk"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Stay)
    absolute = lambda location: location if location.startswith("http") else issuer + location  # noqa: E731
    url = (f"{issuer}/auth?response_type=code&client_id={client}&redirect_uri={urllib.parse.quote(CALLBACK, safe='')}"
           f"&scope=openid+email+profile+groups&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256")
    form = None
    for _ in range(10):
        try:
            page = browser.open(url, data=form, timeout=10).read().decode()
        except urllib.error.HTTPError as e:
            if e.code not in (302, 303):
                raise
            location = e.headers["Location"]
            if location.startswith(CALLBACK):
                code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
                break
            url, form = absolute(location), None
            continue
        url = absolute(page.split('action="')[1].split('"')[0])
        fields = {"prompt": "login", "login": user, "password": "any"} if 'name="login"' in page else {"prompt": "consent"}
        form = urllib.parse.urlencode(fields).encode()
    else:
        raise RuntimeError("the provider never sent the browser back")
    credentials = base64.b64encode(f"{client}:{state['oidc_secret']}".encode()).decode()
    request = urllib.request.Request(f"{issuer}/token", data=urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": CALLBACK,
    }).encode(), headers={"Authorization": f"Basic {credentials}"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read())["id_token"]


def oauth2(state, client):
    """The config of a server that logs in with the bed's OIDC provider as `client`."""
    return {
        "baseURL": "http://flux-web.testbed", "insecure": True,
        "authentication": {"type": "OAuth2", "oauth2": {
            "provider": "OIDC", "issuerURL": state["oidc_issuer"], "clientID": client,
            "clientSecret": state["oidc_secret"]}},
    }


def web_events(cluster, ns):
    items = get(cluster, f"/api/v1/namespaces/{ns}/events")["items"]
    return [e for e in items if e.get("reason") == "WebAction"]
