"""Inbound HTTP/1.x behaviour seen from raw sockets and http.client."""

import json
import os
import socket
import time
import unittest

import harness
from harness import ServerTestCase, parse_responses, recv_until

ECHO = """
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/slow")) await new Promise((r) => setTimeout(r, 300));
    if (url.pathname === "/stream") {
      const enc = new TextEncoder();
      const parts = ["one ", "two ", "three"];
      const readable = new ReadableStream({
        async pull(controller) {
          if (parts.length === 0) return controller.close();
          await new Promise((r) => setTimeout(r, 10));
          controller.enqueue(enc.encode(parts.shift()));
        },
      });
      return new Response(readable);
    }
    if (url.pathname === "/headers") {
      return new Response([...request.headers].map(([name, value]) => `${name}: ${value}\n`).join(""));
    }
    if (url.pathname === "/bytes") {
      const body = new Uint8Array(await request.arrayBuffer());
      return new Response(body, { headers: { "x-length": String(body.length) } });
    }
    const body = await request.text();
    return Response.json({
      method: request.method,
      path: url.pathname + url.search,
      body,
      contentLength: request.headers.get("content-length"),
    }, { headers: { "x-echo": "1" } });
  }
};
"""


def read_one_response(sock, timeout=harness.REQUEST_TIMEOUT):
    """Reads exactly one Content-Length-delimited response from a kept-alive connection."""
    return recv_until(sock, timeout, predicate=harness.response_complete)


class KeepAliveAndPipeliningTest(ServerTestCase):
    def setUp(self):
        self.s = self.serve_script(ECHO)

    def test_keep_alive_serves_sequential_requests_on_one_connection(self):
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=harness.REQUEST_TIMEOUT) as c:
            for i in range(3):
                c.sendall(b"GET /seq/%d HTTP/1.1\r\nHost: example.com\r\n\r\n" % i)
                [(status, headers, body)] = parse_responses(read_one_response(c))
                self.assertEqual(status, 200)
                self.assertEqual(json.loads(body)["path"], "/seq/%d" % i)
                self.assertNotEqual(headers.get("connection", "").lower(), "close")

    def test_http_client_keep_alive(self):
        conn = self.s.connection()
        self.addCleanup(conn.close)
        for i in range(3):
            conn.request("POST", "/kc?i=%d" % i, body="b%d" % i)
            resp = conn.getresponse()
            got = json.loads(resp.read())
            self.assertEqual((resp.status, got["path"], got["body"]), (200, "/kc?i=%d" % i, "b%d" % i))

    def test_pipelined_responses_come_back_in_request_order(self):
        # The first request is the slowest; its response must still come first.
        requests = (b"GET /slow/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    b"POST /fast/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
                    b"GET /fast/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        responses = parse_responses(self.s.raw(requests))
        self.assertEqual([r[0] for r in responses], [200, 200, 200])
        self.assertEqual([json.loads(r[2])["path"] for r in responses], ["/slow/1", "/fast/2", "/fast/3"])
        self.assertEqual(json.loads(responses[1][2])["body"], "body")

    def test_connection_close_is_honoured(self):
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=harness.REQUEST_TIMEOUT) as c:
            c.sendall(b"GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            t0 = time.monotonic()
            data = recv_until(c, harness.REQUEST_TIMEOUT)  # returns when the server closes
            self.assertLess(time.monotonic() - t0, harness.REQUEST_TIMEOUT - 1, "server kept the connection open")
        [(status, _, body)] = parse_responses(data)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["path"], "/bye")


MANY_HEADERS = """
export default {
  fetch(request) {
    const n = Number(new URL(request.url).searchParams.get("n"));
    const headers = new Headers();
    for (let i = 0; i < n; i++) headers.append(`x-h${i}`, `v${i}`);
    return new Response("ok", { headers });
  }
};
"""


AFTER_A_TIMER = """
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/slow") {
      // Continues in the next turn of the server's loop, then computes for 300 ms.
      await new Promise((r) => setTimeout(r, 0));
      const end = Date.now() + 300;
      while (Date.now() < end) {}
    }
    return new Response(path);
  }
};
"""


class ResponseBatchingTest(ServerTestCase):
    def test_a_batched_response_does_not_wait_for_the_next_turns_javascript(self):
        # Small responses are written together once the turn that made them is over: /fast goes
        # out before /slow's timer fires and computes, not after.
        s = self.serve_script(AFTER_A_TIMER)
        with socket.create_connection(("127.0.0.1", s.port), timeout=harness.REQUEST_TIMEOUT) as c:
            started = time.monotonic()
            c.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            first = parse_responses(read_one_response(c))
            fast_after = time.monotonic() - started
            rest = parse_responses(recv_until(c, harness.REQUEST_TIMEOUT))
            all_done = time.monotonic() - started
        self.assertEqual([r[2] for r in first + rest], [b"/fast", b"/slow"])
        self.assertGreater(all_done, 0.3)
        self.assertLess(fast_after, 0.15)


