"""WebSocket session ends: a server-initiated close whose peer never answers is cut after the
close-handshake timeout, a graceful stop says 1001 "going away" to open sockets instead of
waiting for them (sockets passed through from an upstream too: to the client and the upstream),
and permessage-deflate is not negotiated (kj 0.9.2 has no compression)."""

import os
import signal
import socket
import time
import unittest

import harness
from harness import ServerTestCase, module_worker
from test_websocket import CLOSE, TEXT, LoopbackWebSocketServer, ws_connect

COLONY = harness.is_colony()

SCRIPT = r"""
export default {
  async fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (event) => {
      if (event.data.startsWith("close:")) {
        server.close(Number(event.data.slice(6)), "bye");
        return;
      }
      server.send("echo:" + event.data);
    });
    server.addEventListener("close", (event) => {
      console.log(`closed code=${event.code} clean=${event.wasClean}`);
    });
    return new Response(null, { status: 101, webSocket: client });
  },
};
"""


class WebSocketLifecycleTest(ServerTestCase):
    def start(self, args=()):
        config, files = module_worker(SCRIPT)
        return self.serve(config, files, args=list(args))

    def open(self, server, extra_headers=""):
        ws, status, headers = ws_connect(server.port, "/", extra_headers)
        self.addCleanup(ws.sock.close)
        self.assertEqual(status, 101, headers)
        return ws, headers

    # workerd keeps such a connection open (seen with workerd 2026-11-17): Colony's own policy.
    @unittest.skipUnless(COLONY, "Colony's close-handshake timeout")
    def test_unanswered_close_is_cut_after_timeout(self):
        server = self.start(["--single-process"])
        ws, _ = self.open(server)
        ws.send_text("ping")
        self.assertEqual(ws.recv_text(), "echo:ping")
        ws.send_text("close:4003")
        self.assertEqual(ws.recv_close(), (4003, b"bye"))
        # Never answer the Close: the server drops the connection by itself.
        start = time.monotonic()
        self.assertTrue(ws.at_eof(timeout=15), "the server kept an unanswered close open")
        self.assertLess(time.monotonic() - start, 15)
        server.wait_for_stderr("closed code=1006 clean=false")

    def test_answered_close_is_clean(self):
        server = self.start(["--single-process"] if COLONY else [])
        ws, _ = self.open(server)
        ws.send_text("close:4004")
        self.assertEqual(ws.recv_close(), (4004, b"bye"))
        ws.send_close(4004, b"ok")
        self.assertTrue(ws.at_eof())
        server.wait_for_stderr("closed code=4004 clean=true")

    @unittest.skipUnless(COLONY, "kj 0.9.2 has no permessage-deflate; workerd's kj has")
    def test_permessage_deflate_not_negotiated(self):
        server = self.start(["--single-process"])
        ws, headers = self.open(
            server, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")
        self.assertNotIn("sec-websocket-extensions", headers)
        ws.send_text("plain " * 50)
        fin, opcode, payload = ws.recv_frame()
        self.assertEqual((fin, opcode), (True, TEXT))  # RSV1 (compressed) is not set
        self.assertEqual(payload.decode(), "echo:" + "plain " * 50)

    def check_going_away_on_stop(self, server):
        ws, _ = self.open(server)
        ws.send_text("hello")
        self.assertEqual(ws.recv_text(), "echo:hello")
        start = time.monotonic()
        os.kill(server.proc.pid, signal.SIGTERM)
        self.assertEqual(ws.recv_close(), (1001, b"going away"))
        ws.send_close(1001, b"")
        self.assertTrue(ws.at_eof())
        server.proc.wait(timeout=20)
        # Well before the 30-second drain deadline: the socket did not hold the drain.
        self.assertLess(time.monotonic() - start, 20)
        self.assertIn("closed code=1001 clean=true", server.stderr)

    @unittest.skipUnless(COLONY, "Colony's graceful stop")
    def test_graceful_stop_says_going_away_single_process(self):
        self.check_going_away_on_stop(self.start(["--single-process"]))

    @unittest.skipUnless(COLONY, "Colony's graceful stop")
    def test_graceful_stop_says_going_away_multi_process(self):
        self.check_going_away_on_stop(self.start(["--processes", "1", "--drain-timeout", "30"]))


# A socket fetched from an upstream and returned as is: the runtime passes messages through.
PASS_THROUGH = r"""
export default {
  async fetch(request, env) {
    return fetch("http://upstream/socket", { headers: { Upgrade: "websocket" } });
  },
};
"""


class PassedThroughWebSocketTest(ServerTestCase):
    def setUp(self):
        self.upstream = LoopbackWebSocketServer()
        self.upstream.start()
        self.addCleanup(self.upstream.close)

    def start(self, args):
        config, files = module_worker(
            PASS_THROUGH, services='(name = "ext", external = (address = "127.0.0.1:%d", http = ())),'
            % self.upstream.port, extra_worker='globalOutbound = "ext",')
        return self.serve(config, files, args=list(args))

    def check_going_away_on_stop(self, server):
        ws, status, headers = ws_connect(server.port, "/")
        self.addCleanup(ws.sock.close)
        self.assertEqual(status, 101, headers)
        ws.send_text("hello")
        self.assertEqual(ws.recv_text(), "ext:hello")
        start = time.monotonic()
        os.kill(server.proc.pid, signal.SIGTERM)
        self.assertEqual(ws.recv_close(), (1001, b"going away"))
        # The connection stays open for the client's answering Close (closing before it came
        # could reset the connection and lose the 1001 on its way)...
        with self.assertRaises(socket.timeout):
            ws.at_eof(timeout=1)
        # ...which ends it at once, well before the close-handshake timeout.
        ws.send_close(1001)
        answered = time.monotonic()
        self.assertTrue(ws.at_eof())
        self.assertLess(time.monotonic() - answered, 3)
        server.proc.wait(timeout=20)
        # Well before the 30-second drain deadline: the session did not hold the drain, and the
        # upstream was told too.
        self.assertLess(time.monotonic() - start, 20)
        self.assertEqual(self.upstream.closes, [1001])

    @unittest.skipUnless(COLONY, "Colony's graceful stop")
    def test_graceful_stop_says_going_away_both_ways_single_process(self):
        self.check_going_away_on_stop(self.start(["--single-process"]))

    @unittest.skipUnless(COLONY, "Colony's graceful stop")
    def test_graceful_stop_says_going_away_both_ways_multi_process(self):
        self.check_going_away_on_stop(self.start(["--processes", "1", "--drain-timeout", "30"]))

    @unittest.skipUnless(COLONY, "Colony's graceful stop")
    def test_graceful_stop_drops_a_client_that_never_answers(self):
        server = self.start(["--single-process"])
        ws, status, headers = ws_connect(server.port, "/")
        self.addCleanup(ws.sock.close)
        self.assertEqual(status, 101, headers)
        os.kill(server.proc.pid, signal.SIGTERM)
        self.assertEqual(ws.recv_close(), (1001, b"going away"))
        told = time.monotonic()
        # The close-handshake timeout (5 s), not the 30-second drain deadline, ends it.
        self.assertTrue(ws.at_eof(timeout=15))
        self.assertGreater(time.monotonic() - told, 3)
        server.proc.wait(timeout=10)
        self.assertLess(time.monotonic() - told, 10)

    def test_messages_and_close_pass_through(self):
        server = self.start(["--single-process"] if COLONY else [])
        ws, status, headers = ws_connect(server.port, "/")
        self.addCleanup(ws.sock.close)
        self.assertEqual(status, 101, headers)
        for i in range(5):
            ws.send_text("m%d" % i)
        for i in range(5):
            self.assertEqual(ws.recv_text(), "ext:m%d" % i)
        ws.send_close(4010, b"done")
        self.assertEqual(ws.recv_close(), (4010, b"done"))
        self.assertTrue(ws.at_eof())
        self.assertEqual(self.upstream.closes, [4010])

    def test_upstream_dropping_the_connection_drops_the_client(self):
        server = self.start(["--single-process"] if COLONY else [])
        ws, status, headers = ws_connect(server.port, "/")
        self.addCleanup(ws.sock.close)
        self.assertEqual(status, 101, headers)
        ws.send_text("drop")
        self.assertTrue(ws.at_eof())
        self.assertEqual(self.upstream.closes, [])

    # workerd (2026-11-25) sends the client nothing within the timeout; Colony, like a kj pump,
    # closes the upstream with 1002 (protocol error) and passes its answer back.
    @unittest.skipUnless(COLONY, "Colony's answer to a protocol error in a pass-through")
    def test_client_protocol_error_closes_the_upstream_with_1002(self):
        server = self.start(["--single-process"] if COLONY else [])
        ws, status, headers = ws_connect(server.port, "/")
        self.addCleanup(ws.sock.close)
        self.assertEqual(status, 101, headers)
        ws.send_frame(0x3, b"reserved opcode")
        # The upstream is told 1002; its answering Close comes back to the client.
        self.assertEqual(ws.recv_close()[0], 1002)
        self.assertTrue(ws.at_eof())
        self.assertEqual(self.upstream.closes, [1002])


if __name__ == "__main__":
    unittest.main()
