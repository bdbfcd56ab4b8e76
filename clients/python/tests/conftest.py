"""A real redis-server and a real redbank-server for the client's tests, each on a
free loopback port with its own directory; nothing shared is touched.

The binaries come from the workspace's build: $REDBANK_BIN_DIR, or the `debug`
folder of $CARGO_TARGET_DIR (default: the repository's target/). `./scripts/test`
builds them first; a missing one fails loudly with that hint.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import grpc
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# A hang, not a slow machine, is what these catch.
START_LIMIT = 60.0


def bin_dir():
    if os.environ.get("REDBANK_BIN_DIR"):
        return os.environ["REDBANK_BIN_DIR"]
    return os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "debug")


def binary(name):
    path = os.path.join(bin_dir(), name)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: build it with `cargo build --bins` (./scripts/test does), "
                    "or set REDBANK_BIN_DIR", pytrace=False)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, check):
    deadline = time.monotonic() + START_LIMIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"{what} did not come up within {START_LIMIT} s", pytrace=False)


class Service:
    """redis-server and redbank-server, with an admin key made as an operator would."""

    def __init__(self):
        redis = shutil.which("redis-server")
        if not redis:
            pytest.fail("redis-server is missing: apt-get install redis-server (./scripts/install-deps does)",
                        pytrace=False)
        self.dir = tempfile.mkdtemp(prefix="redbank-py-")
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}"
        self.procs = [subprocess.Popen(
            [redis, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)]
        wait_until("redis-server", lambda: self._redis_answers())
        self.admin = self.make_key("--role", "admin")
        self.port = free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        self.procs.append(subprocess.Popen(
            [binary("redbank-server"), "--listen", self.endpoint, "--redis-url", self.redis_url,
             "--shutdown-grace-ms", "0", "--log-level", "error"]))
        wait_until("redbank-server", lambda: self._server_answers())

    def _redis_answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _server_answers(self):
        with grpc.insecure_channel(self.endpoint) as channel:
            try:
                grpc.channel_ready_future(channel).result(timeout=0.5)
                return True
            except grpc.FutureTimeoutError:
                return False

    def make_key(self, *args):
        """A key made straight in Redis (`redbank keys create --redis-url`): its credential."""
        out = subprocess.run([binary("redbank"), "--json", "keys", "create", *args, "--redis-url", self.redis_url],
                             check=True, capture_output=True, text=True, timeout=START_LIMIT)
        return json.loads(out.stdout)["credential"]

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class LostReplies:
    """A TCP proxy in front of the server that can lose replies: while `hold()` is
    in force it forwards every byte to the server but keeps the server's answers;
    `cut()` then closes every connection, and the answers it kept are never seen."""

    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.holding = threading.Event()
        self.kept = 0
        self.conns = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.conns += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src, dst, answers):
        try:
            while data := src.recv(65536):
                if answers and self.holding.is_set():
                    with self.lock:
                        self.kept += len(data)
                    continue
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def hold(self):
        self.holding.set()

    def cut(self):
        """Closes every connection; what was kept is lost. New connections pass."""
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.holding.clear()

    def close(self):
        self.listener.close()
        self.cut()


@pytest.fixture(scope="session")
def service():
    s = Service()
    yield s
    s.stop()