class ResponseHeadersTest(ServerTestCase):
    def test_a_few_and_very_many_response_headers_all_arrive(self):
        # The runtime takes a Response's headers as call arguments, and very many as one array.
        s = self.serve_script(MANY_HEADERS)
        for n in (3, 5000):
            data = s.raw(b"GET /?n=%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % n)
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            self.assertEqual((lines[0], body), ("HTTP/1.1 200 OK", b"ok"), n)
            got = sorted(line for line in lines[1:] if line.startswith("x-h"))
            self.assertEqual(got, sorted("x-h%d: v%d" % (i, i) for i in range(n)), n)


class BodiesTest(ServerTestCase):
    def setUp(self):
        self.s = self.serve_script(ECHO)

    def test_content_length_body_echoed(self):
        payload = bytes(range(256)) * 1024  # 256 KiB, every byte value
        status, headers, body = self.s.request("POST", "/bytes", body=payload,
                                               headers={"Content-Length": str(len(payload))})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-length"), str(len(payload)))
        self.assertEqual(body, payload)

    def test_chunked_body_echoed(self):
        chunks = [b"hello ", b"chunked ", b"x" * 70000, b" world"]
        wire = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        data = self.s.raw(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                          b"Connection: close\r\n\r\n" + wire)
        [(status, _, body)] = parse_responses(data)
        self.assertEqual(status, 200)
        got = json.loads(body)
        self.assertEqual(got["body"], b"".join(chunks).decode())
        self.assertIsNone(got["contentLength"])

    def test_empty_post(self):
        status, _, body = self.s.request("POST", "/empty", body=b"", headers={"Content-Length": "0"})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["body"], "")

    def test_streamed_response_body(self):
        data = self.s.raw(b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        [(status, headers, body)] = parse_responses(data)
        self.assertEqual(status, 200)
        self.assertEqual(body, b"one two three")
        self.assertTrue("chunked" in headers.get("transfer-encoding", "") or "content-length" not in headers)

    def test_expect_100_continue(self):
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=harness.REQUEST_TIMEOUT) as c:
            c.sendall(b"POST /expect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                      b"Expect: 100-continue\r\n\r\n")
            interim = recv_until(c, harness.REQUEST_TIMEOUT, predicate=lambda d: b"\r\n\r\n" in d)
            self.assertTrue(interim.startswith(b"HTTP/1.1 100 "), interim)
            self.assertTrue(interim.endswith(b"\r\n\r\n"), interim)
            c.sendall(b"hello")
            [(status, _, body)] = parse_responses(read_one_response(c))
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["body"], "hello")

    def test_head_has_headers_but_no_body(self):
        _, get_headers, get_body = self.s.get("/same")
        # A GET pipelined after the HEAD proves no body bytes followed the HEAD response.
        data = self.s.raw(b"HEAD /same HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                          b"GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        responses = parse_responses(data, head_requests=(0,))
        self.assertEqual(len(responses), 2, data)
        status, headers, body = responses[0]
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(headers.get("x-echo"), "1")
        self.assertEqual(json.loads(responses[1][2])["path"], "/after")
        self.assertEqual(get_headers.get("x-echo"), "1")
        self.assertTrue(get_body)

    def test_http10_client(self):
        # Answered in HTTP/1.0, whose connections close unless kept: no Connection header needed
        # (as workerd answers).
        data = self.s.raw(b"GET /old HTTP/1.0\r\nHost: example.com\r\n\r\n")  # server must close
        self.assertTrue(data.startswith(b"HTTP/1.0 200 OK\r\n"), data)
        [(status, headers, body)] = parse_responses(data)
        self.assertEqual(status, 200)
        self.assertNotIn("chunked", headers.get("transfer-encoding", ""))
        self.assertNotIn("connection", headers)
        self.assertEqual(json.loads(body)["path"], "/old")

    def test_http10_keep_alive(self):
        data = self.s.raw(b"GET /one HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
                          b"GET /two HTTP/1.0\r\nHost: x\r\n\r\n")
        responses = parse_responses(data)
        self.assertEqual([json.loads(r[2])["path"] for r in responses], ["/one", "/two"], data)
        self.assertEqual(responses[0][1].get("connection"), "keep-alive")
        self.assertNotIn("connection", responses[1][1])
        self.assertEqual(data.count(b"HTTP/1.0 200 OK\r\n"), 2, data)

    def test_http10_streamed_body_not_chunked(self):
        data = self.s.raw(b"GET /stream HTTP/1.0\r\nHost: example.com\r\n\r\n")
        [(status, headers, body)] = parse_responses(data)
        self.assertEqual(status, 200)
        self.assertNotIn("chunked", headers.get("transfer-encoding", ""))
        self.assertEqual(body, b"one two three")


class BadRequestsTest(ServerTestCase):
    def setUp(self):
        self.s = self.serve_script(ECHO)

    def assert_rejected(self, request, status):
        # Whether the connection is closed after an error response is up to the server.
        data = self.s.raw(request, predicate=harness.response_complete)
        self.assertTrue(data.startswith(b"HTTP/1."), data[:200])
        self.assertEqual(int(data.split(b" ", 2)[1]), status, data[:300])
        # The server must survive and keep serving.
        self.assertEqual(self.s.get("/still-alive")[0], 200)

    def test_garbage_request_line(self):
        self.assert_rejected(b"GARBAGE\r\n\r\n", 400)

    def test_bad_header_line(self):
        self.assert_rejected(b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400)

    def test_invalid_header_names_and_values(self):
        # The parser refuses control characters; a space in a name is refused after it.
        for line in (b"X Y: ab", b"X\x01: ab", b": ab", b"X: a\x00b", b"X: a\x7fb", b"X: a\rb"):
            with self.subTest(line=line):
                self.assert_rejected(b"GET / HTTP/1.1\r\nHost: x\r\n" + line + b"\r\n\r\n", 400)

    def test_folded_and_tabbed_values_arrive_as_spaces_and_tabs(self):
        data = self.s.raw(b"GET /headers HTTP/1.1\r\nHost: x\r\nX-A: one\r\n  two\r\nX-B: a\tb\r\n"
                          b"Connection: close\r\n\r\n")
        [(status, _, body)] = parse_responses(data)
        self.assertEqual(status, 200)
        self.assertRegex(body, rb"x-a: one +two\n")
        self.assertIn(b"x-b: a\tb", body)

    def test_invalid_content_length(self):
        self.assert_rejected(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400)

    def test_http11_without_host(self):
        self.assert_rejected(b"GET / HTTP/1.1\r\n\r\n", 400)

    def test_huge_header_section(self):
        self.assert_rejected(b"GET / HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * (1 << 20) + b"\r\n\r\n", 431)

    def test_many_headers(self):
        many = b"".join(b"X-Header-%d: %s\r\n" % (i, b"v" * 100) for i in range(10000))
        self.assert_rejected(b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n", 431)


LENGTHS = """
const enc = new TextEncoder();
function writeAll(writable, parts) {
  const w = writable.getWriter();
  for (const p of parts) w.write(enc.encode(p));
  w.close();
}
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/fixed") {
      const { readable, writable } = new FixedLengthStream(11);
      writeAll(writable, ["hello ", "world"]);
      return new Response(readable);
    }
    if (path === "/fixed-bigint") {
      const { readable, writable } = new FixedLengthStream(3n);
      writeAll(writable, ["abc"]);
      return new Response(readable, { headers: { "content-length": "999" } });
    }
    if (path === "/identity") {
      const { readable, writable } = new IdentityTransformStream();
      writeAll(writable, ["hello"]);
      return new Response(readable);
    }
    if (path === "/blob") return new Response(new Blob(["hello", "blob"]));
    if (path === "/buffer") return new Response(new Uint8Array([1, 2, 3]).buffer);
    if (path === "/string") return new Response("string");
    if (path === "/form") return new Response(new URLSearchParams("a=1"));
    if (path === "/date") return new Response("x", { headers: { date: "Mon, 01 Jan 2001 00:00:00 GMT" } });
    if (path.startsWith("/text")) {
      const name = request.headers.get("x-name") ?? "";
      return new Response(JSON.stringify({ name, codes: [...name].map((c) => c.charCodeAt(0)), url: request.url }),
                          { headers: { "x-v": "café" } });
    }
    return new Response(null);
  }
};
"""


class ResponseLengthTest(ServerTestCase):
    """Which response bodies go out with Content-Length and which chunked, as workerd sends them."""

    def setUp(self):
        self.s = self.serve_script(LENGTHS, compat_date="2024-09-01")

    def fetch_raw(self, path, method=b"GET"):
        data = self.s.raw(method + b" " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        [(status, headers, body)] = parse_responses(data, head_requests=(0,) if method == b"HEAD" else ())
        self.assertEqual(status, 200, data)
        return headers, body

    def test_fixed_length_stream_sends_content_length(self):
        headers, body = self.fetch_raw("/fixed")
        self.assertEqual(headers.get("content-length"), "11")
        self.assertNotIn("transfer-encoding", headers)
        self.assertEqual(body, b"hello world")
        headers, body = self.fetch_raw("/fixed", method=b"HEAD")
        self.assertEqual(headers.get("content-length"), "11")
        self.assertEqual(body, b"")
        # The stream's length wins over a Content-Length header the worker set.
        headers, body = self.fetch_raw("/fixed-bigint")
        self.assertEqual((headers.get("content-length"), body), ("3", b"abc"))

    def test_known_and_unknown_lengths(self):
        headers, body = self.fetch_raw("/identity")
        self.assertEqual(headers.get("transfer-encoding"), "chunked")
        self.assertNotIn("content-length", headers)
        self.assertEqual(body, b"hello")
        for path, expected in (("/blob", b"helloblob"), ("/buffer", b"\x01\x02\x03"), ("/string", b"string"),
                               ("/form", b"a=1"), ("/empty", b"")):
            headers, body = self.fetch_raw(path)
            self.assertEqual(headers.get("content-length"), str(len(expected)), path)
            self.assertNotIn("transfer-encoding", headers, path)
            self.assertEqual(body, expected, path)

    def test_head_order_is_workerds(self):
        # As workerd writes a head: Content-Length or Transfer-Encoding, then the worker's
        # headers, then Connection.
        for path, first, framing in (("/string", b"content-length: 6", True),
                                     ("/identity", b"transfer-encoding: chunked", False)):
            data = self.s.raw(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            lines = [l.lower() for l in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]]
            self.assertEqual(lines[0], first, data)
            self.assertEqual(lines[-1], b"connection: close", data)
            if framing:
                self.assertTrue(lines[1].startswith(b"content-type:"), data)

    def test_text_that_is_not_ascii(self):
        # UTF-8 in the URL and a header reaches JS decoded; a Latin-1 header value and a string
        # body go out as UTF-8 (both as workerd does).
        data = self.s.raw(b"GET /text\xc3\xa9?q=\xc3\xa9 HTTP/1.1\r\nHost: x\r\nX-Name: caf\xc3\xa9\r\n"
                          b"Connection: close\r\n\r\n")
        [(status, headers, body)] = parse_responses(data)
        self.assertEqual(status, 200, data)
        self.assertIn(b"\r\nx-v: caf\xc3\xa9\r\n", data)
        self.assertEqual(json.loads(body.decode()),
                         {"name": "caf\u00e9", "codes": [99, 97, 102, 233], "url": "http://x/text\u00e9?q=\u00e9"})

    def test_no_date_header_is_added(self):
        # workerd's HTTP server adds no Date header; one the worker sets goes out unchanged.
        headers, _ = self.fetch_raw("/string")
        self.assertNotIn("date", headers)
        headers, _ = self.fetch_raw("/date")
        self.assertEqual(headers.get("date"), "Mon, 01 Jan 2001 00:00:00 GMT")


class ListenAddressTest(ServerTestCase):
    def test_unix_socket(self):
        with harness.TempDir() as d:
            path = d.path("colony.sock")
            config, files = harness.module_worker(ECHO, sockets="""
                (name = "http", address = "unix:%s", http = (), service = "main")
            """ % path)
            self.serve(config, files)
            data = harness.unix_raw(path, b"GET /over-unix HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            [(status, _, body)] = parse_responses(data)
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(body)["path"], "/over-unix")

    def test_socket_address_override(self):
        # The configured address cannot be bound; -s replaces it.
        config, files = harness.module_worker(ECHO, sockets="""
            (name = "http", address = "unix:/nonexistent-colony-dir/x.sock", http = (), service = "main")
        """)
        s = self.serve(config, files, args=["-s", "http=127.0.0.1:0"])
        self.assertNotEqual(s.port, 0)
        status, _, body = s.get("/overridden")
        self.assertEqual((status, json.loads(body)["path"]), (200, "/overridden"))

    def test_socket_override_to_unix(self):
        with harness.TempDir() as d:
            path = d.path("override.sock")
            config, files = harness.module_worker(ECHO)
            self.serve(config, files, args=["-s", "http=unix:" + path])
            data = harness.unix_raw(path, b"GET /u HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertEqual(parse_responses(data)[0][0], 200)

    def test_wildcard_address_port_zero(self):
        config, files = harness.module_worker(ECHO, sockets="""
            (name = "http", address = "*:0", http = (), service = "main")
        """)
        s = self.serve(config, files)
        self.assertGreater(s.port, 0)
        self.assertEqual(s.get("/any")[0], 200)

    def test_unbindable_address_fails_startup(self):
        config, files = harness.module_worker(ECHO, sockets="""
            (name = "http", address = "unix:/nonexistent-colony-dir/x.sock", http = (), service = "main")
        """)
        code, stderr = harness.serve_expect_failure(config, files)
        self.assertNotEqual(code, 0)
        if harness.is_colony():
            self.assertEqual(code, 1, stderr)
            self.assertIn("http", stderr)


if __name__ == "__main__":
    unittest.main()
