"""connect() from "cloudflare:sockets" against loopback peers: plain TCP echo, TLS, STARTTLS, and
the globalOutbound network's allow/deny lists."""

import json
import socket
import threading
import unittest

import harness
from harness import ServerTestCase, module_worker
import test_tls

WORKER = """
import { connect } from "cloudflare:sockets";

async function readAll(socket) {
  const reader = socket.readable.getReader();
  const dec = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += dec.decode(value, { stream: true });
  }
}

async function readLine(reader) {
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes("\\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value);
  }
  return text;
}

export default {
  async fetch(request) {
    const q = new URL(request.url).searchParams;
    const port = Number(q.get("port"));
    const host = q.get("host") || "127.0.0.1";
    try {
      switch (q.get("case")) {
        case "echo": {
          const socket = connect(`${host}:${port}`);
          const info = await socket.opened;
          const writer = socket.writable.getWriter();
          await writer.write(new TextEncoder().encode("hello "));
          await writer.write("world");
          await writer.close();
          const text = await readAll(socket);
          await socket.closed;
          return Response.json({ text, info });
        }
        case "tls": {
          const socket = connect({ hostname: "localhost", port }, { secureTransport: "on" });
          const writer = socket.writable.getWriter();
          await writer.write("secret");
          await writer.close();
          const text = await readAll(socket);
          return Response.json({ text, secure: socket.secureTransport });
        }
        case "starttls": {
          const plain = connect({ hostname: "localhost", port }, { secureTransport: "starttls" });
          const w = plain.writable.getWriter();
          await w.write("STARTTLS\\n");
          const r = plain.readable.getReader();
          const answer = await readLine(r);
          w.releaseLock();
          r.releaseLock();
          const secure = plain.startTls();
          const writer = secure.writable.getWriter();
          await writer.write("over tls");
          await writer.close();
          const text = await readAll(secure);
          return Response.json({ answer, text, upgraded: plain.upgraded });
        }
        case "close": {
          const socket = connect(`${host}:${port}`);
          await socket.opened;
          await socket.close();
          let readError = null;
          try {
            await socket.writable.getWriter().write("x");
          } catch (e) {
            readError = String(e);
          }
          return Response.json({ closed: true, writeFailed: readError !== null });
        }
        case "bad-port": {
          connect("127.0.0.1:99999");
          return Response.json({ thrown: false });
        }
      }
    } catch (e) {
      return Response.json({ error: e.name, message: e.message }, { status: 599 });
    }
  }
};
"""


class EchoPeer:
    """Echoes what it reads until the client half-closes, then closes. With `tls_context`, speaks
    TLS from the start; with `starttls`, answers "STARTTLS" with "OK" and then speaks TLS."""

    def __init__(self, tls_context=None, starttls=False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.tls_context = tls_context
        self.starttls = starttls
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            conn.settimeout(10)
            if self.starttls:
                line = b""
                while not line.endswith(b"\n"):
                    data = conn.recv(100)
                    if not data:
                        return
                    line += data
                conn.sendall(b"OK " + line)
            if self.tls_context is not None:
                conn = self.tls_context.wrap_socket(conn, server_side=True)
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self):
        self.sock.close()


class TcpSocketTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = test_tls.TestPki()

    @classmethod
    def tearDownClass(cls):
        cls.pki.cleanup()

    def peer(self, **kw):
        p = EchoPeer(**kw)
        self.addCleanup(p.stop)
        return p

    def worker(self, outbound):
        services = ('(name = "lan", network = (allow = ["local"], tlsOptions = '
                    '(trustedCertificates = [embed "ca.pem"]))),')
        config, files = module_worker(WORKER, services=services,
                                      extra_worker='globalOutbound = "%s"' % outbound,
                                      extra_files={"ca.pem": self.pki.ca_pem()},
                                      compat_date="2024-09-01")
        return self.serve(config, files)

    def call(self, server, **params):
        from urllib.parse import urlencode
        status, _, body = server.get("/?" + urlencode(params))
        return status, json.loads(body)

    def test_echo_through_local_network(self):
        peer = self.peer()
        s = self.worker("lan")
        status, out = self.call(s, case="echo", port=peer.port)
        self.assertEqual(status, 200, out)
        self.assertEqual(out["text"], "hello world")
        self.assertEqual(out["info"]["remoteAddress"], "127.0.0.1:%d" % peer.port)
        self.assertTrue(out["info"]["localAddress"].startswith("127.0.0.1:"))

    def test_public_only_network_refuses_loopback(self):
        peer = self.peer()
        s = self.worker("internet")
        status, out = self.call(s, case="echo", port=peer.port)
        self.assertEqual(status, 599, out)
        if harness.is_colony():  # workerd words it differently
            self.assertIn('network service "internet" does not allow connecting to 127.0.0.1',
                          out["message"])
        self.assertEqual(peer.connections, 0)

    def test_tls_socket(self):
        peer = self.peer(tls_context=self.pki.server_context())
        s = self.worker("lan")
        status, out = self.call(s, case="tls", port=peer.port)
        self.assertEqual(status, 200, out)
        self.assertEqual(out, {"text": "secret", "secure": "on"})

    def test_tls_socket_untrusted(self):
        peer = self.peer(tls_context=self.pki.server_context())
        config, files = module_worker(WORKER, services='(name = "lan", network = (allow = ["local"])),',
                                      extra_worker='globalOutbound = "lan"', compat_date="2024-09-01")
        s = self.serve(config, files)
        status, out = self.call(s, case="tls", port=peer.port)
        self.assertEqual(status, 599, out)
        if harness.is_colony():
            self.assertIn("TLS connection to localhost failed", out["message"])

    def test_starttls(self):
        peer = self.peer(tls_context=self.pki.server_context(), starttls=True)
        s = self.worker("lan")
        status, out = self.call(s, case="starttls", port=peer.port)
        self.assertEqual(status, 200, out)
        self.assertEqual(out, {"answer": "OK STARTTLS\n", "text": "over tls", "upgraded": True})

    def test_close_and_bad_port(self):
        peer = self.peer()
        s = self.worker("lan")
        status, out = self.call(s, case="close", port=peer.port)
        self.assertEqual(status, 200, out)
        self.assertEqual(out, {"closed": True, "writeFailed": True})
        status, out = self.call(s, case="bad-port")
        self.assertEqual(status, 599, out)
        self.assertEqual(out["error"], "TypeError")


if __name__ == "__main__":
    unittest.main()
