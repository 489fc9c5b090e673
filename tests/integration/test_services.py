"""`disk` services served on a socket and reached through a worker's binding: reads, listings,
writes, dotfiles and attempts to leave the directory (behaviour compared with workerd)."""

import json
import os
import socket
import tempfile
import unittest

import harness
from harness import ServerTestCase


def disk_config(root, writable=False, dotfiles=False):
    return """using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "files", disk = (path = "%s", writable = %s, allowDotfiles = %s)),
    (name = "main", worker = (
      modules = [(name = "main.js", esModule = embed "main.js")],
      compatibilityDate = "2024-09-01",
      bindings = [(name = "FILES", service = "files")])),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:0", http = (), service = "files"),
    (name = "worker", address = "127.0.0.1:0", http = (), service = "main"),
  ],
);
""" % (root, "true" if writable else "false", "true" if dotfiles else "false")


# Forwards /<method>/<path> to the disk binding and reports what came back.
WORKER = """
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, method, ...rest] = url.pathname.split("/");
    const init = { method: method.toUpperCase() };
    if (init.method === "PUT") init.body = await request.text();
    const r = await env.FILES.fetch("http://files.example/" + rest.join("/"), init);
    return Response.json({ status: r.status, type: r.headers.get("content-type"), body: await r.text() });
  }
};
"""


