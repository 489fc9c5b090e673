"""The supervisor behind `colony serve`: runtime processes, reload on SIGHUP, crash restart,
graceful stop, PID 1, inherited and socket-activated sockets, the admin listener.

Load tests (balance, reloads and kills under load) are in test_supervisor_load.py.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import ServerTestCase, module_worker, wait_until

COLONY = harness.is_colony()


def script_answering(text, delay_ms=0):
    wait = ""
    if delay_ms:
        wait = "await new Promise((resolve) => setTimeout(resolve, %d));" % delay_ms
    return ("export default { async fetch(request) { %s return new Response(%s); } };\n"
            % (wait, json.dumps(text)))


def admin_get(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.port_of("admin"), timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), resp.read().decode()
    finally:
        conn.close()


def status(server):
    code, _, body = admin_get(server, "/status")
    assert code == 200, body
    return json.loads(body)


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def children(pid):
    """(pid, state, cmdline) of the processes whose parent is `pid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != pid:
                continue
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().split(b"\0")
            out.append((int(entry), fields[0], [c.decode("utf-8", "replace") for c in cmdline if c]))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return out


def is_runtime(cmdline):
    """A runtime process: its title (ps) is "colony-runtime: runtime#I generation G"."""
    return bool(cmdline) and cmdline[0].startswith("colony-runtime: runtime#")


def runtime_children(pid):
    return [c for c in children(pid) if is_runtime(c[2])]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(l for l in f if l.startswith("VmRSS:")).split()[1])


def comm(pid):
    with open("/proc/%d/comm" % pid) as f:
        return f.read().strip()


def launcher_children(pid):
    """The runtime launcher (runtime/launcher.h) the supervisor starts runtime processes from."""
    return [c for c in children(pid) if comm(c[0]) == "colony-launcher"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(COLONY, "Colony's supervisor")
class ProcessesTest(ServerTestCase):
    def serve_text(self, text="hello", args=(), **kw):
        config, files = module_worker(script_answering(text))
        return self.serve(config, files, sockets=("http", "admin"),
                          args=["--admin-addr", "127.0.0.1:0"] + list(args), **kw)

    def test_process_count_and_status(self):
        server = self.serve_text(args=["--processes", "3"])
        self.assertResponse(server.get("/"), 200, "hello")
        runtimes = runtime_children(server.proc.pid)
        self.assertEqual(len(runtimes), 3, runtimes)
        st = status(server)
        self.assertEqual(st["generation"], 1)
        self.assertEqual(st["state"], "serving")
        self.assertEqual(sorted(p["pid"] for p in st["processes"]), sorted(r[0] for r in runtimes))
        for p in st["processes"]:
            self.assertEqual(p["generation"], 1)
            self.assertEqual(p["state"], "serving")
            self.assertEqual(p["restarts"], 0)
            for key in ("requestsServed", "inFlight", "connections", "rssBytes", "heapUsedBytes"):
                self.assertIn(key, p)
        self.assertEqual(sorted(p["index"] for p in st["processes"]), [0, 1, 2])
        # Load reports arrive about once a second: the request above is counted.
        st = wait_until(lambda: (lambda s: s if sum(p["requestsServed"] for p in s["processes"]) >= 1
                                 and all(p["rssBytes"] > 0 for p in s["processes"]) else None)(status(server)), 5)
        self.assertIsNotNone(st, "load reports never arrived")
        self.assertTrue(all(p["heapUsedBytes"] > 0 for p in st["processes"]), st)

    def test_default_count_follows_affinity(self):
        if not shutil.which("taskset"):
            self.skipTest("taskset not installed")
        server = self.serve_text(prefix=["taskset", "-c", "0"])
        self.assertEqual(len(status(server)["processes"]), 1)
        self.assertEqual(len(runtime_children(server.proc.pid)), 1)

    def test_supervisor_does_not_load_v8(self):
        # The supervisor is `colony`, linked without V8; its runtime processes are `colony-runtime`.
        server = self.serve_text(args=["--processes", "1"])
        self.assertResponse(server.get("/"), 200, "hello")

        def mapped(pid):
            with open("/proc/%d/maps" % pid) as f:
                return f.read()

        self.assertNotIn("libnode", mapped(server.proc.pid))
        runtimes = runtime_children(server.proc.pid)
        self.assertEqual(len(runtimes), 1, runtimes)
        self.assertIn("libnode", mapped(runtimes[0][0]))
        with open("/proc/%d/comm" % runtimes[0][0]) as f:
            self.assertEqual(f.read().strip(), "colony-runtime")

    def test_trust_store_is_not_read_at_start(self):
        # Outbound TLS contexts are made on first use: a runtime that has made no TLS connection
        # has not read the system trust store (tens of milliseconds of start-up otherwise).
        bundle = "/etc/ssl/certs/ca-certificates.crt"
        if not os.path.exists(bundle):
            self.skipTest(bundle + " not present")
        server = self.serve_text(args=["--processes", "1"])
        self.assertResponse(server.get("/"), 200, "hello")
        runtimes = runtime_children(server.proc.pid)
        self.assertEqual(len(runtimes), 1, runtimes)
        with open("/proc/%d/io" % runtimes[0][0]) as f:
            read = int(next(l for l in f if l.startswith("rchar:")).split()[1])
        self.assertLess(read, os.path.getsize(bundle))

    def test_single_process_has_no_supervisor(self):
        config, files = module_worker(script_answering("alone"))
        server = self.serve(config, files, args=["--single-process"])
        self.assertResponse(server.get("/"), 200, "alone")
        self.assertEqual(runtime_children(server.proc.pid), [])

    def test_metrics_and_healthz(self):
        server = self.serve_text(args=["--processes", "2"])
        for _ in range(5):
            self.assertResponse(server.get("/"), 200, "hello")
        code, _, body = admin_get(server, "/healthz")
        self.assertEqual((code, body), (200, "ok\n"))

        def served():
            _, _, text = admin_get(server, "/metrics")
            for line in text.splitlines():
                if line.startswith("colony_requests_served_total "):
                    return int(line.split()[1]) >= 5 and text
            return None
        text = wait_until(served, 5)
        self.assertTrue(text, "colony_requests_served_total never reached 5")
        self.assertIn("# TYPE colony_generation gauge", text)
        self.assertIn("colony_generation 1", text)
        self.assertIn("colony_processes 2", text)
        pids = [str(p["pid"]) for p in status(server)["processes"]]
        for name in ("colony_process_requests_served_total", "colony_process_in_flight_requests",
                     "colony_process_open_connections", "colony_process_resident_memory_bytes",
                     "colony_process_heap_used_bytes", "colony_process_restarts_total"):
            for pid in pids:
                self.assertRegex(text, r'%s\{index="\d",pid="%s",generation="1",state="serving"\} \d+'
                                 % (name, pid))
        code, _, _ = admin_get(server, "/nope")
        self.assertEqual(code, 404)

    def test_first_start_failure_exits_1_without_crash_loop(self):
        config, files = module_worker("throw new Error('broken at start ' + 'xyzzy');\n")
        started = time.monotonic()
        code, stderr = harness.serve_expect_failure(config, files, args=["--processes", "2"])
        self.assertEqual(code, 1, stderr)
        self.assertIn("broken at start xyzzy", stderr)
        self.assertIn("main", stderr)
        self.assertNotIn("restarting", stderr)
        self.assertLess(time.monotonic() - started, 10)

    def test_pid_file_and_json_logs(self):
        tmp = tempfile.mkdtemp(prefix="colony-pid-")
        self.addCleanup(shutil.rmtree, tmp, True)
        pid_file = os.path.join(tmp, "colony.pid")
        server = self.serve_text(args=["--processes", "2", "--pid-file", pid_file,
                                       "--log-format", "json"])
        with open(pid_file) as f:
            self.assertEqual(int(f.read().strip()), server.proc.pid)
        server.wait_for_stderr("is serving")
        lines = [l for l in server.stderr.splitlines() if l.strip()]
        self.assertTrue(lines)
        roles = set()
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                self.fail("not a JSON log line: %r" % line)
            for key in ("time", "level", "role", "pid", "generation", "msg"):
                self.assertIn(key, entry, line)
            roles.add(entry["role"])
        self.assertIn("supervisor", roles)
        os.kill(server.proc.pid, signal.SIGTERM)
        self.assertEqual(server.proc.wait(timeout=10), 0)
        self.assertFalse(os.path.exists(pid_file), "pid file left behind")


@unittest.skipUnless(COLONY, "Colony's supervisor")
class ReloadTest(ServerTestCase):
    def start(self, text, args=()):
        config, files = module_worker(script_answering(text))
        server = self.serve(config, files, sockets=("http", "admin"),
                            args=["--admin-addr", "127.0.0.1:0", "--processes", "2",
                                  "--drain-timeout", "5"] + list(args))
        return server

    def write(self, server, name, content):
        with open(os.path.join(server.dir, name), "w") as f:
            f.write(content)

    def reload_and_wait(self, server, generation):
        os.kill(server.proc.pid, signal.SIGHUP)
        st = wait_until(lambda: (lambda s: s if s["generation"] == generation and s["state"] == "serving"
                                 else None)(status(server)), 15)
        self.assertIsNotNone(st, "generation %d never served:\n%s" % (generation, server.stderr[-3000:]))
        return st

    def test_reload_serves_new_config_and_old_processes_exit(self):
        server = self.start("one")
        old = {p["pid"] for p in status(server)["processes"]}
        self.assertResponse(server.get("/"), 200, "one")
        self.write(server, "main.js", script_answering("two"))
        self.reload_and_wait(server, 2)
        self.assertResponse(server.get("/"), 200, "two")
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in old), 10),
                        "old generation still running")
        st = status(server)
        self.assertEqual({p["generation"] for p in st["processes"]}, {2})
        self.assertEqual(len(st["processes"]), 2)

    def test_reload_reuses_the_compiled_config_while_its_files_are_unchanged(self):
        cache = tempfile.mkdtemp(prefix="colony-config-cache-")
        self.addCleanup(shutil.rmtree, cache, True)
        config, files = module_worker(script_answering("one"))
        server = self.serve(config, files, sockets=("http", "admin"),
                            args=["--admin-addr", "127.0.0.1:0", "--processes", "1", "--verbose"],
                            env={"COLONY_CONFIG_CACHE": cache})
        self.assertNotIn("compiled form reused", server.stderr)
        [entry] = os.listdir(cache)
        self.reload_and_wait(server, 2)
        self.assertTrue(wait_until(lambda: "compiled form reused from %s/%s" % (cache, entry)
                                   in server.stderr, 5), server.stderr[-3000:])
        # The embedded script changes, same length: compiled again, the new code serves.
        self.write(server, "main.js", script_answering("two"))
        before = server.stderr.count("compiled form reused")
        self.reload_and_wait(server, 3)
        self.assertResponse(server.get("/"), 200, "two")
        self.assertEqual(server.stderr.count("compiled form reused"), before, server.stderr[-3000:])
        self.assertEqual(os.listdir(cache), [entry])

    def test_reload_forks_from_the_same_launcher(self):
        # Runtime processes come from one launcher, started once; they are the supervisor's
        # children, and ps shows which runtime and generation each is.
        server = self.start("first")
        [launcher] = [c[0] for c in launcher_children(server.proc.pid)]
        titles = sorted(c[2][0] for c in runtime_children(server.proc.pid))
        self.assertEqual(titles, ["colony-runtime: runtime#0 generation 1",
                                  "colony-runtime: runtime#1 generation 1"])
        self.assertEqual({comm(c[0]) for c in runtime_children(server.proc.pid)}, {"colony-runtime"})
        self.write(server, "main.js", script_answering("second"))
        self.reload_and_wait(server, 2)
        self.assertResponse(server.get("/"), 200, "second")
        self.assertTrue(wait_until(lambda: sorted(c[2][0] for c in runtime_children(server.proc.pid)) == [
            "colony-runtime: runtime#0 generation 2", "colony-runtime: runtime#1 generation 2"], 10),
            runtime_children(server.proc.pid))
        self.assertEqual([c[0] for c in launcher_children(server.proc.pid)], [launcher])
        os.kill(server.proc.pid, signal.SIGTERM)
        self.assertEqual(server.proc.wait(timeout=15), 0, server.stderr[-3000:])
        self.assertFalse(pid_alive(launcher), "the launcher outlived a stopped supervisor")

    def test_launcher_gives_back_its_linking_pages(self):
        # Linking libnode leaves ~25 MiB of symbol and relocation tables resident; the launcher
        # releases them once idle for a second, so it then holds far less than a runtime process.
        server = self.start("lean")
        [launcher] = [c[0] for c in launcher_children(server.proc.pid)]
        runtime = runtime_children(server.proc.pid)[0][0]
        self.assertTrue(wait_until(lambda: rss_kib(launcher) * 3 < rss_kib(runtime), 5),
                        (rss_kib(launcher), rss_kib(runtime)))

    def test_launcher_that_stops_answering_fails_the_reload_only(self):
        server = self.start("steady")
        [launcher] = [c[0] for c in launcher_children(server.proc.pid)]
        os.kill(launcher, signal.SIGSTOP)
        self.write(server, "main.js", script_answering("next"))
        os.kill(server.proc.pid, signal.SIGHUP)
        message = "the runtime launcher (pid %d) was killed by signal 9" % launcher
        server.wait_for_stderr("reload rolled back", timeout=20)
        self.assertIn(message + " (Killed) after not answering within 10 s", server.stderr)
        self.assertResponse(server.get("/"), 200, "steady")
        self.reload_and_wait(server, 3)  # a new launcher starts the next generation
        self.assertResponse(server.get("/"), 200, "next")

    def test_killed_launcher_is_replaced(self):
        server = self.start("before")
        [launcher] = [c[0] for c in launcher_children(server.proc.pid)]
        os.kill(launcher, signal.SIGKILL)
        server.wait_for_stderr("the runtime launcher (pid %d) was killed by signal 9" % launcher)
        self.assertResponse(server.get("/"), 200, "before")  # serving goes on without it
        # A crash restart and a reload each need a launcher: a new one is started.
        [victim] = [p["pid"] for p in status(server)["processes"] if p["index"] == 0]
        os.kill(victim, signal.SIGKILL)
        st = wait_until(lambda: (lambda s: s if len(s["processes"]) == 2 and victim not in
                                 [p["pid"] for p in s["processes"]] and
                                 all(p["state"] == "serving" for p in s["processes"]) else None)(
            status(server)), 10)
        self.assertIsNotNone(st, server.stderr[-3000:])
        [replacement] = [c[0] for c in launcher_children(server.proc.pid)]
        self.assertNotEqual(replacement, launcher)
        self.write(server, "main.js", script_answering("after"))
        self.reload_and_wait(server, 2)
        self.assertResponse(server.get("/"), 200, "after")
        self.assertEqual([c[0] for c in launcher_children(server.proc.pid)], [replacement])

    def test_broken_configs_are_rolled_back(self):
        server = self.start("steady")
        # 1. The config does not parse.
        with open(server.config_path) as f:
            good = f.read()
        with open(server.config_path, "w") as f:
            f.write(good.replace("services = [", "services = [ oops"))
        os.kill(server.proc.pid, signal.SIGHUP)
        stderr = server.wait_for_stderr("reload rolled back")
        self.assertIn("reload failed", stderr)
        self.assertIn("config.capnp", stderr)
        self.assertResponse(server.get("/"), 200, "steady")
        # 2. It parses, but the worker throws at start.
        with open(server.config_path, "w") as f:
            f.write(good)
        self.write(server, "main.js", "throw new Error('reload-time failure ' + 'plugh');\n")
        os.kill(server.proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + 15
        while server.stderr.count("reload rolled back") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("reload-time failure plugh", server.stderr)
        self.assertEqual(server.stderr.count("reload rolled back"), 2, server.stderr[-3000:])
        for _ in range(4):
            self.assertResponse(server.get("/"), 200, "steady")
        st = status(server)
        self.assertEqual(st["generation"], 1)
        self.assertEqual(st["failedReloads"], 2)
        # The failed generation's processes are stopped once the rollback is logged.
        self.assertTrue(wait_until(lambda: len(runtime_children(server.proc.pid)) == 2, 10),
                        runtime_children(server.proc.pid))
        # 3. A good config after the failures goes into service.
        self.write(server, "main.js", script_answering("fixed"))
        self.reload_and_wait(server, 3)
        self.assertResponse(server.get("/"), 200, "fixed")

    def test_sockets_added_kept_and_removed(self):
        config, files = module_worker(script_answering("sockets"))
        server = self.serve(config, files, sockets=("http", "admin"),
                            args=["--admin-addr", "127.0.0.1:0", "--processes", "1"])
        first_port = server.port
        two = config.replace(
            'sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ]',
            'sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main"), '
            '(name = "extra", address = "127.0.0.1:0", http = (), service = "main") ]')
        self.assertNotEqual(two, config)
        with open(server.config_path, "w") as f:
            f.write(two)
        os.kill(server.proc.pid, signal.SIGHUP)
        extra = server.wait_listen("extra", timeout=15)
        self.assertIsNotNone(extra, server.stderr[-3000:])
        self.assertResponse(server.get("/", socket_name="extra"), 200, "sockets")
        # The unchanged socket kept its descriptor (and port).
        self.assertEqual(server.port, first_port)
        self.assertResponse(server.get("/"), 200, "sockets")
        with open(server.config_path, "w") as f:
            f.write(config)
        os.kill(server.proc.pid, signal.SIGHUP)
        wait_until(lambda: status(server)["generation"] == 3 and
                   all(p["generation"] == 3 for p in status(server)["processes"]), 15)

        def refused():
            try:
                socket.create_connection(("127.0.0.1", extra), timeout=1).close()
                return False
            except OSError:
                return True
        self.assertTrue(wait_until(refused, 10), "removed socket still accepts connections")
        self.assertResponse(server.get("/"), 200, "sockets")


@unittest.skipUnless(COLONY, "Colony's supervisor")
class StopTest(ServerTestCase):
    def test_graceful_stop_finishes_slow_request(self):
        config, files = module_worker(script_answering("slow done", delay_ms=1500))
        server = self.serve(config, files, args=["--processes", "2"])
        result = {}

        def slow():
            try:
                result["response"] = server.get("/", timeout=10)
            except Exception as e:  # noqa: BLE001 - reported below
                result["error"] = e
        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.4)
        os.kill(server.proc.pid, signal.SIGTERM)
        thread.join(10)
        self.assertNotIn("error", result, server.stderr[-3000:])
        self.assertResponse(result["response"], 200, "slow done")
        self.assertEqual(server.proc.wait(timeout=10), 0, server.stderr[-3000:])
        self.assertIn("stopped", server.wait_for_stderr("stopped"))

    def test_second_signal_stops_at_once(self):
        config, files = module_worker(script_answering("never", delay_ms=20000))
        server = self.serve(config, files, args=["--processes", "1", "--drain-timeout", "60"])
        runtimes = [c[0] for c in runtime_children(server.proc.pid)]
        conn = server.connection(timeout=30)
        conn.request("GET", "/")
        time.sleep(0.3)
        os.kill(server.proc.pid, signal.SIGTERM)
        time.sleep(0.3)
        self.assertIsNone(server.proc.poll(), "stopped before its drain")
        started = time.monotonic()
        os.kill(server.proc.pid, signal.SIGTERM)
        server.proc.wait(timeout=5)
        self.assertLess(time.monotonic() - started, 3)
        self.assertIn("again: stopping now", server.wait_for_stderr("again: stopping now"))
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in runtimes), 5))
        conn.close()

    def test_drain_timeout_cuts_remaining_work(self):
        config, files = module_worker(script_answering("too slow", delay_ms=20000))
        server = self.serve(config, files, args=["--processes", "1", "--drain-timeout", "1"])
        conn = server.connection(timeout=30)
        conn.request("GET", "/")
        time.sleep(0.3)
        started = time.monotonic()
        os.kill(server.proc.pid, signal.SIGTERM)
        self.assertEqual(server.proc.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - started, 6)
        self.assertIn("drain deadline", server.wait_for_stderr("drain deadline"))
        conn.close()

    def test_supervisor_sigkill_leaves_no_orphans(self):
        config, files = module_worker(script_answering("orphans?"))
        server = self.serve(config, files, args=["--processes", "2"])
        runtimes = [c[0] for c in runtime_children(server.proc.pid)]
        self.assertEqual(len(runtimes), 2)
        launchers = [c[0] for c in launcher_children(server.proc.pid)]
        self.assertEqual(len(launchers), 1)
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=5)
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in runtimes + launchers), 5),
                        "runtime processes or the launcher outlived their supervisor")

    def test_crash_restart_backs_off(self):
        config, files = module_worker(script_answering("again"))
        server = self.serve(config, files, sockets=("http", "admin"),
                            args=["--processes", "1", "--admin-addr", "127.0.0.1:0"])
        for crash in (1, 2, 3):
            [pid] = [p["pid"] for p in status(server)["processes"]]
            os.kill(pid, signal.SIGKILL)
            server.wait_for_stderr("crash %d in a row" % crash)
            # The log names the process that died by its pid.
            self.assertIn("runtime#0 (pid %d, generation 1) was killed by signal 9 (Killed) unexpectedly" % pid,
                          server.stderr)
            st = wait_until(lambda: (lambda s: s if s["processes"] and s["processes"][0]["pid"] != pid
                                     and s["processes"][0]["state"] == "serving" else None)(status(server)), 10)
            self.assertIsNotNone(st, server.stderr[-3000:])
            self.assertEqual(st["processes"][0]["restarts"], crash)
        stderr = server.stderr
        self.assertIn("killed by signal 9", stderr)
        self.assertIn("in 100 ms (crash 1 in a row)", stderr)
        self.assertIn("in 200 ms (crash 2 in a row)", stderr)
        self.assertIn("in 400 ms (crash 3 in a row)", stderr)
        self.assertResponse(server.get("/"), 200, "again")
        self.assertEqual(status(server)["crashes"], 3)


@unittest.skipUnless(COLONY, "Colony's supervisor")
class InheritedSocketsTest(ServerTestCase):
    def test_socket_fd(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
        fd = listener.fileno()
        config, files = module_worker(script_answering("from fd"))
        # Started by hand: the listening descriptor is inherited along with the usual ones.
        tmp = harness.TempDir(files, config)
        self.addCleanup(tmp.__exit__)
        proc = subprocess.Popen([harness.colony_bin(), "serve", tmp.config_path, "-S", "http=%d" % fd,
                                 "--processes", "2"], pass_fds=[fd], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True, cwd=tmp.dir)
        self.addCleanup(harness._kill_group, proc)
        listener.close()  # the server holds it now
        body = wait_until(lambda: _try_get(port), 15)
        self.assertEqual(body, b"from fd")
        os.kill(proc.pid, signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 0)

    def test_systemd_socket_activation(self):
        if not shutil.which("systemd-socket-activate"):
            self.skipTest("systemd-socket-activate not installed (Debian package systemd)")
        port = free_port()
        config, files = module_worker(script_answering("activated"))
        tmp = harness.TempDir(files, config)
        self.addCleanup(tmp.__exit__)
        proc = subprocess.Popen(["systemd-socket-activate", "-l", "127.0.0.1:%d" % port, "--fdname=http",
                                 harness.colony_bin(), "serve", tmp.config_path, "--processes", "2"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True, cwd=tmp.dir)
        self.addCleanup(harness._kill_group, proc)
        # The first connection makes systemd-socket-activate start Colony; it waits in the queue.
        deadline = time.monotonic() + 10
        first = None
        while first is None and time.monotonic() < deadline:
            try:
                first = socket.create_connection(("127.0.0.1", port), timeout=15)
            except OSError:
                time.sleep(0.05)
        self.assertIsNotNone(first, "systemd-socket-activate never listened")
        first.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = harness.recv_until(first, 15)
        first.close()
        self.assertIn(b"200 OK", data)
        self.assertTrue(data.endswith(b"activated"), data)
        self.assertEqual(_try_get(port), b"activated")
        os.kill(proc.pid, signal.SIGTERM)  # the same process, exec'd into Colony
        proc.wait(timeout=10)
        stderr = proc.stderr.read().decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, stderr)
        self.assertIn("systemd fd 3", stderr)


def _try_get(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/")
        body = conn.getresponse().read()
        conn.close()
        return body
    except OSError:
        return None


@unittest.skipUnless(COLONY, "Colony's supervisor")
class Pid1Test(ServerTestCase):
    def test_pid1_reaps_zombies_and_stops_on_sigterm(self):
        if not shutil.which("unshare"):
            self.skipTest("unshare not installed")
        probe = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                               capture_output=True, timeout=10)
        if probe.returncode != 0:
            self.skipTest("cannot create a PID namespace here: %s" % probe.stderr.decode()[-200:])
        config, files = module_worker(script_answering("init"))
        # sh starts a short-lived child, then becomes Colony: the child is Colony's to reap.
        server = self.serve(config, files, sockets=("http", "admin"),
                            args=["--processes", "2", "--admin-addr", "127.0.0.1:0"],
                            prefix=["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
                                    'sleep 0.2 & exec "$@"', "sh"])
        self.assertResponse(server.get("/"), 200, "init")
        self.assertEqual(status(server)["pid"], 1)
        [colony] = [c[0] for c in children(server.proc.pid)]
        self.assertIn("running as PID 1", server.stderr)

        def no_zombies():
            kids = children(colony)
            return kids and not [k for k in kids if k[1] == "Z"] and \
                not [k for k in kids if "sleep" in " ".join(k[2])] and kids
        kids = wait_until(no_zombies, 5)
        self.assertTrue(kids, "zombie children left: %r" % children(colony))
        self.assertEqual(len([k for k in kids if is_runtime(k[2])]), 2)
        os.kill(colony, signal.SIGTERM)
        self.assertEqual(server.proc.wait(timeout=10), 0, server.stderr[-3000:])
        self.assertIn("stopped", server.wait_for_stderr("stopped"))


if __name__ == "__main__":
    unittest.main()
