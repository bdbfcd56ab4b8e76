#!/usr/bin/env python3
"""Measures redbank against the ceiling of its own Redis script, for docs/PERFORMANCE.md.

Every figure is the median of --runs runs, each on a fresh redis-server on a private
port. Needs release binaries (built here) and redis-benchmark (Debian's redis-tools,
installed with redis-server). Run from the repository root:

    python3 scripts/perf.py [--runs 3] [--seconds 10]
    python3 scripts/perf.py --ab ../other/target/release   # this server against another build
    python3 scripts/perf.py --ab-ref                       # against the fixed reference build (REFERENCE),
                                                           # cloned and built here the first time
    python3 scripts/perf.py --build ref=09b530e --build this=this \
        --build "this, auth off=this --auth off"         # any number of builds (a commit, a directory
                                                           # or this one, with server flags), runs alternating
    python3 scripts/perf.py --latency-floor [--build ...]  # one in flight: a PING, the bare script, a health
                                                           # check, a read and a deposit, hop by hop

It prints a Markdown table and, with --json FILE, writes every raw run.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Cargo's output, where CARGO_TARGET_DIR puts it (relative to where this was run).
TARGET = os.path.abspath(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"))
os.environ["CARGO_TARGET_DIR"] = TARGET
BIN = os.path.join(TARGET, "release")
LUA = os.path.join(ROOT, "crates", "store", "src", "lua")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Redis:
    def __init__(self, aof_always=False):
        self.dir = tempfile.mkdtemp(prefix="redbank-perf-")
        self.port = free_port()
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if aof_always else ["--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        self.url = f"redis://127.0.0.1:{self.port}"

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, check=True).stdout.strip()

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    def __init__(self, redis_url, extra_args=(), bin_dir=BIN):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "redbank-server"), "--listen", f"127.0.0.1:{self.port}", "--redis-url", redis_url,
             *(() if "--log-level" in extra_args else ("--log-level", "warn")), *extra_args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def cpu_seconds(pid):
    """User plus system CPU time of a process so far, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def deposit_script():
    """The deposit script as the store runs it on one Redis: the prelude with the
    feed written in the change's own step (scripts/mod.rs, FEED_IN_STEP), then post.lua."""
    with open(os.path.join(LUA, "prelude.lua")) as p, open(os.path.join(LUA, "post.lua")) as b:
        prelude, body = p.read(), b.read()
    return prelude.replace("local FEED = false\n", "local FEED = 'feed:{events}'\n") + body


def csv_fields(out, command):
    """The fields of redis-benchmark's last --csv row for `command` (its summary):
    the command, requests per second, then the latencies (avg, min, p50, ...)."""
    row = [line for line in out.splitlines() if line.startswith(f'"{command}')][-1]
    return [f.strip('"') for f in row.split(",")]


def evalsha_usec_per_call(r):
    """Redis's own time per EVALSHA call so far, from INFO commandstats."""
    stats = r.cli("INFO", "commandstats")
    usec = next(l for l in stats.splitlines() if l.startswith("cmdstat_evalsha:"))
    return float(usec.split("usec_per_call=")[1].split(",")[0])


def redis_benchmark(clients, requests):
    """The deposit script called directly, as the store calls it, with a fresh request id each time."""
    r = Redis()
    try:
        sha = r.cli("SCRIPT", "LOAD", deposit_script())
        r.cli("HSET", "acct:{b}", "type", "checking", "cur", "USD", "bal", "0", "ver", "0", "ctime", "0", "state", "active")
        out = subprocess.run(
            ["redis-benchmark", "-p", str(r.port), "-c", str(clients), "-n", str(requests), "-r", "1000000000", "--csv",
             "EVALSHA", sha, "3", "acct:{b}", "acct:{b}:log", "acct:{b}:req:__rand_int__",
             "86400", "1000000000000000", "deposit", "USD", "100", "", "", "r__rand_int__", "deposit|USD|100|", "b", "", "", "key:bench"],
            capture_output=True, text=True, check=True,
        ).stdout
        fields = csv_fields(out, "EVALSHA")
        return {"throughput": float(fields[1]), "p50_ms": float(fields[4]), "usec_per_call": evalsha_usec_per_call(r)}
    finally:
        r.stop()


