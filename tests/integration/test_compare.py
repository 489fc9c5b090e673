"""Colony and the reference workerd give the same answers to the same requests.

Runs only when Colony is under test and the reference binary is installed
(COLONY_REF_BIN, or ~/.cache/colony-ref/node_modules/@cloudflare/workerd-linux-64/bin/workerd).
Both serve the same config; each raw request goes to both; status, the headers named below and
the body must match.
"""

import os
import unittest

import harness
from harness import parse_responses

WORKER = """
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/text": return new Response("plain text");
      case "/json": return Response.json({ a: 1, b: [true, null] });
      case "/status": return new Response("teapot", { status: 418, statusText: "I'm a teapot" });
      case "/redirect": return Response.redirect("https://example.com/elsewhere", 301);
      case "/empty": return new Response(null, { status: 204 });
      case "/bytes": return new Response(new Uint8Array([0, 1, 2, 255]));
      case "/cookies": {
        const h = new Headers();
        h.append("Set-Cookie", "a=1; Path=/");
        h.append("Set-Cookie", "b=2; HttpOnly");
        h.append("X-Multi", "one");
        h.append("X-Multi", "two");
        return new Response("cookies", { headers: h });
      }
      case "/echo": return new Response(await request.text(), { headers: { "x-method": request.method } });
      case "/echo-stream": return new Response(request.body, { headers: { "x-method": request.method } });
      case "/request-info":
        return Response.json({ url: request.url, method: request.method,
                               headers: [...request.headers].filter(([k]) => k.startsWith("x-")) });
      case "/throw": throw new Error("compare boom");
      default: return new Response("not found", { status: 404 });
    }
  }
};
"""

COMPARED_HEADERS = ("content-type", "content-length", "transfer-encoding", "location", "set-cookie",
                    "x-multi", "x-method")

REQUESTS = [
    b"GET /text HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /json HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /status HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /redirect HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /empty HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /bytes HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /cookies HTTP/1.1\r\nHost: h\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    b"PUT /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"POST /echo-stream HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world",
    b"POST /echo-stream HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"GET /request-info?x=1&y=%20 HTTP/1.1\r\nHost: example.com:81\r\nX-One: 1\r\nX-Two: a, b\r\n\r\n",
    b"GET /missing HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /throw HTTP/1.1\r\nHost: h\r\n\r\n",
]


def reference_bin():
    path = os.environ.get("COLONY_REF_BIN") or os.path.expanduser(
        "~/.cache/colony-ref/node_modules/@cloudflare/workerd-linux-64/bin/workerd")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def serve_with(binary, config, files):
    old = os.environ.get("COLONY_BIN")
    os.environ["COLONY_BIN"] = binary
    try:
        return harness.Server(config, files)
    finally:
        if old is None:
            del os.environ["COLONY_BIN"]
        else:
            os.environ["COLONY_BIN"] = old


def observe(server, request):
    data = server.raw(request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
    [(status, headers, body)] = parse_responses(data)
    picked = {k: v for k, v in headers.items() if k in COMPARED_HEADERS}
    return status, picked, body


@unittest.skipUnless(harness.is_colony() and reference_bin(), "needs Colony under test and the reference workerd")
class CompareWithReferenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config, files = harness.module_worker(WORKER)
        cls.colony = serve_with(harness.colony_bin(), config, files)
        try:
            cls.reference = serve_with(reference_bin(), config, files)
        except BaseException:
            cls.colony.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.colony.stop()
        cls.reference.stop()


def make_case(request):
    def test(self):
        mine = observe(self.colony, request)
        theirs = observe(self.reference, request)
        if b"/throw" in request:  # the error page's text is each runtime's own
            mine, theirs = mine[0], theirs[0]
        self.assertEqual(mine, theirs, request.split(b"\r\n", 1)[0].decode())
    return test


for _i, _req in enumerate(REQUESTS):
    _line = _req.split(b"\r\n", 1)[0].decode().split(" ")
    _name = "test_%02d_%s_%s" % (_i, _line[0].lower(), "".join(c if c.isalnum() else "_" for c in _line[1].split("?")[0]))
    setattr(CompareWithReferenceTest, _name, make_case(_req))


if __name__ == "__main__":
    unittest.main()
