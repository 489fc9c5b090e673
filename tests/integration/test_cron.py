"""Cron triggers (Worker.cronTriggers, a Colony extension): scheduled handlers, the validator's
messages for bad expressions, and one real minute boundary, waited for once, under both
`colony serve --processes 2` (each tick runs in exactly one process) and
`colony serve --single-process` (the tick runs in that process, exactly once). The scheduler's logic (expressions, due ticks, reloads,
missed ticks) is unit-tested on a clock the tests pass in: tests/unit/cron_test.cc.
"""

import os
import re
import time
import unittest

import harness
from harness import ServerTestCase

COLONY = harness.is_colony()
HERE = os.path.dirname(os.path.abspath(__file__))

TICKING = r"""
const me = crypto.randomUUID();
export default {
  async scheduled(controller, env, ctx) {
    console.log(`tick ${controller.cron} ${controller.scheduledTime} by ${me}`);
  },
  async fetch() { return new Response(me); },
};
"""


@unittest.skipUnless(COLONY, "cron triggers are a Colony extension")
class CronTest(ServerTestCase):
    def test_scheduled_handlers_through_service_bindings(self):
        result = harness.run(["test", "--experimental", os.path.join(HERE, "cron", "scheduled-test.wd-test")],
                             cwd=os.path.join(HERE, "cron"))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(len(re.findall(r"\[ PASS \]", result.stdout + result.stderr)), 3,
                         result.stdout + result.stderr)

    def test_bad_expression_is_refused_by_name(self):
        config, files = harness.module_worker(TICKING, extra_worker='cronTriggers = ["*/5 * * * *", "61 * * * *"],')
        with harness.TempDir(files, config) as d:
            result = harness.run(["check", d.config_path], cwd=d.dir)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn('service "main": cronTriggers: cron expression "61 * * * *": minute field "61" '
                      'is out of range 0-59', result.stderr)

    def test_each_tick_runs_once_across_processes_and_in_single_process(self):
        config, files = harness.module_worker(TICKING, extra_worker='cronTriggers = ["* * * * *"],')
        servers = {
            "--processes 2": self.serve(config, files, args=["--processes", "2"]),
            "--single-process": self.serve(config, files, args=["--single-process"]),
        }
        # The first minute boundary after start fires in both; wait for it (at most ~61 s).
        deadline = time.monotonic() + 75
        while time.monotonic() < deadline and not all("tick " in s.stderr for s in servers.values()):
            time.sleep(0.5)
        time.sleep(3)  # would a second process (or a second check) fire it again?
        for mode, server in servers.items():
            with self.subTest(mode):
                self.assertNotIn("do not fire under --single-process", server.stderr)
                ticks = re.findall(r"tick \* \* \* \* \* (\d+) by ([0-9a-f-]+)", server.stderr)
                # Exactly one tick, unless the two servers started on either side of a minute
                # boundary and the first one also reached the next: then each tick ran once.
                times = [int(t) for t, _ in ticks]
                self.assertTrue(1 <= len(times) <= 2, server.stderr[-3000:])
                self.assertEqual(len(set(times)), len(times), server.stderr[-3000:])
                for scheduled in times:
                    self.assertEqual(scheduled % 60000, 0)
                self.assertRegex(server.stderr,
                                 r'cron "\* \* \* \* \*" of service "main" at \S+: ok in \d+ ms '
                                 r'\(runtime pid \d+\)')


if __name__ == "__main__":
    unittest.main()
