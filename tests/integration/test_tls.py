"""Outbound TLS: fetch() to https:// origins through network services and `https` external
services, against a loopback HTTPS peer whose certificate comes from a throwaway CA made with the
openssl CLI. The PKI helpers here are shared with the TCP socket tests."""

import http.server
import json
import os
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest

import harness
from harness import ServerTestCase, module_worker


class TestPki:
    """A CA and a server certificate (localhost, 127.0.0.1) signed by it, in a temp dir."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="colony-tls-")
        d = self.tmp.name
        self.ca_key, self.ca_cert = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
        self.key, self.cert = os.path.join(d, "server.key"), os.path.join(d, "server.pem")
        csr, ext = os.path.join(d, "server.csr"), os.path.join(d, "server.ext")

        def run(*args):
            subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)

        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key, "-out",
            self.ca_cert, "-days", "2", "-subj", "/CN=Colony Test CA")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key, "-out", csr, "-subj",
            "/CN=localhost")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        run("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
            "-CAcreateserial", "-out", self.cert, "-days", "2", "-extfile", ext)
        # A client certificate from the same CA, for servers that ask for one.
        self.client_key, self.client_cert = os.path.join(d, "client.key"), os.path.join(d, "client.pem")
        client_csr, client_ext = os.path.join(d, "client.csr"), os.path.join(d, "client.ext")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", self.client_key, "-out", client_csr,
            "-subj", "/CN=colony-client")
        with open(client_ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
        run("x509", "-req", "-in", client_csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
            "-CAcreateserial", "-out", self.client_cert, "-days", "2", "-extfile", client_ext)

    def ca_pem(self):
        with open(self.ca_cert) as f:
            return f.read()

    def server_context(self, require_client_cert=False):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.ca_cert)
        return ctx

    def client_files(self):
        """The client certificate's key and chain, as files for a config to embed."""
        files = {}
        for name, path in (("client.key", self.client_key), ("client.pem", self.client_cert)):
            with open(path) as f:
                files[name] = f.read()
        return files

    def cleanup(self):
        self.tmp.cleanup()


