"""Where the test bed lives and what it runs: paths, pinned versions, users, timeouts."""

import os
import sys
from pathlib import Path



E2E = Path(__file__).resolve().parent.parent
KUBE_MODULE = E2E / "kube"
RUN = Path(os.environ.get("FLUX_WEB_TESTBED_DIR", E2E / ".run"))
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "flux-web"
STATE = RUN / "state.json"

K8S_VERSION = "v1.36.3"

# Flux v2.9.4 and flux-operator v0.58.1. source-watcher is not served by the Go module
# proxy; flux-operator's module carries the whole Flux v2.9.4 distribution, whose
# source-watcher.yaml holds the ArtifactGenerator CRD of that release.
FLUX_OPERATOR = ("github.com/controlplaneio-fluxcd/flux-operator", "v0.58.1")
FLUX_MODULES = [
    ("github.com/fluxcd/source-controller", "v1.9.4"),
    ("github.com/fluxcd/kustomize-controller", "v1.9.4"),
    ("github.com/fluxcd/helm-controller", "v1.6.3"),
    ("github.com/fluxcd/notification-controller", "v1.9.3"),
    ("github.com/fluxcd/image-reflector-controller", "v1.2.4"),
    ("github.com/fluxcd/image-automation-controller", "v1.2.4"),
    FLUX_OPERATOR,
]
SOURCE_WATCHER_DISTRIBUTION = "config/data/flux/v2.9.4/source-watcher.yaml"

# name -> (groups, kubeconfig env suffix). kube-controller-manager gets an identity of its
# own in system:masters, since it runs every controller under one client here.
USERS = {
    "admin": (["system:masters"], "ADMIN"),
    "flux-web": ([], "SERVER"),
    "alice": (["devs"], "ALICE"),
    "bob": (["ops"], "BOB"),
    "mallory": ([], "MALLORY"),
    "system:kube-controller-manager": (["system:masters"], None),
    "system:kube-scheduler": (["system:masters"], None),
    "system:kwok": (["system:masters"], None),
    # The Flux controllers, under the service account names the Flux distribution's RBAC
    # (applied by `up`, see flux_rbac) binds.
    **{
        f"system:serviceaccount:flux-system:{c}": (
            ["system:serviceaccounts", "system:serviceaccounts:flux-system"],
            None,
        )
        for c in ["source-controller", "kustomize-controller", "notification-controller"]
    },
}

FLUX_DIR = E2E / "flux"
# Flux v2.9.4's controllers, built from the one module e2e/flux. helm-controller is not
# among them: it needs github.com/fluxcd/helm/v4, which the Go module proxy does not serve.
CONTROLLERS = ["source-controller", "kustomize-controller", "notification-controller"]
KWOK_MODULE = E2E / "kwok"
GIT_DIR = E2E / "git"
NODE = "testbed-node"

# The OpenID Connect provider (e2e/oidc): the redirect URIs flux-web may use with it. In-process
# tests and processes started by tests are configured with the first as baseURL; `make dev`
# serves on 9080.
OIDC_DIR = E2E / "oidc"
OIDC_REDIRECTS = [
    "http://flux-web.testbed/oauth2/callback",
    "http://127.0.0.1:9080/oauth2/callback",
    "http://localhost:9080/oauth2/callback",
    # The browser tests take a free one of these, so they run beside `make dev`.
    *[f"http://127.0.0.1:{port}/oauth2/callback" for port in range(9081, 9090)],
    # Served under a path (baseURL http://127.0.0.1:<port>/flux/).
    *[f"http://127.0.0.1:{port}/flux/oauth2/callback" for port in range(9081, 9090)],
]

READY_TIMEOUT = 90  # seconds each component may take to answer its health check
STOP_TIMEOUT = 15


def log(message):
    print(f"testbed: {message}", file=sys.stderr, flush=True)


class Failure(Exception):
    pass
