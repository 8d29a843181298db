"""The bed's processes: ports, starting, the state file that remembers them, waiting for health."""

import json
import os
import socket
import subprocess
import time
import urllib.error

from .settings import Failure, READY_TIMEOUT, RUN, STATE


def free_ports(count):
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def start(name, argv, state, env=None):
    logs = RUN / "logs"
    logs.mkdir(exist_ok=True)
    with open(logs / f"{name}.log", "ab") as out:
        process = subprocess.Popen(
            [str(a) for a in argv],
            env=dict(os.environ, **env) if env else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    exe = os.path.realpath(argv[0])
    state["processes"].append({"name": name, "pid": process.pid, "exe": exe})
    save(state)
    return process


def save(state):
    STATE.write_text(json.dumps(state, indent=2))


def load():
    try:
        return json.loads(STATE.read_text())
    except (OSError, ValueError):
        return None


def ours(entry):
    """True while the PID still runs the binary we started (PIDs get reused)."""
    try:
        return os.readlink(f"/proc/{entry['pid']}/exe") == entry["exe"]
    except OSError:
        return False


def wait_until(what, check, process=None, timeout=READY_TIMEOUT):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise Failure(f"{what} exited with {process.returncode} before it was ready")
        try:
            if check():
                return
        except (OSError, urllib.error.URLError, ValueError) as e:
            last = e
        time.sleep(0.3)
    raise Failure(f"{what} not ready within {timeout}s (last error: {last})")
