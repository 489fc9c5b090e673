#!/usr/bin/env python3
"""Runs Colony's whole test suite and ends with one line: `N passed, N failed`.

    tests/run.py [--build BUILD] [--only unit|js|integration] [-v] [FILTER...]

Three tiers, each case counted individually:
  unit         every GoogleTest executable under BUILD/tests/unit (cases from --gtest_output=json)
  js           every tests/js/*.wd-test through `BUILD/colony test FILE` ([ PASS ] / [ FAIL ] lines)
  integration  every tests/integration/test_*.py through unittest (two files at a time)

FILTER is a substring: a file or executable whose name contains it runs whole; otherwise only
the cases whose name contains it run. Exit status 0 iff nothing failed. Every child runs in its
own process group under a time limit; a timeout or a crash counts as a failure. Standard library
only.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")

UNIT_TIMEOUT = 120
JS_TIMEOUT = 120
INTEGRATION_TIMEOUT = 600
TRIM_LINES = 80
TRIM_CHARS = 8000

print_lock = threading.Lock()


def say(*lines):
    with print_lock:
        for line in lines:
            print(line)
        sys.stdout.flush()


def trim(text):
    text = text.rstrip()
    lines = text.splitlines()
    if len(lines) > TRIM_LINES:
        text = "    [... %d lines trimmed ...]\n" % (len(lines) - TRIM_LINES) + "\n".join(lines[-TRIM_LINES:])
    if len(text) > TRIM_CHARS:
        text = "    [... trimmed ...]\n" + text[-TRIM_CHARS:]
    return text


def indent(text, prefix="    "):
    return "\n".join(prefix + line for line in text.splitlines())


class Totals:
    def __init__(self):
        self.lock = threading.Lock()
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failed_names = []

    def add(self, passed=0, failed_names=(), skipped=0):
        with self.lock:
            self.passed += passed
            self.failed += len(failed_names)
            self.skipped += skipped
            self.failed_names.extend(failed_names)


def run_bounded(cmd, timeout, cwd=None, env=None):
    """Runs cmd in its own process group; returns (returncode or None on timeout, output text)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            out = b""
    finally:
        # Anything the child left behind in its group goes too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if proc.poll() is None:
            proc.wait(timeout=10)
    text = out.decode("utf-8", "replace") if out else ""
    return (None if timed_out else proc.returncode), text


def matches(filters, *names):
    if not filters:
        return True
    return any(f in n for f in filters for n in names if n)


# --- unit tier -------------------------------------------------------------------------------

def find_unit_executables(build):
    unit_dir = os.path.realpath(os.path.join(build, "tests", "unit"))
    found = []
    meson = shutil.which("meson")
    if meson:
        try:
            rc, out = run_bounded([meson, "introspect", "--tests", build], 60)
            if rc == 0:
                for t in json.loads(out):
                    exe = t.get("cmd", [None])[0]
                    if exe and os.path.realpath(exe).startswith(unit_dir + os.sep):
                        found.append(exe)
        except (ValueError, OSError):
            found = []
    if not found and os.path.isdir(unit_dir):
        for name in sorted(os.listdir(unit_dir)):
            path = os.path.join(unit_dir, name)
            if os.path.isfile(path) and os.access(path, os.X_OK) and not name.endswith((".so", ".a", ".p")):
                found.append(path)
    return sorted(set(found))


def list_gtest_cases(exe):
    rc, out = run_bounded([exe, "--gtest_list_tests"], 30)
    cases, suite = [], None
    if rc != 0:
        return None
    for line in out.splitlines():
        if not line.strip() or line.startswith("Running main"):
            continue
        if not line.startswith(" "):
            suite = line.split("#")[0].strip()
        else:
            cases.append(suite + line.split("#")[0].strip())
    return cases


