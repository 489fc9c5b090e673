"""HttpOptions on sockets: proxy style, forwardedProtoHeader, injected request/response headers."""

import json
import unittest

import harness
from harness import ServerTestCase, parse_responses

SHOW = """
export default {
  async fetch(request) {
    return Response.json({ url: request.url, headers: Object.fromEntries(request.headers) },
                         { headers: { "x-from-worker": "worker", "x-kept": "kept" } });
  }
};
"""

SOCKETS = """
  (name = "http", address = "127.0.0.1:0", http = (), service = "main"),
  (name = "proxy", address = "127.0.0.1:0", http = (style = proxy), service = "main"),
  (name = "fwd", address = "127.0.0.1:0", http = (forwardedProtoHeader = "X-Forwarded-Proto"), service = "main"),
  (name = "inject", address = "127.0.0.1:0", service = "main", http = (
     injectRequestHeaders = [ (name = "X-Injected", value = "in"), (name = "X-Override", value = "config") ],
     injectResponseHeaders = [ (name = "X-Resp", value = "out"), (name = "X-From-Worker", value = "config") ]))
"""


class HttpOptionsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        config, files = harness.module_worker(SHOW, sockets=SOCKETS)
        cls.s = harness.Server(config, files, sockets=("http", "proxy", "fwd", "inject"))

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def ask(self, socket_name, request):
        data = self.s.raw(request, socket_name=socket_name)
        [(status, headers, body)] = parse_responses(data)
        self.assertEqual(status, 200, body)
        return headers, json.loads(body)

    def test_host_style_builds_url_from_host_header(self):
        _, got = self.ask("http", b"GET /p?q=1 HTTP/1.1\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n")
        self.assertEqual(got["url"], "http://example.com:8080/p?q=1")

    def test_proxy_style_takes_absolute_url_from_request_line(self):
        _, got = self.ask("proxy", b"GET http://proxied.example:8080/p?q HTTP/1.1\r\nHost: other.example\r\n"
                                   b"Connection: close\r\n\r\n")
        self.assertEqual(got["url"], "http://proxied.example:8080/p?q")
        self.assertEqual(got["headers"]["host"], "other.example")

    def test_forwarded_proto_header_sets_scheme_and_is_removed(self):
        _, got = self.ask("fwd", b"GET /p HTTP/1.1\r\nHost: h.example\r\nX-Forwarded-Proto: https\r\n"
                                 b"Connection: close\r\n\r\n")
        self.assertEqual(got["url"], "https://h.example/p")
        self.assertNotIn("x-forwarded-proto", got["headers"])

    def test_forwarded_proto_header_absent_means_http(self):
        _, got = self.ask("fwd", b"GET /p HTTP/1.1\r\nHost: h.example\r\nConnection: close\r\n\r\n")
        self.assertEqual(got["url"], "http://h.example/p")

    def test_forwarded_proto_ignored_on_other_sockets(self):
        _, got = self.ask("http", b"GET /p HTTP/1.1\r\nHost: h.example\r\nX-Forwarded-Proto: https\r\n"
                                  b"Connection: close\r\n\r\n")
        self.assertEqual(got["url"], "http://h.example/p")
        self.assertEqual(got["headers"].get("x-forwarded-proto"), "https")

    def test_injected_request_headers_added_and_override_client(self):
        _, got = self.ask("inject", b"GET /p HTTP/1.1\r\nHost: h\r\nX-Override: client\r\nConnection: close\r\n\r\n")
        self.assertEqual(got["headers"].get("x-injected"), "in")
        self.assertEqual(got["headers"].get("x-override"), "config")

    def test_injected_response_headers_added_and_override_worker(self):
        headers, _ = self.ask("inject", b"GET /p HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        self.assertEqual(headers.get("x-resp"), "out")
        self.assertEqual(headers.get("x-from-worker"), "config")
        self.assertEqual(headers.get("x-kept"), "kept")

    def test_no_injection_on_plain_socket(self):
        headers, got = self.ask("http", b"GET /p HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        self.assertNotIn("x-resp", headers)
        self.assertEqual(headers.get("x-from-worker"), "worker")
        self.assertNotIn("x-injected", got["headers"])


if __name__ == "__main__":
    unittest.main()
