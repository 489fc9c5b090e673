"""Request bodies streamed back as responses run in bounded memory."""

import itertools
import socket
import threading
import unittest

import harness
from harness import ServerTestCase

WORKER = """
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/echo") return new Response(request.body);
    if (url.pathname === "/identity") return new Response(request.body.pipeThrough(new IdentityTransformStream()));
    if (url.pathname === "/count") {
      let n = 0;
      const counter = new WritableStream({ write(chunk) { n += chunk.byteLength; } });
      await request.body.pipeTo(counter);
      return new Response(String(n));
    }
    return new Response("not found", { status: 404 });
  }
};
"""

TOTAL = 256 * 1024 * 1024
CHUNK = b"x" * (1024 * 1024)


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class StreamingBodiesTest(ServerTestCase):
    def setUp(self):
        self.s = self.serve_script(WORKER, args=["--single-process"])

    def exchange(self, pieces, keep=None):
        """Sends every piece while reading the response until the server closes (an echo starts
        answering before the upload ends); returns (the first `keep` bytes received, or all of
        them, and how many were received)."""
        with socket.create_connection(("127.0.0.1", self.s.port), timeout=60) as sock:
            def send():
                for piece in pieces:
                    sock.sendall(piece)

            sender = threading.Thread(target=send)
            sender.start()
            received = bytearray()
            count = 0
            while True:
                data = sock.recv(1 << 20)
                if not data:
                    break
                count += len(data)
                if keep is None or len(received) < keep:
                    received.extend(data if keep is None else data[:keep - len(received)])
            sender.join(120)
            return bytes(received), count

    def upload(self, path):
        """Sends TOTAL bytes while reading the response; returns (its first bytes, bytes received)."""
        head = b"POST %s HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % (
            path.encode(), TOTAL)
        return self.exchange(itertools.chain([head], itertools.repeat(CHUNK, TOTAL // len(CHUNK))),
                             keep=4096)

    def check_bounded(self, path):
        head, count = self.upload(path)
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:200])
        self.assertGreater(count, TOTAL)  # the body plus chunk framing came back
        peak = peak_rss_kib(self.s.proc.pid)
        self.assertLess(peak, 160 * 1024, f"peak RSS {peak} KiB for a {TOTAL >> 20} MiB upload")

    def test_request_body_echoed_as_response(self):
        self.check_bounded("/echo")

    def test_request_body_through_identity_transform(self):
        self.check_bounded("/identity")

    def test_large_bodies_then_more_requests_on_one_connection(self):
        # Every request in one send: a large body (the read buffer grows for it), a chunked one in
        # uneven chunks, one counted in JS, then a request with a large head and a plain GET
        # (after which the buffer is back to its usual size); each arrives whole and in order.
        big = bytes(range(256)) * 800  # 200 KiB
        pieces = [big[i:i + 7000] for i in range(0, len(big), 7000)]
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
        requests = (
            b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(big) + big +
            b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked +
            b"0\r\n\r\n" +
            b"POST /count HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(big) + big +
            b"GET /missing HTTP/1.1\r\nHost: h\r\nX-Large: " + b"v" * 30000 + b"\r\n\r\n" +
            b"GET /missing HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        data, _ = self.exchange([requests])
        responses = harness.parse_responses(data)
        self.assertEqual([r[0] for r in responses], [200, 200, 200, 404, 404])
        self.assertTrue(responses[0][2] == big, "the first echoed body differs")
        self.assertTrue(responses[1][2] == big, "the chunked echoed body differs")
        self.assertEqual(responses[2][2], str(len(big)).encode())

    def test_echoed_body_keeps_its_length(self):
        # Returned unread, the request's body is copied without JS and keeps its Content-Length,
        # as in workerd; a chunked one goes back chunked.
        payload = bytes(range(256)) * 1000
        data, _ = self.exchange([b"POST /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n"
                                 b"Content-Length: %d\r\n\r\n" % len(payload) + payload])
        [(status, headers, body)] = harness.parse_responses(data)
        self.assertEqual((status, headers.get("content-length"), headers.get("transfer-encoding")),
                         (200, str(len(payload)), None))
        self.assertEqual(body, payload)
        data, _ = self.exchange([b"POST /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"])
        [(status, headers, body)] = harness.parse_responses(data)
        self.assertEqual((status, headers.get("content-length"), headers.get("transfer-encoding")),
                         (200, None, "chunked"))
        self.assertEqual(body, b"hello world")

    def test_request_body_piped_to_writable(self):
        status, _, body = self.s.request("POST", "/count", body=b"y" * (3 * 1024 * 1024 + 5))
        self.assertEqual(status, 200)
        self.assertEqual(body, str(3 * 1024 * 1024 + 5).encode())


if __name__ == "__main__":
    unittest.main()
