"""colony-runtime's copies of libnode, libcrypto, libstdc++, SQLite and spdlog with their references to
their own symbols resolved at build time (packaging/build/prebind_libraries.py): they are the ones
loaded, and every reference a copy resolved is one the dynamic linker resolves to the same
definition when it loads the original."""

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
SCRIPT = os.path.join(harness.ROOT, "packaging", "build", "prebind_libraries.py")


def load_prebind():
    spec = importlib.util.spec_from_file_location("prebind_libraries", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bindings(runtime, library_path):
    """{(file, file it was bound to): names} the dynamic linker looks up starting `runtime`, by real
    paths."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LD_DEBUG="bindings", LD_DEBUG_OUTPUT=os.path.join(tmp, "ld"))
        env.pop("LD_LIBRARY_PATH", None)
        if library_path:
            env["LD_LIBRARY_PATH"] = library_path
        subprocess.run([runtime, "--version"], env=env, check=True, capture_output=True, timeout=60)
        found = {}
        for log in glob.glob(os.path.join(tmp, "ld*")):
            with open(log, errors="replace") as f:
                for line in f:
                    m = BINDING.search(line)
                    if m:
                        pair = (os.path.realpath(m.group(1)), os.path.realpath(m.group(2)))
                        found.setdefault(pair, set()).add(m.group(3))
        return found


def read_build_id(path):
    out = subprocess.run(["readelf", "-n", path], capture_output=True, text=True, check=True).stdout
    return bytes.fromhex(re.search(r"Build ID: ([0-9a-f]+)", out).group(1))


@unittest.skipUnless(harness.is_colony(), "a property of Colony's build")
class PreboundLibrariesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.build = os.path.dirname(os.path.realpath(harness.colony_bin()))
        cls.runtime = os.path.join(cls.build, "colony-runtime")
        with open(os.path.join(cls.build, "prebound-libraries.json")) as f:
            cls.report = json.load(f)
        cls.libraries = {lib["soname"]: lib for lib in cls.report["libraries"]}
        cls.prebind = load_prebind()

    def copy(self, soname):
        return os.path.join(self.build, soname)

    def by_soname(self, soname):
        return next(lib for name, lib in self.libraries.items() if name.startswith(soname))

    def test_runtime_loads_the_copies(self):
        self.assertEqual(sorted(n.split(".so")[0] for n in self.libraries),
                         ["libcrypto", "libnode", "libspdlog", "libsqlite3", "libstdc++"])
        out = subprocess.run(["ldd", self.runtime], capture_output=True, text=True, check=True).stdout
        loaded = {}
        for line in out.splitlines():
            if "=>" in line:
                name, path = line.strip().split(" => ")
                loaded[name] = os.path.realpath(path.split(" (")[0])
        for soname in self.libraries:
            self.assertEqual(loaded[soname], self.copy(soname))
        # libnode stays the first library searched, after the executable.
        self.assertTrue(out.splitlines()[1].strip().startswith("libnode.so"), out)

    def rewritten_names(self, lib):
        """{name: count} of the relocations the copy resolved, checking each one on the way."""
        with open(lib["source"], "rb") as f:
            original = self.prebind.Elf(lib["source"], f.read())
        copy_path = self.copy(lib["soname"])
        with open(copy_path, "rb") as f:
            copy = self.prebind.Elf(copy_path, f.read())
        self.assertEqual(len(original.data), len(copy.data))
        resolved = {}
        tables = [t for t in original.rela_tables() if t]
        for table, count in tables:
            for i in range(count):
                before = original.data[table + 24 * i:table + 24 * i + 24]
                after = copy.data[table + 24 * i:table + 24 * i + 24]
                if before == after:
                    continue
                offset, info, addend = struct.unpack("<QQq", before)
                new_offset, new_info, new_addend = struct.unpack("<QQq", after)
                name, _, _, value = original.symbol(info >> 32)
                self.assertEqual((new_offset, new_info), (offset, self.prebind.R_X86_64_RELATIVE))
                self.assertEqual(new_addend, value + (addend if info & 0xFFFFFFFF == 1 else 0), name)
                resolved[name.decode()] = resolved.get(name.decode(), 0) + 1
        self.assertEqual(sum(resolved.values()), lib["rewritten"], lib["soname"])
        # Names the copy still binds lazily through its PLT, on first call.
        self.lazy_names[lib["soname"]] = set()
        _, plt = original.rela_tables()
        if plt and lib["lazy"]:
            for i in range(plt[1]):
                _, info, _ = struct.unpack_from("<QQq", original.data, plt[0] + 24 * i)
                self.lazy_names[lib["soname"]].add(original.symbol(info >> 32)[0].decode())
        # Everything outside the relocation tables is untouched.
        start = 0
        for begin, end in sorted((t, t + 24 * n) for t, n in tables) + [(len(original.data),) * 2]:
            self.assertEqual(original.data[start:begin], copy.data[start:begin])
            start = end
        return resolved

    def test_resolved_references_bind_as_the_dynamic_linker_binds_them(self):
        self.lazy_names = {}
        resolved = {soname: self.rewritten_names(lib) for soname, lib in self.libraries.items()}
        self.assertGreater(self.by_soname("libnode")["rewritten"], 40000)
        self.assertGreater(sum(lib["rewritten"] for lib in self.libraries.values()), 60000)

        # Loading the originals, the dynamic linker finds each of those names in the library itself...
        sources = [lib["source"] for lib in self.libraries.values()]
        originals = bindings(self.runtime, ":".join(sorted({os.path.dirname(s) for s in sources})))
        # ...and loading the copies, it no longer looks them up.
        copies = bindings(self.runtime, None)
        for soname, names in resolved.items():
            source, copy = self.libraries[soname]["source"], self.copy(soname)
            bound_by_original = originals.get((source, source), set())
            self.assertEqual(sorted(set(names) - bound_by_original), [],
                             "%s: rewritten, but the dynamic linker binds them elsewhere" % soname)
            bound_by_copy = copies.get((copy, copy), set()) - self.lazy_names[soname]
            self.assertEqual(sorted(bound_by_copy & set(names)), [], soname)
            self.assertLess(len(bound_by_copy), len(bound_by_original) / 2, soname)

        # A name something searched earlier defines stays a lookup: with mimalloc loaded ahead of
        # libstdc++, libstdc++'s own references to operator new find mimalloc's.
        stdcxx = self.by_soname("libstdc++")
        mimalloc = [pair for pair in copies if pair[0] == self.copy(stdcxx["soname"])
                    and "libmimalloc" in pair[1] and "_Znwm" in copies[pair]]
        if any("libmimalloc" in path for _, path in originals):
            self.assertEqual(len(mimalloc), 1, "libstdc++'s operator new is not mimalloc's")
            self.assertNotIn("_Znwm", resolved[stdcxx["soname"]])

    def test_runs_on_the_installed_libraries_once_one_changed(self):
        # An update of the installed libcrypto after the build: a copy of it with another build ID.
        crypto = self.by_soname("libcrypto")
        build_id = read_build_id(crypto["source"])
        with open(crypto["source"], "rb") as f:
            data = f.read()
        self.assertEqual(data.count(build_id), 1)
        updated_id = build_id[:-1] + bytes([build_id[-1] ^ 0xFF])
        with tempfile.TemporaryDirectory() as tmp:
            updated = os.path.join(tmp, crypto["soname"])
            with open(updated, "wb") as f:
                f.write(data.replace(build_id, updated_id))
            maps, stderr = self.serve_with_installed(crypto["soname"], updated)
            self.assertIn(updated, maps)
            # None of the copies: each was made for the libraries searched before it as they were.
            for soname in self.libraries:
                self.assertNotIn(self.copy(soname), maps)
            self.assertIn("the installed %s %s (GNU build ID %s) is not the one this Colony was "
                          "built with (%s): running on the installed libraries instead"
                          % (crypto["soname"], updated, updated_id.hex(), build_id.hex()), stderr)

            # Unchanged (the same build ID): the copies serve, and nothing is said.
            maps, stderr = self.serve_with_installed(crypto["soname"], crypto["source"])
            for soname in self.libraries:
                self.assertIn(self.copy(soname), maps)
            self.assertNotIn("installed", stderr)

    def serve_with_installed(self, soname, path):
        """The memory map of the runtime process and the server's stderr, serving with `path` as
        the installed `soname`."""
        config, files = harness.module_worker(
            'export default { fetch() { return new Response("served"); } };\n')
        env = {"COLONY_INSTALLED_LIBRARIES": "%s=%s" % (soname, path)}
        with harness.Server(config, files, args=["--processes", "1"], env=env) as server:
            self.assertEqual(server.get("/")[2], b"served")
            runtimes = runtime_children(server.proc.pid)
            self.assertEqual(len(runtimes), 1)
            with open("/proc/%d/maps" % runtimes[0][0]) as f:
                maps = f.read()
        return maps, server.stderr

    def write(self, exe, libraries, tmp):
        return subprocess.run(
            ["python3", SCRIPT, "write", "--exe", exe, "--out-dir", tmp,
             "--report", os.path.join(tmp, "r.json")] + libraries,
            capture_output=True, text=True, timeout=120)

    def test_leaves_the_plt_of_a_library_bound_lazily_as_it_was(self):
        # The dynamic linker binds a lazy PLT on first call, where a relative relocation is an error.
        crypto = self.by_soname("libcrypto")
        with open(crypto["source"], "rb") as f:
            data = f.read()
        lib = self.prebind.Elf(crypto["source"], data)
        for tag, now in ((self.prebind.DT_FLAGS, self.prebind.DF_BIND_NOW),
                         (self.prebind.DT_FLAGS_1, self.prebind.DF_1_NOW)):
            if tag not in lib.dyn:
                continue
            entry = struct.pack("<qQ", tag, lib.dyn[tag])
            self.assertEqual(data.count(entry), 1)
            data = data.replace(entry, struct.pack("<qQ", tag, lib.dyn[tag] & ~now))
        with tempfile.TemporaryDirectory() as src, tempfile.TemporaryDirectory() as out:
            lazy = os.path.join(src, crypto["soname"])
            with open(lazy, "wb") as f:
                f.write(data)
            result = self.write(self.runtime, [lazy], out)
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(os.path.join(out, "r.json")) as f:
                written = json.load(f)["libraries"][0]
            load, plt = lib.rela_tables()
            self.assertEqual(written["lazy"], plt[1])
            self.assertGreater(written["rewritten"], 1000)
            with open(os.path.join(out, crypto["soname"]), "rb") as f:
                copy = f.read()
            self.assertEqual(copy[plt[0]:plt[0] + 24 * plt[1]], data[plt[0]:plt[0] + 24 * plt[1]])
            self.assertNotEqual(copy[load[0]:load[0] + 24 * load[1]],
                                data[load[0]:load[0] + 24 * load[1]])

    def test_refuses_a_library_the_executable_does_not_load(self):
        # `colony` does not load libnode at all.
        libnode = self.by_soname("libnode")
        with tempfile.TemporaryDirectory() as tmp:
            result = self.write(harness.colony_bin(), [libnode["source"]], tmp)
            self.assertEqual(result.returncode, 1)
            self.assertIn("does not load %s" % libnode["soname"], result.stderr)
            self.assertEqual(os.listdir(tmp), [])


if __name__ == "__main__":
    unittest.main()
