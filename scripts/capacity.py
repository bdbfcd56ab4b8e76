#!/usr/bin/env python3
"""Capacity on a local Redis Cluster: per-shard throughput and Redis CPU per
operation, and memory per account and per history entry (docs/PERFORMANCE.md,
"Capacity").

Starts a 3-primary cluster (redis-server --cluster-enabled yes, redis-cli --cluster
create) on free ports in temporary directories, a release redbank-server on it, an
admin key made with `redbank keys create --redis-cluster-nodes`, then runs `redbank
bench` (deposits and withdrawals by default; `--mix transfer=100` for transfers,
which on the cluster nearly all cross slots: two accounts share one of 16,384
slots rarely) and reads each primary's INFO before and after. The same run on one
Redis, where every transfer is one script, gives the comparison. Needs release
binaries (built here).

    python3 scripts/capacity.py [--seconds 10] [--accounts 3000] [--mix transfer=100]
                                [--cluster-only] [--server-args=--test-relay-off]
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Cargo's output, where CARGO_TARGET_DIR puts it (relative to where this was run).
TARGET = os.path.abspath(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"))
os.environ["CARGO_TARGET_DIR"] = TARGET
BIN = os.path.join(TARGET, "release")
import importlib.util

_spec = importlib.util.spec_from_file_location("perf", os.path.join(ROOT, "scripts", "perf.py"))
_perf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_perf)
free_port, wait_port = _perf.free_port, _perf.wait_port


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, check=True).stdout


def info(port, section):
    out = {}
    for line in cli(port, "INFO", section).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = v.strip()
    return out


def cpu(port):
    i = info(port, "cpu")
    return float(i["used_cpu_sys"]) + float(i["used_cpu_user"])


def script_calls(port):
    i = info(port, "commandstats")
    return sum(int(v.split("calls=")[1].split(",")[0]) for k, v in i.items() if k in ("cmdstat_evalsha", "cmdstat_eval"))


def commands(port):
    """Every command but INFO, those run inside scripts included (Redis 7 counts them)."""
    i = info(port, "commandstats")
    return sum(int(v.split("calls=")[1].split(",")[0]) for k, v in i.items() if k != "cmdstat_info")


class Nodes:
    def __init__(self, n, cluster):
        self.dirs, self.procs, self.ports = [], [], []
        for _ in range(n):
            port = free_port()
            while port > 55000:
                port = free_port()
            d = tempfile.mkdtemp(prefix="redbank-capacity-")
            args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                    "--appendonly", "no"]
            if cluster:
                args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
            self.procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            self.dirs.append(d)
            self.ports.append(port)
            wait_port(port)
        if cluster:
            subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in self.ports],
                            "--cluster-replicas", "0", "--cluster-yes"], capture_output=True, check=True)
            for _ in range(100):
                if all("cluster_state:ok" in cli(p, "CLUSTER", "INFO") for p in self.ports):
                    break
                time.sleep(0.1)

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


def run(cluster, seconds, accounts, mix, server_args=(), server_bin=BIN):
    nodes = Nodes(3 if cluster else 1, cluster)
    urls = [f"redis://127.0.0.1:{p}" for p in nodes.ports]
    where = ["--redis-cluster-nodes", ",".join(urls)] if cluster else ["--redis-url", urls[0]]
    port = free_port()
    server = subprocess.Popen([os.path.join(server_bin, "redbank-server"), "--listen", f"127.0.0.1:{port}", *where,
                               "--log-level", "warn", "--batch-max-in-flight", "8", *server_args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        key = json.loads(subprocess.run([os.path.join(BIN, "redbank"), "--json", "keys", "create", "--role", "admin",
                                         *where], capture_output=True, text=True, check=True).stdout)["credential"]
        bench = [os.path.join(BIN, "redbank"), "--token", key, "--endpoint", f"http://127.0.0.1:{port}", "--json",
                 "bench", "--mix", mix, "--accounts", str(accounts), "--zipf", "0",
                 "--concurrency", "64", "--connections", "4"]
        # Each bench run opens and seeds its own accounts first. A run of one
        # operation measures that setup; the measured run's counters less the
        # setup's are the timed phase's.
        def measured(extra):
            before = [(cpu(p), script_calls(p), commands(p)) for p in nodes.ports]
            out = subprocess.run(bench + extra, capture_output=True, text=True, check=True)
            after = [(cpu(p), script_calls(p), commands(p)) for p in nodes.ports]
            return out, [tuple(x1 - x0 for x0, x1 in zip(b, a)) for b, a in zip(before, after)]
        _, setup = measured(["--ops", "1"])
        out, full = measured(["--duration-secs", str(seconds)])
        deltas = [tuple(x - sx for x, sx in zip(f, s)) for f, s in zip(full, setup)]
        v = json.loads(out.stdout)
        ops = v["throughput_per_sec"] * seconds
        shards = []
        for (cpu_s, calls, cmds), p in zip(deltas, nodes.ports):
            keys = int(cli(p, "DBSIZE").strip())
            shards.append({"port": p, "cpu_s": cpu_s, "script_calls": calls, "commands": cmds, "keys": keys})
        # Memory: a sample of accounts, the hash and the stream, per entry.
        # Streams of the measured run only (at least 10 entries): the setup run's
        # accounts hold one entry each, where a stream's fixed cost dominates.
        acct_bytes, stream_bytes, entries, streams = [], 0, 0, 0
        for p in nodes.ports:
            for k in cli(p, "--scan", "--pattern", "acct:{*}").split()[:200]:
                log = k + ":log"
                n = int(cli(p, "XLEN", log).strip() or 0)
                if n < 10:
                    continue
                acct_bytes.append(int(cli(p, "MEMORY", "USAGE", k, "SAMPLES", "0").strip() or 0))
                stream_bytes += int(cli(p, "MEMORY", "USAGE", log, "SAMPLES", "0").strip() or 0)
                entries += n
                streams += 1
        req_bytes = []
        for p in nodes.ports:
            for k in cli(p, "--scan", "--pattern", "acct:{*}:req:*").split()[:50]:
                req_bytes.append(int(cli(p, "MEMORY", "USAGE", k, "SAMPLES", "0").strip() or 0))
        return {
            "request_record_bytes": sum(req_bytes) / max(1, len(req_bytes)),
            "entries_per_stream": entries / max(1, streams),
            "changes_per_call": ops / max(1, sum(s["script_calls"] for s in shards)),
            "commands_per_op": sum(s["commands"] for s in shards) / max(1, ops),
            "throughput": v["throughput_per_sec"], "p50_ms": v["latency_ms"]["p50"], "ops": ops,
            "errors": sum(n for k, n in v["results"].items() if k != "OK"), "money_check": v["money_check"]["passed"],
            "shards": shards, "redis_cpu_usec_per_op": sum(s["cpu_s"] for s in shards) / ops * 1e6,
            "account_hash_bytes": sum(acct_bytes) / max(1, len(acct_bytes)),
            "stream_bytes_per_entry": stream_bytes / max(1, entries),
        }
    finally:
        server.terminate()
        server.wait()
        nodes.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--accounts", type=int, default=3000)
    ap.add_argument("--mix", default="deposit=50,withdraw=50")
    ap.add_argument("--server-args", default="", help="extra flags of the server (say --test-relay-off)")
    ap.add_argument("--cluster-only", action="store_true", help="skip the run on one Redis")
    ap.add_argument("--server-bin", default=BIN,
                    help="the directory of the redbank-server to measure (another build's target/release); "
                         "the load generator is this build's")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "--bins"], cwd=ROOT, check=True)
    for cluster in (True,) if args.cluster_only else (False, True):
        r = run(cluster, args.seconds, args.accounts, args.mix, tuple(args.server_args.split()), args.server_bin)
        name = "3-primary cluster" if cluster else "one Redis"
        print(f"## {name}: {r['throughput']:.0f} ops/s, p50 {r['p50_ms']:.2f} ms, errors {r['errors']}, "
              f"money check {r['money_check']}, Redis CPU {r['redis_cpu_usec_per_op']:.1f} µs/op, "
              f"account hash {r['account_hash_bytes']:.0f} B, {r['stream_bytes_per_entry']:.0f} B per history entry "
              f"({r['entries_per_stream']:.0f} entries per stream sampled), "
              f"request-id record {r['request_record_bytes']:.0f} B, {r['changes_per_call']:.2f} operations per script call, "
              f"{r['commands_per_op']:.1f} Redis commands per operation")
        print("| shard | keys | script calls | Redis CPU s | ops/s (script calls / s) | CPU µs per script call |")
        print("|---|---|---|---|---|---|")
        for s in r["shards"]:
            per_call = s["cpu_s"] / max(1, s["script_calls"]) * 1e6
            print(f"| {s['port']} | {s['keys']} | {s['script_calls']} | {s['cpu_s']:.2f} | "
                  f"{s['script_calls'] / args.seconds:.0f} | {per_call:.1f} |", flush=True)


if __name__ == "__main__":
    main()
