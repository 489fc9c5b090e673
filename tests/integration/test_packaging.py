"""What the built binaries load: the container image (packaging/Dockerfile) installs every Debian
package whose shared libraries they need (checked against this machine's dpkg database), and the
supervisor loads no more than it uses. And how the build embeds the built-in JavaScript
(packaging/build/embed.py)."""

import os
import re
import shlex
import subprocess
import sys
import tempfile
import unittest

import harness

DOCKERFILE = os.path.join(harness.ROOT, "packaging", "Dockerfile")
EMBED = os.path.join(harness.ROOT, "packaging", "build", "embed.py")


def runtime_stage_packages(text):
    """Packages named by `apt-get install` in the last stage of a Dockerfile."""
    stage = re.split(r"^FROM\s", text, flags=re.M)[-1]
    stage = stage.replace("\\\n", " ")
    packages = set()
    for command in re.split(r"&&|;|\n", stage):
        words = shlex.split(command.strip().removeprefix("RUN").strip() or "#")
        if words[:2] == ["apt-get", "install"]:
            packages.update(w for w in words[2:] if not w.startswith("-"))
    return packages


def dpkg_query(fields, *packages):
    out = subprocess.run(["dpkg-query", "-W", "-f", fields] + list(packages),
                         capture_output=True, text=True).stdout
    return out


def installed_dependencies(packages):
    """`packages` and everything they depend on, as installed here (of alternatives, the
    installed ones)."""
    installed = set(dpkg_query("${Package}\n").split())
    seen, todo = set(), [p for p in packages if p in installed]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        depends = dpkg_query("${Pre-Depends}, ${Depends}", name)
        for alternatives in depends.split(","):
            for alternative in alternatives.split("|"):
                dep = re.sub(r"\(.*?\)|:any", "", alternative).strip()
                if dep and dep in installed and dep not in seen:
                    todo.append(dep)
    return seen


def owning_package(path):
    candidates = {path, os.path.realpath(path)}
    for p in list(candidates):
        if p.startswith("/usr/"):
            candidates.add(p[len("/usr"):])
        else:
            candidates.add("/usr" + p)
    for p in sorted(candidates):
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0]
    return None


@unittest.skipUnless(harness.is_colony() and subprocess.run(["which", "dpkg-query"],
                     capture_output=True).returncode == 0, "needs Colony's build and dpkg")
class LoadedLibrariesTest(unittest.TestCase):
    def test_runtime_stage_installs_every_loaded_library(self):
        with open(DOCKERFILE) as f:
            listed = runtime_stage_packages(f.read())
        self.assertIn("libnode108", listed)
        # debian:12-slim holds the required packages and what they need (apt pulls libstdc++6).
        required = [line.split()[0] for line in dpkg_query("${Package} ${Priority}\n").splitlines()
                    if line.endswith(" required")]
        available = installed_dependencies(listed | set(required))
        build = os.path.dirname(os.path.realpath(harness.colony_bin()))
        missing = {}
        for binary in ("colony", "colony-runtime"):
            out = subprocess.run(["ldd", os.path.join(build, binary)], capture_output=True,
                                 text=True, check=True).stdout
            for path in re.findall(r"=> (/\S+)", out):
                package = owning_package(path)
                if package is None:
                    continue  # libnode's copy next to the binary, or an unpacked libnode
                if package.split(":")[0] not in available:
                    missing[path] = package
        self.assertEqual(missing, {}, "libraries whose package the Dockerfile does not install")

    def test_supervisor_loads_neither_v8_nor_openssl(self):
        # Each library costs every start its dynamic linking; the supervisor has no use for these.
        build = os.path.dirname(os.path.realpath(harness.colony_bin()))
        out = subprocess.run(["ldd", os.path.join(build, "colony")], capture_output=True, text=True,
                             check=True).stdout
        for name in ("libnode", "libssl", "libcrypto", "libcapnp", "libkj"):
            self.assertNotIn(name, out)

    def test_stage_parser(self):
        text = ("FROM a AS build\nRUN apt-get install -y nope\nFROM b\n"
                "RUN apt-get update \\\n && apt-get install -y --no-install-recommends x y \\\n"
                "      z && apt-get install -y w\n")
        self.assertEqual(runtime_stage_packages(text), {"x", "y", "z", "w"})


if __name__ == "__main__":
    unittest.main()


class EmbedBuiltinsTest(unittest.TestCase):
    """V8 reads the built-ins' text in place as Latin-1, so they are embedded wrapped and ASCII."""

    def embed(self, content):
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "mod.js")
            with open(source, "wb") as f:
                f.write(content)
            out = os.path.join(tmp, "out.cc")
            r = subprocess.run([sys.executable, EMBED, "--js-builtins", "builtins", out, source],
                               capture_output=True, text=True)
            generated = open(out).read() if os.path.exists(out) else ""
            return r.returncode, r.stderr, generated

    def test_ascii_file_is_embedded_wrapped(self):
        code, err, generated = self.embed(b"exports.a = 1;")
        self.assertEqual(code, 0, err)
        wrapped = b"(function (exports, internal) {exports.a = 1;\n})"
        self.assertIn(",".join(str(b) for b in wrapped), generated)
        self.assertIn('{"mod.js", reinterpret_cast<const char*>(data0), %d},' % len(wrapped), generated)

    def test_non_ascii_character_is_refused_with_its_place(self):
        code, err, generated = self.embed("const a = 1;\n// caf\u00e9\n".encode())
        self.assertNotEqual(code, 0)
        self.assertIn("mod.js:2:7: non-ASCII character U+00E9", err)
        self.assertEqual(generated, "")
