"""JS RPC to a Durable Object owned by another runtime process: functions and RpcTargets passed
either way travel as Cap'n Proto capabilities through the supervisor, so callbacks run in the
caller's process and stubs returned by the object reach it in its process.
"""

import json
import unittest

import harness
from harness import ServerTestCase, worker_config

COLONY = harness.is_colony()

SCRIPT = r"""
import { DurableObject, RpcTarget } from "cloudflare:workers";

// One per runtime process: tells which process ran what (made in a handler, as workerd requires).
let tag;
const processTag = () => (tag ??= crypto.randomUUID());

class Tally extends RpcTarget {
  #n;
  constructor(n) { super(); this.#n = n; }
  add(k) { this.#n += k; return { n: this.#n, process: processTag() }; }
  get n() { return this.#n; }
}

export class Box extends DurableObject {
  async where() { return processTag(); }
  // Calls back into the caller's process, twice, and passes a stub of its own along.
  async visit(callback) {
    const first = await callback(1);
    const second = await callback(2);
    return { first, second, owner: processTag() };
  }
  tally(start) { return new Tally(start); }
  async useTarget(target) { return await target.describe(processTag()); }
  async viaBinding(binding) { return await (await binding.fetch("http://front/ping")).text(); }
  async fill(writable) {
    const writer = writable.getWriter();
    await writer.write(new TextEncoder().encode("filled by "));
    await writer.write(new TextEncoder().encode(processTag()));
    await writer.close();
  }
  streamed() { return new Response("streamed from " + processTag(), { headers: { "x-owner": processTag() } }); }
}

class Visitor extends RpcTarget {
  describe(owner) { return { owner, front: processTag() }; }
}

export default {
  async fetch(request, env) {
    try {
      return await run(request, env);
    } catch (e) {
      return new Response(String(e && e.stack), { status: 500 });
    }
  }
};

async function run(request, env) {
    if (new URL(request.url).pathname === "/ping") return new Response("pong " + processTag());
    const stub = env.BOX.getByName(new URL(request.url).searchParams.get("name") ?? "a");
    const owner = await stub.where();
    const visit = await stub.visit(async (x) => ({ x, ranIn: processTag() }));
    const tally = await stub.tally(10);
    const added = await tally.add(5);
    const n = await tally.n;
    const piped = await stub.tally(100).add(1);
    const target = await stub.useTarget(new Visitor());
    const response = await stub.streamed();
    const text = await response.text();
    const pong = await stub.viaBinding(env.SELF);
    const { readable, writable } = new TransformStream();
    const filledText = new Response(readable).text();
    await stub.fill(writable);
    const filled = await filledText;
    tally[Symbol.dispose]();
    let disposed = "";
    try { await tally.add(1); } catch (e) { disposed = e.message; }
    return Response.json({ front: processTag(), owner, visit, added, n, piped, target, text,
                           responseOwner: response.headers.get("x-owner"), disposed, pong, filled });
}
"""


def config():
    extra = """
  durableObjectNamespaces = [ (className = "Box", uniqueKey = "rpc-it-box") ],
  durableObjectStorage = (inMemory = void),
"""
    text = worker_config(modules=[("main.js", "esModule", "main.js")],
                         bindings='(name = "BOX", durableObjectNamespace = "Box"), (name = "SELF", service = "main")',
                         extra_worker=extra, compat_date="2024-09-01")
    return text, {"main.js": SCRIPT}


class RpcTest(ServerTestCase):
    def check(self, result):
        front, owner = result["front"], result["owner"]
        # The callback ran in the caller's process, each time.
        self.assertEqual(result["visit"], {"first": {"x": 1, "ranIn": front},
                                           "second": {"x": 2, "ranIn": front}, "owner": owner})
        # The RpcTarget lives where the object does.
        self.assertEqual(result["added"], {"n": 15, "process": owner})
        self.assertEqual(result["n"], 15)
        self.assertEqual(result["piped"], {"n": 101, "process": owner})
        self.assertEqual(result["target"], {"owner": owner, "front": front})
        self.assertEqual(result["text"], "streamed from " + owner)
        self.assertEqual(result["responseOwner"], owner)
        self.assertEqual(result["disposed"], "RPC stub used after being disposed.")
        # A service binding sent to the object: its fetch() comes back to the caller's process.
        self.assertEqual(result["pong"], "pong " + front)
        # A WritableStream sent to the object: it writes into the caller's stream.
        self.assertEqual(result["filled"], "filled by " + owner)

    def test_stubs_in_one_process(self):
        text, files = config()
        server = self.serve(text, files)
        status, _, body = server.get("/?name=one")
        self.assertEqual(status, 200, body[:2000])
        self.check(json.loads(body))

    @unittest.skipUnless(COLONY, "Colony's multi-process serve")
    def test_stubs_cross_processes(self):
        text, files = config()
        server = self.serve(text, files, args=["--processes", "2"])
        remote = 0
        # Keep-alive connections, kept open so that the balancer sends the next one elsewhere,
        # until requests have entered both through the owner and through the other process.
        for _ in range(40):
            client = server.keep_alive()
            status, _, body = client.get("/?name=shared")
            self.assertEqual(status, 200, body[:2000])
            result = json.loads(body)
            self.check(result)
            if result["front"] != result["owner"]:
                # A second call on the same connection enters through the same process.
                status, _, body = client.get("/?name=shared")
                self.assertEqual(status, 200, body[:2000])
                again = json.loads(body)
                self.check(again)
                remote = 1 + (again["front"] != again["owner"])
                break
        self.assertGreaterEqual(remote, 2, "no request entered through the process that does not own the object")


if __name__ == "__main__":
    unittest.main()
