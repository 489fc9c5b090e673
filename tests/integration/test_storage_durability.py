"""KV and R2 on disk are the only copy of what a worker stores: a put or delete is synced to disk
(the record's data, then its directory) before it resolves, so it survives a power loss; so is a
message sent to a queue Colony brokers. The Cache API's records, which can be fetched again, are
not synced. Checked by tracing the sync calls with strace while `colony test` runs the operations."""

import os
import re
import subprocess
import tempfile
import unittest

import harness

CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const unitTests :Workerd.Config = (
  services = [
    ( name = "main",
      worker = (
        modules = [(name = "worker", esModule = embed "worker.js")],
        compatibilityDate = "2024-09-01",
        bindings = [
          (name = "KV", kvNamespace = "kv"),
          (name = "BUCKET", r2Bucket = "r2"),
          (name = "QUEUE", queue = "main"),
        ],
      )
    ),
    ( name = "kv", disk = (path = "%(kv)s", writable = true) ),
    ( name = "r2", disk = (path = "%(r2)s", writable = true) ),
  ],
);
"""

WORKER = """
export const kv = {
  async test(ctrl, env) {
    await env.KV.put("key", "value");
    await env.KV.delete("key");
  },
};
export default { async queue(batch) {} };
export const r2 = {
  async test(ctrl, env) {
    await env.BUCKET.put("object", "value");
    await env.BUCKET.delete("object");
  },
};
export const queueSend = { async test(ctrl, env) { await env.QUEUE.send({ sent: true }); } };
export const cachePut = {
  async test() {
    await caches.default.put("http://example.com/page",
      new Response("cached", { headers: { "cache-control": "max-age=600" } }));
  },
};
"""


@unittest.skipUnless(harness.is_colony(), "Colony's disk backends")
class StorageDurabilityTest(unittest.TestCase):
    def test_kv_r2_and_queues_sync_the_cache_does_not(self):
        with tempfile.TemporaryDirectory(prefix="colony-durability-") as root:
            dirs = {name: os.path.join(root, name) for name in ("kv", "r2", "cache", "queues")}
            config = CONFIG % dirs
            with harness.TempDir({"worker.js": WORKER}, config) as d:
                trace = d.path("trace")
                env = dict(os.environ, COLONY_CACHE_DIR=dirs["cache"], COLONY_QUEUE_DIR=dirs["queues"])
                result = subprocess.run(
                    ["strace", "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync", "-o", trace,
                     harness.colony_bin(), "test", d.config_path],
                    cwd=d.dir, env=env, capture_output=True, text=True, timeout=120)
                output = result.stdout + result.stderr
                self.assertEqual(result.returncode, 0, output[-3000:])
                self.assertEqual(len(re.findall(r"\[ PASS \]", output)), 4, output[-3000:])
                with open(trace) as f:
                    calls = [m.groups() for m in re.finditer(r"(fsync|fdatasync)\(\d+<([^>]*)>\)",
                                                             f.read())]
                # The cache did store its entry (without syncing it, below).
                cached = [n for n in os.listdir(dirs["cache"]) if not n.startswith(".")]
                self.assertEqual(len(cached), 1, os.listdir(dirs["cache"]))

        def synced(call, path):
            return [c for c in calls if c[0] == call and c[1].startswith(path)]

        # Each put syncs its record's data, then the directory the record was renamed into; each
        # delete syncs the directory it was removed from.
        self.assertEqual(len(synced("fdatasync", dirs["kv"] + "/.tmp-")), 1, calls)
        self.assertEqual(len(synced("fsync", dirs["kv"])), 2, calls)
        self.assertEqual(len(synced("fdatasync", dirs["r2"] + "/.tmp-")), 1, calls)
        self.assertEqual(len(synced("fsync", dirs["r2"])), 2, calls)
        # A queue message: its data in tmp/, then the ready/ directory it was renamed into.
        # (Paths under the queue's own directory: tmp/<file>, ready.)
        queued = [(call, os.path.relpath(path, dirs["queues"]).split("/")[1])
                  for call, path in calls if path.startswith(dirs["queues"] + "/")]
        self.assertEqual(queued, [("fdatasync", "tmp"), ("fsync", "ready")], calls)
        self.assertEqual(synced("fdatasync", dirs["cache"]) + synced("fsync", dirs["cache"]), [],
                         calls)


if __name__ == "__main__":
    unittest.main()