def redis_benchmark_ping(clients=1, requests=20_000):
    """PING: a round trip to Redis with no work in it (the floor of one loopback hop)."""
    r = Redis()
    try:
        out = subprocess.run(["redis-benchmark", "-p", str(r.port), "-c", str(clients), "-n", str(requests), "--csv",
                              "PING"], capture_output=True, text=True, check=True).stdout
        fields = csv_fields(out, "PING")
        return {"throughput": float(fields[1]), "p50_ms": float(fields[4])}
    finally:
        r.stop()


def latency_floor(args):
    """At one call in flight: what each hop and each part of a deposit adds to its
    latency, from calls that do less and less, in rounds alternating (medians); for
    each --build (this build when none is given)."""
    builds = [build_spec(spec) for spec in args.build] or [("this", BIN, ())]
    subprocess.run(["cargo", "build", "--release", "--locked", "--bins"], cwd=ROOT, check=True)
    one = {"concurrency": 1, "connections": 1}
    steps = [
        ("redis-benchmark PING: one loopback round trip to Redis, no work", lambda: redis_benchmark_ping()),
        ("redis-benchmark, the deposit script: that round trip and the script", lambda: redis_benchmark(1, 20_000)),
    ]
    for name, binaries, flags in builds:
        common = dict(server_bin=binaries, server_args=flags, **one)
        steps += [
            (f"{name}: health check (a gRPC call through the server, no Redis)",
             lambda c=common: bench(args.seconds, mix="health=100", **c)),
            (f"{name}: GetAccount (the call, one HMGET)",
             lambda c=common: bench(args.seconds, mix="balance=100", **c)),
            (f"{name}: Deposit (the call, the deposit script)",
             lambda c=common: bench(args.seconds, **c)),
        ]
    runs = {name: [] for name, _ in steps}
    for i in range(args.runs):
        for name, step in steps:
            runs[name].append(step())
            print(f"round {i + 1}, {name}: {runs[name][-1]}", file=sys.stderr, flush=True)
    rb = median(runs[steps[1][0]], "p50_ms")
    print("| call, one in flight | p50 ms | / redis-benchmark's deposit p50 | server CPU µs/call |")
    print("|---|---|---|---|")
    for name, _ in steps:
        r = runs[name]
        cpu = f"{median(r, 'server_cpu_usec_per_op'):.1f}" if "server_cpu_usec_per_op" in r[0] else ""
        print(f"| {name} | {median(r, 'p50_ms'):.3f} | {median(r, 'p50_ms') / rb:.2f}x | {cpu} |")


