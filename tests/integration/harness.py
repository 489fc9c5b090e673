"""Shared helpers for Colony's integration tests.

A test writes a config and its scripts into a temporary directory, starts
`COLONY serve CONFIG --control-fd N`, learns the listening ports from the JSON
lines the server writes to that descriptor, talks to it over real sockets, and
stops it. Every wait is bounded and every process started here is killed (its
whole process group) when the test ends, whatever happened.

The binary comes from the environment variable COLONY_BIN (tests/run.py sets it
to BUILD/colony). Pointing COLONY_BIN at the reference workerd binary runs the
same tests against it: they assert workerd-compatible behaviour, and the checks
of Colony's own behaviour are guarded by is_colony().
"""

import atexit
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES_DIR = os.environ.get("COLONY_SAMPLES_DIR") or os.path.join(ROOT, "config", "samples")

START_TIMEOUT = float(os.environ.get("COLONY_TEST_START_TIMEOUT", "15"))
REQUEST_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
RUN_TIMEOUT = 20.0

COMPAT_DATE = "2024-01-01"


def colony_bin():
    path = os.environ.get("COLONY_BIN") or os.path.join(ROOT, "build", "colony")
    return os.path.abspath(os.path.expanduser(path))


def is_colony():
    """True when the binary under test is Colony, not the reference workerd."""
    override = os.environ.get("COLONY_IS_REFERENCE")
    if override is not None:
        return override in ("", "0", "no", "false")
    return "workerd" not in os.path.basename(colony_bin())


_live = set()
_live_lock = threading.Lock()


def _kill_group(proc):
    """Stop a process we started and everything in its process group; bounded."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
    # The leader may be gone while children it spawned are still in the group.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pass


@atexit.register
def _kill_all_live():
    with _live_lock:
        procs = list(_live)
    for p in procs:
        _kill_group(p)


class _StreamCollector(threading.Thread):
    """Reads a pipe to the end in the background so the child never blocks on it."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.chunks = []
        self.lock = threading.Lock()
        self.start()

    def run(self):
        try:
            while True:
                data = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
                if not data:
                    break
                with self.lock:
                    self.chunks.append(data)
        except (OSError, ValueError):
            pass

    def text(self):
        with self.lock:
            return b"".join(self.chunks).decode("utf-8", "replace")


class StartupError(Exception):
    def __init__(self, message, returncode, stderr):
        super().__init__("%s\nexit code: %s\nstderr:\n%s" % (message, returncode, stderr[-4000:]))
        self.returncode = returncode
        self.stderr = stderr


def write_files(directory, files):
    for name, content in (files or {}).items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(content, (bytes, bytearray)) else "w"
        with open(path, mode) as f:
            f.write(content)


