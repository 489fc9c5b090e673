"""Every sample config under config/samples is served and answers.

For each sample (a .capnp file holding a Workerd.Config) one test case:
  - serve it with every plain-HTTP socket moved to 127.0.0.1:0 through `-s`;
  - every such socket answers `GET /` with a status below 500;
  - the requests listed for it in EXPECTATIONS below get the expected answers;
  - when Colony is under test and the reference workerd is installed, the same requests get the
    same status, content-type and body from both.
"""

import glob
import json
import os
import re
import unittest

import harness

# sample path relative to config/samples -> list of requests and what must come back:
#   {"socket": name (default: first), "method": "GET", "path": "/", "body": str,
#    "headers": {...}, "status": 200, "body_equals": str, "body_contains": str}
EXPECTATIONS = {}

SOCKET_RE = re.compile(r'name\s*=\s*"([^"]+)"\s*,\s*address\s*=\s*"([^"]*)"([^()]*(?:\([^()]*\)[^()]*)*)\)')


def find_samples():
    out = []
    for path in sorted(glob.glob(os.path.join(harness.SAMPLES_DIR, "**", "*.capnp"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if re.search(r":\s*Workerd\.Config\s*=", text):
            out.append((os.path.relpath(path, harness.SAMPLES_DIR), path, text))
    return out


def http_sockets(text):
    """Names of the sockets in a config that serve plain HTTP (best effort, from the text)."""
    names = []
    for name, _address, rest in SOCKET_RE.findall(text):
        if "https" in rest:
            continue
        if name not in names:
            names.append(name)
    return names


def reference_bin():
    path = os.environ.get("COLONY_REF_BIN") or os.path.expanduser(
        "~/.cache/colony-ref/node_modules/@cloudflare/workerd-linux-64/bin/workerd")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def default_requests(sockets):
    return [{"socket": s, "method": "GET", "path": "/"} for s in sockets]


def ask(server, req):
    headers = dict(req.get("headers", {}))
    # A fixed Host keeps answers that echo the URL independent of the port.
    if not any(k.lower() == "host" for k in headers):
        headers["Host"] = "localhost"
    return server.request(req.get("method", "GET"), req.get("path", "/"), body=req.get("body"),
                          headers=headers, socket_name=req.get("socket"))


class SamplesTest(unittest.TestCase):
    pass


def make_sample_test(rel, path, text):
    def test(self):
        sockets = http_sockets(text)
        self.assertTrue(sockets, "no plain-HTTP socket found in %s" % rel)
        args = []
        for s in sockets:
            args += ["-s", "%s=127.0.0.1:0" % s]
        requests = EXPECTATIONS.get(rel) or default_requests(sockets)
        for r in requests:
            r.setdefault("socket", sockets[0])
        server = harness.Server(config_path=path, sockets=sockets, args=args, cwd=os.path.dirname(path))
        self.addCleanup(server.stop)
        answers = []
        for req in requests:
            status, headers, body = ask(server, req)
            answers.append((status, headers.get("content-type"), body))
            what = "%s %s on %s" % (req.get("method", "GET"), req.get("path", "/"), req["socket"])
            if "status" in req:
                self.assertEqual(status, req["status"], what)
            else:
                self.assertLess(status, 500, "%s: %r\n%s" % (what, body[:300], server.stderr[-2000:]))
            if "body_equals" in req:
                self.assertEqual(body.decode("utf-8", "replace"), req["body_equals"], what)
            if "body_contains" in req:
                self.assertIn(req["body_contains"], body.decode("utf-8", "replace"), what)
        self.assertTrue(server.alive(), server.stderr)
        server.stop()

        ref = reference_bin()
        if harness.is_colony() and ref:
            old = os.environ.get("COLONY_BIN")
            os.environ["COLONY_BIN"] = ref
            try:
                reference = harness.Server(config_path=path, sockets=sockets, args=args, cwd=os.path.dirname(path))
            finally:
                if old is None:
                    del os.environ["COLONY_BIN"]
                else:
                    os.environ["COLONY_BIN"] = old
            self.addCleanup(reference.stop)
            for req, mine in zip(requests, answers):
                status, headers, body = ask(reference, req)
                if "date" in req.get("path", ""):
                    continue
                self.assertEqual(mine, (status, headers.get("content-type"), body),
                                 "Colony and workerd differ on %s %s" % (req.get("method", "GET"), req["path"]))
    return test


def make_sample_test_run(rel, path):
    # `colony test` on the sample: every test handler it exports passes, and the process exits
    # cleanly (0) after running them.
    def test(self):
        r = harness.run(["test", path], cwd=os.path.dirname(path))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[ PASS ]", r.stderr)
        self.assertNotIn("[ FAIL ]", r.stderr)
    return test


SAMPLES = find_samples()
for _rel, _path, _text in SAMPLES:
    _name = "test_sample_" + re.sub(r"\W+", "_", os.path.splitext(_rel)[0])
    setattr(SamplesTest, _name, make_sample_test(_rel, _path, _text))
    setattr(SamplesTest, _name + "_tests_pass", make_sample_test_run(_rel, _path))

if not SAMPLES:
    def test_no_samples_yet(self):
        self.skipTest("config/samples holds no sample config yet")
    SamplesTest.test_no_samples_yet = test_no_samples_yet


class SampleDiscoveryTest(unittest.TestCase):
    def test_socket_parsing(self):
        text = '''sockets = [ (name = "http", address = "*:8080", http = (), service = "main"),
                              (name = "tls", address = "*:443", https = (options = (), tlsOptions = ()), service = "main"),
                              (name = "admin", address = "unix:/tmp/a.sock", http = (style = proxy), service = "a") ]'''
        self.assertEqual(http_sockets(text), ["http", "admin"])

    def test_expectations_name_existing_samples(self):
        names = {rel for rel, _, _ in SAMPLES}
        for rel in EXPECTATIONS:
            self.assertIn(rel, names, "EXPECTATIONS names a sample that does not exist")


if __name__ == "__main__":
    unittest.main()
