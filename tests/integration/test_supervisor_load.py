"""The supervisor under load: balance between runtime processes, reloads and a killed runtime
while clients keep sending requests. Bounded: each test runs for at most about 30 s.
"""

import http.client
import json
import os
import signal
import socket
import threading
import time
import unittest

import harness
from harness import ServerTestCase, module_worker
from test_supervisor import admin_get, runtime_children, script_answering, status, wait_until

COLONY = harness.is_colony()


class Client:
    """Requests over one keep-alive connection, reconnecting when the server says
    `Connection: close` or closes a reused connection before answering (the usual retry of an
    idempotent request, RFC 9112 9.3.1). Anything else is a failure."""

    def __init__(self, port):
        self.port = port
        self.sock = None
        self.reused = False

    def _connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.reused = False

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def get(self):
        for attempt in (1, 2):
            if self.sock is None:
                self._connect()
            reused = self.reused
            try:
                self.sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                data = harness.recv_until(self.sock, 10, predicate=harness.response_complete)
            except OSError:
                data = b""
            if not data and reused and attempt == 1:
                self.close()
                continue
            if not harness.response_complete(data):
                self.close()
                raise AssertionError("incomplete response (reused connection: %s): %r"
                                     % (reused, data[:200]))
            [(status_code, headers, body)] = harness.parse_responses(data)
            self.reused = True
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status_code, body
        raise AssertionError("unreachable")


class Load:
    """`clients` threads sending requests back to back until stop(); records every outcome."""

    def __init__(self, port, clients, fresh_connections=False):
        self.port = port
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.bodies = {}
        self.failures = []
        self.count = 0
        self.fresh = fresh_connections
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def _run(self):
        client = Client(self.port)
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                code, body = client.get()
                if code != 200:
                    raise AssertionError("status %d: %r" % (code, body[:200]))
                with self.lock:
                    self.count += 1
                    self.bodies[body] = self.bodies.get(body, 0) + 1
            except (AssertionError, OSError) as e:
                with self.lock:
                    self.failures.append((started, time.monotonic(), repr(e)))
                client.close()
            if self.fresh:
                client.close()
        client.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(15)


@unittest.skipUnless(COLONY, "Colony's supervisor")
class LoadTest(ServerTestCase):
    def start(self, text, processes=2, drain="5"):
        config, files = module_worker(script_answering(text))
        return self.serve(config, files, sockets=("http", "admin"),
                          args=["--admin-addr", "127.0.0.1:0", "--processes", str(processes),
                                "--drain-timeout", drain])

    def test_balance_with_64_keep_alive_clients(self):
        server = self.start("balanced")
        load = Load(server.port, 64)
        time.sleep(10)
        load.stop()
        self.assertEqual(load.failures, [])
        self.assertGreater(load.count, 500)
        # Load reports come once a second.
        def settled():
            st = status(server)
            served = [p["requestsServed"] for p in st["processes"]]
            return served if sum(served) >= load.count else None
        served = wait_until(settled, 5)
        self.assertIsNotNone(served, "load reports lag: %r vs %d" % (status(server), load.count))
        total = sum(served)
        for share in served:
            self.assertGreaterEqual(share / total, 0.35, served)
            self.assertLessEqual(share / total, 0.65, served)

    def test_idle_runtime_processes_wake_a_few_times_a_second(self):
        # Idle, each runtime refreshes its load-table row a few times a second and reports its
        # load once a second; it does not poll the table a hundred times a second.
        server = self.start("idle")
        Client(server.port).get()
        self.assertTrue(wait_until(lambda: len(runtime_children(server.proc.pid)) == 2, 10))
        pids = [pid for pid, _, _ in runtime_children(server.proc.pid)]

        def wakeups(pid):
            with open("/proc/%d/status" % pid) as f:
                return int(next(l for l in f if l.startswith("voluntary_ctxt_switches:")).split()[1])

        before = [wakeups(pid) for pid in pids]
        time.sleep(3)
        woken = [wakeups(pid) - b for pid, b in zip(pids, before)]
        for count in woken:
            self.assertLess(count, 3 * 15, woken)

    def test_twenty_reloads_under_load_lose_nothing(self):
        server = self.start("version 0", drain="3")
        keep_alive = Load(server.port, 6)
        fresh = Load(server.port, 2, fresh_connections=True)
        started = time.monotonic()
        try:
            for version in range(1, 21):
                with open(os.path.join(server.dir, "main.js"), "w") as f:
                    f.write(script_answering("version %d" % version))
                os.kill(server.proc.pid, signal.SIGHUP)
                want = ("version %d" % version).encode()
                seen = wait_until(lambda: server.get("/")[2] == want, 20)
                self.assertTrue(seen, "version %d never served:\n%s" % (version, server.stderr[-3000:]))
                self.assertLess(time.monotonic() - started, 50, "reloads too slow")
        finally:
            keep_alive.stop()
            fresh.stop()
        self.assertEqual(keep_alive.failures + fresh.failures, [])
        self.assertGreater(keep_alive.count + fresh.count, 200)
        # Responses changed with the config: many versions were seen by the load itself.
        versions = set(keep_alive.bodies) | set(fresh.bodies)
        self.assertIn(b"version 20", versions)
        self.assertGreater(len(versions), 10, sorted(versions))
        st = status(server)
        self.assertEqual(st["generation"], 21)
        self.assertEqual(st["reloads"], 20)
        self.assertTrue(wait_until(lambda: len(runtime_children(server.proc.pid)) == 2, 10),
                        "old generations still running: %r" % runtime_children(server.proc.pid))

    def test_sigkill_of_a_runtime_under_load(self):
        server = self.start("survivor")
        load = Load(server.port, 8)
        fresh = Load(server.port, 2, fresh_connections=True)
        time.sleep(1.5)
        victim = status(server)["processes"][0]["pid"]
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        replaced = wait_until(lambda: (lambda s: s if len(s["processes"]) == 2 and victim not in
                                       [p["pid"] for p in s["processes"]] and
                                       all(p["state"] == "serving" for p in s["processes"]) else None)(status(server)), 10)
        time.sleep(1)
        load.stop()
        fresh.stop()
        self.assertIsNotNone(replaced, server.stderr[-3000:])
        self.assertIn("killed by signal 9", server.stderr)
        # Only requests already inside the killed process can fail (one per client at most);
        # nothing that started after the kill does.
        failures = load.failures + fresh.failures
        self.assertLessEqual(len(failures), 10, failures)
        late = [f for f in failures if f[0] > killed_at + 0.05]
        self.assertEqual(late, [])
        self.assertGreater(load.count, 100)
        self.assertEqual(max(p["restarts"] for p in replaced["processes"]), 1)


if __name__ == "__main__":
    unittest.main()
