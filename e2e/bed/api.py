"""Talking to the bed's kube-apiserver as admin, and to HTTP health endpoints."""

import json
import ssl
import urllib.error
import urllib.request

from .build import crd_name
from .settings import Failure


class Api:
    def __init__(self, server, ca, token):
        self.server = server
        self.token = token
        self.context = ssl.create_default_context(cafile=str(ca))

    def request(self, method, path, body=None, content_type=None):
        request = urllib.request.Request(
            self.server + path,
            data=body.encode() if isinstance(body, str) else body,
            method=method,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if content_type:
            request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, context=self.context, timeout=10) as response:
            return response.read().decode()

    def apply_crd(self, document):
        name = crd_name(document)
        path = (
            f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
            "?fieldManager=flux-web-testbed&force=true"
        )
        try:
            self.request("PATCH", path, document, "application/apply-patch+yaml")
        except urllib.error.HTTPError as e:
            raise Failure(f"applying CRD {name}: {e.code} {e.read().decode()[:500]}") from e
        return name

    def established(self, name):
        crd = json.loads(
            self.request("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
        )
        return any(
            c["type"] == "Established" and c["status"] == "True"
            # A CRD just made may have its status, and its conditions, still null.
            for c in (crd.get("status") or {}).get("conditions") or []
        )


def http_ok(url, context=None, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, context=context, timeout=3) as response:
        return response.status == 200


def insecure_tls():
    """For the health checks of components whose serving certificates are self-signed."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