def run_unit(build, filters, verbose, totals):
    exes = find_unit_executables(build)
    if not exes:
        say("unit: no GoogleTest executables under %s/tests/unit" % build)
    for exe in exes:
        name = os.path.basename(exe)
        args = [exe]
        if filters and not matches(filters, name):
            cases = list_gtest_cases(exe)
            selected = [c for c in (cases or []) if matches(filters, c)]
            if not selected:
                continue
            args.append("--gtest_filter=" + ":".join(selected))
        with tempfile.TemporaryDirectory(prefix="colony-run-") as tmp:
            report = os.path.join(tmp, "report.json")
            start = time.monotonic()
            rc, out = run_bounded(args + ["--gtest_output=json:" + report], UNIT_TIMEOUT)
            elapsed = time.monotonic() - start
            data = None
            if os.path.exists(report):
                try:
                    with open(report) as f:
                        data = json.load(f)
                except ValueError:
                    data = None
        passed, failed, skipped = [], [], 0
        for suite in (data or {}).get("testsuites", []):
            for case in suite.get("testsuite", []):
                full = "%s:%s.%s" % (name, suite.get("name"), case.get("name"))
                if case.get("failures"):
                    failed.append(full)
                elif case.get("result") == "SKIPPED" or case.get("status") == "NOTRUN":
                    skipped += 1
                else:
                    passed.append(full)
        problem = None
        if rc is None:
            problem = "timed out after %ds" % UNIT_TIMEOUT
        elif data is None:
            problem = "exited with %s and wrote no JSON report" % rc
        elif rc != 0 and not failed:
            problem = "exited with %s with no failed case" % rc
        if problem:
            failed.append("%s (%s)" % (name, problem))
            # Cases that never got a report line were not run to completion.
        totals.add(len(passed), failed, skipped)
        status = "FAIL" if failed else "ok"
        say("unit  %-40s %s  %d passed, %d failed  (%.1fs)" % (name, status, len(passed), len(failed), elapsed))
        if failed:
            say(indent("failed: " + ", ".join(failed)), indent(trim(out)))
        elif verbose:
            say(indent(trim(out)))


# --- js tier ---------------------------------------------------------------------------------

def run_js(binary, filters, verbose, totals):
    files = sorted(glob.glob(os.path.join(TESTS, "js", "**", "*.wd-test"), recursive=True))
    for path in files:
        rel = os.path.relpath(path, TESTS)
        filt_file = matches(filters, rel)
        if not filt_file and filters:
            # Filtering case names needs a run; the file is selected only by name.
            continue
        start = time.monotonic()
        cmd = [binary, "test", path]
        scratch = None
        with open(path) as f:
            if "TEST_TMPDIR" in f.read():
                # A disk service named TEST_TMPDIR gets a fresh directory, as in workerd's tests.
                scratch = tempfile.mkdtemp(prefix="colony-wd-test-")
                cmd += ["--directory-path", "TEST_TMPDIR=" + scratch]
        try:
            rc, out = run_bounded(cmd, JS_TIMEOUT, cwd=os.path.dirname(path))
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
        elapsed = time.monotonic() - start
        passed, failed = [], []
        for line in out.splitlines():
            for marker, bucket in (("[ PASS ]", passed), ("[ FAIL ]", failed)):
                if marker in line:
                    # "[ PASS ] service:name (1.2ms)" -> "service:name"
                    words = line.split(marker, 1)[1].split()
                    bucket.append("%s: %s" % (rel, words[0] if words else "?"))
        if rc is None:
            failed.append("%s (timed out after %ds)" % (rel, JS_TIMEOUT))
        elif rc != 0 and not failed:
            failed.append("%s (exited with %s, no [ FAIL ] line)" % (rel, rc))
        elif rc == 0 and not passed and not failed:
            failed.append("%s (no test case ran)" % rel)
        totals.add(len(passed), failed)
        status = "FAIL" if failed else "ok"
        say("js    %-40s %s  %d passed, %d failed  (%.1fs)" % (rel, status, len(passed), len(failed), elapsed))
        if failed:
            say(indent("failed: " + ", ".join(failed)), indent(trim(out)))
        elif verbose:
            say(indent(trim(out)))


# --- integration tier ------------------------------------------------------------------------

# Runs one test file under unittest in a child interpreter and writes a JSON summary to a file.
CHILD_DRIVER = r"""
import json, sys, os, unittest, importlib.util
path, result_path, filters = sys.argv[1], sys.argv[2], [f for f in sys.argv[3:] if f]
sys.path.insert(0, os.path.dirname(path))
name = os.path.splitext(os.path.basename(path))[0]
loader = unittest.TestLoader()
summary = {"passed": [], "failed": [], "skipped": 0, "load_error": None}

def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t

try:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    tests = list(flatten(loader.loadTestsFromModule(module)))
except BaseException as e:
    import traceback
    summary["load_error"] = traceback.format_exc()
    tests = []

if filters and not any(f in os.path.basename(path) for f in filters):
    tests = [t for t in tests if any(f in t.id() for f in filters)]

class Result(unittest.TextTestResult):
    def addSuccess(self, test):
        super().addSuccess(test); summary["passed"].append(test.id())
    def addFailure(self, test, err):
        super().addFailure(test, err); summary["failed"].append(test.id())
    def addError(self, test, err):
        super().addError(test, err)
        if isinstance(test, unittest.TestCase):
            summary["failed"].append(test.id())
            return
        # A class or module fixture failed: every case it would have run counts as failed.
        desc = str(test)
        scope = desc[desc.find("(") + 1:desc.rfind(")")] if "(" in desc else ""
        hit = [t.id() for t in tests if scope and (t.id().startswith(scope + ".") or t.id() == scope)]
        summary["failed"].extend(hit or [desc])
    def addSkip(self, test, reason):
        super().addSkip(test, reason); summary["skipped"] += 1
    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err); summary["passed"].append(test.id())
    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test); summary["failed"].append(test.id())
    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            summary["failed"].append(subtest.id())

runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Result)
if tests:
    runner.run(unittest.TestSuite(tests))
# A test that failed in subtests only is not also counted as a pass.
failed_ids = set(f.split(" ", 1)[0] for f in summary["failed"])
summary["passed"] = [p for p in summary["passed"] if p not in failed_ids]
summary["failed"] = sorted(set(summary["failed"]))
with open(result_path, "w") as f:
    json.dump(summary, f)
"""


