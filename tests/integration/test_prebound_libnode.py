"""colony-runtime's copy of libnode with its references to its own symbols resolved at build time
(packaging/build/prebind_libnode.py): it is the one loaded, and every reference it resolved is one
the dynamic linker resolves to the same definition when it loads the original."""

import glob
import importlib.util
import json
import os
import re
import struct
import subprocess
import tempfile
import unittest

import harness
from test_supervisor import runtime_children

BINDING = re.compile(r"binding file (\S+) \[\d+\] to (\S+) \[\d+\]: normal symbol `([^']+)'")


def load_prebind():
    path = os.path.join(harness.ROOT, "packaging", "build", "prebind_libnode.py")
    spec = importlib.util.spec_from_file_location("prebind_libnode", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def self_bindings(runtime, library_dir, library):
    """Names the dynamic linker looks up for `library`'s own references and finds in it."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LD_DEBUG="bindings", LD_DEBUG_OUTPUT=os.path.join(tmp, "ld"))
        if library_dir:
            env["LD_LIBRARY_PATH"] = library_dir
        subprocess.run([runtime, "--version"], env=env, check=True, capture_output=True, timeout=60)
        names = set()
        for log in glob.glob(os.path.join(tmp, "ld*")):
            with open(log, errors="replace") as f:
                for line in f:
                    m = BINDING.search(line)
                    if m and m.group(1) == library and m.group(2) == library:
                        names.add(m.group(3))
        return names


@unittest.skipUnless(harness.is_colony(), "a property of Colony's build")
class PreboundLibnodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        build = os.path.dirname(os.path.realpath(harness.colony_bin()))
        cls.runtime = os.path.join(build, "colony-runtime")
        reports = glob.glob(os.path.join(build, "libnode.so.*.prebind.json"))
        assert len(reports) == 1, reports
        with open(reports[0]) as f:
            cls.report = json.load(f)
        cls.copy = os.path.join(build, cls.report["soname"])
        cls.prebind = load_prebind()

    def test_runtime_loads_the_copy(self):
        out = subprocess.run(["ldd", self.runtime], capture_output=True, text=True, check=True).stdout
        line = next(l for l in out.splitlines() if self.report["soname"] in l)
        self.assertEqual(os.path.realpath(line.split("=>")[1].split("(")[0].strip()), self.copy)

    def test_resolved_references_bind_as_the_dynamic_linker_binds_them(self):
        source = self.report["source"]
        with open(source, "rb") as f:
            original = self.prebind.Elf(source, f.read())
        with open(self.copy, "rb") as f:
            copy = self.prebind.Elf(self.copy, f.read())
        self.assertEqual(len(original.data), len(copy.data))
        resolved = {}  # symbol name -> number of relocations rewritten for it
        for (table, count), (copy_table, _) in zip(original.rela_tables(), copy.rela_tables()):
            for i in range(count):
                before = original.data[table + 24 * i:table + 24 * i + 24]
                after = copy.data[copy_table + 24 * i:copy_table + 24 * i + 24]
                if before == after:
                    continue
                offset, info, addend = struct.unpack("<QQq", before)
                new_offset, new_info, new_addend = struct.unpack("<QQq", after)
                name, _, _, value = original.symbol(info >> 32)
                self.assertEqual((new_offset, new_info), (offset, self.prebind.R_X86_64_RELATIVE))
                self.assertEqual(new_addend, value + (addend if info & 0xFFFFFFFF == 1 else 0), name)
                resolved[name.decode()] = resolved.get(name.decode(), 0) + 1
        self.assertEqual(sum(resolved.values()), self.report["rewritten"])
        self.assertGreater(self.report["rewritten"], 40000)
        # Everything outside the relocation tables is untouched.
        tables = sorted((t, t + 24 * n) for t, n in original.rela_tables())
        start = 0
        for begin, end in tables + [(len(original.data), len(original.data))]:
            self.assertEqual(original.data[start:begin], copy.data[start:begin])
            start = end

        # Loading the original, the dynamic linker finds each of those names in libnode itself...
        bound_by_original = self_bindings(self.runtime, os.path.dirname(source), source)
        missing = sorted(set(resolved) - bound_by_original)
        self.assertEqual(missing, [], "rewritten, but the dynamic linker binds them elsewhere")
        # ...and loading the copy, it no longer looks them up.
        bound_by_copy = self_bindings(self.runtime, None, self.copy)
        self.assertEqual(sorted(bound_by_copy & set(resolved)), [])
        self.assertLess(len(bound_by_copy), len(bound_by_original) / 10)

    def test_runs_on_the_installed_libnode_once_it_changed(self):
        # An update of the installed libnode after the build: a copy of it with another build ID.
        out = subprocess.run(["readelf", "-n", self.report["source"]], capture_output=True,
                             text=True, check=True).stdout
        build_id = bytes.fromhex(re.search(r"Build ID: ([0-9a-f]+)", out).group(1))
        with open(self.report["source"], "rb") as f:
            data = f.read()
        self.assertEqual(data.count(build_id), 1)
        updated_id = build_id[:-1] + bytes([build_id[-1] ^ 0xFF])
        with tempfile.TemporaryDirectory() as tmp:
            updated = os.path.join(tmp, self.report["soname"])
            with open(updated, "wb") as f:
                f.write(data.replace(build_id, updated_id))
            config, files = harness.module_worker(
                'export default { fetch() { return new Response("served"); } };\n')
            with harness.Server(config, files, args=["--processes", "1"],
                                env={"COLONY_INSTALLED_LIBNODE": updated}) as server:
                self.assertEqual(server.get("/")[2], b"served")
                runtimes = runtime_children(server.proc.pid)
                self.assertEqual(len(runtimes), 1)
                with open("/proc/%d/maps" % runtimes[0][0]) as f:
                    maps = f.read()
                self.assertIn(updated, maps)
                self.assertNotIn(self.copy, maps)
                stderr = server.stderr
            self.assertIn("the installed libnode %s (GNU build ID %s) is not the one this Colony was "
                          "built with (%s): running on it instead" % (updated, updated_id.hex(),
                                                                   build_id.hex()), stderr)

            # Unchanged (the same build ID): the copy serves, and nothing is said.
            with harness.Server(config, files, args=["--processes", "1"],
                                env={"COLONY_INSTALLED_LIBNODE": self.report["source"]}) as server:
                self.assertEqual(server.get("/")[2], b"served")
                runtimes = runtime_children(server.proc.pid)
                self.assertEqual(len(runtimes), 1)
                with open("/proc/%d/maps" % runtimes[0][0]) as f:
                    self.assertIn(self.copy, f.read())
                self.assertNotIn("libnode", server.stderr)

    def write(self, lib, exe, tmp):
        return subprocess.run(
            ["python3", os.path.join(harness.ROOT, "packaging", "build", "prebind_libnode.py"),
             "write", "--lib", lib, "--exe", exe, "--out", os.path.join(tmp, "lib.so"),
             "--report", os.path.join(tmp, "r.json")],
            capture_output=True, text=True, timeout=120)

    def test_refuses_a_libnode_bound_lazily(self):
        # Its PLT relocations would then be bound on first call, where a relative one is an error.
        source = self.report["source"]
        with open(source, "rb") as f:
            data = f.read()
        lib = self.prebind.Elf(source, data)
        for tag, now in ((self.prebind.DT_FLAGS, self.prebind.DF_BIND_NOW),
                         (self.prebind.DT_FLAGS_1, self.prebind.DF_1_NOW)):
            entry = struct.pack("<qQ", tag, lib.dyn[tag])
            self.assertEqual(data.count(entry), 1)
            data = data.replace(entry, struct.pack("<qQ", tag, lib.dyn[tag] & ~now))
        with tempfile.TemporaryDirectory() as tmp:
            lazy = os.path.join(tmp, self.report["soname"])
            with open(lazy, "wb") as f:
                f.write(data)
            result = self.write(lazy, self.runtime, tmp)
            self.assertEqual(result.returncode, 1)
            self.assertIn("is not linked with BIND_NOW", result.stderr)
            self.assertEqual(sorted(os.listdir(tmp)), [self.report["soname"]])

    def test_refuses_an_executable_that_searches_other_libraries_first(self):
        # `colony` does not load libnode at all: its first needed library is another one.
        with tempfile.TemporaryDirectory() as tmp:
            result = self.write(self.report["source"], harness.colony_bin(), tmp)
            self.assertEqual(result.returncode, 1)
            self.assertIn("must name %s as its first needed library" % self.report["soname"], result.stderr)
            self.assertEqual(os.listdir(tmp), [])


if __name__ == "__main__":
    unittest.main()