def raw_request(port, path, method="GET", body=None):
    """Sends the request line exactly as given (no client-side path normalisation)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=harness.REQUEST_TIMEOUT)
    try:
        head = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (method, path)
        if body is not None:
            head += "Content-Length: %d\r\n" % len(body)
        data = head.encode() + b"\r\n" + (body or b"")
        return harness.parse_responses(harness.send_and_receive(
            s, data, harness.REQUEST_TIMEOUT, predicate=harness.response_complete),
            head_requests=(0,) if method == "HEAD" else ())[0]
    finally:
        s.close()


class DiskServiceTest(ServerTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="colony-disk-")
        self.addCleanup(self.tmp.cleanup)
        self.root = os.path.join(self.tmp.name, "root")
        os.makedirs(os.path.join(self.root, "sub"))
        self.write("a.txt", b"file a")
        self.write("sub/b.txt", b"inner")
        self.write(".hidden", b"secret")
        self.write_outside("outside.txt", b"must not leak")

    def write(self, name, data):
        with open(os.path.join(self.root, name), "wb") as f:
            f.write(data)

    def write_outside(self, name, data):
        with open(os.path.join(self.tmp.name, name), "wb") as f:
            f.write(data)

    def start(self, **kw):
        s = self.serve(disk_config(self.root, **kw), {"main.js": WORKER}, sockets=("http", "worker"))
        return s, s.port_of("http")

    def test_get_head_and_listing(self):
        s, port = self.start()
        status, headers, body = raw_request(port, "/a.txt")
        self.assertEqual((status, body), (200, b"file a"))
        self.assertEqual(headers["content-type"], "application/octet-stream")
        self.assertEqual(headers["content-length"], "6")
        self.assertIn("GMT", headers["last-modified"])
        status, headers, body = raw_request(port, "/a.txt", method="HEAD")
        self.assertEqual((status, headers["content-length"], body), (200, "6", b""))
        status, headers, body = raw_request(port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(json.loads(body), [{"name": "a.txt", "type": "file"},
                                            {"name": "sub", "type": "directory"}])
        self.assertEqual(json.loads(raw_request(port, "/sub/")[2]), [{"name": "b.txt", "type": "file"}])
        self.assertEqual(raw_request(port, "/a.txt?x=1")[2], b"file a")
        self.assertEqual(raw_request(port, "/missing")[:3:2], (404, b"Not Found"))

    def test_escape_attempts(self):
        s, port = self.start(writable=True)
        for path in ("/../outside.txt", "/%2e%2e/outside.txt", "/sub/..%2f..%2foutside.txt",
                     "/sub/%2e%2e/%2e%2e/outside.txt", "/a.txt%00.png", "/sub%2fb.txt"):
            status, _, body = raw_request(port, path)
            self.assertNotIn(b"must not leak", body, path)
            if status == 200:
                # A normalised "/.." lands on the root itself.
                self.assertNotIn(b"outside", body, path)
            else:
                self.assertEqual(status, 404, path)
        # A segment starting with "." is a dotfile before anything else (403 for writes).
        status, _, _ = raw_request(port, "/..%2fescaped.txt", method="PUT", body=b"x")
        self.assertEqual(status, 403)
        status, _, _ = raw_request(port, "/sub/x%2f..%2f..%2fescaped.txt", method="PUT", body=b"x")
        self.assertIn(status, (403, 404))  # workerd: 403, Colony: 404
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "escaped.txt")))

    def test_dotfiles(self):
        s, port = self.start(writable=True)
        self.assertEqual(raw_request(port, "/.hidden")[0], 404)
        self.assertEqual(raw_request(port, "/.hidden", method="PUT", body=b"x")[:3:2], (403, b"Unauthorized"))
        self.assertNotIn(".hidden", raw_request(port, "/")[2].decode())
        s.stop()
        s, port = self.start(dotfiles=True)
        self.assertEqual(raw_request(port, "/.hidden")[2], b"secret")
        self.assertIn(".hidden", raw_request(port, "/")[2].decode())

    def test_read_only_refuses_writes(self):
        s, port = self.start()
        self.assertEqual(raw_request(port, "/a.txt", method="PUT", body=b"x")[:3:2], (405, b"Method Not Allowed"))
        self.assertEqual(raw_request(port, "/a.txt", method="DELETE")[0], 405)
        self.assertEqual(raw_request(port, "/a.txt", method="POST", body=b"x")[:3:2], (501, b"Not Implemented"))
        with open(os.path.join(self.root, "a.txt"), "rb") as f:
            self.assertEqual(f.read(), b"file a")

    def test_put_and_delete(self):
        s, port = self.start(writable=True)
        status, _, body = raw_request(port, "/new/dir/c.txt", method="PUT", body=b"created")
        self.assertEqual((status, body), (204, b""))
        with open(os.path.join(self.root, "new/dir/c.txt"), "rb") as f:
            self.assertEqual(f.read(), b"created")
        self.assertEqual(raw_request(port, "/new/dir/c.txt")[2], b"created")
        self.assertEqual(raw_request(port, "/a.txt", method="PUT", body=b"replaced")[0], 204)
        self.assertEqual(raw_request(port, "/a.txt")[2], b"replaced")
        self.assertEqual(raw_request(port, "/sub", method="PUT", body=b"x")[0], 500)
        self.assertEqual(raw_request(port, "/a.txt", method="DELETE")[0], 204)
        self.assertEqual(raw_request(port, "/a.txt", method="DELETE")[0], 404)
        self.assertEqual(raw_request(port, "/new", method="DELETE")[0], 204)
        self.assertFalse(os.path.exists(os.path.join(self.root, "new")))
        # No temporary files are left behind.
        self.assertEqual(sorted(os.listdir(self.root)), [".hidden", "sub"])

    def test_through_a_worker_binding(self):
        s, _ = self.start(writable=True)
        def call(path):
            status, _, body = s.get(path, socket_name="worker")
            self.assertEqual(status, 200, body)
            return json.loads(body)
        self.assertEqual(call("/get/a.txt"), {"status": 200, "type": "application/octet-stream", "body": "file a"})
        self.assertEqual(call("/put/w.txt")["status"], 204)
        self.assertEqual(call("/get/w.txt")["body"], "")
        self.assertEqual(call("/get/.hidden")["status"], 404)
        self.assertEqual(call("/delete/w.txt")["status"], 204)
        self.assertEqual(call("/get/w.txt")["status"], 404)


if __name__ == "__main__":
    unittest.main()