def run_integration_file(path, binary, filters, verbose, totals):
    rel = os.path.relpath(path, TESTS)
    env = dict(os.environ)
    env["COLONY_BIN"] = binary
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    with tempfile.TemporaryDirectory(prefix="colony-run-") as tmp:
        result_path = os.path.join(tmp, "result.json")
        env["COLONY_CONFIG_CACHE"] = os.path.join(tmp, "config-cache")  # not the user's cache
        start = time.monotonic()
        rc, out = run_bounded([sys.executable, "-c", CHILD_DRIVER, path, result_path] + list(filters),
                              INTEGRATION_TIMEOUT, cwd=os.path.dirname(path), env=env)
        elapsed = time.monotonic() - start
        summary = None
        if os.path.exists(result_path):
            try:
                with open(result_path) as f:
                    summary = json.load(f)
            except ValueError:
                summary = None
    if summary is None:
        summary = {"passed": [], "failed": [], "skipped": 0, "load_error": None}
        why = "timed out after %ds" % INTEGRATION_TIMEOUT if rc is None else "exited with %s" % rc
        summary["failed"].append("%s (%s before reporting)" % (rel, why))
    if summary.get("load_error"):
        summary["failed"].append("%s (import failed)" % rel)
        out += "\n" + summary["load_error"]
    passed, failed, skipped = summary["passed"], summary["failed"], summary["skipped"]
    if not passed and not failed and not skipped:
        return  # filtered out entirely
    totals.add(len(passed), failed, skipped)
    status = "FAIL" if failed else "ok"
    lines = ["integ %-40s %s  %d passed, %d failed%s  (%.1fs)"
             % (rel, status, len(passed), len(failed), ", %d skipped" % skipped if skipped else "", elapsed)]
    if failed:
        lines += [indent("failed: " + ", ".join(failed)), indent(trim_unittest(out))]
    elif verbose:
        lines.append(indent(trim(out)))
    say(*lines)


def trim_unittest(out):
    """Keeps the failure sections of unittest output (they come after the progress lines)."""
    marker = out.find("\n======")
    if marker >= 0:
        out = out[marker + 1:]
    return trim(out)


def run_integration(binary, filters, verbose, totals, jobs):
    files = sorted(glob.glob(os.path.join(TESTS, "integration", "test_*.py")))
    queue = list(files)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop(0)
            try:
                run_integration_file(path, binary, filters, verbose, totals)
            except Exception as e:  # the runner itself must not lose a file silently
                totals.add(0, ["%s (runner error: %s)" % (os.path.relpath(path, TESTS), e)])

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="meson build directory")
    parser.add_argument("--only", choices=["unit", "js", "integration"], help="run one tier")
    parser.add_argument("--bin", help="binary to test instead of BUILD/colony (e.g. the reference workerd)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="integration files run at once (default 2)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print output of passing tests too")
    parser.add_argument("filters", nargs="*", help="substring filters")
    args = parser.parse_args()

    build = os.path.abspath(args.build)
    binary = os.path.abspath(os.path.expanduser(args.bin)) if args.bin else os.path.join(build, "colony")
    totals = Totals()
    start = time.monotonic()

    if args.only in (None, "unit"):
        run_unit(build, args.filters, args.verbose, totals)
    if args.only in (None, "js"):
        if os.path.exists(binary):
            run_js(binary, args.filters, args.verbose, totals)
        else:
            totals.add(0, ["js (binary %s missing)" % binary])
    if args.only in (None, "integration"):
        if os.path.exists(binary):
            run_integration(binary, args.filters, args.verbose, totals, args.jobs)
        else:
            totals.add(0, ["integration (binary %s missing)" % binary])

    if totals.failed_names:
        say("", "Failed:")
        for name in totals.failed_names:
            say("  " + name)
    if totals.skipped:
        say("(%d skipped)" % totals.skipped)
    say("(%.1fs)" % (time.monotonic() - start))
    say("%d passed, %d failed" % (totals.passed, totals.failed))
    return 0 if totals.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
