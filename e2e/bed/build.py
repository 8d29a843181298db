"""Building what the bed runs, once: Go binaries from the module proxy into the cache, keyed by their go.mod and go.sum; the Flux CRDs from the module zips; npm packages."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .settings import CACHE, CONTROLLERS, FLUX_DIR, FLUX_MODULES, FLUX_OPERATOR, Failure, K8S_VERSION, KUBE_MODULE, KWOK_MODULE, SOURCE_WATCHER_DISTRIBUTION, log


def file_digest(*paths, extra=""):
    h = hashlib.sha256(extra.encode())
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()[:16]


def build(label, module, packages, ldflags="-s -w", cold=""):
    """Builds `packages` of the Go module in `module` into the cache once per go.mod and go.sum;
    returns the directory that holds them."""
    key = file_digest(module / "go.mod", module / "go.sum", extra=ldflags)
    bin_dir = CACHE / f"{label}-{key}"
    if all((bin_dir / n).is_file() for n in packages):
        return bin_dir
    log(f"building {label} into {bin_dir}{cold}")
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{label}-build-", dir=CACHE))
    # One `go build` for all of them, so one links while another compiles.
    started = time.monotonic()
    subprocess.run(
        ["go", "build", "-trimpath", "-ldflags", ldflags, "-o", f"{tmp}/", *packages.values()],
        cwd=module,
        env=dict(os.environ, CGO_ENABLED="0"),
        check=True,
    )
    for name, package in packages.items():
        (tmp / go_binary_name(package)).rename(tmp / name)
    log(f"built {', '.join(packages)} in {time.monotonic() - started:.0f}s")
    shutil.rmtree(bin_dir, ignore_errors=True)
    tmp.rename(bin_dir)
    return bin_dir


def go_binary_name(package):
    """The name `go build -o DIR/` gives a main package's binary: its path's last element, or
    the one before a major version suffix (go.etcd.io/etcd/server/v3 is `server`)."""
    parts = package.split("/")
    return parts[-2] if len(parts) > 1 and re.fullmatch(r"v[0-9]+", parts[-1]) else parts[-1]


def binaries():
    """Every binary the bed runs, by name."""
    v = "k8s.io/component-base/version"
    ldflags = " ".join(
        [
            "-s -w",
            f"-X {v}.gitVersion={K8S_VERSION}",
            f"-X {v}.gitMajor=1",
            f"-X {v}.gitMinor={K8S_VERSION.split('.')[1]}",
            f"-X {v}.gitTreeState=clean",
            f"-X k8s.io/client-go/pkg/version.gitVersion={K8S_VERSION}",
        ]
    )
    kube = {
        "etcd": "go.etcd.io/etcd/server/v3",
        "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
        "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
        "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
    }
    found = {}
    kube_dir = build(f"kube-{K8S_VERSION}", KUBE_MODULE, kube, ldflags, " (cold: ~6 min)")
    found.update({name: kube_dir / name for name in kube})
    flux = {controller: f"github.com/fluxcd/{controller}" for controller in CONTROLLERS}
    flux_dir = build("flux-controllers", FLUX_DIR, flux, cold=" (cold: ~8 min)")
    found.update({name: flux_dir / name for name in flux})
    found["kwok"] = build("kwok", KWOK_MODULE, {"kwok": "sigs.k8s.io/kwok/cmd/kwok"}, cold=" (cold: ~1 min)") / "kwok"
    return found


def module_dir(module, version):
    out = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        cwd=CACHE,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout or "{}")
    if out.returncode != 0 or "Dir" not in info:
        raise Failure(f"cannot download {module}@{version}: {info.get('Error') or out.stderr}")
    return Path(info["Dir"])


def yaml_documents(text):
    return [d.strip() + "\n" for d in re.split(r"^---\s*$", text, flags=re.M) if d.strip()]


def crds():
    """Copies the pinned Flux CRDs into the cache once; returns their files."""
    key = hashlib.sha256(repr(FLUX_MODULES).encode()).hexdigest()[:16]
    crd_dir = CACHE / f"crds-{key}"
    if not crd_dir.is_dir():
        log("fetching Flux CRDs from the Go module proxy")
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="crds-", dir=CACHE))
        for module, version in FLUX_MODULES:
            bases = module_dir(module, version) / "config" / "crd" / "bases"
            for f in sorted(bases.glob("*.yaml")):
                shutil.copyfile(f, tmp / f.name)
        distribution = (module_dir(*FLUX_OPERATOR) / SOURCE_WATCHER_DISTRIBUTION).read_text()
        found = [
            d
            for d in yaml_documents(distribution)
            if re.search(r"^kind: CustomResourceDefinition$", d, re.M)
        ]
        if not found:
            raise Failure(f"no CRD in {SOURCE_WATCHER_DISTRIBUTION}")
        for d in found:
            (tmp / f"{crd_name(d)}.yaml").write_text(d)
        shutil.rmtree(crd_dir, ignore_errors=True)
        tmp.rename(crd_dir)
    return sorted(crd_dir.glob("*.yaml"))


def npm_ci(directory):
    """Installs the npm packages of `directory` once per package-lock.json (the e2e scripts
    share this)."""
    lock = (Path(directory) / "package-lock.json").read_bytes()
    stamp = Path(directory) / "node_modules" / ".installed"
    digest = hashlib.sha256(lock).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        log(f"installing the npm packages of {directory}")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=directory, check=True,
                       stdout=subprocess.DEVNULL)
        stamp.write_text(digest)


def crd_name(document):
    match = re.search(r"^metadata:\n(?:[ ]{2,}.*\n)*?[ ]{2}name: (\S+)$", document, re.M)
    if not match:
        raise Failure("CRD without metadata.name")
    return match.group(1)