def redis_benchmark_batch(changes, clients=8):
    """The deposit script called directly with `changes` deposits per call (16 accounts at most)."""
    r = Redis()
    try:
        sha = r.cli("SCRIPT", "LOAD", deposit_script())
        accounts = min(changes, 16)
        for a in range(accounts):
            r.cli("HSET", f"acct:{{b{a}}}", "type", "checking", "cur", "USD", "bal", "0", "ver", "0", "ctime", "0")
        keys, argv = [], []
        for i in range(changes):
            a = i % accounts
            keys += [f"acct:{{b{a}}}", f"acct:{{b{a}}}:log", f"acct:{{b{a}}}:req:__rand_int__x{i}"]
            argv += ["deposit", "USD", "100", "", "", f"r__rand_int__x{i}", "deposit|USD|100|", f"b{a}", "", "", "key:bench"]
        out = subprocess.run(
            ["redis-benchmark", "-p", str(r.port), "-c", str(clients), "-n", str(max(2000, 40000 // changes)),
             "-r", "1000000000", "--csv", "EVALSHA", sha, str(len(keys)), *keys, "86400", "1000000000000000", *argv],
            capture_output=True, text=True, check=True,
        ).stdout
        calls_per_sec = float(csv_fields(out, "EVALSHA")[1])
        usec_per_call = evalsha_usec_per_call(r)
        return {"deposits_per_sec": calls_per_sec * changes, "usec_per_call": usec_per_call,
                "usec_per_deposit": usec_per_call / changes}
    finally:
        r.stop()


def bench(seconds, concurrency, replicas=1, aof_always=False, api="v1", connections=4, accounts=1000, batching=True,
          server_args=(), server_bin=BIN, redis_replica=False, watch=None, mix="deposit=100"):
    """One run of `redbank bench` against fresh servers; `watch`, if given, is called
    with the servers' process ids as the load starts and returns what to call when it
    ends (scripts/perf-where records a profile so)."""
    r = Redis(aof_always=aof_always)
    replica = None
    if redis_replica:
        # A Redis replica of r, in sync before the run (for --redis-wait-replicas).
        replica = Redis()
        replica.cli("REPLICAOF", "127.0.0.1", str(r.port))
        for _ in range(100):
            if "master_link_status:up" in replica.cli("INFO", "replication"):
                break
            time.sleep(0.05)
    extra = tuple(server_args) + (() if batching else ("--batch-max-changes", "1"))
    servers = [Server(r.url, extra, server_bin) for _ in range(replicas)]
    try:
        # Auth is required by default: the load generator sends an admin API key,
        # made as an operator bootstraps one (harmless against --auth off).
        key = json.loads(subprocess.run(
            [os.path.join(BIN, "redbank"), "--json", "keys", "create", "--role", "admin", "--redis-url", r.url],
            capture_output=True, text=True, check=True,
        ).stdout)["credential"]
        cpu_before = sum(cpu_seconds(s.proc.pid) for s in servers)
        watching = watch([s.proc.pid for s in servers]) if watch else None
        out = subprocess.run(
            [os.path.join(BIN, "redbank"), "--token", key, "--json", "bench", "--endpoints", ",".join(s.endpoint for s in servers),
             "--api", api, "--duration-secs", str(seconds), "--concurrency", str(concurrency),
             "--connections", str(connections), "--accounts", str(accounts), "--redis-url", r.url, "--mix", mix],
            capture_output=True, text=True,
        )
        if watching:
            watching()
        if out.returncode != 0:
            raise RuntimeError(f"bench failed: {out.stdout} {out.stderr}")
        server_cpu = sum(cpu_seconds(s.proc.pid) for s in servers) - cpu_before
        v = json.loads(out.stdout)
        failures = sum(n for k, n in v["results"].items() if k != "OK")
        return {
            "throughput": v["throughput_per_sec"],
            "p50_ms": v["latency_ms"]["p50"],
            "p99_ms": v["latency_ms"]["p99"],
            "script_calls_per_op": v["redis"]["script_calls_per_op"],
            "script_usec_per_call": v["redis"]["script_usec_per_call"],
            "redis_cpu_usec_per_op": v["redis"]["cpu_usec_per_op"],
            "redis_usec_per_op": v["redis"]["script_usec_per_op"],
            "server_cpu_usec_per_op": server_cpu / max(1, v["throughput_per_sec"] * seconds) * 1e6,
            "errors": failures,
            "money_check": v["money_check"]["passed"],
        }
    finally:
        for s in servers:
            s.stop()
        r.stop()
        if replica:
            replica.stop()


# The fixed reference build every change on the hot path is measured against as well
# as against its parent (issue 25: small costs each "within noise" added up to 17%).
# docs/PERFORMANCE.md names it too.
REFERENCE = "09b530e"


def reference_build(commit):
    """The release binaries of `commit`, in a clone of its own under the target
    directory (its own target directory too: a shared one would reuse generated code
    of another version), built the first time they are asked for."""
    clone = os.path.join(TARGET, f"ref-{commit}")
    binaries = os.path.join(clone, "target", "release")
    if not os.path.exists(os.path.join(binaries, "redbank-server")):
        if not os.path.isdir(os.path.join(clone, ".git")):
            subprocess.run(["git", "clone", "--quiet", ROOT, clone], check=True)
        subprocess.run(["git", "checkout", "--quiet", commit], cwd=clone, check=True)
        env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(clone, "target"))
        print(f"building the reference {commit} in {clone} (once)", file=sys.stderr, flush=True)
        subprocess.run(["cargo", "build", "--release", "--locked", "--bins"], cwd=clone, env=env, check=True)
    return binaries


def median(runs, key):
    return statistics.median(run[key] for run in runs)


def build_spec(spec):
    """`NAME=WHERE [FLAGS]` of --build: the name, the directory of its binaries, its server flags."""
    name, sep, rest = spec.partition("=")
    if not sep or not rest.split():
        raise SystemExit(f"--build {spec!r}: expected NAME=WHERE [FLAGS]")
    where, *flags = rest.split()
    if where == "this":
        return name, BIN, tuple(flags)
    if os.path.isdir(where):
        return name, os.path.abspath(where), tuple(flags)
    return name, reference_build(where), tuple(flags)


def compare(args):
    """Every --build in one sitting: in each round, each build's run of each scenario in
    turn (and redis-benchmark's, with --with-redis-benchmark), so that the machine's
    drift falls on all of them alike; medians of --runs rounds."""
    builds = [build_spec(spec) for spec in args.build]
    subprocess.run(["cargo", "build", "--release", "--locked", "--bins"], cwd=ROOT, check=True)
    scenarios = [(name, kw, rb) for name, kw, rb in (("64 in flight", {"concurrency": 64}, (64, 200_000)),
                                                     ("1 in flight", {"concurrency": 1, "connections": 1}, (1, 20_000)))
                 if args.in_flight is None or kw["concurrency"] == args.in_flight]
    print("| scenario | build | ops/s | / first | / first, paired | p50 ms | p99 ms | server CPU µs/op "
          "| Redis CPU µs/op | / redis-benchmark (ops) | / redis-benchmark (p50) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    raw = {}
    for scenario, kw, rb in scenarios:
        runs = {name: [] for name, _, _ in builds}
        bare = []
        for i in range(args.runs):
            # Each round starts with the next build, so that none always runs first.
            for name, binaries, flags in builds[i % len(builds):] + builds[:i % len(builds)]:
                runs[name].append(bench(args.seconds, server_bin=binaries, server_args=flags,
                                        redis_replica=args.replica, **kw))
                print(f"{scenario}, round {i + 1}, {name}: {runs[name][-1]}", file=sys.stderr, flush=True)
            if args.with_redis_benchmark:
                bare.append(redis_benchmark(*rb))
                print(f"{scenario}, round {i + 1}, redis-benchmark: {bare[-1]}", file=sys.stderr, flush=True)
        first = median(runs[builds[0][0]], "throughput")
        b_ops = median(bare, "throughput") if bare else None
        b_p50 = median(bare, "p50_ms") if bare else None
        for name, _, _ in builds:
            r = runs[name]
            ops, p50 = median(r, "throughput"), median(r, "p50_ms")
            # The median of each round's ratio: the machine drifts between rounds
            # more than within one.
            paired = statistics.median(a["throughput"] / b["throughput"] for a, b in zip(r, runs[builds[0][0]]))
            print(f"| {scenario} | {name} | {ops:.0f} | {ops / first:.3f} | {paired:.3f} | {p50:.3f} | {median(r, 'p99_ms'):.3f} | "
                  f"{median(r, 'server_cpu_usec_per_op'):.1f} | {median(r, 'redis_cpu_usec_per_op'):.1f} | "
                  + (f"{ops / b_ops:.2f} | {p50 / b_p50:.2f}x |" if bare else "| |"), flush=True)
        if bare:
            print(f"| {scenario} | redis-benchmark (the deposit script) | {b_ops:.0f} | | | {b_p50:.3f} | | | | 1 | 1x |",
                  flush=True)
        raw[scenario] = {"builds": runs, "redis_benchmark": bare}
    errors = sum(run["errors"] for s in raw.values() for r in s["builds"].values() for run in r)
    checks = all(run["money_check"] for s in raw.values() for r in s["builds"].values() for run in r)
    print(f"\nerrors in all redbank runs: {errors}; every money check passed: {checks}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--json", help="write every raw run here")
    ap.add_argument("--script-batches", action="store_true",
                    help="only measure the deposit script alone with 1, 4, 16 and 64 deposits per call")
    ap.add_argument("--ab", metavar="DIR",
                    help="A/B: the 64- and 1-in-flight scenarios, runs alternating between this build's server and "
                         "the redbank-server in DIR (another checkout's target/release, or 'this'), one load generator")
    ap.add_argument("--ab-ref", metavar="COMMIT", nargs="?", const=REFERENCE,
                    help=f"--ab against the release build of COMMIT (default: the reference, {REFERENCE}), "
                         "cloned and built under the target directory the first time")
    ap.add_argument("--latency-floor", action="store_true",
                    help="at one in flight, the p50 of calls that do less and less (a Redis PING, the bare script, "
                         "a health check, a read, a deposit), to show what each hop and part adds; of each --build")
    ap.add_argument("--build", action="append", default=[], metavar="NAME=WHERE [FLAGS]",
                    help="compare several builds in one sitting, runs alternating: WHERE is 'this', a commit "
                         "(cloned and built like --ab-ref) or a directory of release binaries; FLAGS are its "
                         "server's extra flags. Ratios are to the first build given")
    ap.add_argument("--in-flight", type=int, choices=(1, 64),
                    help="with --build, only this scenario (64 or 1 calls in flight)")
    ap.add_argument("--this-args", default="", help="extra flags of this build's server in --ab")
    ap.add_argument("--other-args", default="", help="extra flags of the other server in --ab")
    ap.add_argument("--replica", action="store_true", help="in --ab, give each run's Redis a replica")
    ap.add_argument("--with-redis-benchmark", action="store_true",
                    help="in --ab, also run redis-benchmark on the deposit script in each round (64 clients with "
                         "the 64-in-flight runs, 1 client with the 1-in-flight runs) and print both builds' ratios to it")
    args = ap.parse_args()
    if args.latency_floor:
        return latency_floor(args)
    if args.build:
        return compare(args)
    if args.ab_ref:
        args.ab = reference_build(args.ab_ref)
    if args.ab:
        subprocess.run(["cargo", "build", "--release", "--locked", "--bins"], cwd=ROOT, check=True)
        other_bin = BIN if args.ab == "this" else args.ab
        this_args, other_args = tuple(args.this_args.split()), tuple(args.other_args.split())
        print("| scenario | this ops/s | other ops/s | this / other | this p50 ms | other p50 ms "
              "| this server CPU µs/op | other server CPU µs/op | this Redis CPU µs/op | other Redis CPU µs/op |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        ratios = []
        for name, kw, rb in (("64 in flight", {"concurrency": 64}, (64, 200_000)),
                             ("1 in flight", {"concurrency": 1, "connections": 1}, (1, 20_000))):
            this, other, bare = [], [], []
            for _ in range(args.runs):
                this.append(bench(args.seconds, server_bin=BIN, server_args=this_args, redis_replica=args.replica, **kw))
                other.append(bench(args.seconds, server_bin=other_bin, server_args=other_args,
                                   redis_replica=args.replica, **kw))
                if args.with_redis_benchmark:
                    bare.append(redis_benchmark(*rb))
            t, o = median(this, "throughput"), median(other, "throughput")
            print(f"| {name} | {t:.0f} | {o:.0f} | {t / o:.3f} | {median(this, 'p50_ms'):.3f} | "
                  f"{median(other, 'p50_ms'):.3f} | {median(this, 'server_cpu_usec_per_op'):.1f} | "
                  f"{median(other, 'server_cpu_usec_per_op'):.1f} | {median(this, 'redis_cpu_usec_per_op'):.1f} | "
                  f"{median(other, 'redis_cpu_usec_per_op'):.1f} |", flush=True)
            if bare:
                b, bp50 = median(bare, "throughput"), median(bare, "p50_ms")
                ratios.append(f"| {name} | {b:.0f} | {bp50:.3f} | {t / b:.2f} | {o / b:.2f} | "
                              f"{median(this, 'p50_ms') / bp50:.2f} | {median(other, 'p50_ms') / bp50:.2f} |")
        if ratios:
            print("\n| scenario | redis-benchmark ops/s | redis-benchmark p50 ms | this / it (ops) | other / it (ops) "
                  "| this / it (p50) | other / it (p50) |")
            print("|---|---|---|---|---|---|---|")
            print("\n".join(ratios))
        return
    if args.script_batches:
        print("| changes per call | deposits/s | µs per call | µs per deposit |")
        print("|---|---|---|---|")
        for n in (1, 4, 16, 64):
            runs = [redis_benchmark_batch(n) for _ in range(args.runs)]
            print(f"| {n} | {median(runs, 'deposits_per_sec'):.0f} | {median(runs, 'usec_per_call'):.1f} | "
                  f"{median(runs, 'usec_per_deposit'):.2f} |", flush=True)
        return
    subprocess.run(["cargo", "build", "--release", "--locked", "--bins"], cwd=ROOT, check=True)

    scenarios = {
        "redis-benchmark, 64 clients": lambda: redis_benchmark(64, 200_000),
        "redis-benchmark, 1 client": lambda: redis_benchmark(1, 20_000),
        "redbank v1, 64 in flight": lambda: bench(args.seconds, 64),
        "redbank v1, batching off, 64 in flight": lambda: bench(args.seconds, 64, batching=False),
        "redbank v1, 1 in flight": lambda: bench(args.seconds, 1, connections=1),
        "redbank v1, batching off, 1 in flight": lambda: bench(args.seconds, 1, connections=1, batching=False),
        "redbank v1, 4 in flight": lambda: bench(args.seconds, 4, connections=1),
        "redbank v1, batching off, 4 in flight": lambda: bench(args.seconds, 4, connections=1, batching=False),
        "redbank v1, 2 replicas, 64 in flight": lambda: bench(args.seconds, 64, replicas=2),
        "redbank v1, AOF fsync always, 64 in flight": lambda: bench(args.seconds, 64, aof_always=True),
        "redbank classic, 64 in flight": lambda: bench(args.seconds, 64, api="classic"),
    }
    results = {}
    for name, run in scenarios.items():
        results[name] = []
        for i in range(args.runs):
            results[name].append(run())
            print(f"{name} run {i + 1}: {results[name][-1]}", file=sys.stderr)

    m = {name: {k: median(runs, k) for k in runs[0] if isinstance(runs[0][k], (int, float)) and not isinstance(runs[0][k], bool)}
         for name, runs in results.items()}
    rb64, rb1 = m["redis-benchmark, 64 clients"], m["redis-benchmark, 1 client"]
    v64, v1 = m["redbank v1, 64 in flight"], m["redbank v1, 1 in flight"]
    two, aof = m["redbank v1, 2 replicas, 64 in flight"], m["redbank v1, AOF fsync always, 64 in flight"]
    print("| scenario | ops/s | p50 ms | p99 ms | script calls/op | Redis µs/call | Redis µs/op | Redis CPU µs/op |")
    print("|---|---|---|---|---|---|---|---|")
    for name, v in m.items():
        print(f"| {name} | {v['throughput']:.0f} | {v['p50_ms']:.3f} | {v.get('p99_ms', float('nan')):.3f} | "
              f"{v.get('script_calls_per_op', 1.0):.3f} | {v.get('usec_per_call', v.get('script_usec_per_call', 0)):.1f} | "
              f"{v.get('redis_usec_per_op', v.get('usec_per_call', 0)):.1f} | {v.get('redis_cpu_usec_per_op', float('nan')):.1f} |")
    print()
    print("| target | measured |")
    print("|---|---|")
    print(f"| redbank / redis-benchmark throughput at 64 (>= 0.6) | {v64['throughput'] / rb64['throughput']:.2f} |")
    print(f"| redbank / redis-benchmark p50 at 1 (<= 2) | {v1['p50_ms'] / rb1['p50_ms']:.2f} |")
    off64 = m["redbank v1, batching off, 64 in flight"]
    off1 = m["redbank v1, batching off, 1 in flight"]
    print(f"| Redis µs per deposit, script usec / ops (<= 10) | {v64['redis_usec_per_op']:.1f} (batching off: {off64['redis_usec_per_op']:.1f}) |")
    print(f"| script calls per deposit (<= 1) | {v64['script_calls_per_op']:.3f} |")
    print(f"| 2 replicas / 1 replica throughput (>= 1) | {two['throughput'] / v64['throughput']:.2f} |")
    print(f"| AOF always / no persistence throughput (>= 0.6) | {aof['throughput'] / v64['throughput']:.2f} |")
    print(f"| batching on / off throughput at 64 in flight | {v64['throughput'] / off64['throughput']:.2f} |")
    print(f"| batching on / off p50 at 1 in flight | {v1['p50_ms'] / off1['p50_ms']:.2f} |")
    errors = sum(run["errors"] for runs in results.values() for run in runs if "errors" in run)
    checks = all(run["money_check"] for runs in results.values() for run in runs if "money_check" in run)
    print(f"\nerrors in all redbank runs: {errors}; every money check passed: {checks}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": results, "medians": m}, f, indent=1)


if __name__ == "__main__":
    main()
