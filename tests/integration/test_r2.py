"""r2Bucket bindings on Colony's local backend (a disk service's directory), and the validator's
refusal of other backends.
"""

import os
import re
import shutil
import tempfile
import unittest

import harness

COLONY = harness.is_colony()
HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const unitTests :Workerd.Config = (
  services = [
    ( name = "r2-test",
      worker = (
        modules = [
          (name = "worker", esModule = embed "r2-test.js"),
          (name = "assert.js", esModule = embed "assert.js"),
        ],
        compatibilityDate = "2024-09-01",
        bindings = [ (name = "BUCKET", r2Bucket = "%(service)s") ],
      )
    ),
    ( name = "store", disk = (path = "%(dir)s", writable = true) ),
    ( name = "remote", external = (address = "127.0.0.1:9", http = ()) ),
  ],
);
"""


@unittest.skipUnless(COLONY, "Colony's local R2 backend")
class R2Test(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="colony-r2-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.files = {}
        for name, path in (("r2-test.js", os.path.join(HERE, "r2", "r2-test.js")),
                           ("assert.js", os.path.join(HERE, "..", "js", "assert.js"))):
            with open(path) as f:
                self.files[name] = f.read()

    def run_config(self, service, command="test"):
        with harness.TempDir(self.files, CONFIG % {"dir": self.dir, "service": service}) as d:
            return harness.run([command, d.config_path], cwd=d.dir)

    def test_api(self):
        result = self.run_config("store")
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output[-4000:])
        self.assertEqual(len(re.findall(r"\[ PASS \]", output)), 4, output[-4000:])

    def test_other_services_are_refused(self):
        result = self.run_config("remote", command="check")
        self.assertEqual(result.returncode, 1)
        self.assertIn('binding "BUCKET": r2Bucket must name a disk service', result.stderr)


if __name__ == "__main__":
    unittest.main()
