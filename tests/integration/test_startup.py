"""Startup failures, the `check` subcommand and command-line errors."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import serve_expect_failure

GOOD = 'export default { fetch() { return new Response("ok"); } };\n'
CONFIG_LOCATION = re.compile(r"config\.capnp:\d+:\d+")


class ScriptFailureTest(unittest.TestCase):
    def assert_startup_failure(self, script, *needles, extra_modules=(), extra_files=None):
        config, files = harness.module_worker(script, extra_modules=extra_modules, extra_files=extra_files)
        code, stderr = serve_expect_failure(config, files)
        self.assertEqual(code, 1, stderr)
        self.assertIn("main", stderr)  # the service
        for needle in needles:
            self.assertIn(needle, stderr)
        return stderr

    def test_syntax_error(self):
        self.assert_startup_failure("export default { fetch() { return new Response('x') \n", "SyntaxError", "main.js")

    def test_top_level_throw(self):
        self.assert_startup_failure("throw new Error('top level kaboom');\nexport default {};\n",
                                    "top level kaboom", "main.js")

    def test_syntax_error_in_imported_module(self):
        self.assert_startup_failure("import './lib.js';\nexport default {};\n", "SyntaxError", "lib.js",
                                    extra_modules=[("lib.js", "esModule", "lib.js")],
                                    extra_files={"lib.js": "let = = 1;\n"})

    def test_missing_import(self):
        self.assert_startup_failure("import x from 'missing.js';\nexport default {};\n", "missing.js")

    def test_other_services_fail_together(self):
        # One broken worker stops the whole server from starting.
        config, files = harness.module_worker(GOOD, services=
            '(name = "broken", worker = (modules = [(name = "b.js", esModule = embed "b.js")], compatibilityDate = "%s")),'
            % harness.COMPAT_DATE, extra_files={"b.js": "throw new Error('broken service');\n"})
        code, stderr = serve_expect_failure(config, files)
        self.assertEqual(code, 1, stderr)
        self.assertIn("broken", stderr)
        self.assertIn("broken service", stderr)


class ModuleFailureTest(unittest.TestCase):
    def fail_with(self, script, module, kind, content):
        config, files = harness.module_worker(script, extra_modules=[(module, kind, module)],
                                              extra_files={module: content})
        code, stderr = serve_expect_failure(config, files)
        self.assertEqual(code, 1, stderr)
        self.assertIn("main", stderr)
        return stderr

    def test_invalid_json_module(self):
        stderr = self.fail_with("import c from 'conf.json';\nexport default {};\n", "conf.json", "json", "{bad json")
        self.assertIn("SyntaxError", stderr)
        if harness.is_colony():
            self.assertIn("conf.json", stderr)

    def test_invalid_wasm_module(self):
        stderr = self.fail_with("import w from 'x.wasm';\nexport default {};\n", "x.wasm", "wasm",
                                b"\x00asm\x01\x00\x00\x00\xff")
        self.assertIn("CompileError", stderr)
        if harness.is_colony():
            self.assertIn("x.wasm", stderr)

    def test_commonjs_require_of_missing_module(self):
        stderr = self.fail_with("import x from 'a.cjs';\nexport default {};\n", "a.cjs", "commonJsModule",
                                "module.exports = require('nothere.cjs');\n")
        self.assertIn("nothere.cjs", stderr)

    def test_socket_names_missing_entrypoint(self):
        config, files = harness.module_worker(GOOD, sockets=
            '(name = "http", address = "127.0.0.1:0", http = (), service = (name = "main", entrypoint = "Nope"))')
        code, stderr = serve_expect_failure(config, files)
        self.assertEqual(code, 1, stderr)
        self.assertIn("Nope", stderr)

    def test_binding_names_missing_entrypoint(self):
        config, files = harness.module_worker(GOOD, bindings=
            '(name = "B", service = (name = "main", entrypoint = "Nope"))')
        code, stderr = serve_expect_failure(config, files)
        self.assertEqual(code, 1, stderr)
        self.assertIn("Nope", stderr)


class ConfigFailureTest(unittest.TestCase):
    def assert_config_error(self, config, files, *needles, located=True):
        code, stderr = serve_expect_failure(config, files)
        self.assertEqual(code, 1, stderr)
        if located:
            self.assertRegex(stderr, CONFIG_LOCATION)
        for needle in needles:
            self.assertIn(needle, stderr)
        return stderr

    def test_unknown_field(self):
        config, files = harness.module_worker(GOOD)
        self.assert_config_error(config.replace("compatibilityDate", "compatibilityDat"), files,
                                 "compatibilityDat")

    def test_undefined_constant(self):
        config, files = harness.module_worker(GOOD, services='(name = "x", worker = .nowhere),')
        self.assert_config_error(config, files, "nowhere")

    def test_missing_embedded_file(self):
        config, files = harness.module_worker(GOOD)
        self.assert_config_error(config.replace('embed "main.js"', 'embed "no-such-file.js"'), files,
                                 "no-such-file.js")

    def test_capnp_syntax_error(self):
        config, files = harness.module_worker(GOOD)
        self.assert_config_error(config.replace("services = [", "services = [[", 1), files)

    def test_socket_names_unknown_service(self):
        config, files = harness.module_worker(GOOD, sockets=
            '(name = "http", address = "127.0.0.1:0", http = (), service = "nosuch")')
        self.assert_config_error(config, files, "nosuch", located=False)

    def test_binding_names_unknown_service(self):
        config, files = harness.module_worker(GOOD, bindings='(name = "B", service = "ghost")')
        self.assert_config_error(config, files, "ghost", located=False)

    def test_missing_config_file(self):
        r = harness.run(["serve", "/nonexistent-colony-dir/config.capnp"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("/nonexistent-colony-dir/config.capnp", r.stderr)


@unittest.skipUnless(harness.is_colony(), "`check` and exit code 2 are Colony's own")
class ColonyCommandLineTest(unittest.TestCase):
    def test_check_accepts_good_config(self):
        config, files = harness.module_worker(GOOD)
        with harness.TempDir(files, config) as d:
            r = harness.run(["check", d.config_path])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_check_rejects_config_error_with_location(self):
        config, files = harness.module_worker(GOOD)
        with harness.TempDir(files, config.replace("compatibilityDate", "compatibilityDat")) as d:
            r = harness.run(["check", d.config_path])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr + r.stdout, CONFIG_LOCATION)

    def test_check_rejects_script_error(self):
        config, files = harness.module_worker("throw new Error('checked kaboom');\nexport default {};\n")
        with harness.TempDir(files, config) as d:
            r = harness.run(["check", d.config_path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("checked kaboom", r.stderr + r.stdout)

    def test_unknown_flag_exits_2(self):
        config, files = harness.module_worker(GOOD)
        with harness.TempDir(files, config) as d:
            r = harness.run(["serve", d.config_path, "--no-such-flag"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--no-such-flag", r.stderr)

    def test_unknown_subcommand_exits_2(self):
        r = harness.run(["no-such-subcommand"])
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_serve_without_config_exits_2(self):
        r = harness.run(["serve"])
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_missing_runtime_binary_is_named(self):
        # `colony` runs workers through colony-runtime next to it; an install without it says so.
        config, files = harness.module_worker(GOOD)
        with harness.TempDir(files, config) as d, tempfile.TemporaryDirectory() as bindir:
            alone = os.path.join(bindir, "colony")
            shutil.copy(harness.colony_bin(), alone)
            missing = os.path.join(bindir, "colony-runtime")
            for args in (["serve", d.config_path, "-s", "http=127.0.0.1:0"], ["check", d.config_path]):
                r = subprocess.run([alone] + args, capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("the runtime binary " + missing, r.stderr)
                self.assertIn("installed next to colony", r.stderr)


class ReferenceCommandLineTest(unittest.TestCase):
    def test_unknown_flag_is_refused(self):
        config, files = harness.module_worker(GOOD)
        with harness.TempDir(files, config) as d:
            r = harness.run(["serve", d.config_path, "--no-such-flag"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--no-such-flag", r.stderr)


if __name__ == "__main__":
    unittest.main()
