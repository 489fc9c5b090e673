"""WebSockets end to end: a WebSocket client written here (handshake and framing by hand) against
`colony serve`: echo, binary, fragmented messages, ping, close codes, a chat relay between two
clients, and proxies to an upstream (another worker through a service binding, and a WebSocket
server on loopback reached through an external service)."""

import base64
import hashlib
import os
import socket
import struct
import threading
import unittest

import harness
from harness import ServerTestCase

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TIMEOUT = harness.REQUEST_TIMEOUT

TEXT, BINARY, CLOSE, PING, PONG, CONT = 1, 2, 8, 9, 10, 0


def accept_key(key):
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


class Framer:
    """Reads and writes WebSocket frames on a socket (`mask`: client frames are masked)."""

    def __init__(self, sock, mask, buffered=b""):
        self.sock = sock
        self.mask = mask
        self.buf = buffered

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send_frame(self, opcode, payload, fin=True):
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        bit = 0x80 if self.mask else 0
        if n < 126:
            head += bytes([bit | n])
        elif n < 65536:
            head += bytes([bit | 126]) + struct.pack("!H", n)
        else:
            head += bytes([bit | 127]) + struct.pack("!Q", n)
        if self.mask:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        self.sock.sendall(head + payload)

    def recv_frame(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        key = self._read(4) if b1 & 0x80 else None
        payload = self._read(n)
        if key:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_message(self):
        """(opcode, payload) of the next data or control message, fragments joined."""
        fin, opcode, payload = self.recv_frame()
        while not fin and opcode in (TEXT, BINARY):
            fin, more_op, more = self.recv_frame()
            if more_op != CONT:
                raise AssertionError("unexpected opcode %d inside a fragmented message" % more_op)
            payload += more
        return opcode, payload

    def send_text(self, text):
        self.send_frame(TEXT, text.encode())

    def recv_text(self):
        opcode, payload = self.recv_message()
        if opcode != TEXT:
            raise AssertionError("expected a text message, got opcode %d (%r)" % (opcode, payload))
        return payload.decode()

    def send_close(self, code=None, reason=b""):
        self.send_frame(CLOSE, b"" if code is None else struct.pack("!H", code) + reason)

    def recv_close(self):
        opcode, payload = self.recv_message()
        if opcode != CLOSE:
            raise AssertionError("expected a close, got opcode %d (%r)" % (opcode, payload))
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        return code, payload[2:]

    def at_eof(self, timeout=TIMEOUT):
        self.sock.settimeout(timeout)
        try:
            return self.buf == b"" and self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def ws_connect(port, path, extra_headers=""):
    """Opens a WebSocket; returns (Framer, status, headers). The status is 101 on success."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(("GET %s HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n"
                  % (path, key.decode(), extra_headers)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("closed during the handshake: %r" % data)
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    if status == 101:
        assert headers.get("sec-websocket-accept") == accept_key(key).decode(), headers
        assert headers.get("upgrade", "").lower() == "websocket", headers
    return Framer(sock, True, rest), status, headers


class LoopbackWebSocketServer(threading.Thread):
    """A WebSocket server on loopback: answers every text message with "ext:" + message (but
    drops the connection, without a Close, on "drop"), and a Close with the same Close (whose code
    it records in `closes`)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.paths = []
        self.closes = []

    def run(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            conn.settimeout(TIMEOUT)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, rest = data.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            self.paths.append(lines[0].split(" ")[1])
            key = None
            for line in lines[1:]:
                name, value = line.split(":", 1)
                if name.strip().lower() == "sec-websocket-key":
                    key = value.strip().encode()
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept_key(key) + b"\r\n\r\n")
            framer = Framer(conn, False, rest)
            while True:
                opcode, payload = framer.recv_message()
                if opcode == TEXT and payload == b"drop":
                    return
                if opcode == TEXT:
                    framer.send_text("ext:" + payload.decode())
                elif opcode == CLOSE:
                    self.closes.append(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None)
                    framer.send_frame(CLOSE, payload)
                    return
        except (OSError, EOFError):
            pass
        finally:
            conn.close()

    def close(self):
        self.listener.close()


CONFIG = """using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = (
      modules = [(name = "main.js", esModule = embed "main.js")],
      compatibilityDate = "2024-01-01",
      bindings = [(name = "UP", service = "up"), (name = "EXT", service = "ext")],
      globalOutbound = "ext")),
    (name = "up", worker = (
      modules = [(name = "up.js", esModule = embed "up.js")],
      compatibilityDate = "2024-01-01")),
    (name = "ext", external = (address = "127.0.0.1:%d", http = ())),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
"""

MAIN = r"""
const room = new Set();

function echo(server) {
  server.addEventListener("message", (event) => {
    const data = event.data;
    if (typeof data !== "string") {
      const bytes = new Uint8Array(data);
      server.send(bytes.map((b) => b ^ 0xff));
      return;
    }
    if (data.startsWith("close:")) {
      const [, code, reason] = data.split(":");
      server.close(Number(code), reason);
      return;
    }
    if (data === "state") {
      server.send(`readyState=${server.readyState}`);
      return;
    }
    server.send(`echo:${data} (${data.length})`);
  });
  server.addEventListener("close", (event) => {
    console.log(`closed code=${event.code} reason=${event.reason} clean=${event.wasClean}`);
  });
}

function relay(a, b) {
  a.accept();
  b.accept();
  a.addEventListener("message", (e) => b.send(e.data));
  b.addEventListener("message", (e) => a.send(e.data));
  a.addEventListener("close", (e) => b.close(e.code, e.reason));
  b.addEventListener("close", (e) => a.close(e.code, e.reason));
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("expected a WebSocket", { status: 426 });
    }
    if (url.pathname === "/echo") {
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      server.send("hello");
      echo(server);
      return new Response(null, { status: 101, webSocket: client, headers: { "X-Colony": "ws" } });
    }
    if (url.pathname === "/chat") {
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      room.add(server);
      server.addEventListener("message", (e) => {
        for (const peer of room) if (peer !== server) peer.send(e.data);
      });
      server.addEventListener("close", () => room.delete(server));
      return new Response(null, { status: 101, webSocket: client });
    }
    if (url.pathname === "/through-binding") {
      // The upstream's socket goes back to the client as is.
      const upstream = await env.UP.fetch("http://up/", { headers: { Upgrade: "websocket" } });
      return new Response(null, { status: 101, webSocket: upstream.webSocket });
    }
    if (url.pathname === "/relay-binding" || url.pathname === "/relay-external") {
      const target = url.pathname === "/relay-binding" ? env.UP : env.EXT;
      const upstream = await target.fetch("http://upstream/socket", { headers: { Upgrade: "websocket" } });
      if (upstream.status !== 101 || upstream.webSocket === null) {
        return new Response(`upstream answered ${upstream.status}`, { status: 502 });
      }
      const [client, server] = Object.values(new WebSocketPair());
      relay(server, upstream.webSocket);
      return new Response(null, { status: 101, webSocket: client });
    }
    if (url.pathname === "/new-websocket") {
      // The standard client API, through the worker's binding to the loopback server.
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      const ws = new WebSocket("ws://upstream-host/standard");
      const events = [];
      ws.addEventListener("open", () => { events.push("open"); ws.send("from new WebSocket"); });
      ws.addEventListener("message", (e) => {
        events.push("message");
        server.send(`${e.data} [${events.join(",")}] readyState=${ws.readyState}`);
        ws.close(1000, "done");
      });
      ws.addEventListener("close", (e) => server.send(`upstream closed ${e.code} ${e.reason}`));
      ws.addEventListener("error", (e) => server.send(`error ${e.message}`));
      return new Response(null, { status: 101, webSocket: client });
    }
    return new Response("no such path", { status: 404 });
  },
};
"""

UP = r"""
export default {
  async fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (e) => server.send(`up:${e.data}`));
    server.addEventListener("close", (e) => server.close(e.code, `up saw ${e.reason}`));
    return new Response(null, { status: 101, webSocket: client });
  },
};
"""


class WebSocketTest(ServerTestCase):
    def setUp(self):
        self.upstream = LoopbackWebSocketServer()
        self.upstream.start()
        self.addCleanup(self.upstream.close)
        # One runtime process: the chat room is one module-level set.
        args = ["--single-process"] if harness.is_colony() else []
        self.server = self.serve(CONFIG % self.upstream.port, {"main.js": MAIN, "up.js": UP}, args=args)
        self.port = self.server.port

    def connect(self, path):
        ws, status, headers = ws_connect(self.port, path)
        self.addCleanup(ws.sock.close)
        self.assertEqual(status, 101, headers)
        return ws, headers

    def test_echo_text_and_handshake(self):
        ws, headers = self.connect("/echo")
        self.assertEqual(headers.get("x-colony"), "ws")
        self.assertEqual(ws.recv_text(), "hello")
        ws.send_text("abc")
        self.assertEqual(ws.recv_text(), "echo:abc (3)")
        ws.send_text("héllo ✓")
        self.assertEqual(ws.recv_text(), "echo:héllo ✓ (7)")
        ws.send_text("state")
        self.assertEqual(ws.recv_text(), "readyState=1")
        big = "x" * 200000
        ws.send_text(big)
        self.assertEqual(ws.recv_text(), "echo:%s (%d)" % (big, len(big)))
        ws.send_close(1000, b"bye")
        self.assertEqual(ws.recv_close(), (1000, b""))
        self.assertTrue(ws.at_eof())
        self.server.wait_for_stderr("closed code=1000 reason=bye clean=true")

    def test_binary(self):
        ws, _ = self.connect("/echo")
        ws.recv_text()
        ws.send_frame(BINARY, bytes(range(256)))
        opcode, payload = ws.recv_message()
        self.assertEqual(opcode, BINARY)
        self.assertEqual(payload, bytes(b ^ 0xFF for b in range(256)))

    def test_fragmented_message_and_ping(self):
        ws, _ = self.connect("/echo")
        ws.recv_text()
        ws.send_frame(TEXT, b"frag", fin=False)
        ws.send_frame(PING, b"in between")  # control frames may come between fragments
        ws.send_frame(CONT, b"men", fin=False)
        ws.send_frame(CONT, b"ted", fin=True)
        self.assertEqual(ws.recv_message(), (PONG, b"in between"))
        self.assertEqual(ws.recv_text(), "echo:fragmented (10)")
        ws.send_frame(PING, b"42")
        self.assertEqual(ws.recv_message(), (PONG, b"42"))

    def test_server_initiated_close(self):
        ws, _ = self.connect("/echo")
        ws.recv_text()
        ws.send_text("close:4001:going away")
        self.assertEqual(ws.recv_close(), (4001, b"going away"))
        ws.send_close(4001, b"ok")
        self.assertTrue(ws.at_eof())
        self.server.wait_for_stderr("closed code=4001 reason=ok clean=true")

    def test_non_websocket_request_gets_a_response(self):
        status, _, body = self.server.get("/echo")
        self.assertEqual((status, body), (426, b"expected a WebSocket"))

    def test_chat_relay(self):
        alice, _ = self.connect("/chat")
        bob, _ = self.connect("/chat")
        # Both are in the room once a round trip through each socket has completed.
        alice.send_text("hi bob")
        self.assertEqual(bob.recv_text(), "hi bob")
        bob.send_text("hi alice")
        self.assertEqual(alice.recv_text(), "hi alice")
        bob.send_close(1000)
        self.assertEqual(bob.recv_close()[0], 1000)
        alice.send_text("anyone?")
        carol, _ = self.connect("/chat")
        carol.send_text("carol here")
        self.assertEqual(alice.recv_text(), "carol here")

    def test_passthrough_to_service_binding(self):
        ws, _ = self.connect("/through-binding")
        ws.send_text("one")
        self.assertEqual(ws.recv_text(), "up:one")
        ws.send_close(3001, b"end")
        self.assertEqual(ws.recv_close(), (3001, b"up saw end"))
        self.assertTrue(ws.at_eof())

    def test_relay_to_service_binding(self):
        ws, _ = self.connect("/relay-binding")
        for i in range(20):
            ws.send_text("m%d" % i)
        for i in range(20):
            self.assertEqual(ws.recv_text(), "up:m%d" % i)
        ws.send_close(3002, b"fin")
        # The relay's side answers the Close itself (the upstream's answer comes later).
        self.assertEqual(ws.recv_close()[0], 3002)
        self.assertTrue(ws.at_eof())

    def test_relay_to_loopback_server(self):
        ws, _ = self.connect("/relay-external")
        ws.send_text("over tcp")
        self.assertEqual(ws.recv_text(), "ext:over tcp")
        ws.send_close(1000, b"x")
        self.assertEqual(ws.recv_close()[0], 1000)
        self.assertEqual(self.upstream.paths, ["/socket"])

    def test_new_websocket_client(self):
        ws, _ = self.connect("/new-websocket")
        self.assertEqual(ws.recv_text(), "ext:from new WebSocket [open,message] readyState=1")
        self.assertEqual(ws.recv_text(), "upstream closed 1000 done")
        self.assertEqual(self.upstream.paths, ["/standard"])


if __name__ == "__main__":
    unittest.main()
