"""Outbound fetch() against real loopback peers: network allow/deny lists, external services,
globalOutbound, redirects, content decoding, aborts, data: URLs and passThroughOnException."""

import base64
import gzip
import http.server
import json
import socket
import threading
import time
import unittest
import zlib

import harness
from harness import ServerTestCase, module_worker

TEXT = b"Colony decodes compressed response bodies. " * 40
# TEXT compressed with brotli (Python's standard library has no brotli encoder).
BROTLI_TEXT = base64.b64decode("G7cG+I3UVndzR1RDbG5wpAGt8AXLQXRagpRvqYM7HVXue1BjKjh0YoId2eYqBQ==")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", headers=()):
        # Noted before anything goes out: a test may look as soon as the response reaches it.
        self.server.peer.sent[self.path] = body
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n)

    def _handle(self):
        peer = self.server.peer
        path = self.path
        body = self._body()
        peer.requests.append((self.command, path, dict(self.headers), body))
        if path.startswith("/echo"):
            info = {"method": self.command, "path": path, "host": self.headers.get("Host"),
                    "body": body.decode("latin-1"), "headers": {k.lower(): v for k, v in self.headers.items()}}
            return self._send(200, json.dumps(info).encode(), [("Content-Type", "application/json")])
        if path == "/gzip":
            return self._send(200, gzip.compress(TEXT), [("Content-Encoding", "gzip")])
        if path == "/deflate":
            return self._send(200, zlib.compress(TEXT), [("Content-Encoding", "deflate")])
        if path == "/br":
            return self._send(200, BROTLI_TEXT, [("Content-Encoding", "br")])
        if path.startswith("/redirect"):
            return self._send(302, b"", [("Location", "/echo/after-redirect")])
        if path == "/slow":
            # Headers and a first chunk, then silence until the client goes away.
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5\r\nfirst\r\n")
            self.wfile.flush()
            deadline = time.time() + 10
            try:
                while time.time() < deadline:
                    time.sleep(0.05)
                    self.wfile.write(b"1\r\n.\r\n")
                    self.wfile.flush()
            except OSError:
                peer.disconnected.set()
            return
        if path == "/hang":
            try:
                self.rfile.read(1)  # returns when the client closes
            except OSError:
                pass
            peer.disconnected.set()
            return
        return self._send(404, b"peer: no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


class Peer:
    """A threaded HTTP server on 127.0.0.1 that records requests."""

    def __init__(self):
        self.requests = []
        self.sent = {}  # path -> the last body sent for it
        self.disconnected = threading.Event()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.peer = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# A worker that fetches the URL given in ?url= (through globalOutbound, or env.NET when
# ?via=binding) and reports the outcome as JSON.
FETCHER = """
export default {
  async fetch(request, env) {
    const q = new URL(request.url).searchParams;
    const target = q.get("url");
    const init = q.has("init") ? JSON.parse(q.get("init")) : {};
    if (q.has("timeout")) init.signal = AbortSignal.timeout(Number(q.get("timeout")));
    try {
      const r = q.get("via") === "binding" ? await env.NET.fetch(target, init) : await fetch(target, init);
      if (q.has("proxy")) return r;
      const body = await r.text();
      return Response.json({ status: r.status, url: r.url, redirected: r.redirected, body,
                             headers: Object.fromEntries(r.headers) });
    } catch (e) {
      return Response.json({ error: e.name, message: e.message }, { status: 599 });
    }
  }
};
"""


class FetchTestCase(ServerTestCase):
    def setUp(self):
        self.peer = Peer()
        self.addCleanup(self.peer.stop)

    def fetcher(self, services="", extra_worker="", bindings=""):
        config, files = module_worker(FETCHER, services=services, extra_worker=extra_worker,
                                      bindings=bindings, compat_date="2024-09-01")
        return self.serve(config, files)

    def call(self, server, url, **params):
        from urllib.parse import urlencode
        params["url"] = url
        status, headers, body = server.get("/?" + urlencode(params))
        return status, headers, body

    def result(self, server, url, **params):
        status, _, body = self.call(server, url, **params)
        return status, json.loads(body)


class NetworkRulesTest(FetchTestCase):
    def test_default_internet_refuses_loopback(self):
        s = self.fetcher()
        status, out = self.result(s, self.peer.url("/echo"))
        self.assertEqual(status, 599)
        if harness.is_colony():  # workerd reports an opaque internal error
            self.assertEqual(out["error"], "TypeError")
            self.assertIn('network service "internet" does not allow connecting to 127.0.0.1', out["message"])
        self.assertEqual(self.peer.requests, [])

    def test_public_only_network_refuses_loopback_by_any_api(self):
        s = self.fetcher(
            services='(name = "pub", network = (allow = ["public"])),',
            extra_worker='globalOutbound = "pub"',
            bindings='(name = "NET", service = "pub")')
        for via in ("global", "binding"):
            status, out = self.result(s, self.peer.url("/echo"), via=via)
            self.assertEqual(status, 599, via)
            if harness.is_colony():
                self.assertIn("does not allow connecting to 127.0.0.1", out["message"])
        # A name that resolves to loopback is refused too.
        status, out = self.result(s, "http://localhost:%d/echo" % self.peer.port)
        self.assertEqual(status, 599)
        self.assertEqual(self.peer.requests, [])

    def test_local_network_reaches_loopback(self):
        s = self.fetcher(
            services='(name = "lan", network = (allow = ["local"])),',
            extra_worker='globalOutbound = "lan"',
            bindings='(name = "NET", service = "lan")')
        status, out = self.result(s, self.peer.url("/echo/x?y=1"), init=json.dumps({"headers": {"x-a": "b"}}))
        self.assertEqual(status, 200, out)
        echo = json.loads(out["body"])
        self.assertEqual(echo["path"], "/echo/x?y=1")
        self.assertEqual(echo["host"], "127.0.0.1:%d" % self.peer.port)
        self.assertEqual(echo["headers"]["x-a"], "b")
        status, out = self.result(s, self.peer.url("/echo"), via="binding",
                                  init=json.dumps({"method": "POST", "body": "posted"}))
        self.assertEqual(json.loads(out["body"])["body"], "posted")

    def test_deny_wins_over_allow(self):
        s = self.fetcher(
            services='(name = "lan", network = (allow = ["local"], deny = ["127.0.0.0/8"])),',
            extra_worker='globalOutbound = "lan"')
        status, out = self.result(s, self.peer.url("/echo"))
        self.assertEqual(status, 599)
        if harness.is_colony():
            self.assertIn('deny = ["127.0.0.0/8"]', out["message"])
        self.assertEqual(self.peer.requests, [])

    def test_cidr_allow(self):
        s = self.fetcher(
            services='(name = "lan", network = (allow = ["127.0.0.1/32"])),',
            extra_worker='globalOutbound = "lan"')
        status, out = self.result(s, self.peer.url("/echo"))
        self.assertEqual(status, 200, out)

    def test_https_to_a_plain_http_peer_fails_clearly(self):
        s = self.fetcher(
            services='(name = "lan", network = (allow = ["local"])),',
            extra_worker='globalOutbound = "lan"')
        status, out = self.result(s, "https://127.0.0.1:%d/" % self.peer.port)
        self.assertEqual(status, 599)
        if harness.is_colony():  # workerd reports an opaque internal error
            self.assertIn("TLS connection to 127.0.0.1:%d failed: the peer does not speak TLS"
                          % self.peer.port, out["message"])


class ExternalServiceTest(FetchTestCase):
    def external(self, name="peer"):
        return '(name = "%s", external = (address = "127.0.0.1:%d", http = ())),' % (name, self.peer.port)

    def test_binding_proxies_to_fixed_address(self):
        s = self.fetcher(services=self.external(), bindings='(name = "NET", service = "peer")')
        status, out = self.result(s, "http://api.example.com/echo/path?q=1", via="binding",
                                  init=json.dumps({"method": "PUT", "body": "data"}))
        self.assertEqual(status, 200, out)
        echo = json.loads(out["body"])
        self.assertEqual(echo["method"], "PUT")
        self.assertEqual(echo["path"], "/echo/path?q=1")
        self.assertEqual(echo["host"], "api.example.com")
        self.assertEqual(echo["body"], "data")

    def test_global_outbound_external(self):
        s = self.fetcher(services=self.external(), extra_worker='globalOutbound = "peer"')
        status, out = self.result(s, "http://anything.example/echo")
        self.assertEqual(status, 200, out)
        self.assertEqual(json.loads(out["body"])["host"], "anything.example")

    def test_global_outbound_worker(self):
        services = self.external() + """
            (name = "gateway", worker = (
              modules = [(name = "g.js", esModule = embed "gateway.js")],
              compatibilityDate = "2024-09-01",
              bindings = [(name = "UP", service = "peer")])),"""
        config, files = module_worker(FETCHER, services=services, extra_worker='globalOutbound = "gateway"',
                                      compat_date="2024-09-01")
        files["gateway.js"] = """
            export default {
              async fetch(request, env) {
                const headers = new Headers(request.headers);
                headers.set("x-gateway", "seen " + new URL(request.url).hostname);
                return env.UP.fetch(new Request(request, { headers }));
              }
            };"""
        s = self.serve(config, files)
        status, out = self.result(s, "http://site.example/echo")
        self.assertEqual(status, 200, out)
        self.assertEqual(json.loads(out["body"])["headers"]["x-gateway"], "seen site.example")


class FetchBehaviourTest(FetchTestCase):
    def lan(self):
        return self.fetcher(services='(name = "lan", network = (allow = ["local"])),',
                            extra_worker='globalOutbound = "lan"')

    def test_redirect_followed_and_manual(self):
        s = self.lan()
        status, out = self.result(s, self.peer.url("/redirect"), init=json.dumps({"method": "POST", "body": "x"}))
        self.assertEqual(status, 200, out)
        self.assertTrue(out["redirected"])
        self.assertEqual(out["url"], self.peer.url("/echo/after-redirect"))
        echo = json.loads(out["body"])
        self.assertEqual((echo["method"], echo["body"]), ("GET", ""))
        status, out = self.result(s, self.peer.url("/redirect"), init=json.dumps({"redirect": "manual"}))
        self.assertEqual(out["status"], 302)
        self.assertEqual(out["headers"]["location"], "/echo/after-redirect")

    def test_content_decoding(self):
        s = self.lan()
        for path, coding in (("/gzip", "gzip"), ("/br", "br")):
            status, out = self.result(s, self.peer.url(path))
            self.assertEqual(status, 200, out)
            self.assertEqual(out["body"].encode(), TEXT, path)
            self.assertEqual(out["headers"]["content-encoding"], coding)

    def test_proxied_encoded_response_stays_valid(self):
        # Returned as-is, an encoded response reaches the client encoded, and decodes to the
        # original: gzip passes through unread (ProxiedEncodedBodiesTest has the details), and so
        # does deflate, which fetch() never decodes (as in workerd).
        s = self.lan()
        status, headers, body = self.call(s, self.peer.url("/gzip"), proxy="1")
        self.assertEqual((status, headers.get("content-encoding")), (200, "gzip"))
        self.assertEqual(gzip.decompress(body), TEXT)
        status, headers, body = self.call(s, self.peer.url("/deflate"), proxy="1")
        self.assertEqual((status, headers.get("content-encoding")), (200, "deflate"))
        self.assertEqual(zlib.decompress(body), TEXT)

    def test_worker_response_encoded_on_the_way_out(self):
        script = """
            export default {
              fetch(request) {
                const manual = new URL(request.url).searchParams.has("manual");
                return new Response(manual ? "already encoded" : "plain text ".repeat(50),
                  { headers: { "content-encoding": "gzip" }, encodeBody: manual ? "manual" : "automatic" });
              }
            };"""
        config, files = module_worker(script, compat_date="2024-09-01")
        s = self.serve(config, files)
        status, headers, body = s.get("/")
        self.assertEqual((status, headers.get("content-encoding")), (200, "gzip"))
        self.assertEqual(gzip.decompress(body), b"plain text " * 50)
        status, headers, body = s.get("/?manual")
        self.assertEqual(body, b"already encoded")

    def test_abort_cancels_the_native_request(self):
        s = self.lan()
        start = time.time()
        status, out = self.result(s, self.peer.url("/hang"), timeout="200")
        self.assertEqual(status, 599)
        self.assertEqual(out["error"], "TimeoutError")
        self.assertLess(time.time() - start, 5)
        self.assertTrue(self.peer.disconnected.wait(5), "the peer's connection was not closed")

    def test_abort_while_reading_body(self):
        s = self.lan()
        status, out = self.result(s, self.peer.url("/slow"), timeout="300")
        self.assertEqual(status, 599)
        self.assertEqual(out["error"], "TimeoutError")
        self.assertTrue(self.peer.disconnected.wait(5), "the peer kept streaming after the abort")

    def test_streaming_request_body(self):
        script = """
            export default {
              async fetch(request) {
                const target = new URL(request.url).searchParams.get("url");
                const enc = new TextEncoder();
                let i = 0;
                const body = new ReadableStream({
                  pull(c) { if (i < 3) c.enqueue(enc.encode("part" + i++)); else c.close(); }
                });
                const r = await fetch(target, { method: "POST", body });
                return new Response(r.body, { headers: { "x-status": String(r.status) } });
              }
            };"""
        config, files = module_worker(script, services='(name = "lan", network = (allow = ["local"])),',
                                      extra_worker='globalOutbound = "lan"', compat_date="2024-09-01")
        s = self.serve(config, files)
        from urllib.parse import quote
        status, headers, body = s.get("/?url=" + quote(self.peer.url("/echo")))
        self.assertEqual(status, 200)
        echo = json.loads(body)
        self.assertEqual(echo["body"], "part0part1part2")
        self.assertIn("chunked", echo["headers"].get("transfer-encoding", ""))

    def test_fixed_length_request_body_has_content_length(self):
        script = """
            export default {
              async fetch(request) {
                const target = new URL(request.url).searchParams.get("url");
                const { readable, writable } = new FixedLengthStream(10);
                const writer = writable.getWriter();
                writer.write(new TextEncoder().encode("hello"));
                writer.write(new TextEncoder().encode("world"));
                const closed = writer.close();
                const r = await fetch(target, { method: "POST", body: readable });
                await closed;
                return new Response(r.body);
              }
            };"""
        config, files = module_worker(script, services='(name = "lan", network = (allow = ["local"])),',
                                      extra_worker='globalOutbound = "lan"', compat_date="2024-09-01")
        s = self.serve(config, files)
        from urllib.parse import quote
        status, _, body = s.get("/?url=" + quote(self.peer.url("/echo")))
        self.assertEqual(status, 200, body)
        echo = json.loads(body)
        self.assertEqual(echo["body"], "helloworld")
        self.assertEqual(echo["headers"].get("content-length"), "10")
        self.assertNotIn("transfer-encoding", echo["headers"])

    def test_data_url(self):
        s = self.lan()
        status, out = self.result(s, "data:text/plain;base64,aGVsbG8=")
        self.assertEqual((status, out["body"], out["headers"]["content-type"]), (200, "hello", "text/plain"))
        self.assertEqual(self.peer.requests, [])

    def test_pass_through_on_exception(self):
        script = """
            export default {
              async fetch(request, env, ctx) {
                ctx.passThroughOnException();
                throw new Error("handler failed");
              }
            };"""
        services = '(name = "peer", external = (address = "127.0.0.1:%d", http = ())),' % self.peer.port
        config, files = module_worker(script, services=services, extra_worker='globalOutbound = "peer"')
        s = self.serve(config, files)
        status, headers, body = s.get("/echo/passed")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["path"], "/echo/passed")
        s.wait_for_stderr("handler failed")

    def test_pass_through_forwards_the_request_body(self):
        # The origin gets the body the handler left: all of it when the handler never read it,
        # nothing when it read it all (as workerd does).
        script = """
            export default {
              async fetch(request, env, ctx) {
                ctx.passThroughOnException();
                const q = new URL(request.url).searchParams;
                if (q.has("read")) await request.text();
                if (q.has("clone")) await request.clone().text();
                if (q.has("partial")) await request.body.getReader().read();
                if (q.has("pending")) {
                  // A read still waiting for bytes when the handler fails is stopped.
                  const reader = request.body.getReader();
                  await reader.read();
                  reader.read().catch(() => {});
                  await new Promise((resolve) => setTimeout(resolve, 50));
                }
                throw new Error("handler failed");
              }
            };"""
        services = '(name = "peer", external = (address = "127.0.0.1:%d", http = ())),' % self.peer.port
        config, files = module_worker(script, services=services, extra_worker='globalOutbound = "peer"')
        s = self.serve(config, files)
        payload = b"request body " * 5000
        for query, expected in (("", payload), ("?clone", b""), ("?read", b"")):
            status, _, body = s.request("POST", "/echo/post" + query, body=payload,
                                        headers={"Content-Length": str(len(payload))})
            self.assertEqual(status, 200, body)
            echo = json.loads(body)
            self.assertEqual((echo["method"], echo["path"]), ("POST", "/echo/post" + query))
            self.assertEqual(echo["body"].encode("latin-1"), expected, query)
        # What is left after a partial read goes on, framed by its remaining length.
        payload = b"0123456789" * 20000
        status, _, body = s.request("POST", "/echo/partial?partial", body=payload,
                                    headers={"Content-Length": str(len(payload))})
        self.assertEqual(status, 200, body)
        echo = json.loads(body)
        rest = echo["body"].encode("latin-1")
        self.assertTrue(0 < len(rest) < len(payload) and payload.endswith(rest), len(rest))
        self.assertEqual(echo["headers"].get("content-length"), str(len(rest)))
        data = s.raw(b"PUT /echo/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Connection: close\r\n\r\n5\r\npart \r\n3\r\none\r\n0\r\n\r\n")
        [(status, _, body)] = harness.parse_responses(data)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["body"], "part one")
        with socket.create_connection(("127.0.0.1", s.port), timeout=harness.REQUEST_TIMEOUT) as c:
            c.sendall(b"POST /echo/pending?pending HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      b"Connection: close\r\n\r\n5\r\nfirst\r\n")
            time.sleep(0.3)
            c.sendall(b"6\r\nsecond\r\n0\r\n\r\n")
            [(status, _, body)] = harness.parse_responses(harness.recv_until(c, harness.REQUEST_TIMEOUT))
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["body"], "second")


