"""Durable Objects on several runtime processes: one instance per id whichever process a request
enters, crash of the owner, reload during traffic, localDisk storage surviving restarts; and a
counter, a rate limiter and a chat room giving the same results on one process and on two.
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
from harness import ServerTestCase, wait_until, worker_config
from test_websocket import ws_connect

COLONY = harness.is_colony()

SCRIPT = r"""
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.instance = crypto.randomUUID();
    this.memory = 0;
    // The newest instance writes its name; an older one still running would notice.
    ctx.blockConcurrencyWhile(async () => { await ctx.storage.put("owner", this.instance); });
  }
  async increment() {
    const conflict = (await this.ctx.storage.get("owner")) !== this.instance;
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    this.memory++;
    return { n, memory: this.memory, instance: this.instance, conflict };
  }
  async fetch(request) {
    return Response.json(await this.increment());
  }
  async arm(ms) { await this.ctx.storage.setAlarm(Date.now() + ms); }
  async alarm() { await this.ctx.storage.put("alarmedAt", Date.now()); }
  async alarmedAt() { return (await this.ctx.storage.get("alarmedAt")) ?? null; }
}

export class RateLimiter extends DurableObject {
  // At most 5 requests per window; the window is reset by the test.
  async take() {
    const used = ((await this.ctx.storage.get("used")) ?? 0);
    if (used >= 5) return false;
    await this.ctx.storage.put("used", used + 1);
    return true;
  }
}

export class ChatRoom extends DurableObject {
  async post(user, text) {
    const messages = (await this.ctx.storage.get("messages")) ?? [];
    messages.push({ user, text });
    await this.ctx.storage.put("messages", messages);
    return messages.length;
  }
  async history() { return (await this.ctx.storage.get("messages")) ?? []; }
}

// One per runtime process: tells which process ran what.
const PROCESS_TAG = crypto.randomUUID();

export class Echo extends DurableObject {
  // The request body streamed back as the response body.
  async fetch(request) {
    return new Response(request.body, { headers: { "x-owner": PROCESS_TAG } });
  }
}

export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sockets = new Set();
  }
  async fetch(request) {
    const front = new URL(request.url).searchParams.get("front");
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    this.sockets.add(server);
    server.send(JSON.stringify({ front, owner: PROCESS_TAG }));
    server.addEventListener("message", (event) => {
      for (const other of this.sockets) if (other !== server) other.send(event.data);
    });
    server.addEventListener("close", (event) => {
      this.sockets.delete(server);
      for (const other of this.sockets) other.send(`left ${event.code} ${event.reason}`);
      server.close(event.code, event.reason);
    });
    return new Response(null, { status: 101, webSocket: client });
  }
}

// The same room on the hibernation API.
export class HibernatingRoom extends DurableObject {
  async fetch(request) {
    const front = new URL(request.url).searchParams.get("front");
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ front, owner: PROCESS_TAG }));
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, message) {
    for (const other of this.ctx.getWebSockets()) if (other !== ws) other.send(message);
  }
  webSocketClose(ws, code, reason) {
    for (const other of this.ctx.getWebSockets()) if (other !== ws) other.send(`left ${code} ${reason}`);
    ws.close(code, reason);
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "a";
    if (url.pathname === "/room" || url.pathname === "/hibernating-room") {
      const ns = url.pathname === "/room" ? env.ROOM : env.HROOM;
      return ns.getByName(name).fetch(
        `http://do/?front=${PROCESS_TAG}`, { headers: request.headers });
    }
    if (url.pathname === "/echo") {
      const response = await env.ECHO.getByName(name).fetch(request);
      const headers = new Headers(response.headers);
      headers.set("x-front", PROCESS_TAG);
      return new Response(response.body, { status: response.status, headers });
    }
    if (url.pathname === "/count") {
      const stub = env.COUNTER.getByName(name);
      // Half of the requests go through fetch(), half through RPC.
      if (url.searchParams.get("via") === "fetch") return stub.fetch("http://do/");
      return Response.json(await stub.increment());
    }
    if (url.pathname === "/arm") {
      await env.COUNTER.getByName(name).arm(Number(url.searchParams.get("ms")));
      return new Response("armed");
    }
    if (url.pathname === "/alarmed") {
      return Response.json(await env.COUNTER.getByName(name).alarmedAt());
    }
    if (url.pathname === "/limit") {
      return new Response(String(await env.LIMITER.getByName(name).take()));
    }
    if (url.pathname === "/post") {
      return new Response(String(await env.CHAT.getByName(name).post(url.searchParams.get("user"), url.searchParams.get("text"))));
    }
    if (url.pathname === "/history") {
      return Response.json(await env.CHAT.getByName(name).history());
    }
    return new Response("not found", { status: 404 });
  }
};
"""


def config(storage):
    extra = """
  durableObjectNamespaces = [
    (className = "Counter", uniqueKey = "it-counter"),
    (className = "RateLimiter", uniqueKey = "it-limiter"),
    (className = "ChatRoom", uniqueKey = "it-chat"),
    (className = "Echo", uniqueKey = "it-echo"),
    (className = "Room", uniqueKey = "it-room"),
    (className = "HibernatingRoom", uniqueKey = "it-hroom"),
  ],
  durableObjectStorage = %s,
