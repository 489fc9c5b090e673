"""The `test` subcommand: runs test() handlers and reports each as TEST / PASS / FAIL lines."""

import re
import unittest

import harness

LINE = re.compile(r"\[ (TEST|PASS|FAIL) \] (\S+)")

SUITE = """
export default { async test() {} };
export const passes = { async test(controller, env) { if (env.X !== "x") throw new Error("bad env"); } };
export const fails = { async test() { throw new Error("expected failure here"); } };
export const syncPasses = { test() {} };
export const rejects = { test() { return Promise.reject(new Error("rejected test")); } };
export const notATest = { fetch() { return new Response(""); } };
"""


def run_tests(script, *filters):
    config, files = harness.module_worker(script, bindings='(name = "X", text = "x")')
    with harness.TempDir(files, config) as d:
        r = harness.run(["test", d.config_path] + list(filters))
    output = r.stdout + r.stderr
    lines = [m.groups() for m in LINE.finditer(output)]
    return r.returncode, lines, output


def is_default(name):
    return name in ("main", "main:default")


class TestCommandTest(unittest.TestCase):
    def test_reports_each_test_and_fails_overall(self):
        code, lines, output = run_tests(SUITE)
        self.assertEqual(code, 1, output)
        results = {name: kind for kind, name in lines if kind != "TEST"}
        started = [name for kind, name in lines if kind == "TEST"]
        named = {k: v for k, v in results.items() if not is_default(k)}
        self.assertEqual(named, {"main:passes": "PASS", "main:syncPasses": "PASS",
                                 "main:fails": "FAIL", "main:rejects": "FAIL"}, output)
        self.assertEqual([v for k, v in results.items() if is_default(k)], ["PASS"], output)
        self.assertEqual(sorted(started), sorted(results), output)
        self.assertNotIn("main:notATest", output)
        # Every TEST line comes before its result line.
        for kind, name in lines:
            if kind != "TEST":
                self.assertLess(lines.index(("TEST", name)), lines.index((kind, name)))

    def test_hung_test_fails_instead_of_waiting_forever(self):
        # A promise nothing can settle (no timer, no I/O pending) is reported as a failure and the
        # run goes on to the next test.
        code, lines, output = run_tests(
            "export const hangs = { test() { return new Promise(() => {}); } };\n"
            "export const waits = { test() { return new Promise((r) => setTimeout(r, 50)); } };\n")
        self.assertEqual(code, 1, output)
        results = {name: kind for kind, name in lines if kind != "TEST"}
        self.assertEqual(results, {"main:hangs": "FAIL", "main:waits": "PASS"}, output)

    def test_console_output_reaches_the_log_with_non_ascii_text_intact(self):
        # The built-ins are kept as ASCII (their box-drawing characters are escapes); what they
        # and the worker print must still come out as UTF-8.
        code, _, output = run_tests(
            "export const prints = { test() {\n"
            "  console.table([{ a: 1 }]);\n"
            "  console.log('caf\u00e9 \u2603');\n"
            "} };\n")
        self.assertEqual(code, 0, output)
        self.assertIn("\u250c", output)
        self.assertIn("\u2502", output)
        self.assertIn("caf\u00e9 \u2603", output)

    def test_pass_line_carries_duration(self):
        _, _, output = run_tests("export const ok = { test() {} };\n")
        self.assertRegex(output, r"\[ PASS \] main:ok \(.+\)")

    def test_all_passing_exits_0(self):
        code, lines, output = run_tests("export const a = { test() {} };\nexport const b = { async test() {} };\n")
        self.assertEqual(code, 0, output)
        self.assertEqual(sorted(n for k, n in lines if k == "PASS"), ["main:a", "main:b"], output)

    def test_failure_message_is_shown(self):
        _, _, output = run_tests("export const bad = { test() { throw new Error('visible reason'); } };\n")
        self.assertIn("visible reason", output)

    def test_filter_selects_tests(self):
        code, lines, output = run_tests(SUITE, "main:*asses")
        self.assertEqual(code, 0, output)
        self.assertEqual(sorted(n for k, n in lines if k == "PASS"), ["main:passes", "main:syncPasses"], output)
        self.assertFalse([n for k, n in lines if k == "FAIL"], output)

    def test_filter_selecting_a_failure_exits_nonzero(self):
        code, lines, output = run_tests(SUITE, "main:fails")
        self.assertEqual(code, 1, output)
        self.assertEqual(lines, [("TEST", "main:fails"), ("FAIL", "main:fails")], output)

    def test_startup_error_fails_the_run(self):
        code, lines, output = run_tests("throw new Error('cannot start');\nexport const t = { test() {} };\n")
        self.assertNotEqual(code, 0, output)
        self.assertFalse([n for k, n in lines if k == "PASS"], output)
        self.assertIn("cannot start", output)


if __name__ == "__main__":
    unittest.main()