class _EchoHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("latin-1")
        self.server.requests.append(self.path)
        peer = self.connection.getpeercert() or {}
        client = [v for rdn in peer.get("subject", ()) for k, v in rdn if k == "commonName"]
        out = json.dumps({"method": self.command, "path": self.path, "host": self.headers.get("Host"),
                          "body": body, "tls": self.connection.version(),
                          "client": client[0] if client else None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = _handle


class HttpsPeer:
    """A threaded HTTPS server on 127.0.0.1 answering every request with a JSON echo."""

    def __init__(self, pki, require_client_cert=False):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
        self.httpd.daemon_threads = True
        self.httpd.requests = []
        self.httpd.socket = pki.server_context(require_client_cert).wrap_socket(
            self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def requests(self):
        return self.httpd.requests

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# Fetches ?url= through globalOutbound (or env.NET with ?via=binding) and reports the outcome.
FETCHER = """
export default {
  async fetch(request, env) {
    const q = new URL(request.url).searchParams;
    const target = q.get("url");
    try {
      const init = q.has("body") ? { method: "POST", body: q.get("body") } : {};
      const r = q.get("via") === "binding" ? await env.NET.fetch(target, init) : await fetch(target, init);
      return Response.json({ status: r.status, body: await r.text() });
    } catch (e) {
      return Response.json({ error: e.name, message: e.message }, { status: 599 });
    }
  }
};
"""

_pki = None


def setUpModule():
    global _pki
    _pki = TestPki()


def tearDownModule():
    _pki.cleanup()


def trusted():
    return 'tlsOptions = (trustedCertificates = [embed "ca.pem"])'


class TlsTestCase(ServerTestCase):
    require_client_cert = False  # the peer asks for (and checks) a client certificate

    def setUp(self):
        self.peer = HttpsPeer(_pki, self.require_client_cert)
        self.addCleanup(self.peer.stop)

    def fetcher(self, services="", extra_worker="", bindings=""):
        config, files = module_worker(FETCHER, services=services, extra_worker=extra_worker,
                                      bindings=bindings,
                                      extra_files=dict(_pki.client_files(), **{"ca.pem": _pki.ca_pem()}),
                                      compat_date="2024-09-01")
        return self.serve(config, files)

    def result(self, server, url, **params):
        from urllib.parse import urlencode
        params["url"] = url
        status, _, body = server.get("/?" + urlencode(params))
        return status, json.loads(body)


class HttpsFetchTest(TlsTestCase):
    def test_fetch_through_network_with_trusted_ca(self):
        s = self.fetcher(
            services='(name = "lan", network = (allow = ["local"], %s)),' % trusted(),
            extra_worker='globalOutbound = "lan"')
        status, out = self.result(s, "https://localhost:%d/hello?x=1" % self.peer.port, body="sent")
        self.assertEqual(status, 200, out)
        echo = json.loads(out["body"])
        self.assertEqual(echo["path"], "/hello?x=1")
        self.assertEqual(echo["method"], "POST")
        self.assertEqual(echo["body"], "sent")
        self.assertEqual(echo["host"], "localhost:%d" % self.peer.port)
        self.assertTrue(echo["tls"].startswith("TLS"))

    def test_min_version_and_cipher_list(self):
        s = self.fetcher(
            services='(name = "lan", network = (allow = ["local"], tlsOptions = ('
                     'trustedCertificates = [embed "ca.pem"], minVersion = tls1Dot2, '
                     'cipherList = "ECDHE+AESGCM"))),',
            extra_worker='globalOutbound = "lan"')
        status, out = self.result(s, "https://localhost:%d/v" % self.peer.port)
        self.assertEqual(status, 200, out)

    def test_untrusted_certificate_fails_clearly(self):
        s = self.fetcher(
            services='(name = "lan", network = (allow = ["local"])),',
            extra_worker='globalOutbound = "lan"')
        status, out = self.result(s, "https://localhost:%d/secret" % self.peer.port)
        self.assertEqual(status, 599, out)
        if harness.is_colony():
            self.assertIn("TLS connection to localhost:%d failed" % self.peer.port, out["message"])
            self.assertIn("not trusted (unable to get local issuer certificate)", out["message"])
        self.assertEqual(self.peer.requests, [])

    def test_public_only_network_refuses_https_to_loopback(self):
        s = self.fetcher(
            services='(name = "pub", network = (allow = ["public"], %s)),' % trusted(),
            extra_worker='globalOutbound = "pub"')
        status, out = self.result(s, "https://localhost:%d/" % self.peer.port)
        self.assertEqual(status, 599, out)
        if harness.is_colony():
            self.assertIn('network service "pub" does not allow connecting to localhost', out["message"])
        self.assertEqual(self.peer.requests, [])


class HttpsExternalTest(TlsTestCase):
    def external(self, tls):
        return ('(name = "peer", external = (address = "127.0.0.1:%d", https = (%s))),'
                % (self.peer.port, tls))

    def test_https_external_service(self):
        s = self.fetcher(services=self.external(trusted() + ', certificateHost = "localhost"'),
                         bindings='(name = "NET", service = "peer")')
        status, out = self.result(s, "http://api.example.com/path?q=1", via="binding", body="data")
        self.assertEqual(status, 200, out)
        echo = json.loads(out["body"])
        self.assertEqual(echo["path"], "/path?q=1")
        self.assertEqual(echo["host"], "api.example.com")
        self.assertEqual(echo["body"], "data")

    def test_certificate_host_mismatch_fails_clearly(self):
        s = self.fetcher(services=self.external(trusted() + ', certificateHost = "other.example"'),
                         bindings='(name = "NET", service = "peer")')
        status, out = self.result(s, "http://api.example.com/", via="binding")
        self.assertEqual(status, 599, out)
        if harness.is_colony():
            self.assertIn("TLS connection to other.example failed", out["message"])
        self.assertEqual(self.peer.requests, [])

    def test_unsupported_tls_option_is_refused(self):
        config, files = module_worker(
            FETCHER, services=self.external('tlsOptions = (requireClientCerts = true)'),
            bindings='(name = "NET", service = "peer")')
        code, err = harness.serve_expect_failure(config, files)
        self.assertNotEqual(code, 0)
        if harness.is_colony():
            self.assertIn("requireClientCerts", err)

    def test_bad_tls_options_fail_the_start(self):
        # The context is made on first use, but its options are checked when the server starts.
        if not harness.is_colony():
            self.skipTest("workerd checks these options only when the service is first used")
        for tls, needle in (('tlsOptions = (trustedCertificates = ["not a certificate"])',
                             "tlsOptions.trustedCertificates[0] is not a PEM certificate"),
                            ('tlsOptions = (cipherList = "NO-SUCH-CIPHER")', "invalid tlsOptions")):
            config, files = module_worker(FETCHER, services=self.external(tls),
                                          bindings='(name = "NET", service = "peer")')
            code, err = harness.serve_expect_failure(config, files)
            self.assertNotEqual(code, 0)
            self.assertIn('external service "peer"', err)
            self.assertIn(needle, err)


CLIENT_KEYPAIR = 'keypair = (privateKey = embed "client.key", certificateChain = embed "client.pem")'


class ClientCertificateTest(TlsTestCase):
    """tlsOptions.keypair on outbound TLS: the client certificate a peer asking for one gets."""

    require_client_cert = True

    def external(self, tls):
        return ('(name = "peer", external = (address = "127.0.0.1:%d", https = (certificateHost = '
                '"localhost", tlsOptions = (trustedCertificates = [embed "ca.pem"]%s)))),'
                % (self.peer.port, tls))

    def test_external_service_presents_the_keypair(self):
        s = self.fetcher(services=self.external(", " + CLIENT_KEYPAIR),
                         bindings='(name = "NET", service = "peer")')
        status, out = self.result(s, "http://api.example.com/mtls", via="binding")
        self.assertEqual(status, 200, out)
        echo = json.loads(out["body"])
        self.assertEqual((echo["path"], echo["client"]), ("/mtls", "colony-client"))

    def test_network_service_presents_the_keypair(self):
        s = self.fetcher(
            services='(name = "lan", network = (allow = ["local"], tlsOptions = ('
                     'trustedCertificates = [embed "ca.pem"], %s))),' % CLIENT_KEYPAIR,
            extra_worker='globalOutbound = "lan"')
        status, out = self.result(s, "https://localhost:%d/through-network" % self.peer.port)
        self.assertEqual(status, 200, out)
        self.assertEqual(json.loads(out["body"])["client"], "colony-client")

    def test_without_keypair_the_peer_refuses(self):
        s = self.fetcher(services=self.external(""), bindings='(name = "NET", service = "peer")')
        status, out = self.result(s, "http://api.example.com/no-cert", via="binding")
        self.assertEqual(status, 599, out)
        self.assertEqual(self.peer.requests, [])

    @unittest.skipUnless(harness.is_colony(), "Colony checks the keypair when the server starts")
    def test_bad_keypairs_fail_the_start_naming_the_field(self):
        for keypair, needle in (
                ('keypair = (privateKey = "not a key", certificateChain = embed "client.pem")',
                 "tlsOptions.keypair.privateKey is not a PEM private key"),
                ('keypair = (privateKey = embed "client.key", certificateChain = embed "ca.pem")',
                 "tlsOptions.keypair.privateKey does not match the first certificate"),
                ('keypair = (privateKey = embed "client.key")',
                 "needs both privateKey and certificateChain")):
            config, files = module_worker(
                FETCHER, services=self.external(", " + keypair),
                bindings='(name = "NET", service = "peer")',
                extra_files=dict(_pki.client_files(), **{"ca.pem": _pki.ca_pem()}))
            code, err = harness.serve_expect_failure(config, files)
            self.assertNotEqual(code, 0)
            self.assertIn('"peer"', err)
            self.assertIn(needle, err)


if __name__ == "__main__":
    unittest.main()
