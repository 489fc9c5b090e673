"""The Cache API under `colony serve`: one cache shared by every runtime process (a response
cached by one process is a hit in another), kept across a reload, bounded by COLONY_CACHE_SIZE
with least-recently-used eviction. (Colony only: workerd has no cache without cacheApiOutbound.)
"""

import json
import os
import shutil
import signal
import tempfile
import time
import unittest

import harness
from harness import ServerTestCase

COLONY = harness.is_colony()

# Each isolate (one per process) names itself; /put caches a response naming the putter, /match
# answers who is asking and what the cache holds.
SCRIPT = r"""
const me = crypto.randomUUID();
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const key = "https://cache.example/" + (url.searchParams.get("k") || "k");
    if (url.pathname === "/put") {
      const size = Number(url.searchParams.get("size") || 0);
      await caches.default.put(key, new Response(size ? "x".repeat(size) : me,
                                                 { headers: { "cache-control": "max-age=600" } }));
      return Response.json({ me });
    }
    if (url.pathname === "/match") {
      const hit = await caches.default.match(key);
      return Response.json({ me, hit: hit ? await hit.text() : null });
    }
    return new Response("not found", { status: 404 });
  },
};
"""


@unittest.skipUnless(COLONY, "Colony's shared Cache API")
class SharedCacheTest(ServerTestCase):
    def match_from_other_process(self, server, putter, key):
        """Opens connections (keeping each open, so the balancer sends the next one elsewhere)
        until one lands on a process other than `putter`; returns that process's answer."""
        held = []
        try:
            for _ in range(40):
                client = server.keep_alive()
                held.append(client)
                status, _, body = client.get("/match?k=" + key)
                self.assertEqual(status, 200, body)
                answer = json.loads(body)
                if answer["me"] != putter:
                    return answer
            self.fail("every connection went to the process that cached the response")
        finally:
            for client in held:
                client.close()

    def test_hit_in_another_process(self):
        server = self.serve_script(SCRIPT, args=["--processes", "2"])
        status, _, body = server.get("/put?k=shared")
        self.assertEqual(status, 200, body)
        putter = json.loads(body)["me"]
        answer = self.match_from_other_process(server, putter, "shared")
        self.assertEqual(answer["hit"], putter)
        # A miss is a miss everywhere.
        self.assertIsNone(json.loads(server.get("/match?k=never")[2])["hit"])

    def test_kept_across_reload(self):
        server = self.serve_script(SCRIPT, args=["--processes", "2"])
        putter = json.loads(server.get("/put?k=reload")[2])["me"]
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        # Wait until the new generation serves: its isolates have new names.
        while True:
            answer = json.loads(server.get("/match?k=reload")[2])
            if answer["me"] != putter and "generation 2" in server.stderr or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertIn("generation 2", server.stderr)
        self.assertEqual(json.loads(server.get("/match?k=reload")[2])["hit"], putter)

    def test_size_bound_evicts_least_recently_used(self):
        cache_dir = tempfile.mkdtemp(prefix="colony-cache-test-")
        self.addCleanup(shutil.rmtree, cache_dir, True)
        config, files = harness.module_worker(SCRIPT)
        server = self.serve(config, files, args=["--processes", "2"],
                            env={"COLONY_CACHE_DIR": cache_dir, "COLONY_CACHE_SIZE": "64K"})
        for i in range(30):
            status, _, body = server.get("/put?k=e%d&size=6000" % i)
            self.assertEqual(status, 200, body)
        records = [name for name in os.listdir(cache_dir) if len(name) == 64]
        total = sum(os.path.getsize(os.path.join(cache_dir, name)) for name in records)
        self.assertLessEqual(total, 64 * 1024 + 6500, "%d bytes in %d records" % (total, len(records)))
        self.assertGreater(len(records), 3)
        self.assertIsNone(json.loads(server.get("/match?k=e0")[2])["hit"])
        self.assertEqual(len(json.loads(server.get("/match?k=e29")[2])["hit"]), 6000)
        server.stop()
        # A directory the user chose is kept.
        self.assertTrue(os.path.isdir(cache_dir))

    def failed_start(self, env):
        """`colony serve` with `env`, expected to stop at start-up; returns its run result."""
        config, files = harness.module_worker(SCRIPT)
        with harness.TempDir(files, config) as d:
            result = harness.run(["serve", d.config_path, "--processes", "1"], cwd=d.dir, env=env)
        self.assertEqual(result.returncode, 1)
        return result

    def test_bad_cache_size_stops_the_server(self):
        result = self.failed_start({"COLONY_CACHE_SIZE": "lots"})
        self.assertIn("COLONY_CACHE_SIZE=lots is not a size", result.stderr)

    def test_server_directories_are_private_and_removed_at_exit(self):
        with tempfile.TemporaryDirectory(prefix="colony-it-tmp-") as tmp:
            config, files = harness.module_worker(SCRIPT)
            server = self.serve(config, files, args=["--processes", "1"], env={"TMPDIR": tmp})
            made = sorted(os.listdir(tmp))
            self.assertEqual([name.rsplit("-", 1)[0] for name in made],
                             ["colony-cache", "colony-queues"], made)
            for name in made:
                self.assertEqual(os.stat(os.path.join(tmp, name)).st_mode & 0o777, 0o700)
            server.stop()
            self.assertEqual(os.listdir(tmp), [])

    def test_unusable_temp_directory_stops_the_server(self):
        result = self.failed_start({"TMPDIR": "/nonexistent/colony-tmp"})
        self.assertIn("cannot create the cache directory", result.stderr)
        self.assertIn("/nonexistent/colony-tmp/colony-cache-", result.stderr)

if __name__ == "__main__":
    unittest.main()
