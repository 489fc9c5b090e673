"""KV bindings on Colony's local backend: a `disk` service's directory. The same API tests as
tests/js/kv-test.wd-test (which runs them against a worker speaking workerd's KV protocol), plus
persistence across processes and a read-only directory.
"""

import json
import os
import shutil
import tempfile
import unittest

import harness
from harness import ServerTestCase

COLONY = harness.is_colony()
JS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "js")

TEST_CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const unitTests :Workerd.Config = (
  services = [
    ( name = "kv-disk-test",
      worker = (
        modules = [
          (name = "worker", esModule = embed "kv-test.js"),
          (name = "assert.js", esModule = embed "assert.js"),
        ],
        compatibilityDate = "2024-09-01",
        bindings = [ (name = "KV", kvNamespace = "store") ],
      )
    ),
    ( name = "store", disk = (path = "%(dir)s", writable = %(writable)s) ),
  ],
);
"""

SCRIPT = r"""
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("k");
    if (request.method === "PUT") {
      await env.KV.put(key, await request.text(), { metadata: { by: "put" } });
      return new Response("stored");
    }
    try {
      return Response.json(await env.KV.getWithMetadata(key));
    } catch (e) {
      return new Response(String(e), { status: 500 });
    }
  },
};
"""


@unittest.skipUnless(COLONY, "Colony's local KV backend")
class KvDiskTest(ServerTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="colony-kv-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def run_api_tests(self, writable):
        files = {}
        for name in ("kv-test.js", "assert.js"):
            with open(os.path.join(JS, name)) as f:
                files[name] = f.read()
        with harness.TempDir(files, TEST_CONFIG % {"dir": self.dir, "writable": writable}) as d:
            return harness.run(["test", d.config_path], cwd=d.dir)

    def test_api_on_disk_backend(self):
        result = self.run_api_tests("true")
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output[-4000:])
        self.assertEqual(output.count("[ PASS ]"), 5, output[-4000:])
        # The records are files in the directory.
        self.assertTrue(any(len(name) == 64 for name in os.listdir(self.dir)))

    def test_read_only_directory(self):
        config, files = harness.module_worker(
            SCRIPT, bindings='(name = "KV", kvNamespace = "store")',
            services='(name = "store", disk = (path = "%s")),' % self.dir)
        server = self.serve(config, files)
        status, _, body = server.request("PUT", "/?k=a", body=b"x")
        self.assertEqual(status, 500)
        expected = 'KV PUT failed: 405 Method Not Allowed (disk service "store" is not writable'
        self.assertIn(expected, server.wait_for_stderr(expected))

    def test_shared_by_processes_and_restarts(self):
        config, files = harness.module_worker(
            SCRIPT, bindings='(name = "KV", kvNamespace = "store")',
            services='(name = "store", disk = (path = "%s", writable = true)),' % self.dir)
        server = self.serve(config, files, args=["--processes", "2"])
        self.assertEqual(server.request("PUT", "/?k=greeting", body=b"hello")[0], 200)
        for _ in range(4):  # fresh connections: both processes answer
            status, _, body = server.get("/?k=greeting")
            self.assertEqual(json.loads(body), {"value": "hello", "metadata": {"by": "put"}, "cacheStatus": None})
        server.stop()
        server = self.serve(config, files)
        self.assertEqual(json.loads(server.get("/?k=greeting")[2])["value"], "hello")

    def test_missing_service_is_refused_by_name(self):
        config, files = harness.module_worker(SCRIPT, bindings='(name = "KV", kvNamespace = "nowhere")')
        with harness.TempDir(files, config) as d:
            result = harness.run(["check", d.config_path], cwd=d.dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn('binding "KV": kvNamespace names service "nowhere", which is not defined in services',
                      result.stderr)


if __name__ == "__main__":
    unittest.main()
