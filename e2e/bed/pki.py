"""The bed's certificates, token users and kubeconfigs."""

import base64
import secrets
import subprocess

from .settings import NODE, RUN, USERS


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_pki(pki):
    pki.mkdir(parents=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            "-keyout", pki / "ca.key", "-out", pki / "ca.crt", "-subj", "/CN=flux-web-testbed-ca")
    # The API server's, and the kwok Node's kubelet endpoint's, which the API server verifies.
    for name, names in [("apiserver", "DNS:kubernetes.default.svc"), ("kubelet", f"DNS:{NODE}")]:
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", pki / f"{name}.key",
                "-out", pki / f"{name}.csr", "-subj", f"/CN={name}")
        (pki / f"{name}.ext").write_text(
            f"subjectAltName=IP:127.0.0.1,DNS:localhost,{names}\nextendedKeyUsage=serverAuth\n"
        )
        openssl("x509", "-req", "-in", pki / f"{name}.csr", "-CA", pki / "ca.crt",
                "-CAkey", pki / "ca.key", "-CAcreateserial", "-days", "30",
                "-extfile", pki / f"{name}.ext", "-out", pki / f"{name}.crt")
    openssl("genrsa", "-out", pki / "sa.key", "2048")
    openssl("rsa", "-in", pki / "sa.key", "-pubout", "-out", pki / "sa.pub")


def write_tokens(path):
    tokens = {user: secrets.token_hex(24) for user in USERS}
    lines = []
    for user, (groups, _) in USERS.items():
        line = f'{tokens[user]},{user},{user}'
        if groups:
            line += ',"' + ",".join(groups) + '"'
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return tokens


def kubeconfig(user):
    return RUN / f"{user.replace(':', '-')}.kubeconfig"


def write_kubeconfig(path, server, ca, user, token):
    ca_data = base64.b64encode(ca.read_bytes()).decode()
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
- name: testbed
  cluster:
    server: {server}
    certificate-authority-data: {ca_data}
users:
- name: {user}
  user:
    token: {token}
contexts:
- name: {user}@testbed
  context:
    cluster: testbed
    user: {user}
current-context: {user}@testbed
"""
    )
    path.chmod(0o600)
