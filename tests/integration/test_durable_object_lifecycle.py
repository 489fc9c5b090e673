"""Durable Object lifecycle on Colony's multi-process serve: an idle object is evicted (its
instance dropped, constructed again by the next event, in the process that owns it), busy and
preventEviction objects are not, hibernatable WebSockets outlive their instance, and stored alarms
fire at start-up after a restart. COLONY_DO_IDLE_MS shortens the idle time (10 s by default, as in
workerd) so that the tests do not wait for it.
"""

import json
import os
import signal
import tempfile
import time
import unittest

import harness
from harness import ServerTestCase, worker_config
from test_websocket import ws_connect

COLONY = harness.is_colony()
IDLE_MS = 800  # long enough for back-to-back requests on a loaded machine
IDLE = IDLE_MS / 1000.0

SCRIPT = r"""
import { DurableObject } from "cloudflare:workers";

// One per runtime process: tells which process ran what.
const PROCESS_TAG = crypto.randomUUID();

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.instance = crypto.randomUUID();
    this.memory = 0;
  }
  async touch() {
    this.memory++;
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return { n, memory: this.memory, instance: this.instance, owner: PROCESS_TAG };
  }
  // A call that takes longer than the idle time.
  async slow(ms) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.instance;
  }
  // Timers its code has pending keep the object, also a chain of them.
  later(ms, times) {
    const step = (left) => setTimeout(() => { this.memory += 100; if (left > 1) step(left - 1); }, ms);
    step(times);
    return this.instance;
  }
  async arm(ms) { await this.ctx.storage.setAlarm(Date.now() + ms); }
  async alarm() {
    await this.ctx.storage.put("alarmedAt", Date.now());
    console.log(`alarm of ${this.ctx.id} ran in instance ${this.instance}`);
  }
}

export class Pinned extends Counter {}

export class Sleeper extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.instance = crypto.randomUUID();
  }
  describe(ws, message) {
    return JSON.stringify({
      instance: this.instance, owner: PROCESS_TAG, message,
      attachment: ws.deserializeAttachment(), sockets: this.ctx.getWebSockets().length,
    });
  }
  async fetch(request) {
    const url = new URL(request.url);
    const [client, server] = Object.values(new WebSocketPair());
    if (url.searchParams.get("mode") === "hibernate") {
      this.ctx.acceptWebSocket(server);
      server.serializeAttachment({ acceptedBy: this.instance });
    } else {
      server.accept();
      server.addEventListener("message", (event) => server.send(this.describe(server, event.data)));
      server.addEventListener("close", (event) => server.close(event.code, event.reason));
    }
    server.send(JSON.stringify({ instance: this.instance, owner: PROCESS_TAG, front: url.searchParams.get("front") }));
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, message) { ws.send(this.describe(ws, message)); }
  webSocketClose(ws, code, reason) { ws.close(code, reason); }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "a";
    const ns = { "/pinned": env.PINNED, "/sleeper": env.SLEEPER }[url.pathname] ?? env.COUNTER;
    const stub = ns.getByName(name);
    if (url.pathname === "/sleeper") {
      return stub.fetch(`http://do/?mode=${url.searchParams.get("mode")}&front=${PROCESS_TAG}`, { headers: request.headers });
    }
    if (url.pathname === "/slow") return Response.json(await stub.slow(Number(url.searchParams.get("ms"))));
    if (url.pathname === "/later") return Response.json(await stub.later(Number(url.searchParams.get("ms")), Number(url.searchParams.get("times"))));
    if (url.pathname === "/arm") {
      await stub.arm(Number(url.searchParams.get("ms")));
      return Response.json(env.COUNTER.idFromName(name).toString());
    }
    return Response.json(await stub.touch());
  }
};
"""


