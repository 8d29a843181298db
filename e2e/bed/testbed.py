"""The test bed's functions and paths the e2e scripts use, in one place."""

from .api import Api, http_ok
from .build import build, module_dir, npm_ci
from .commands import apply, running
from .components import git
from .pki import kubeconfig, write_kubeconfig
from .processes import free_ports, wait_until
from .settings import CACHE, E2E, FLUX_OPERATOR, RUN, Failure

__all__ = [
    "Api", "http_ok", "git", "build", "module_dir", "npm_ci", "apply", "running", "kubeconfig",
    "write_kubeconfig", "free_ports", "wait_until", "CACHE", "E2E", "FLUX_OPERATOR", "RUN", "Failure",
]