class Server:
    """A running `serve` process. Use as a context manager, or call stop().

    config: text of the .capnp config (written as config.capnp), or None when
    config_path names an existing file. files: {relative name: str|bytes}.
    sockets: names of the config sockets whose listen events to wait for.
    args: extra command-line arguments (e.g. ["-s", "http=127.0.0.1:0"]).
    """

    def __init__(self, config=None, files=None, sockets=("http",), args=(), config_path=None,
                 env=None, cwd=None, start_timeout=START_TIMEOUT, prefix=()):
        self.tmp = tempfile.TemporaryDirectory(prefix="colony-it-")
        self.dir = self.tmp.name
        write_files(self.dir, files)
        if config_path is None:
            config_path = os.path.join(self.dir, "config.capnp")
            with open(config_path, "w") as f:
                f.write(config)
        self.config_path = config_path
        self.ports = {}
        self.events = []
        self.proc = None
        self._clients = []
        self._ctl_buf = b""
        self._start(list(sockets), list(args), env, cwd or self.dir, start_timeout, list(prefix))

    def _start(self, sockets, args, env, cwd, start_timeout, prefix):
        ctl_r, ctl_w = os.pipe()
        cmd = prefix + [colony_bin(), "serve", self.config_path, "--control-fd", str(ctl_w)] + args
        full_env = dict(os.environ)
        full_env.update(env or {})
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, pass_fds=[ctl_w], cwd=cwd,
                                         env=full_env, start_new_session=True)
        finally:
            os.close(ctl_w)
        with _live_lock:
            _live.add(self.proc)
        self._stdout = _StreamCollector(self.proc.stdout)
        self._stderr = _StreamCollector(self.proc.stderr)
        self._ctl = ctl_r
        try:
            self._wait_listening(sockets, time.monotonic() + start_timeout, start_timeout)
        except BaseException:
            self.stop()
            raise

    def _read_events(self, deadline):
        """Reads control-fd lines until the deadline or EOF; returns False on EOF."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return True
        ready, _, _ = select.select([self._ctl], [], [], min(remaining, 0.2))
        if not ready:
            return True
        data = os.read(self._ctl, 65536)
        if not data:
            return False
        self._ctl_buf += data
        while b"\n" in self._ctl_buf:
            line, self._ctl_buf = self._ctl_buf.split(b"\n", 1)
            if not line.strip():
                continue
            event = json.loads(line)
            self.events.append(event)
            if event.get("event") == "listen":
                self.ports[event.get("socket")] = event.get("port")
        return True

    def _wait_listening(self, sockets, deadline, start_timeout):
        open_ = True
        while not all(s in self.ports for s in sockets):
            if time.monotonic() >= deadline:
                raise StartupError("server did not report listening on %s within %.0fs (events: %r)"
                                   % (sockets, start_timeout, self.events), self.proc.poll(), self.stderr)
            if self.proc.poll() is not None:
                # Drain what was written before it exited, then give up.
                while open_ and self._read_events(time.monotonic() + 0.05):
                    if self.proc.poll() is not None and not select.select([self._ctl], [], [], 0)[0]:
                        break
                if all(s in self.ports for s in sockets):
                    break
                self._stderr.join(STOP_TIMEOUT)
                raise StartupError("server exited before listening", self.proc.returncode, self.stderr)
            if open_:
                open_ = self._read_events(deadline)
            else:
                time.sleep(0.05)

    def wait_listen(self, socket_name, timeout=START_TIMEOUT):
        """Reads control events (e.g. after a reload added a socket) until `socket_name` reports
        listening; returns its port, or None when the timeout ran out."""
        deadline = time.monotonic() + timeout
        while socket_name not in self.ports and time.monotonic() < deadline:
            if not self._read_events(deadline):
                break
        return self.ports.get(socket_name)

    # --- accessors ------------------------------------------------------------------------
    @property
    def port(self):
        return self.ports.get("http") or next(iter(self.ports.values()))

    def port_of(self, socket_name):
        return self.ports[socket_name]

    def url(self, path="/", socket_name=None):
        port = self.ports[socket_name] if socket_name else self.port
        return "http://127.0.0.1:%d%s" % (port, path)

    @property
    def stderr(self):
        return self._stderr.text() if self.proc else ""

    def wait_for_stderr(self, text, timeout=5.0):
        """The collected stderr once it contains `text` (the reader thread may lag behind the
        process), or what was collected when `timeout` ran out."""
        deadline = time.monotonic() + timeout
        while text not in self.stderr and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.stderr

    @property
    def stdout(self):
        return self._stdout.text() if self.proc else ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # --- requests -------------------------------------------------------------------------
    def keep_alive(self, socket_name=None, timeout=REQUEST_TIMEOUT):
        """A KeepAliveClient on one connection (closed by the caller, or at stop())."""
        client = KeepAliveClient(self.ports[socket_name] if socket_name else self.port, timeout)
        self._clients.append(client)
        return client

    def connection(self, socket_name=None, timeout=REQUEST_TIMEOUT):
        port = self.ports[socket_name] if socket_name else self.port
        return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method="GET", path="/", body=None, headers=None, socket_name=None,
                timeout=REQUEST_TIMEOUT):
        """One request on a fresh connection; returns (status, headers dict lower-cased, body bytes)."""
        conn = self.connection(socket_name, timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, hdrs, data
        finally:
            conn.close()

    def get(self, path="/", **kw):
        return self.request("GET", path, **kw)

    def raw(self, data, socket_name=None, timeout=REQUEST_TIMEOUT, expect_bytes=None, predicate=None):
        """Sends raw bytes; reads until the server closes, expect_bytes arrived or predicate(data)."""
        port = self.ports[socket_name] if socket_name else self.port
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            return send_and_receive(s, data, timeout, expect_bytes=expect_bytes, predicate=predicate)

    # --- lifetime -------------------------------------------------------------------------
    def stop(self):
        for client in self._clients:
            client.close()
        self._clients = []
        if self.proc is not None:
            _kill_group(self.proc)
            with _live_lock:
                _live.discard(self.proc)
            self._stderr.join(STOP_TIMEOUT)
            self._stdout.join(STOP_TIMEOUT)
            for stream in (self.proc.stdout, self.proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
        if getattr(self, "_ctl", None) is not None:
            os.close(self._ctl)
            self._ctl = None
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wait_until(predicate, timeout, interval=0.05):
    """Polls `predicate` until it returns something truthy or `timeout` seconds pass; returns
    its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def recv_until(sock, timeout, expect_bytes=None, predicate=None):
    """Reads from sock until close, a byte count, or predicate(data); bounded by timeout."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        if expect_bytes is not None and len(data) >= expect_bytes:
            break
        if predicate is not None and predicate(data):
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def send_and_receive(sock, data, timeout, expect_bytes=None, predicate=None):
    """Sends data in pieces, stopping early if the server answers (e.g. rejects a huge request)."""
    deadline = time.monotonic() + timeout
    received = b""
    piece = 16384
    try:
        for i in range(0, len(data), piece):
            if len(data) > piece and select.select([sock], [], [], 0)[0]:
                break  # the server already answered or closed; read that instead
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            sock.sendall(data[i:i + piece])
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    received += recv_until(sock, max(0.01, deadline - time.monotonic()), expect_bytes=expect_bytes,
                           predicate=predicate)
    return received


def response_complete(data):
    """True once data holds one whole response head plus its Content-Length body."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    lines = data[:end].decode("latin-1").lower().split("\r\n")
    status = lines[0].split(" ")
    if len(status) > 1 and status[1].isdigit() and (int(status[1]) in (204, 304) or status[1].startswith("1")):
        return True
    for line in lines[1:]:
        if line.startswith("content-length:"):
            return len(data) >= end + 4 + int(line.split(":", 1)[1])
        if line.startswith("transfer-encoding:") and "chunked" in line:
            return data.endswith(b"0\r\n\r\n")
    return False