PROXY = """
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const upstream = "http://origin.example" + url.searchParams.get("path");
    const mode = url.searchParams.get("mode");
    if (mode === "direct") return fetch(upstream);
    if (mode === "request") return fetch(new Request(upstream, request));
    const r = await fetch(upstream);
    if (mode === "wrap") return new Response(r.body, r);
    if (mode === "headers") return new Response(r.body, { status: r.status, headers: r.headers });
    if (mode === "clone") { const copy = r.clone(); ctx.waitUntil(copy.text()); return r; }
    if (mode === "read") return new Response(await r.text(), r);
    if (mode === "piped") return new Response(r.body.pipeThrough(new TransformStream()), r);
    if (mode === "plain") {
      const headers = new Headers(r.headers);
      headers.delete("content-encoding");
      return new Response(r.body, { headers });
    }
    return new Response("unknown mode", { status: 400 });
  }
};
"""


class ProxiedEncodedBodiesTest(FetchTestCase):
    """A fetched response returned unread goes out with its bytes as they came, still encoded."""

    def setUp(self):
        super().setUp()
        services = '(name = "peer", external = (address = "127.0.0.1:%d", http = ())),' % self.peer.port
        config, files = module_worker(PROXY, services=services, extra_worker='globalOutbound = "peer"',
                                      compat_date="2024-09-01")
        self.s = self.serve(config, files)

    def get_raw(self, path, mode):
        data = self.s.raw(("GET /?path=%s&mode=%s HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\n"
                           "Connection: close\r\n\r\n" % (path, mode)).encode())
        [(status, headers, body)] = harness.parse_responses(data)
        self.assertEqual(status, 200, data[:300])
        return headers, body

    def test_encoded_bytes_pass_through_unchanged(self):
        for path, coding in (("/gzip", "gzip"), ("/br", "br")):
            for mode in ("direct", "request", "wrap", "headers", "clone"):
                headers, body = self.get_raw(path, mode)
                what = "%s %s" % (path, mode)
                self.assertEqual(headers.get("content-encoding"), coding, what)
                self.assertEqual(body, self.peer.sent[path], what)
                self.assertEqual(headers.get("content-length"), str(len(body)), what)
                self.assertNotIn("transfer-encoding", headers, what)

    def test_bodies_read_by_js_are_encoded_again(self):
        for mode in ("read", "piped"):
            headers, body = self.get_raw("/gzip", mode)
            self.assertEqual(headers.get("content-encoding"), "gzip", mode)
            self.assertEqual(headers.get("transfer-encoding"), "chunked", mode)
            self.assertEqual(gzip.decompress(body), TEXT, mode)

    def test_head_and_redirects_are_passed_on(self):
        # An incoming request's redirect mode is "manual" (as in workerd): the proxy returns the
        # origin's redirect. A HEAD answer keeps the origin's Content-Length and the connection.
        data = self.s.raw(b"HEAD /?path=/gzip&mode=request HTTP/1.1\r\nHost: x\r\n\r\n"
                          b"GET /?path=/redirect&mode=request HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head, redirect = harness.parse_responses(data, head_requests=(0,))
        self.assertEqual(head[0], 200)
        self.assertEqual(head[1].get("content-length"), str(len(self.peer.sent["/gzip"])))
        self.assertEqual(head[2], b"")
        self.assertEqual(redirect[0], 302)
        self.assertEqual(redirect[1].get("location"), "/echo/after-redirect")

    def test_dropping_content_encoding_sends_decoded_bytes(self):
        headers, body = self.get_raw("/gzip", "plain")
        self.assertNotIn("content-encoding", headers)
        self.assertEqual(body, TEXT)


if __name__ == "__main__":
    unittest.main()