def config(storage):
    extra = """
  durableObjectNamespaces = [
    (className = "Counter", uniqueKey = "life-counter"),
    (className = "Pinned", uniqueKey = "life-pinned", preventEviction = true),
    (className = "Sleeper", uniqueKey = "life-sleeper"),
  ],
  durableObjectStorage = %s,
""" % storage
    services = '(name = "do-disk", disk = (path = "do-data", writable = true)),' if "localDisk" in storage else ""
    bindings = """(name = "COUNTER", durableObjectNamespace = "Counter"),
      (name = "PINNED", durableObjectNamespace = "Pinned"),
      (name = "SLEEPER", durableObjectNamespace = "Sleeper")"""
    return worker_config(modules=[("main.js", "esModule", "main.js")], bindings=bindings,
                         extra_worker=extra, services=services)


@unittest.skipUnless(COLONY, "COLONY_DO_IDLE_MS and Colony's multi-process serve")
class DurableObjectLifecycleTest(ServerTestCase):
    def start(self, storage='(localDisk = "do-disk")', processes="2"):
        return self.serve(config(storage), {"main.js": SCRIPT, "do-data/.keep": ""},
                          args=["--processes", processes], env={"COLONY_DO_IDLE_MS": str(IDLE_MS)})

    def touch(self, server, path="/touch?name=a"):
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_idle_object_is_evicted_and_constructed_again_by_its_owner(self):
        server = self.start()
        first = self.touch(server)
        second = self.touch(server)
        self.assertEqual((second["instance"], second["memory"], second["n"]), (first["instance"], 2, 2))
        time.sleep(IDLE * 3)
        third = self.touch(server)
        self.assertNotEqual(third["instance"], first["instance"])
        # A new instance (memory starts again), storage on disk kept, same owning process.
        self.assertEqual((third["memory"], third["n"], third["owner"]), (1, 3, first["owner"]))

    def test_in_memory_storage_goes_with_the_evicted_instance(self):
        server = self.start("(inMemory = void)")
        self.touch(server)
        self.assertEqual(self.touch(server)["n"], 2)
        time.sleep(IDLE * 3)
        self.assertEqual(self.touch(server)["n"], 1)

    def test_busy_or_pinned_objects_stay(self):
        server = self.start()
        first = self.touch(server)
        # A call running longer than the idle time keeps its object.
        status, _, body = server.get("/slow?name=a&ms=%d" % (IDLE_MS * 3))
        self.assertEqual(json.loads(body), first["instance"])
        self.assertEqual(self.touch(server)["instance"], first["instance"])
        # So do timers it has pending, set by a call that has returned (here two in a row, the
        # second set by the first's callback); once they have run, it goes when idle.
        status, _, body = server.get("/later?name=a&ms=%d&times=2" % (IDLE_MS * 2))
        self.assertEqual(json.loads(body), first["instance"])
        time.sleep(IDLE * 3)
        during = self.touch(server)
        self.assertEqual((during["instance"], during["memory"]), (first["instance"], 103))
        time.sleep(IDLE * 4)
        self.assertNotEqual(self.touch(server)["instance"], first["instance"])
        # preventEviction: the instance stays however long it is idle.
        pinned = self.touch(server, "/pinned?name=p")
        time.sleep(IDLE * 3)
        again = self.touch(server, "/pinned?name=p")
        self.assertEqual((again["instance"], again["memory"]), (pinned["instance"], 2))

    def test_stored_alarm_brings_an_evicted_object_back(self):
        server = self.start()
        first = self.touch(server, "/touch?name=alarmed")
        status, _, body = server.get("/arm?name=alarmed&ms=%d" % (IDLE_MS * 4))
        self.assertEqual(status, 200, body)
        line = "alarm of %s ran" % json.loads(body)
        found = harness.wait_until(lambda: line in server.stdout + server.stderr, 10)
        self.assertTrue(found, server.stderr[-2000:])
        # It ran once, in a new instance (the first was evicted while waiting); storage kept.
        logged = server.stdout + server.stderr
        self.assertEqual(logged.count(line), 1)
        ran_in = logged.split(line + " in instance ", 1)[1].split()[0]
        self.assertNotEqual(ran_in, first["instance"])
        self.assertEqual(self.touch(server, "/touch?name=alarmed")["n"], 2)

    def connect(self, server, mode, name, other_process):
        """A WebSocket to the Sleeper `name` entering through the process that owns it, or
        through the other one; returns (socket, hello)."""
        # Sockets entering through the wrong process stay open until one enters through the
        # right one, so that the balancer sends the next connection to the other process.
        held = []
        try:
            for _ in range(40):
                ws, status, _ = ws_connect(server.port, "/sleeper?name=%s&mode=%s" % (name, mode))
                self.assertEqual(status, 101)
                hello = json.loads(ws.recv_text())
                if (hello["front"] != hello["owner"]) == other_process:
                    return ws, hello
                held.append(ws)
        finally:
            # Closed with the handshake, so the object has let go of them before this returns.
            for ws in held:
                ws.send_close(1000, b"")
                self.assertEqual(ws.recv_close(), (1000, b""))
                ws.sock.close()
        self.fail("no WebSocket entered through the %s process" % ("other" if other_process else "owning"))

    def test_hibernatable_websocket_outlives_its_instance(self):
        server = self.start()
        remote, hello = self.connect(server, "hibernate", "h", other_process=True)
        local, _ = self.connect(server, "hibernate", "h", other_process=False)
        remote.send_text("before")
        before = json.loads(remote.recv_text())
        self.assertEqual(before["sockets"], 2)
        time.sleep(IDLE * 3)
        # The message wakes a new instance in the same process; it has both sockets and the
        # attachment the first instance gave.
        remote.send_text("after")
        after = json.loads(remote.recv_text())
        self.assertNotEqual(after["instance"], before["instance"])
        self.assertEqual(after["owner"], before["owner"])
        self.assertEqual((after["message"], after["sockets"], after["attachment"]),
                         ("after", 2, {"acceptedBy": hello["instance"]}))
        local.send_text("local")
        self.assertEqual(json.loads(local.recv_text())["instance"], after["instance"])
        for ws in (remote, local):
            ws.send_close(1000, b"bye")
            self.assertEqual(ws.recv_close(), (1000, b"bye"))
            ws.sock.close()

    def test_open_websocket_keeps_its_object(self):
        server = self.start()
        ws, hello = self.connect(server, "accept", "k", other_process=True)
        time.sleep(IDLE * 3)
        ws.send_text("still there")
        reply = json.loads(ws.recv_text())
        self.assertEqual((reply["instance"], reply["message"]), (hello["instance"], "still there"))
        ws.sock.close()

    def test_stored_alarm_fires_at_start_up_after_sigterm(self):
        with tempfile.TemporaryDirectory(prefix="colony-it-") as directory:
            harness.write_files(directory, {"config.capnp": config('(localDisk = "do-disk")'),
                                            "main.js": SCRIPT, "do-data/.keep": ""})
            path = os.path.join(directory, "config.capnp")

            def serve():
                server = harness.Server(config_path=path, cwd=directory, args=["--processes", "2"],
                                        env={"COLONY_DO_IDLE_MS": str(IDLE_MS)})
                self.addCleanup(server.stop)
                return server

            server = serve()
            status, _, body = server.get("/arm?name=later&ms=3000")
            self.assertEqual(status, 200, body)
            hex_id = json.loads(body)
            server.proc.send_signal(signal.SIGTERM)
            self.assertEqual(server.proc.wait(15), 0, server.stderr[-2000:])
            server.stop()
            line = "alarm of %s ran" % hex_id
            self.assertNotIn(line, server.stdout + server.stderr)

            # No request after the restart: the alarm runs on its own, once.
            server = serve()
            found = harness.wait_until(lambda: line in server.stdout + server.stderr, 10)
            self.assertTrue(found, server.stderr[-2000:])
            time.sleep(1)
            self.assertEqual((server.stdout + server.stderr).count(line), 1)


if __name__ == "__main__":
    unittest.main()
