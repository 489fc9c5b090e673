#!/usr/bin/env python3
"""Side-by-side benchmark: every scenario under tests/bench/ on Colony and on the reference
runtime (workerd), in the same run, with the same load generator settings.

The server is pinned to one CPU and wrk to another. Each scenario runs for several rounds that
alternate the two runtimes (Colony first in one round, workerd first in the next), each round on a
freshly started server, and every figure reported is the median over the rounds: a machine whose
speed drifts during the run then shifts both sides alike instead of favouring whichever ran in the
fast moment. Prints a table of absolute figures and Colony/workerd ratios, and writes the same
results (with every round) as JSON.

usage: run.py --colony BUILD/colony --workerd PATH [--ceiling RESPONDER] [--duration S]
              [--rounds N] [--connections N] [--starts N] [--json OUT] [--only NAME,...]

Time to first response is, in each run, the median of --starts starts in a row (5 by default);
the last of them serves the load. RSS (of the server's whole process tree) is read idle, 2 s after
that start's first response, and again after the load.

Besides the scenarios, two measure Colony's supervisor (workerd has none; its single process is
the reference): hello world with --processes 1 and 2 ("processes"), and the time from SIGHUP to
the new generation answering with the new code ("reload", against workerd's time from start to
first response, what a restart of workerd costs).

Beside hello world, a third server runs in the same rounds when --ceiling names it: a native
responder that does nothing but answer (tests/bench/ceiling). What wrk reaches against it is the
load generator's ceiling on this machine, so ceiling/workerd is the highest hello-world ratio the
machine can show; the table prints it under the hello-world row.

Colony keeps compiled configs for reuse (README, "Writing configs"); the benchmark gives it a
cache directory of its own, so each scenario's first start compiles its config and the later ones
reuse it, as every restart after the first does. A reload with new code compiles.
"""
import argparse
import json
import os
import re
import select
import statistics
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (directory, wrk lua script or None, path, what the scenario measures)
SCENARIOS = [
    ("hello-modules", None, "/", "hello world, module syntax"),
    ("hello-sw", None, "/", "hello world, service-worker syntax"),
    ("json-api", None, "/api/items?page=3", "URL + 20-item JSON + SHA-256 ETag"),
    ("echo-stream", "post64k", "/", "64 KiB request body echoed as a stream"),
    ("chain", None, "/", "3 workers chained by service bindings"),
]

# How long after the first response "RSS idle" is read.
IDLE_SETTLE_S = 2

POST_64K = """
wrk.method = "POST"
wrk.body = string.rep("x", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
"""


def cpus():
    return sorted(os.sched_getaffinity(0))


def pin(cpu):
    """taskset arguments for one CPU or a list of them."""
    if isinstance(cpu, (list, tuple)):
        return ["taskset", "-c", ",".join(str(c) for c in cpu)]
    return ["taskset", "-c", str(cpu)]


def rss_kib(pid):
    """Resident memory of a process and all its descendants, in KiB."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                pids += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return total


def group_running(pgid):
    """Whether a process of the group is still running (exited ones awaiting their reaper do not
    count: they use no CPU)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


