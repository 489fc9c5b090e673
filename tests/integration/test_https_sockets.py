"""Inbound TLS: `https` sockets in the config (keypair, requireClientCerts, minVersion), in one
process and under the supervisor, WebSocket upgrades over TLS, and bad keypairs refused at
start-up and on reload. Certificates come from a throwaway CA made with the openssl CLI."""

import base64
import os
import signal
import socket
import ssl
import subprocess
import time
import unittest

import harness
from harness import ServerTestCase, module_worker
from test_tls import TestPki

COLONY = harness.is_colony()

SCRIPT = """
export default {
  async fetch(request) {
    if (request.headers.get("Upgrade") === "websocket") {
      const pair = new WebSocketPair();
      pair[1].accept();
      pair[1].addEventListener("message", (e) => pair[1].send("echo:" + e.data));
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    if (new URL(request.url).pathname === "/big") {
      // 64 chunks of 64 KiB, each filled with its index: many writes through one TLS session.
      let i = 0;
      const stream = new ReadableStream({
        pull(controller) {
          if (i === 64) { controller.close(); return; }
          controller.enqueue(new Uint8Array(65536).fill(i++));
        },
      });
      return new Response(stream);
    }
    const body = request.method === "POST" ? await request.text() : "";
    return new Response(request.method + " " + request.url + " " + body);
  }
};
"""

_pki = None


