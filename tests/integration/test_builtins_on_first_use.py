"""Built-in files kept out of the startup snapshot (most node:* modules, the Durable Object and
storage bindings: runtime/builtins.cc): evaluated in a worker when first needed, each from the
code cache made at build time, or compiled from source when V8 does not take the cache."""

import hashlib
import re
import shutil
import tempfile
import unittest

import harness
from harness import ServerTestCase

SCRIPT = """
    import { Buffer } from "node:buffer";
    import { createHash } from "node:crypto";
    export default {
      fetch() {
        const bytes = Buffer.from("colony");
        return new Response(bytes.toString("base64") + " " +
                            createHash("sha256").update(bytes).digest("hex"));
      },
    };
"""
FROM_CACHE = "built-in colony:%s evaluated on first use, from its code cache"
FROM_SOURCE = "built-in colony:%s evaluated on first use, compiled from source"


def compat_worker(script, v8_flags=None):
    config, files = harness.module_worker(script, compat_flags=["nodejs_compat"])
    if v8_flags:
        config = config.replace("  sockets = [", "  v8Flags = %s,\n  sockets = [" % v8_flags, 1)
    return config, files


class BuiltinsOnFirstUseTest(ServerTestCase):
    def serve_verbose(self, config, files):
        return self.serve(config, files, args=["--processes", "1", "--verbose"])

    def test_node_modules_answer(self):
        config, files = compat_worker(SCRIPT)
        s = self.serve(config, files)
        status, _, body = s.get("/")
        self.assertEqual(status, 200, body)
        self.assertEqual(body.decode(), "Y29sb255 " + hashlib.sha256(b"colony").hexdigest())

    @unittest.skipUnless(harness.is_colony(), "how Colony loads its built-ins")
    def test_a_file_is_evaluated_from_its_code_cache_when_first_required(self):
        # node:crypto needs node_buffer, node_stream and node_text as well; nothing else is loaded.
        config, files = compat_worker(SCRIPT)
        s = self.serve_verbose(config, files)
        self.assertEqual(s.get("/")[0], 200)
        for name in ("node_buffer.js", "node_crypto.js", "node_stream.js", "node_text.js"):
            self.assertTrue(harness.wait_until(lambda: FROM_CACHE % name in s.stderr, 5),
                            s.stderr[-3000:])
        self.assertNotIn("compiled from source", s.stderr)
        self.assertEqual(s.stderr.count(FROM_CACHE % "node_buffer.js"), 1, s.stderr[-3000:])
        for name in ("node_zlib.js", "node_assert.js", "node_path.js", "node_util.js"):
            self.assertNotIn("colony:" + name, s.stderr)

    @unittest.skipUnless(harness.is_colony(), "how Colony loads its built-ins")
    def test_only_the_file_of_the_module_imported_is_evaluated(self):
        config, files = compat_worker("""
            import { join } from "node:path";
            export default { fetch() { return new Response(join("a", "b")); } };
        """)
        s = self.serve_verbose(config, files)
        self.assertResponse(s.get("/"), 200, "a/b")
        self.assertTrue(harness.wait_until(lambda: FROM_CACHE % "node_path.js" in s.stderr, 5),
                        s.stderr[-3000:])
        # nodejs_compat itself needs node_async at start (timers keep AsyncLocalStorage's
        # context); nothing else but node:path's file.
        evaluated = sorted(set(re.findall(r"built-in colony:(\S+) evaluated on first use", s.stderr)))
        self.assertEqual(evaluated, ["node_async.js", "node_path.js"], s.stderr[-3000:])

    @unittest.skipUnless(harness.is_colony(), "how Colony loads its built-ins")
    def test_a_worker_without_them_evaluates_none(self):
        config, files = harness.module_worker("""
            export default { fetch(request) { return new Response(new URL(request.url).pathname); } };
        """)
        s = self.serve_verbose(config, files)
        self.assertResponse(s.get("/plain"), 200, "/plain")
        self.assertNotIn("evaluated on first use", s.stderr)

    @unittest.skipUnless(harness.is_colony(), "how Colony loads its built-ins")
    def test_a_binding_evaluates_the_file_that_sets_its_hook(self):
        # The runtime makes a KV binding through hooks.makeStorageBinding, which storage_bindings.js
        # sets when it is evaluated: reading the hook evaluates it (and the files it requires).
        store = tempfile.mkdtemp(prefix="colony-kv-")
        self.addCleanup(shutil.rmtree, store, True)
        config, files = harness.module_worker("""
            export default {
              async fetch(request, env) {
                await env.KV.put("k", "stored value");
                return new Response(await env.KV.get("k"));
              },
            };
        """, bindings='(name = "KV", kvNamespace = "store")',
            services='(name = "store", disk = (path = "%s", writable = true)),' % store)
        s = self.serve_verbose(config, files)
        self.assertResponse(s.get("/"), 200, "stored value")
        for name in ("storage_bindings.js", "kv.js"):
            self.assertIn(FROM_CACHE % name, s.stderr)
        self.assertNotIn("durable_objects.js", s.stderr)

    @unittest.skipUnless(harness.is_colony(), "how Colony loads its built-ins")
    def test_other_v8_flags_compile_the_file_from_source(self):
        # V8 takes a code cache only under the flags that made it; with others the file still
        # loads, compiled from its source.
        config, files = compat_worker(SCRIPT, v8_flags='["--no-lazy-feedback-allocation"]')
        s = self.serve_verbose(config, files)
        status, _, body = s.get("/")
        self.assertEqual(status, 200, body)
        self.assertTrue(body.startswith(b"Y29sb255 "), body)
        self.assertTrue(harness.wait_until(lambda: FROM_SOURCE % "node_buffer.js" in s.stderr, 5),
                        s.stderr[-3000:])
        self.assertIn("V8 did not take its code cache", s.stderr)
        self.assertNotIn(FROM_CACHE % "node_buffer.js", s.stderr)


if __name__ == "__main__":
    unittest.main()