class Server:
    def __init__(self, binary, config, cpu, extra_args):
        self.read_fd, write_fd = os.pipe()
        self.started = time.monotonic()
        args = pin(cpu) + [binary, "serve", config, "-s", "http=127.0.0.1:0",
                           "--control-fd", str(write_fd)] + extra_args
        self.proc = subprocess.Popen(args, pass_fds=[write_fd], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, cwd=os.path.dirname(config),
                                     start_new_session=True)
        os.close(write_fd)
        self.port = self._wait_port()
        self.first_response_s = self._wait_first_response()

    def _wait_port(self):
        deadline = time.monotonic() + 30
        buf = b""
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.read_fd], [], [], 0.1)
            if r:
                chunk = os.read(self.read_fd, 4096)
                if not chunk:
                    break
                buf += chunk
                for line in buf.split(b"\n"):
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if event.get("event") == "listen":
                        return event["port"]
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("server did not start: " + self.proc.stderr.read().decode()[-2000:])

    def _wait_first_response(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                    if s.recv(12).startswith(b"HTTP/1.1"):
                        return time.monotonic() - self.started
            except OSError:
                time.sleep(0.005)
        raise RuntimeError("no first response within 30 s")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        os.close(self.read_fd)
        # The leader's exit is not the group's: a multi-process server's other processes may still
        # be exiting, and the next server's start or load must not share the CPU with them.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and group_running(self.proc.pid):
            time.sleep(0.002)


def cpu_times(cpu):
    """(busy, total) jiffies of one CPU from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            fields = line.split()
            if fields[0] == "cpu%d" % cpu:
                values = [int(v) for v in fields[1:]]
                return sum(values) - values[3] - values[4], sum(values)  # idle and iowait
    return 0, 0


def busy_percent(before, after):
    busy, total = after[0] - before[0], after[1] - before[1]
    return 100.0 * busy / total if total > 0 else None


def run_wrk(cpu, url, duration, connections, script):
    args = pin(cpu) + ["wrk", "-t1", "-c%d" % connections, "-d%ds" % duration, "--latency"]
    if script:
        args += ["-s", script]
    # How busy the load generator's CPU was: near 100 %, requests/s is wrk's limit as much as the
    # server's.
    client_before = cpu_times(cpu) if isinstance(cpu, int) else None
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=duration + 60).stdout
    client_busy = busy_percent(client_before, cpu_times(cpu)) if client_before else None
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "client_cpu_busy_pct": client_busy,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def check_answer(port, path, scenario):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path))
    if scenario == "echo-stream":
        req = urllib.request.Request(req.full_url, data=b"x" * 65536, method="POST")
    with urllib.request.urlopen(req, timeout=10) as res:
        body = res.read()
        return res.status, len(body)


def measure(binary, name, scenario_dir, script, path, args, server_cpu, client_cpu, extra):
    config = os.path.join(scenario_dir, "config.capnp")
    # One start's time to first response swings by a third on a shared VM: take the median of
    # several starts in a row, the last of which serves the load.
    first_responses = []
    for _ in range(args.starts - 1):
        server = Server(binary, config, server_cpu, extra)
        first_responses.append(server.first_response_s * 1000)
        server.stop()
    server = Server(binary, config, server_cpu, extra)
    first_responses.append(server.first_response_s * 1000)
    try:
        status, length = check_answer(server.port, path, name)
        if status != 200:
            raise RuntimeError("%s answered %d" % (name, status))
        # Idle: once the server has settled after its first response (Colony's launcher gives
        # back the pages of its own start-up after a second without requests).
        time.sleep(IDLE_SETTLE_S)
        idle = rss_kib(server.proc.pid)
        load = run_wrk(client_cpu, "http://127.0.0.1:%d%s" % (server.port, path), args.duration,
                       args.connections, script)
        loaded = rss_kib(server.proc.pid)
        return dict(load, first_response_ms=statistics.median(first_responses),
                    first_responses_ms=first_responses, rss_idle_kib=idle,
                    rss_loaded_kib=loaded, body_bytes=length)
    finally:
        server.stop()


def get_body(port, path="/"):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n" % path).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


RELOAD_WORKER = """export default {
  fetch() {
    return new Response("generation %s\\n");
  },
};
"""


def interleaved(runs, rounds):
    """Runs every (key, thunk) of `runs` once per round, reversing their order every other
    round; returns {key: the median of each figure over the rounds, plus "rounds": all of them}
    or {key: {"error": ...}} when a run fails."""
    per_key = {key: [] for key, _ in runs}
    errors = {}
    for n in range(rounds):
        for key, thunk in (runs if n % 2 == 0 else list(reversed(runs))):
            if key in errors:
                continue
            try:
                per_key[key].append(thunk())
            except Exception as e:  # a failing run is reported, the others still run
                errors[key] = {"error": str(e)[:500]}
    result = {}
    for key, samples in per_key.items():
        if key in errors:
            result[key] = errors[key]
            continue
        merged = {}
        for field in samples[0]:
            values = [s[field] for s in samples]
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                merged[field] = statistics.median(values)
            elif not isinstance(values[0], list):  # per-run lists stay in "rounds" only
                merged[field] = values[0]
        merged["rounds"] = samples
        result[key] = merged
    return result


def measure_processes(args, server_cpu, client_cpu, available, results):
    """Hello world on Colony with --processes 1 and 2 (reference: workerd, one process)."""
    scenario_dir = os.path.join(HERE, "hello-modules")
    row = {"scenario": "processes", "what": "hello world, --processes 1 vs 2 (workerd: 1 process)"}
    # One process gets the server CPU; two get every CPU but the load generator's when there are
    # enough, otherwise they share the load generator's CPU too.
    two = [c for c in available if c != client_cpu][:2]
    if len(two) < 2:
        two = available[:2]
    def run(binary, extra, cpu):
        def thunk():
            r = measure(binary, "hello-modules", scenario_dir, None, "/", args, cpu, client_cpu,
                        extra)
            r["cpus"] = cpu if isinstance(cpu, list) else [cpu]
            return r
        return thunk
    row.update(interleaved([("colony_p1", run(args.colony, ["--processes", "1"], server_cpu)),
                            ("colony_p2", run(args.colony, ["--processes", "2"], two)),
                            ("workerd", run(args.workerd, [], server_cpu))], args.rounds))
    print("\nprocesses (hello world; server CPUs: --processes 1 %s, --processes 2 %s; wrk on %d)" % (
        [server_cpu], two, client_cpu))
    w = row["workerd"]
    for key, label in (("colony_p1", "colony --processes 1"), ("colony_p2", "colony --processes 2"),
                       ("workerd", "workerd")):
        r = row[key]
        if "error" in r:
            print("  %-22s error: %s" % (label, r["error"]))
            continue
        print("  %-22s %10.1f req/s  %9s x workerd   RSS after load %d KiB" % (
            label, r["rps"], fmt(paired_ratio(r, w, "rps")[0]), r["rss_loaded_kib"]))
    row["ratios"] = {"rps_p1": paired_ratio(row["colony_p1"], w, "rps")[0],
                     "rps_p2": paired_ratio(row["colony_p2"], w, "rps")[0]}
    results.append(row)


def measure_reload(args, server_cpu, client_cpu, results, rounds=5):
    """Time from SIGHUP to the first response carrying the new code."""
    row = {"scenario": "reload", "what": "SIGHUP to the new generation answering (workerd: restart)"}
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(HERE, "hello-modules", "config.capnp")) as f:
            config_text = f.read()
        config = os.path.join(tmp, "config.capnp")
        with open(config, "w") as f:
            f.write(config_text)
        worker = os.path.join(tmp, "worker.js")
        with open(worker, "w") as f:
            f.write(RELOAD_WORKER % 0)
        try:
            server = Server(args.colony, config, server_cpu, ["--processes", "1"])
        except Exception as e:
            row["colony"] = {"error": str(e)[:500]}
            server = None
        if server is not None:
            try:
                for gen in range(1, rounds + 1):
                    with open(worker, "w") as f:
                        f.write(RELOAD_WORKER % gen)
                    want = ("generation %d" % gen).encode()
                    start = time.monotonic()
                    os.kill(server.proc.pid, signal.SIGHUP)
                    deadline = start + 30
                    while True:
                        try:
                            if want in get_body(server.port):
                                break
                        except OSError:
                            pass
                        if time.monotonic() > deadline:
                            raise RuntimeError("generation %d never answered" % gen)
                        time.sleep(0.002)
                    times.append((time.monotonic() - start) * 1000)
                    time.sleep(0.5)  # the old generation drains and exits
                row["colony"] = {"reload_ms": statistics.median(times), "all_ms": times}
            except Exception as e:
                row["colony"] = {"error": str(e)[:500]}
            finally:
                server.stop()
    try:
        starts = []
        for _ in range(rounds):
            server = Server(args.workerd, os.path.join(HERE, "hello-modules", "config.capnp"),
                            server_cpu, [])
            starts.append(server.first_response_s * 1000)
            server.stop()
        row["workerd"] = {"restart_ms": statistics.median(starts), "all_ms": starts}
    except Exception as e:
        row["workerd"] = {"error": str(e)[:500]}
    c, w = row.get("colony", {}), row.get("workerd", {})
    print("\nreload (median of %d SIGHUPs; workerd: median time from start to first response)" % rounds)
    print("  %-22s %14s" % ("colony SIGHUP -> new", fmt(c.get("reload_ms"), " ms") if "error" not in c else c["error"]))
    print("  %-22s %14s" % ("workerd restart", fmt(w.get("restart_ms"), " ms") if "error" not in w else w["error"]))
    row["ratios"] = {"reload_vs_restart": ratio(c.get("reload_ms"), w.get("restart_ms"))}
    print("  %-22s %14s" % ("ratio", fmt(row["ratios"]["reload_vs_restart"], "x")))
    results.append(row)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--colony", required=True)
    ap.add_argument("--workerd", required=True)
    ap.add_argument("--duration", type=int, default=4, help="seconds of load per run")
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs of each runtime per scenario, alternating; figures are medians")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--starts", type=int, default=5,
                    help="server starts per run; time to first response is their median")
    ap.add_argument("--ceiling", default=None,
                    help="the native responder run beside hello world (tests/bench/ceiling)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    args.colony = os.path.abspath(args.colony)
    args.workerd = os.path.abspath(args.workerd)
    if args.ceiling:
        args.ceiling = os.path.abspath(args.ceiling)

    available = cpus()
    if len(available) < 2:
        sys.exit("the benchmark needs two CPUs (server and load generator on separate ones)")
    server_cpu, client_cpu = available[0], available[1]
    only = set(filter(None, args.only.split(",")))
    colony_help = subprocess.run([args.colony, "serve", "--help"], capture_output=True, text=True).stdout
    colony_extra = ["--processes", "1"] if "--processes" in colony_help else []

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        # Colony's compiled-config cache, in a directory of its own: the first start of each
        # scenario compiles the config, later ones reuse it as any restart would.
        os.environ["COLONY_CONFIG_CACHE"] = os.path.join(tmp, "config-cache")
        post = os.path.join(tmp, "post64k.lua")
        with open(post, "w") as f:
            f.write(POST_64K)
        for name, script_name, path, what in SCENARIOS:
            if only and name not in only:
                continue
            scenario_dir = os.path.join(HERE, name)
            script = post if script_name == "post64k" else None
            row = {"scenario": name, "what": what}

            def run(binary, extra):
                return lambda: measure(binary, name, scenario_dir, script, path, args,
                                       server_cpu, client_cpu, extra)
            runs = [("colony", run(args.colony, colony_extra)), ("workerd", run(args.workerd, []))]
            if name == "hello-modules" and args.ceiling:
                runs.append(("ceiling", run(args.ceiling, [])))
            row.update(interleaved(runs, args.rounds))
            results.append(row)
            print_row(row)
            sys.stdout.flush()

    if not only or "processes" in only:
        measure_processes(args, server_cpu, client_cpu, available, results)
        sys.stdout.flush()
    if not only or "reload" in only:
        measure_reload(args, server_cpu, client_cpu, results)
        sys.stdout.flush()

    print_summary(results)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"duration_s": args.duration, "rounds": args.rounds,
                       "connections": args.connections,
                       "server_cpu": server_cpu, "client_cpu": client_cpu, "results": results}, f,
                      indent=2)
        print("results written to %s" % args.json)


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        return ("%.1f" % v) + unit
    return str(v) + unit


def paired_ratio(a, b, key):
    """(median, lowest, highest) of a/b for `key` over the rounds. A round runs the two back to
    back, so each round's ratio compares them at one moment of the VM's drifting speed; the ratio
    of the two medians would compare different moments. Without rounds: the ratio of the figures."""
    ra, rb = a.get("rounds"), b.get("rounds")
    if ra and rb and len(ra) == len(rb):
        ratios = [ratio(x.get(key), y.get(key)) for x, y in zip(ra, rb)]
        if all(r is not None for r in ratios):
            return statistics.median(ratios), min(ratios), max(ratios)
    r = ratio(a.get(key), b.get(key))
    return r, r, r


def print_row(row):
    c, w = row["colony"], row["workerd"]
    print("\n%s (%s; medians of %d rounds, ratios the median of the rounds' ratios)" % (
        row["scenario"], row["what"], len(c.get("rounds", w.get("rounds", [])))))
    for runtime, r in (("colony", c), ("workerd", w)):
        if "error" in r:
            print("  %-8s error: %s" % (runtime, r["error"]))
    if "error" in c or "error" in w:
        return
    print("  %-22s %14s %14s %10s   %s" % ("", "colony", "workerd", "ratio", "rounds"))
    for key, label, unit, higher_better in (
            ("rps", "requests/s", "", True),
            ("p99_ms", "p99 latency", " ms", False),
            ("first_response_ms", "first response", " ms", False),
            ("rss_idle_kib", "RSS idle", " KiB", False),
            ("rss_loaded_kib", "RSS after load", " KiB", False)):
        r, lo, hi = paired_ratio(c, w, key)
        spread = "%.1f-%.1fx" % (lo, hi) if r is not None else ""
        print("  %-22s %14s %14s %9s%s   %s" % (label, fmt(c.get(key), unit), fmt(w.get(key), unit),
                                                fmt(r), "x" if r is not None else "", spread))
        row.setdefault("ratios", {})[key] = r
        row.setdefault("ratio_ranges", {})[key] = [lo, hi]
    busy = c.get("client_cpu_busy_pct")
    if busy is not None:
        print("  %-22s %13.0f%% %13s%%%s" % (
            "wrk's CPU busy", busy, fmt(w.get("client_cpu_busy_pct")),
            "   (Colony's requests/s is bound by the load generator as much as by Colony)"
            if busy >= 90 else ""))
    ceiling = row.get("ceiling")
    if ceiling and "error" in ceiling:
        print("  %-22s error: %s" % ("load-gen. ceiling", ceiling["error"]))
    elif ceiling:
        r, lo, hi = paired_ratio(ceiling, w, "rps")
        row["ratios"]["ceiling_rps"] = r
        row["ratio_ranges"]["ceiling_rps"] = [lo, hi]
        print("  %-22s %14s %14s %9sx   %.1f-%.1fx   (a native responder that only answers: the most"
              % ("load-gen. ceiling", fmt(ceiling["rps"]), "", fmt(r), lo, hi))
        print("  %-22s %14s %14s %10s   this machine can measure; Colony reaches %.0f%% of it)" % (
            "", "", "", "", 100.0 * c["rps"] / ceiling["rps"]))


def print_summary(results):
    print("\nsummary (colony/workerd; requests/s higher is better, the rest lower is better)")
    for row in results:
        r = row.get("ratios")
        if not r:
            print("  %-14s failed" % row["scenario"])
            continue
        if row["scenario"] == "processes":
            print("  %-14s rps --processes 1: %-6s --processes 2: %-6s" % (
                row["scenario"], fmt(r["rps_p1"]), fmt(r["rps_p2"])))
            continue
        if row["scenario"] == "reload":
            print("  %-14s SIGHUP-to-new-generation / workerd restart %-6s" % (
                row["scenario"], fmt(r["reload_vs_restart"])))
            continue
        print("  %-14s rps %-6s  rss-after-load %-6s  first-response %-6s%s" % (
            row["scenario"], fmt(r["rps"]), fmt(r["rss_loaded_kib"]), fmt(r["first_response_ms"]),
            "  (measurable at most: %s)" % fmt(r["ceiling_rps"]) if r.get("ceiling_rps") else ""))


if __name__ == "__main__":
    main()
