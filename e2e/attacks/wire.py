"""HTTP as an attacker sends it: any Host, any header, any method, raw when it must be; streams held open or dropped."""

import http.client
import json
import socket
import time



class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def code(self):
        try:
            return json.loads(self.body).get("code")
        except (ValueError, AttributeError):
            return None

    def __str__(self):
        code = self.code()
        return f"{self.status} {code}" if code else str(self.status)


def send(base, method, path, headers=None, body=None, timeout=20):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = dict(headers or {})
    connection.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    data = body.encode() if isinstance(body, str) else body
    if data is not None:
        connection.putheader("Content-Length", str(len(data)))
    connection.endheaders(data)
    response = connection.getresponse()
    answer = Answer(response.status, dict(response.getheaders()), response.read())
    connection.close()
    return answer


def raw_download(base, path, timeout=20):
    """The announced length and the body bytes of a GET, read off the socket as curl would,
    and whether the transfer completed."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        raw = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionError):
                break
            if not chunk:
                break
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").lower().split("\r\n")
    length = next((int(l.split(":", 1)[1]) for l in lines if l.startswith("content-length:")), None)
    chunked = any(l.startswith("transfer-encoding:") and "chunked" in l for l in lines)
    complete = len(body) == length if length is not None else chunked and body.endswith(b"0\r\n\r\n")
    return lines[0] if lines else "", length, len(body), complete


def first_line(base, path, announced, sent):
    """POSTs `sent` of a JSON body announced at `announced` bytes, stalls, and answers the
    status line of the answer (or why there was none)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {announced}\r\n\r\n")
        try:
            s.sendall(head.encode() + sent)
            return s.recv(4096).decode("latin-1").split("\r\n")[0]
        except OSError as e:
            return f"no answer ({e})"


def events_after(base, path, during, seconds=4):
    """Opens the event stream `path`, waits for its first resync (the server's watch of Events
    has listed), runs `during()`, and answers what the stream sent in the `seconds` after."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
        raw = b""
        while b"event: resync" not in raw:
            chunk = s.recv(65536)
            if not chunk:
                return raw.decode("utf-8", "replace")
            raw += chunk
        during()
        raw = b""
        s.settimeout(0.5)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                break
            raw += chunk
    return raw.decode("utf-8", "replace")


def held_open(base, head, limit):
    """Sends `head`, then one more header line a second; how long the server keeps it open."""
    host, port = base.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=limit)
    s.sendall(head.encode())
    started = time.monotonic()
    s.settimeout(1)
    i = 0
    while time.monotonic() - started < limit:
        try:
            if s.recv(4096) == b"":
                break
        except socket.timeout:
            try:
                s.sendall(f"X-{i}: y\r\n".encode())
                i += 1
            except OSError:
                break
        except OSError:
            break
    s.close()
    return time.monotonic() - started


def address(base):
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def read_until(sock, done, data=b""):
    """Reads from `sock` until `done(data)` or the other side closes; answers what was read."""
    while not done(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def status_line(base, method, path, headers=None, timeout=15):
    """Sends one request as bytes (any method, any length) and answers its status line."""
    host, port = address(base)
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()) + "\r\n"
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(head.encode())
        except OSError:
            pass  # a head refused while it is sent still gets its answer
        answer = read_until(s, lambda data: b"\r\n" in data)
    return answer.split(b"\r\n")[0].decode("latin-1") or "no answer"


class Stream:
    """A GET whose answer streams: opened, its head read, then held or dropped."""

    def __init__(self, base, path, headers=None):
        host, port = address(base)
        self.socket = socket.create_connection((host, port), timeout=15)
        # The connection closes with the answer, so its end is the stream's end.
        headers = {"Host": f"{host}:{port}", "Connection": "close", **(headers or {})}
        head = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.socket.sendall(head.encode())
        received = read_until(self.socket, lambda data: b"\r\n\r\n" in data)
        head, _, self.buffer = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
        self.headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}

    def first_line(self):
        """Reads until the body has a line (of chunked NDJSON or SSE)."""
        self.buffer = read_until(self.socket, lambda data: data.count(b"\n") >= 2, self.buffer)

    def ended_by(self, deadline):
        """When (on the monotonic clock) the server ended the stream, or None if it had not
        by `deadline`."""
        self.socket.settimeout(0.5)
        while time.monotonic() < deadline:
            try:
                if self.socket.recv(65536) == b"":
                    return time.monotonic()
            except socket.timeout:
                continue
            except OSError:
                return time.monotonic()
        return None

    def close(self):
        self.socket.close()