def setUpModule():
    global _pki
    _pki = TestPki()
    d = _pki.tmp.name
    _pki.client_key = os.path.join(d, "client.key")
    _pki.client_cert = os.path.join(d, "client.pem")
    csr, ext = os.path.join(d, "client.csr"), os.path.join(d, "client.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
    for args in (["req", "-newkey", "rsa:2048", "-nodes", "-keyout", _pki.client_key, "-out", csr,
                  "-subj", "/CN=colony-client"],
                 ["x509", "-req", "-in", csr, "-CA", _pki.ca_cert, "-CAkey", _pki.ca_key,
                  "-CAcreateserial", "-out", _pki.client_cert, "-days", "2", "-extfile", ext]):
        subprocess.run(["openssl"] + args, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)


def tearDownModule():
    _pki.cleanup()


def read(path):
    with open(path) as f:
        return f.read()


def https_socket(tls_extra=""):
    return ('(name = "https", address = "127.0.0.1:0", service = "main", https = ('
            'options = (), tlsOptions = (keypair = (privateKey = embed "server.key", '
            'certificateChain = embed "server.pem")%s)))' % tls_extra)


def files_for(script=SCRIPT, key=None):
    return {"main.js": script, "server.key": key if key is not None else read(_pki.key),
            "server.pem": read(_pki.cert), "ca.pem": _pki.ca_pem()}


def client_context(cert=False, max_version=None):
    ctx = ssl.create_default_context(cafile=_pki.ca_cert)
    if cert:
        ctx.load_cert_chain(_pki.client_cert, _pki.client_key)
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx


def tls_request(port, ctx, request, timeout=10):
    """Sends `request` over TLS and returns everything received until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(request)
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except ssl.SSLZeroReturnError:
                    break
                if not chunk:
                    break
                out += chunk
            return out


def get(port, ctx, path="/", extra=b""):
    return tls_request(port, ctx, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
                       b"Connection: close\r\n" + extra + b"\r\n")


class HttpsSocketTest(ServerTestCase):
    def start(self, tls_extra="", args=(), script=SCRIPT):
        config, _ = module_worker(script, sockets=https_socket(tls_extra))
        return self.serve(config, files_for(script), sockets=("https",), args=args)

    def check_basic(self, server):
        port = server.port_of("https")
        out = get(port, client_context(), "/hello?x=1")
        self.assertTrue(out.startswith(b"HTTP/1.1 200"), out[:300])
        self.assertIn(b"GET https://localhost/hello?x=1 ", out)
        # Keep-alive, a POST with a body, and pipelined requests on one TLS connection.
        body = b"x" * 100000
        out = tls_request(port, client_context(),
                          b"POST /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n%s"
                          b"GET /b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                          % (len(body), body))
        responses = harness.parse_responses(out)
        self.assertEqual(len(responses), 2, out[:500])
        self.assertEqual(responses[0][0], 200)
        self.assertEqual(responses[0][2], b"POST https://localhost/a " + body)
        self.assertEqual(responses[1][2], b"GET https://localhost/b ")
        out = get(port, client_context(), "/big")
        big = harness.parse_responses(out)
        self.assertEqual(len(big), 1, out[:300])
        self.assertEqual(big[0][2], b"".join(bytes([i]) * 65536 for i in range(64)))

    def test_https_single_process(self):
        self.check_basic(self.start(args=["--single-process"] if COLONY else []))

    @unittest.skipUnless(COLONY, "Colony's supervisor")
    def test_https_multi_process(self):
        server = self.start(args=["--processes", "2"])
        for _ in range(3):
            self.check_basic(server)

    def test_plain_http_to_https_socket_gets_no_response(self):
        server = self.start(args=["--single-process"] if COLONY else [])
        with socket.create_connection(("127.0.0.1", server.port_of("https")), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = harness.recv_until(s, 5)
        self.assertFalse(data.startswith(b"HTTP/1.1 200"), data[:200])
        # The server still serves TLS clients afterwards.
        self.assertTrue(get(server.port_of("https"), client_context()).startswith(b"HTTP/1.1 200"))

    def test_require_client_certs(self):
        server = self.start(', requireClientCerts = true, trustedCertificates = [embed "ca.pem"]',
                            args=["--single-process"] if COLONY else [])
        port = server.port_of("https")
        out = get(port, client_context(cert=True), "/with-cert")
        self.assertTrue(out.startswith(b"HTTP/1.1 200"), out[:300])
        # Without a certificate: refused in the handshake (TLS 1.2), or right after it (TLS 1.3,
        # where the client finishes first); never answered.
        for version in (ssl.TLSVersion.TLSv1_2, None):
            with self.assertRaises((ssl.SSLError, ConnectionError, OSError), msg=str(version)):
                out = get(port, client_context(max_version=version), "/no-cert")
                if not out:
                    raise ConnectionError("closed without a response")
                self.fail("answered without a client certificate: %r" % out[:200])

    def test_min_version(self):
        server = self.start(", minVersion = tls1Dot3", args=["--single-process"] if COLONY else [])
        port = server.port_of("https")
        out = get(port, client_context())
        self.assertTrue(out.startswith(b"HTTP/1.1 200"), out[:300])
        with self.assertRaises(ssl.SSLError):
            get(port, client_context(max_version=ssl.TLSVersion.TLSv1_2))

    def test_websocket_over_tls(self):
        server = self.start(args=["--single-process"] if COLONY else [])
        port = server.port_of("https")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with client_context().wrap_socket(raw, server_hostname="localhost") as s:
                key = base64.b64encode(os.urandom(16))
                s.sendall(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
                          b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = s.recv(4096)
                    self.assertTrue(chunk, head)
                    head += chunk
                self.assertTrue(head.startswith(b"HTTP/1.1 101"), head)
                rest = head.split(b"\r\n\r\n", 1)[1]
                payload = b"hi over tls"
                mask = os.urandom(4)
                masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
                frame = rest
                while len(frame) < 2 or len(frame) < 2 + frame[1]:
                    chunk = s.recv(4096)
                    self.assertTrue(chunk, frame)
                    frame += chunk
                self.assertEqual(frame[0], 0x81)
                self.assertEqual(frame[2:2 + frame[1]], b"echo:" + payload)


class HttpsConfigErrorTest(ServerTestCase):
    def test_bad_keypair_is_refused_naming_the_socket(self):
        config, _ = module_worker(SCRIPT, sockets=https_socket())
        code, err = harness.serve_expect_failure(config, files_for(key="not a key\n"))
        self.assertNotEqual(code, 0)
        if COLONY:
            self.assertIn('socket "https"', err)
            self.assertIn("tlsOptions.keypair.privateKey is not a PEM private key", err)

    def test_mismatched_keypair_is_refused(self):
        other = os.path.join(_pki.tmp.name, "other.key")
        if not os.path.exists(other):
            subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-out", other], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        config, _ = module_worker(SCRIPT, sockets=https_socket())
        code, err = harness.serve_expect_failure(config, files_for(key=read(other)))
        self.assertNotEqual(code, 0)
        if COLONY:
            self.assertIn('socket "https"', err)
            self.assertIn("does not match", err)

    @unittest.skipUnless(COLONY, "Colony's config validation")
    def test_https_socket_without_keypair(self):
        config, _ = module_worker(SCRIPT, sockets='(name = "https", address = "127.0.0.1:0", '
                                  'service = "main", https = (options = ()))')
        code, err = harness.serve_expect_failure(config, files_for())
        self.assertNotEqual(code, 0)
        self.assertIn("needs tlsOptions.keypair", err)

    @unittest.skipUnless(COLONY, "Colony's supervisor")
    def test_bad_keypair_on_reload_keeps_old_config(self):
        config, _ = module_worker(SCRIPT, sockets=https_socket())
        server = self.serve(config, files_for(), sockets=("https",),
                            args=["--processes", "2", "--drain-timeout", "5"])
        port = server.port_of("https")
        self.assertTrue(get(port, client_context()).startswith(b"HTTP/1.1 200"))
        with open(os.path.join(server.dir, "server.key"), "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        os.kill(server.proc.pid, signal.SIGHUP)
        stderr = server.wait_for_stderr("reload rolled back", timeout=20)
        self.assertIn('socket "https"', stderr)
        self.assertIn("tlsOptions.keypair.privateKey", stderr)
        for _ in range(4):
            self.assertTrue(get(port, client_context()).startswith(b"HTTP/1.1 200"))


if __name__ == "__main__":
    unittest.main()
