#!/usr/bin/env python3
"""The test bed's Git server: `git http-backend` (the smart HTTP protocol, which is all
source-controller's go-git speaks) behind a loopback HTTP server.

    server.py PORT ROOT

Serves every bare repository under ROOT at http://127.0.0.1:PORT/<name>.git, for fetch and
push, without authentication: it listens on loopback only and exists for tests.
"""

import http.server
import os
import shutil
import subprocess
import sys
from pathlib import Path

BACKEND_TIMEOUT = 60  # seconds; a clone of the demo repository takes milliseconds


def backend():
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=True)
    return str(Path(exec_path.stdout.strip()) / "git-http-backend")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the CGI output has no length: the body ends with the connection

    def do_GET(self):
        self.cgi()

    def do_POST(self):
        self.cgi()

    def cgi(self):
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            # Pushes are refused by http-backend without an authenticated user.
            "REMOTE_USER": "testbed",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        try:
            done = subprocess.run(
                [self.server.backend], input=body, env=env, capture_output=True, timeout=BACKEND_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            self.send_error(504, "git http-backend took too long")
            return
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            self.send_error(502, "git http-backend answered no headers")
            return
        status = 200
        headers = []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            else:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        sys.stderr.write("git %s\n" % (format % args))


def main():
    if len(sys.argv) != 3 or not shutil.which("git"):
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.root = Path(sys.argv[2]).resolve()
    server.backend = backend()
    server.serve_forever()


if __name__ == "__main__":
    main()