class KeepAliveClient:
    """Requests over one persistent connection; fails if the server closes it between requests.

    Colony may run several runtime processes; a connection stays with one of them, so a test that
    observes per-isolate state across requests uses one connection.
    """

    def __init__(self, port, timeout=REQUEST_TIMEOUT):
        self.timeout = timeout
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def request(self, method="GET", path="/", body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode()
        head = "%s %s HTTP/1.1\r\nHost: localhost\r\n" % (method, path)
        for k, v in (headers or {}).items():
            head += "%s: %s\r\n" % (k, v)
        if body or method in ("POST", "PUT", "PATCH"):
            head += "Content-Length: %d\r\n" % len(body)
        self.sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        data = recv_until(self.sock, self.timeout, predicate=response_complete)
        if not response_complete(data):
            raise AssertionError("no complete response on the kept-alive connection: %r" % data[:300])
        [response] = parse_responses(data, head_requests=(0,) if method == "HEAD" else ())
        return response

    def get(self, path="/", **kw):
        return self.request("GET", path, **kw)

    def close(self):
        self.sock.close()


def unix_raw(path, data, timeout=REQUEST_TIMEOUT):
    """Sends raw bytes to a unix socket and reads until the server closes (bounded)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        return send_and_receive(s, data, timeout)


def parse_responses(data, head_requests=()):
    """Splits raw HTTP/1.x bytes into [(status, headers{lower: value}, body)].

    head_requests: indexes of responses answering HEAD (no body follows).
    """
    out = []
    while data:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            raise ValueError("incomplete response head: %r" % data[:200])
        head = data[:end].decode("latin-1").split("\r\n")
        data = data[end + 4:]
        status = int(head[0].split(" ")[1])
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        body = b""
        if len(out) in head_requests or status in (204, 304) or 100 <= status < 200:
            pass
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                line_end = data.find(b"\r\n")
                size = int(data[:line_end].split(b";")[0], 16)
                data = data[line_end + 2:]
                if size == 0:
                    trailer_end = data.find(b"\r\n")
                    while trailer_end > 0:  # skip trailers
                        data = data[trailer_end + 2:]
                        trailer_end = data.find(b"\r\n")
                    data = data[2:]
                    break
                body += data[:size]
                data = data[size + 2:]
        elif "content-length" in headers:
            n = int(headers["content-length"])
            body, data = data[:n], data[n:]
        else:
            body, data = data, b""
        out.append((status, headers, body))
    return out


def run(args, timeout=RUN_TIMEOUT, cwd=None, env=None):
    """Runs the binary to completion (bounded); returns CompletedProcess with text output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.Popen([colony_bin()] + list(args), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                            env=full_env, start_new_session=True)
    with _live_lock:
        _live.add(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate(timeout=STOP_TIMEOUT)
        raise AssertionError("%s did not finish within %ss\nstderr:\n%s"
                             % (" ".join(args), timeout, err.decode("utf-8", "replace")[-4000:]))
    finally:
        _kill_group(proc)
        with _live_lock:
            _live.discard(proc)
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


class TempDir:
    """A temporary directory with files in it, for one-shot commands (test, check, failing serve)."""

    def __init__(self, files=None, config=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="colony-it-")
        self.dir = self.tmp.name
        write_files(self.dir, files)
        if config is not None:
            write_files(self.dir, {"config.capnp": config})
        self.config_path = os.path.join(self.dir, "config.capnp")

    def path(self, name):
        return os.path.join(self.dir, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.tmp.cleanup()


def serve_expect_failure(config, files=None, args=(), timeout=START_TIMEOUT):
    """Starts `serve` on a config that must not come up; returns (exit code, stderr).

    Fails the calling test if the server reports listening or does not exit in time.
    """
    with TempDir(files, config) as d:
        ctl_r, ctl_w = os.pipe()
        try:
            proc = subprocess.Popen([colony_bin(), "serve", d.config_path, "--control-fd", str(ctl_w)]
                                    + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, pass_fds=[ctl_w], cwd=d.dir,
                                    start_new_session=True)
        finally:
            os.close(ctl_w)
        with _live_lock:
            _live.add(proc)
        try:
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                _, err = proc.communicate(timeout=STOP_TIMEOUT)
                raise AssertionError("serve did not exit on a bad config within %ss; stderr:\n%s"
                                     % (timeout, err.decode("utf-8", "replace")[-4000:]))
        finally:
            _kill_group(proc)
            with _live_lock:
                _live.discard(proc)
            os.close(ctl_r)
        return proc.returncode, err.decode("utf-8", "replace")


# --- config text builders ---------------------------------------------------------------------

def worker_config(modules=None, service_worker=None, bindings="", extra_worker="", services="",
                  sockets=None, compat_date=COMPAT_DATE, compat_flags=()):
    """Config with one worker service "main" and a socket "http" on 127.0.0.1:0.

    modules: list of (name, kind, file) tuples, e.g. ("main.js", "esModule", "main.js").
    service_worker: file name of a service-worker-syntax script (instead of modules).
    bindings: text inside `bindings = [ ... ]`. services: extra service entries (with trailing comma).
    sockets: full text inside `sockets = [ ... ]`, default one http socket.
    """
    if service_worker:
        code = 'serviceWorkerScript = embed "%s"' % service_worker
    else:
        code = "modules = [ %s ]" % ", ".join(
            '(name = "%s", %s = embed "%s")' % m for m in modules)
    flags = ""
    if compat_flags:
        flags = ", compatibilityFlags = [%s]" % ", ".join('"%s"' % f for f in compat_flags)
    if sockets is None:
        sockets = '(name = "http", address = "127.0.0.1:0", http = (), service = "main")'
    return """using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mainWorker),
    %s
  ],
  sockets = [ %s ],
);

const mainWorker :Workerd.Worker = (
  %s,
  compatibilityDate = "%s"%s,
  bindings = [ %s ],
  %s
);
""" % (services, sockets, code, compat_date, flags, bindings, extra_worker)


def module_worker(script, bindings="", services="", sockets=None, extra_files=None,
                  extra_modules=(), **kw):
    """(config text, files) for one ES-module worker whose main module is `script`."""
    files = {"main.js": script}
    files.update(extra_files or {})
    modules = [("main.js", "esModule", "main.js")] + list(extra_modules)
    return worker_config(modules=modules, bindings=bindings, services=services, sockets=sockets, **kw), files


class ServerTestCase(unittest.TestCase):
    """A TestCase that stops any Server it started through self.serve() at the end of each test."""

    def serve(self, config, files=None, **kw):
        server = Server(config, files, **kw)
        self.addCleanup(server.stop)
        return server

    def serve_script(self, script, sockets=("http",), args=(), **kw):
        config, files = module_worker(script, **kw)
        return self.serve(config, files, sockets=sockets, args=args)

    def assertResponse(self, got, status, body=None, msg=None):
        st, _, data = got
        self.assertEqual(st, status, msg or data[:500])
        if body is not None:
            if isinstance(body, str):
                body = body.encode()
            self.assertEqual(data, body, msg)