""" % storage
    services = '(name = "do-disk", disk = (path = "do-data", writable = true)),' if "localDisk" in storage else ""
    bindings = """(name = "COUNTER", durableObjectNamespace = "Counter"),
      (name = "LIMITER", durableObjectNamespace = "RateLimiter"),
      (name = "CHAT", durableObjectNamespace = "ChatRoom"),
      (name = "ECHO", durableObjectNamespace = "Echo"),
      (name = "ROOM", durableObjectNamespace = "Room"),
      (name = "HROOM", durableObjectNamespace = "HibernatingRoom")"""
    text = worker_config(modules=[("main.js", "esModule", "main.js")], bindings=bindings,
                         extra_worker=extra, services=services)
    return text, {"main.js": SCRIPT, "do-data/.keep": ""}


def admin_status(server):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port_of("admin"), timeout=5)
    try:
        conn.request("GET", "/status")
        return json.loads(conn.getresponse().read().decode())
    finally:
        conn.close()


def parallel(server, paths, clients=16):
    """GET every path, from `clients` keep-alive connections at once; returns (status, body)."""
    results = [None] * len(paths)
    chunks = [list(range(i, len(paths), clients)) for i in range(clients)]

    def run(indexes):
        client = harness.KeepAliveClient(server.port)
        try:
            for i in indexes:
                status, _, body = client.get(paths[i])
                results[i] = (status, body.decode())
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks if c]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@unittest.skipUnless(COLONY, "Colony's multi-process serve")
class DurableObjectsMultiProcessTest(ServerTestCase):
    def start(self, storage="(inMemory = void)", processes="2"):
        text, files = config(storage)
        return self.serve(text, files, sockets=("http", "admin"),
                          args=["--processes", processes, "--admin-addr", "127.0.0.1:0",
                                "--drain-timeout", "5"])

    def runtime_pids(self, server):
        return [p["pid"] for p in admin_status(server)["processes"]]

    def wait_serving(self, server, count=2, exclude=()):
        st = wait_until(lambda: (lambda s: s if len(s["processes"]) == count and all(
            p["state"] == "serving" and p["pid"] not in exclude for p in s["processes"]) else None)(
                admin_status(server)), 15)
        self.assertIsNotNone(st, server.stderr[-3000:])

    def test_one_instance_per_id_under_concurrent_requests(self):
        server = self.start()
        bodies = []
        served = []
        # Rounds of concurrent requests until both processes have served some (the kernel and
        # the load balancing decide which process a connection lands in).
        for _ in range(6):
            paths = ["/count?name=shared&via=%s" % ("fetch" if i % 2 else "rpc") for i in range(100)]
            results = parallel(server, paths)
            self.assertEqual([r for r in results if r[0] != 200], [])
            bodies += [json.loads(b) for _, b in results]
            total = len(bodies)
            st = wait_until(lambda: (lambda s: s if sum(p["requestsServed"] for p in s["processes"]) >= total
                                     else None)(admin_status(server)), 5)
            served = [p["requestsServed"] for p in st["processes"]]
            if all(n > 0 for n in served):
                break
        self.assertTrue(all(n > 0 for n in served), served)
        self.assertEqual(sorted(b["n"] for b in bodies), list(range(1, len(bodies) + 1)))
        self.assertEqual(len({b["instance"] for b in bodies}), 1)
        self.assertFalse(any(b["conflict"] for b in bodies))

    def peak_rss(self, server):
        peaks = {}
        for pid in self.runtime_pids(server):
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1]) * 1024
        return peaks

    def test_large_body_streams_through_object_in_other_process(self):
        server = self.start()
        size = 128 * 1024 * 1024
        body = bytes(range(256)) * (size // 256)
        # Warm both processes up (isolates, the object) so that the peaks below measure the body.
        for _ in range(8):
            status, _, _ = server.request("POST", "/echo?name=big", body=b"warm up")
            self.assertEqual(status, 200)
        before = self.peak_rss(server)
        # Keep-alive connections, kept open, until one lands in the process that does not own the
        # object: the open ones make the owner stop accepting once it holds more than the other.
        probes = []
        target = None
        try:
            for _ in range(20):
                probe = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                probes.append(probe)
                probe.request("POST", "/echo?name=big", body=b"probe")
                response = probe.getresponse()
                self.assertEqual(response.read(), b"probe")
                if response.getheader("x-front") != response.getheader("x-owner"):
                    target = probe.sock
                    break
            self.assertIsNotNone(target, "no connection landed in the process that does not own the object")
            # The object answers while the body is still arriving: send from a thread and read
            # at the same time, as a full-duplex client does.
            head = ("POST /echo?name=big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % size)
            sender = threading.Thread(target=lambda: target.sendall(head.encode() + body))
            sender.start()
            response = http.client.HTTPResponse(target)
            response.begin()
            echoed = response.read()
            sender.join(60)
            self.assertEqual(response.status, 200, echoed[:500])
            self.assertEqual(len(echoed), size)
            self.assertTrue(echoed == body, "the echoed body differs")
            self.assertNotEqual(response.getheader("x-front"), response.getheader("x-owner"))
        finally:
            for probe in probes:
                probe.close()
        after = self.peak_rss(server)
        # 128 MiB went each way through both processes; neither held it whole (what they grow
        # by is the slack of the garbage collector, the same for much smaller bodies).
        for pid, peak in after.items():
            self.assertLess(peak - before.get(pid, 0), size // 2,
                            "process %d grew by %d bytes" % (pid, peak - before.get(pid, 0)))

    def test_websocket_chat_through_object_in_other_process(self):
        self.chat_through_object_in_other_process("/room")

    def test_hibernation_websocket_chat_through_object_in_other_process(self):
        self.chat_through_object_in_other_process("/hibernating-room")

    def chat_through_object_in_other_process(self, path):
        server = self.start()
        remote = local = None
        extras = []
        # New connections until one client is in the object's process and one in the other.
        for _ in range(40):
            ws, status, _ = ws_connect(server.port, path + "?name=lobby")
            self.assertEqual(status, 101)
            hello = json.loads(ws.recv_text())
            if hello["front"] != hello["owner"] and remote is None:
                remote = ws
            elif hello["front"] == hello["owner"] and local is None:
                local = ws
            else:
                extras.append(ws)
            if remote and local:
                break
        self.assertIsNotNone(remote, "no client landed in the process that does not own the room")
        self.assertIsNotNone(local, "no client landed in the process that owns the room")

        def chat(ws):
            # What the other clients said (the extra connections stay silent).
            return ws.recv_text()

        remote.send_text("from the other process")
        self.assertEqual(chat(local), "from the other process")
        local.send_text("from the owner's process")
        self.assertEqual(chat(remote), "from the owner's process")
        for extra in extras:
            self.assertEqual(extra.recv_text(), "from the other process")
            self.assertEqual(extra.recv_text(), "from the owner's process")
        # A close code goes to the object and comes back.
        remote.send_close(4001, b"bye")
        self.assertEqual(remote.recv_close(), (4001, b"bye"))
        self.assertEqual(chat(local), "left 4001 bye")
        # and one from the object reaches a client in the other process.
        local.send_close(4002, b"later")
        self.assertEqual(local.recv_close(), (4002, b"later"))
        for ws in [remote, local] + extras:
            ws.sock.close()

    def test_crash_of_owner_restarts_object_and_memory_state_is_lost(self):
        server = self.start()
        first = [json.loads(b) for _, b in parallel(server, ["/count?name=crash"] * 10, clients=4)]
        self.assertEqual(max(b["n"] for b in first), 10)
        pids = self.runtime_pids(server)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.wait_serving(server, exclude=pids)
        status, _, body = server.get("/count?name=crash")
        self.assertEqual(status, 200, body)
        after = json.loads(body)
        self.assertEqual(after["n"], 1)  # inMemory storage died with its process
        self.assertNotEqual(after["instance"], first[0]["instance"])

    def test_crash_of_one_process_during_traffic(self):
        server = self.start()
        parallel(server, ["/count?name=traffic"] * 4, clients=2)
        stop = threading.Event()
        failures = []
        bodies = []

        def traffic():
            client = harness.KeepAliveClient(server.port)
            while not stop.is_set():
                try:
                    status, _, body = client.get("/count?name=traffic")
                    if status == 200:
                        bodies.append(json.loads(body))
                    else:
                        failures.append((status, body))
                except Exception:  # the connection belonged to the killed process
                    client.close()
                    client = harness.KeepAliveClient(server.port)
            client.close()

        threads = [threading.Thread(target=traffic) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        victim = self.runtime_pids(server)[0]
        os.kill(victim, signal.SIGKILL)
        self.wait_serving(server, exclude=[victim])
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(30)
        self.assertEqual(failures, [])
        self.assertFalse(any(b["conflict"] for b in bodies))
        # Once running again, every request reaches one instance.
        final = [json.loads(b) for _, b in parallel(server, ["/count?name=traffic"] * 20, clients=8)]
        self.assertEqual(len({b["instance"] for b in final}), 1)

    def test_local_disk_state_survives_restart(self):
        server = self.start('(localDisk = "do-disk")')
        parallel(server, ["/count?name=disk"] * 5, clients=3)
        parallel(server, ["/post?name=room&user=ann&text=hi"], clients=1)
        pids = self.runtime_pids(server)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.wait_serving(server, exclude=pids)
        status, _, body = server.get("/count?name=disk")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["n"], 6)
        self.assertEqual(json.loads(server.get("/history?name=room")[2]), [{"user": "ann", "text": "hi"}])
        self.assertTrue(any(f.endswith(".sqlite") for f in os.listdir(os.path.join(server.dir, "do-data", "it-counter"))))

    def test_stored_alarm_fires_after_restart(self):
        server = self.start('(localDisk = "do-disk")')
        self.assertResponse(server.get("/arm?name=alarm&ms=1500"), 200, "armed")
        pids = self.runtime_pids(server)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.wait_serving(server, exclude=pids)
        time.sleep(3)
        asked = time.time() * 1000
        status, _, body = server.get("/alarmed?name=alarm")
        self.assertEqual(status, 200, body)
        fired = json.loads(body)
        self.assertIsNotNone(fired, "the stored alarm never fired")
        # It fired on its own after the restart, not because the object was asked for now.
        self.assertLess(fired, asked - 500)

    def test_reload_during_traffic_hands_objects_over(self):
        server = self.start('(localDisk = "do-disk")')
        stop = threading.Event()
        failures = []
        bodies = []

        def traffic():
            client = harness.KeepAliveClient(server.port)
            while not stop.is_set():
                try:
                    status, _, body = client.get("/count?name=reload")
                except Exception as e:
                    client.close()
                    client = harness.KeepAliveClient(server.port)
                    continue
                if status == 200:
                    bodies.append(json.loads(body))
                else:
                    failures.append((status, body))
            client.close()

        threads = [threading.Thread(target=traffic) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        os.kill(server.proc.pid, signal.SIGHUP)
        st = wait_until(lambda: (lambda s: s if s["generation"] == 2 and s["state"] == "serving"
                                 and all(p["generation"] == 2 for p in s["processes"]) else None)(
                                     admin_status(server)), 20)
        self.assertIsNotNone(st, server.stderr[-3000:])
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(30)
        self.assertEqual(failures, [])
        self.assertGreater(len(bodies), 10)
        self.assertFalse(any(b["conflict"] for b in bodies), "two instances ran at once")
        # No increment was lost across the hand-over: the counts are 1..N.
        self.assertEqual(sorted(b["n"] for b in bodies), list(range(1, len(bodies) + 1)))
        self.assertGreaterEqual(len({b["instance"] for b in bodies}), 2)


@unittest.skipUnless(COLONY, "Colony's messages")
class DurableObjectConfigErrorsTest(unittest.TestCase):
    def check_fails(self, extra, bindings, script=SCRIPT, services=""):
        text = worker_config(modules=[("main.js", "esModule", "main.js")], bindings=bindings,
                             extra_worker=extra, services=services)
        code, stderr = harness.serve_expect_failure(text, {"main.js": script})
        self.assertEqual(code, 1, stderr)
        return stderr

    def test_binding_to_unknown_class(self):
        err = self.check_fails('durableObjectNamespaces = [(className = "Counter", uniqueKey = "k")], '
                               'durableObjectStorage = (inMemory = void),',
                               '(name = "NS", durableObjectNamespace = "Nope")')
        self.assertIn('durableObjectNamespace names class "Nope", which is not in this worker\'s '
                      'durableObjectNamespaces', err)

    def test_class_not_exported(self):
        err = self.check_fails('durableObjectNamespaces = [(className = "Missing", uniqueKey = "k")], '
                               'durableObjectStorage = (inMemory = void),', "")
        self.assertIn('Durable Object namespace "Missing": the worker does not export a class named '
                      '"Missing"', err)

    def test_storage_needed_and_disk_checked(self):
        err = self.check_fails('durableObjectNamespaces = [(className = "Counter", uniqueKey = "k")],', "")
        self.assertIn("no durableObjectStorage", err)
        err = self.check_fails('durableObjectNamespaces = [(className = "Counter", uniqueKey = "k")], '
                               'durableObjectStorage = (localDisk = "nodisk"),', "")
        self.assertIn('durableObjectStorage.localDisk names "nodisk", which is not a disk service', err)
        err = self.check_fails('durableObjectNamespaces = [(className = "Counter", uniqueKey = "k")], '
                               'durableObjectStorage = (localDisk = "ro"),', "",
                               services='(name = "ro", disk = (path = ".")),')
        self.assertIn("which is not writable", err)

    def test_duplicate_unique_key(self):
        err = self.check_fails('durableObjectNamespaces = [(className = "Counter", uniqueKey = "k"), '
                               '(className = "ChatRoom", uniqueKey = "k")], '
                               'durableObjectStorage = (inMemory = void),', "")
        self.assertIn('uniqueKey "k" is used by another namespace', err)


@unittest.skipUnless(COLONY, "Colony's multi-process serve")
class SampleAppsSameOnOneAndTwoProcesses(ServerTestCase):
    def run_app(self, processes):
        text, files = config("(inMemory = void)")
        server = self.serve(text, files, args=["--processes", processes])
        out = {}
        counts = parallel(server, ["/count?name=c"] * 40, clients=8)
        out["counter"] = sorted(json.loads(b)["n"] for _, b in counts)
        limits = parallel(server, ["/limit?name=l"] * 12, clients=6)
        out["limiter"] = sorted(b for _, b in limits)
        posts = parallel(server, ["/post?name=r&user=u%d&text=t" % i for i in range(10)], clients=5)
        out["posts"] = sorted(int(b) for _, b in posts)
        history = json.loads(server.get("/history?name=r")[2])
        out["history"] = sorted(m["user"] for m in history)
        server.stop()
        return out

    def test_same_results(self):
        one = self.run_app("1")
        two = self.run_app("2")
        self.assertEqual(one, two)
        self.assertEqual(one["counter"], list(range(1, 41)))
        self.assertEqual(one["limiter"], ["false"] * 7 + ["true"] * 5)
        self.assertEqual(one["posts"], list(range(1, 11)))


if __name__ == "__main__":
    unittest.main()
