"""r2Bucket bindings on Colony's local backend (a disk service's directory): the API suites
(r2/r2-test.js and tests/js/r2-protocol-test.js, which r2-protocol-test.wd-test runs against a
worker speaking workerd's R2 protocol), multipart uploads whose parts land on different runtime
processes and survive a restart, and the validator's refusal of a missing service.
"""

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import unittest

import harness
from harness import ServerTestCase

COLONY = harness.is_colony()
HERE = os.path.dirname(os.path.abspath(__file__))
JS = os.path.join(os.path.dirname(HERE), "js")
MIN_PART = 5 * 1024 * 1024

CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const unitTests :Workerd.Config = (
  services = [
    ( name = "r2-test",
      worker = (
        modules = [
          (name = "worker", esModule = embed "%(module)s"),
          (name = "assert.js", esModule = embed "assert.js"),
        ],
        compatibilityDate = "2024-09-01",
        bindings = [
          (name = "BUCKET", r2Bucket = "%(service)s"),
          (name = "MIN_PART", json = "%(min_part)d"),
        ],
      )
    ),
    ( name = "store", disk = (path = "%(dir)s", writable = true) ),
  ],
);
"""

# Multipart uploads through HTTP requests: each runtime process has its own PROC id, and a request
# carrying `x-not-proc: ID` is refused (409) by the process with that id, so the test can make
# consecutive parts land on different processes.
SCRIPT = r"""
let PROC;
export default {
  async fetch(request, env) {
    PROC ??= crypto.randomUUID();
    const url = new URL(request.url);
    const key = url.searchParams.get("k");
    const id = url.searchParams.get("id");
    try {
      switch (url.pathname) {
        case "/create": {
          const upload = await env.BUCKET.createMultipartUpload(key, {
            httpMetadata: { contentType: "application/x-test" }, customMetadata: { by: "test" } });
          return Response.json({ uploadId: upload.uploadId, proc: PROC });
        }
        case "/part": {
          if (request.headers.get("x-not-proc") === PROC) return new Response("same process", { status: 409 });
          const part = await env.BUCKET.resumeMultipartUpload(key, id)
            .uploadPart(Number(url.searchParams.get("n")), await request.arrayBuffer());
          return Response.json({ part, proc: PROC });
        }
        case "/complete": {
          const object = await env.BUCKET.resumeMultipartUpload(key, id).complete(await request.json());
          return Response.json({ etag: object.etag, size: object.size, proc: PROC });
        }
        case "/abort":
          await env.BUCKET.resumeMultipartUpload(key, id).abort();
          return new Response("aborted");
        case "/get": {
          const offset = url.searchParams.get("offset");
          const object = await env.BUCKET.get(key, offset === null ? {}
            : { range: { offset: Number(offset), length: Number(url.searchParams.get("length")) } });
          if (object === null) return new Response("no such object", { status: 404 });
          return new Response(object.body, { headers: { etag: object.httpEtag, "content-type": object.httpMetadata.contentType } });
        }
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      return new Response(String(e.message), { status: 500 });
    }
  },
};
"""


# A request body stored as it comes (a stream), and read back.
STREAM_SCRIPT = r"""
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("k");
    if (url.pathname === "/put") {
      const object = await env.BUCKET.put(key, request.body);
      return Response.json({ size: object.size, etag: object.etag });
    }
    const object = await env.BUCKET.get(key);
    return new Response(object.body);
  },
};
"""


def runtime_pid(supervisor):
    """The runtime process a supervisor started with --processes 1 runs."""
    for _ in range(100):
        with open("/proc/%d/task/%d/children" % (supervisor, supervisor)) as f:
            for pid in f.read().split():
                with open("/proc/%s/comm" % pid) as comm:
                    if comm.read().strip() == "colony-runtime":
                        return int(pid)
        time.sleep(0.05)
    raise AssertionError("no runtime process under %d" % supervisor)


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))


def expected_etag(parts):
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return "%s-%d" % (hashlib.md5(digests).hexdigest(), len(parts))


@unittest.skipUnless(COLONY, "Colony's local R2 backend")
class R2Test(ServerTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="colony-r2-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def run_config(self, service, module="r2-test.js", command="test"):
        files = {}
        for name, path in (("r2-test.js", os.path.join(HERE, "r2", "r2-test.js")),
                           ("r2-protocol-test.js", os.path.join(JS, "r2-protocol-test.js")),
                           ("assert.js", os.path.join(JS, "assert.js"))):
            with open(path) as f:
                files[name] = f.read()
        config = CONFIG % {"dir": self.dir, "service": service, "module": module, "min_part": MIN_PART}
        with harness.TempDir(files, config) as d:
            return harness.run([command, d.config_path], cwd=d.dir)

    def test_api(self):
        result = self.run_config("store")
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output[-4000:])
        self.assertEqual(len(re.findall(r"\[ PASS \]", output)), 5, output[-4000:])
        # Values given as streams leave no spool behind, whether stored or refused.
        self.assertEqual(os.listdir(os.path.join(self.dir, ".put")), [])

    def test_protocol_suite_on_disk_backend(self):
        result = self.run_config("store", module="r2-protocol-test.js")
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output[-4000:])
        self.assertEqual(len(re.findall(r"\[ PASS \]", output)), 5, output[-4000:])
        # Completed and aborted uploads leave nothing behind.
        self.assertEqual(os.listdir(os.path.join(self.dir, ".multipart")), [])

    def test_missing_service_is_refused_by_name(self):
        result = self.run_config("nowhere", command="check")
        self.assertEqual(result.returncode, 1)
        self.assertIn('binding "BUCKET": r2Bucket names service "nowhere", which is not defined in services',
                      result.stderr)

    def serve_bucket(self, processes=1, writable="true"):
        config, files = harness.module_worker(
            SCRIPT, bindings='(name = "BUCKET", r2Bucket = "store")',
            services='(name = "store", disk = (path = "%s", writable = %s)),' % (self.dir, writable))
        return self.serve(config, files, args=["--processes", str(processes)])

    def test_streamed_put_is_not_held_in_memory(self):
        config, files = harness.module_worker(
            STREAM_SCRIPT, bindings='(name = "BUCKET", r2Bucket = "store")',
            services='(name = "store", disk = (path = "%s", writable = true)),' % self.dir)
        server = self.serve(config, files, args=["--processes", "1"])
        runtime = runtime_pid(server.proc.pid)
        self.assertEqual(server.request("PUT", "/put?k=warm", body=b"warm up")[0], 200)
        # Spools as a process that died while reading its stream leaves them: one two days old
        # (removed by the next long streamed value) and one an hour old (kept).
        now_ms = int(time.time() * 1000)
        for name, age_ms in (("a" * 32, 2 * 86400000), ("b" * 32, 3600000)):
            spool = os.path.join(self.dir, ".put", name)
            os.makedirs(spool)
            with open(os.path.join(spool, hashlib.sha256(b"spool").hexdigest()), "w") as f:
                f.write('{"created":%d}\n' % (now_ms - age_ms))
            with open(os.path.join(spool, hashlib.sha256(b"piece:0").hexdigest()), "w") as f:
                f.write("{}\nleft behind")
        before = peak_rss_kib(runtime)
        data = b"0123456789abcdef" * (8 * 1024 * 1024)  # 128 MiB
        status, _, body = server.request("PUT", "/put?k=big", body=data)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"size": len(data), "etag": hashlib.md5(data).hexdigest()})
        grown = peak_rss_kib(runtime) - before
        # Read a piece at a time, the upload costs its pieces and the chunks not yet collected
        # (about 45 MiB), not its 128 MiB (held whole, the peak grew by about 400 MiB).
        self.assertLess(grown, 80 * 1024, "peak RSS grew by %d KiB for a 128 MiB upload" % grown)
        status, _, body = server.get("/get?k=big")
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertEqual(os.listdir(os.path.join(self.dir, ".put")), ["b" * 32])

    def create(self, server, key):
        status, _, body = server.request("POST", "/create?k=" + key)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def upload_part(self, server, key, upload_id, number, data, not_proc=""):
        """Uploads a part, retrying on fresh connections until a process other than `not_proc` takes it."""
        for _ in range(60):
            status, _, body = server.request("PUT", "/part?k=%s&id=%s&n=%d" % (key, upload_id, number),
                                             body=data, headers={"x-not-proc": not_proc})
            if status != 409:
                self.assertEqual(status, 200, body)
                return json.loads(body)
        self.fail("every request landed on process %s" % not_proc)

    def complete(self, server, key, upload_id, parts):
        return server.request("POST", "/complete?k=%s&id=%s" % (key, upload_id), body=json.dumps(parts))

    def test_read_only_directory_refuses_uploads(self):
        server = self.serve_bucket(writable="false")
        status, _, body = server.request("POST", "/create?k=x")
        self.assertEqual((status, body), (500, b'R2 createMultipartUpload failed: disk service "store" is '
                                                b'not writable; set writable = true'))

    def test_multipart_across_processes(self):
        server = self.serve_bucket(processes=2)
        created = self.create(server, "big")
        data = [b"a" * MIN_PART, b"b" * MIN_PART, b"tail"]
        first = self.upload_part(server, "big", created["uploadId"], 2, data[1], not_proc=created["proc"])
        second = self.upload_part(server, "big", created["uploadId"], 1, data[0], not_proc=first["proc"])
        third = self.upload_part(server, "big", created["uploadId"], 3, data[2], not_proc=second["proc"])
        self.assertNotEqual(first["proc"], created["proc"])
        self.assertNotEqual(second["proc"], first["proc"])
        status, _, body = self.complete(server, "big", created["uploadId"],
                                        [third["part"], first["part"], second["part"]])
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["etag"], expected_etag(data))
        for _ in range(4):  # read back by both processes
            status, headers, body = server.get("/get?k=big")
            self.assertEqual(status, 200)
            self.assertEqual(body, b"".join(data))
            self.assertEqual(headers["etag"], '"%s"' % expected_etag(data))
            self.assertEqual(headers["content-type"], "application/x-test")
        # A range across the parts' boundary.
        status, _, body = server.get("/get?k=big&offset=%d&length=10" % (MIN_PART - 3))
        self.assertEqual((status, body), (200, b"aaabbbbbbb"))

    def test_multipart_resumes_after_restart_and_aborts(self):
        server = self.serve_bucket()
        created = self.create(server, "resumed")
        part1 = self.upload_part(server, "resumed", created["uploadId"], 1, b"x" * MIN_PART)
        server.stop()
        server = self.serve_bucket()
        part2 = self.upload_part(server, "resumed", created["uploadId"], 2, b"end")
        # Every part but the last must be at least 5 MiB.
        small = self.create(server, "small")
        s1 = self.upload_part(server, "small", small["uploadId"], 1, b"12")
        s2 = self.upload_part(server, "small", small["uploadId"], 2, b"34")
        status, _, body = self.complete(server, "small", small["uploadId"], [s1["part"], s2["part"]])
        self.assertEqual((status, body), (500, b"completeMultipartUpload: Your proposed upload is smaller "
                                                b"than the minimum allowed object size. (10011)"))
        status, _, body = self.complete(server, "resumed", created["uploadId"], [part1["part"], part2["part"]])
        self.assertEqual(status, 200, body)
        self.assertEqual(server.get("/get?k=resumed")[2], b"x" * MIN_PART + b"end")
        # The upload is gone once completed; an aborted one is gone too.
        status, _, body = self.complete(server, "resumed", created["uploadId"], [part1["part"], part2["part"]])
        self.assertEqual((status, body), (500, b"completeMultipartUpload: The specified multipart upload "
                                                b"does not exist. (10024)"))
        self.assertEqual(server.request("POST", "/abort?k=small&id=" + small["uploadId"])[0], 200)
        status, _, body = server.request("PUT", "/part?k=small&id=%s&n=3" % small["uploadId"], body=b"56")
        self.assertEqual((status, body), (500, b"uploadPart: The specified multipart upload does not exist. (10024)"))
        self.assertEqual(server.get("/get?k=small")[0], 404)
        self.assertEqual(os.listdir(os.path.join(self.dir, ".multipart")), [])

    def age_upload(self, upload_id, days):
        """Moves an upload's creation time `days` back, in its record on disk."""
        path = os.path.join(self.dir, ".multipart", upload_id, hashlib.sha256(b"upload").hexdigest())
        with open(path, "rb") as f:
            data = f.read()
        created = re.search(rb'"created":(\d+)', data)
        self.assertIsNotNone(created, data[:200])
        older = str(int(created.group(1)) - days * 24 * 3600 * 1000).encode()
        self.assertEqual(len(older), len(created.group(1)))
        with open(path, "wb") as f:
            f.write(data[:created.start(1)] + older + data[created.end(1):])

    def test_uploads_expire_after_seven_days(self):
        server = self.serve_bucket()
        old = self.create(server, "old")
        part = self.upload_part(server, "old", old["uploadId"], 1, b"left behind")
        recent = self.create(server, "recent")
        self.age_upload(old["uploadId"], 8)
        self.age_upload(recent["uploadId"], 6)
        # An expired upload is unknown to every operation on it...
        status, _, body = self.complete(server, "old", old["uploadId"], [part["part"]])
        self.assertEqual((status, body), (500, b"completeMultipartUpload: The specified multipart upload "
                                                b"does not exist. (10024)"))
        self.assertEqual(os.listdir(os.path.join(self.dir, ".multipart")), [recent["uploadId"]])
        # ...and one nobody asks about again goes when another upload is created.
        self.age_upload(recent["uploadId"], 2)
        newest = self.create(server, "newest")
        self.assertEqual(os.listdir(os.path.join(self.dir, ".multipart")), [newest["uploadId"]])
        self.upload_part(server, "newest", newest["uploadId"], 1, b"fine")


if __name__ == "__main__":
    unittest.main()
