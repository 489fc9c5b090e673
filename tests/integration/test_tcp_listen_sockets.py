"""`tcp` sockets in the config: raw connections handed to a worker's connect(socket, env, ctx)
handler, whose socket has readable, writable, opened and closed like cloudflare:sockets'."""

import json
import os
import socket
import ssl
import unittest

import harness
from harness import ServerTestCase, module_worker

COLONY = harness.is_colony()

ECHO = r"""
export default {
  async connect(socket, env, ctx) {
    const info = await socket.opened;
    const writer = socket.writable.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify({
      remote: info.remoteAddress.startsWith("127.0.0.1:"),
      local: info.localAddress,
      secureTransport: socket.secureTransport,
      env: env.GREETING,
      waitUntil: typeof ctx.waitUntil,
    }) + "\n"));
    writer.releaseLock();
    await socket.readable.pipeTo(socket.writable);
    await socket.closed;
    console.log("connection done");
  },
  fetch() { return new Response("http too"); },
};
"""


def tcp_socket(service="main"):
    return ('(name = "tcp", address = "127.0.0.1:0", tcp = (), service = "%s"),'
            '(name = "http", address = "127.0.0.1:0", http = (), service = "main")' % service)


def talk(port, payload):
    """Connects, reads the greeting line, sends `payload`, half-closes; returns (greeting, rest)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        data = b""
        while b"\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        greeting, rest = data.split(b"\n", 1)
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return json.loads(greeting), rest


class TcpListenSocketTest(ServerTestCase):
    def start(self, script=ECHO, args=(), service="main", services=""):
        config, files = module_worker(script, sockets=tcp_socket(service), services=services,
                                      bindings='(name = "GREETING", text = "hi")')
        return self.serve(config, files, sockets=("tcp", "http"), args=args)

    def check_echo(self, server):
        port = server.port_of("tcp")
        payload = bytes(range(256)) * 2000
        greeting, echoed = talk(port, payload)
        self.assertEqual(greeting, {"remote": True, "local": "127.0.0.1:%d" % port,
                                    "secureTransport": "off", "env": "hi",
                                    "waitUntil": "function"})
        self.assertEqual(len(echoed), len(payload))
        self.assertEqual(echoed, payload)

    def test_echo_single_process(self):
        server = self.start(args=["--single-process"] if COLONY else [])
        self.check_echo(server)
        server.wait_for_stderr("connection done")
        # The HTTP socket of the same worker still works.
        self.assertResponse(server.get("/", socket_name="http"), 200, "http too")

    @unittest.skipUnless(COLONY, "Colony's supervisor")
    def test_echo_multi_process(self):
        server = self.start(args=["--processes", "2"])
        for _ in range(4):
            self.check_echo(server)

    def test_handler_without_connect(self):
        server = self.start("export default { fetch() { return new Response('x'); } };",
                            args=["--single-process"] if COLONY else [])
        with socket.create_connection(("127.0.0.1", server.port_of("tcp")), timeout=10) as s:
            try:
                s.sendall(b"anyone?")
                data = s.recv(100)
            except ConnectionError:
                data = b""
            self.assertEqual(data, b"")
        server.wait_for_stderr("Received a connect event but we lack a handler. "
                               "Did you remember to export a connect() function?")

    def test_handler_error_is_logged_and_connection_closed(self):
        script = "export default { async connect(socket) { throw new Error('tcp-boom ' + 42); } };"
        server = self.start(script, args=["--single-process"] if COLONY else [])
        with socket.create_connection(("127.0.0.1", server.port_of("tcp")), timeout=10) as s:
            try:
                data = s.recv(100)
            except ConnectionError:
                data = b""
            self.assertEqual(data, b"")
        server.wait_for_stderr("tcp-boom 42")

    def test_connection_ends_with_the_handler(self):
        # The handler returns without waiting for its pipe: the connection closes then.
        script = ("export default { connect(socket) { "
                  "socket.readable.pipeTo(socket.writable).catch(() => {}); } };")
        server = self.start(script, args=["--single-process"] if COLONY else [])
        with socket.create_connection(("127.0.0.1", server.port_of("tcp")), timeout=10) as s:
            try:
                data = s.recv(100)
            except ConnectionError:
                data = b""
            self.assertEqual(data, b"")

    @unittest.skipUnless(COLONY, "Colony's error messages")
    def test_tcp_socket_to_non_worker_is_refused(self):
        config, files = module_worker(ECHO, sockets=tcp_socket("disk"),
                                      services='(name = "disk", disk = (path = "."))')
        code, err = harness.serve_expect_failure(config, files)
        self.assertNotEqual(code, 0)
        self.assertIn('socket "tcp"', err)
        self.assertIn('is not a worker', err)

    def test_tls_from_the_first_byte(self):
        from test_tls import TestPki
        pki = TestPki()
        self.addCleanup(pki.cleanup)
        with open(pki.key) as f:
            key = f.read()
        with open(pki.cert) as f:
            cert = f.read()
        sockets = ('(name = "tcp", address = "127.0.0.1:0", service = "main", tcp = (tlsOptions = ('
                   'keypair = (privateKey = embed "k.pem", certificateChain = embed "c.pem")))),'
                   '(name = "http", address = "127.0.0.1:0", http = (), service = "main")')
        config, files = module_worker(ECHO, sockets=sockets,
                                      bindings='(name = "GREETING", text = "tls")')
        files.update({"k.pem": key, "c.pem": cert})
        server = self.serve(config, files, sockets=("tcp", "http"),
                            args=["--single-process"] if COLONY else [])
        port = server.port_of("tcp")
        ctx = ssl.create_default_context(cafile=pki.ca_cert)
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                             server_hostname="localhost") as s:
            data = b""
            while b"\n" not in data:
                data += s.recv(4096)
            greeting, rest = data.split(b"\n", 1)
            info = json.loads(greeting)
            self.assertEqual(info["env"], "tls")
            self.assertTrue(info["remote"])
            self.assertEqual(info["local"], "127.0.0.1:%d" % port)
            payload = os.urandom(100000)
            s.sendall(payload)
            while len(rest) < len(payload):
                chunk = s.recv(65536)
                self.assertTrue(chunk)
                rest += chunk
            self.assertEqual(rest, payload)
        # A client that does not speak TLS gets nothing, and the server carries on.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            try:
                data = s.recv(100)
            except ConnectionError:
                data = b""
            self.assertFalse(data.startswith(b"{"), data)

    @unittest.skipUnless(COLONY, "Colony's config validation")
    def test_tcp_tls_options_refused_by_name(self):
        config, files = module_worker(
            ECHO, sockets='(name = "tcp", address = "127.0.0.1:0", tcp = (tlsMode = startTls), '
            'service = "main")')
        code, err = harness.serve_expect_failure(config, files)
        self.assertNotEqual(code, 0)
        self.assertIn("tlsMode", err)


if __name__ == "__main__":
    unittest.main()
