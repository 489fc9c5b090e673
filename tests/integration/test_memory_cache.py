"""memoryCache bindings (experimental in workerd, so behind --experimental in Colony too): the
suite in memory_cache/ (which passes on workerd as well), and the refusal without the flag.
"""

import os
import re
import unittest

import harness

COLONY = harness.is_colony()
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "memory_cache")


class MemoryCacheTest(unittest.TestCase):
    def test_suite(self):
        result = harness.run(["test", "--experimental", "memory-cache-test.wd-test"], cwd=HERE)
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output[-4000:])
        self.assertEqual(len(re.findall(r"\[ PASS \]", output)), 7, output[-4000:])

    @unittest.skipUnless(COLONY, "Colony's message")
    def test_needs_experimental(self):
        result = harness.run(["test", "memory-cache-test.wd-test"], cwd=HERE)
        self.assertEqual(result.returncode, 1)
        self.assertIn('binding "CACHE": memoryCache bindings are an experimental feature', result.stderr)


if __name__ == "__main__":
    unittest.main()
