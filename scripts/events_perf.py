#!/usr/bin/env python3
"""Change events under load, for docs/PERFORMANCE.md ("Change events").

1. The lag of a follower of every account under the benchmark's load: `redbank
   bench` at 64 in flight for --seconds while `redbank --json events tail` (no
   --account) follows every account; each event's lag is its arrival at the follower
   minus its history entry's time (the entry id's milliseconds: Redis's clock when
   the change was applied, before its reply, so this bounds the lag from the reply).
2. A webhook's first attempt: --rate deposits a second for --seconds across 100
   accounts, a webhook to a receiver on loopback (answers 204); the delay from each
   entry's time to its first attempt's arrival.

Each phase on a fresh redis-server and a release redbank-server on private ports.
Run with the tests' virtual environment (it has grpcio and the Python client):

    target/python/bin/python scripts/events_perf.py [--seconds 10] [--rate 500]
"""

import argparse
import http.server
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "clients", "python", "src"))
import perf  # noqa: E402

REDBANK = os.path.join(perf.BIN, "redbank")


def admin_key(redis_url):
    out = subprocess.run([REDBANK, "--json", "keys", "create", "--role", "admin", "--redis-url", redis_url],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["credential"]


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def entry_millis(entry_id):
    return int(entry_id.split("-")[0])


def follower_lag(seconds):
    r = perf.Redis()
    s = perf.Server(r.url)
    try:
        key = admin_key(r.url)
        tail = subprocess.Popen([REDBANK, "--token", key, "--endpoint", s.endpoint, "--json", "events", "tail"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        lags, last = [], [time.time()]

        def read():
            for line in tail.stdout:
                now = time.time() * 1000
                event = json.loads(line)
                lags.append(now - entry_millis(event["transaction"]["transaction_id"]))
                last[0] = time.time()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        time.sleep(1)
        out = subprocess.run(
            [REDBANK, "--token", key, "--json", "bench", "--endpoints", s.endpoint, "--duration-secs", str(seconds),
             "--concurrency", "64", "--connections", "4", "--accounts", "1000", "--redis-url", r.url],
            capture_output=True, text=True, check=True)
        bench = json.loads(out.stdout)
        while time.time() - last[0] < 2:
            time.sleep(0.2)
        tail.terminate()
        entries = int(r.cli("EVAL", "local n = 0 for _, k in ipairs(redis.call('KEYS', 'acct:*:log')) do "
                                    "n = n + redis.call('XLEN', k) end return n", "0"))
        return {"throughput": bench["throughput_per_sec"], "entries": entries, "events": len(lags),
                "p50_ms": percentile(lags, 50), "p99_ms": percentile(lags, 99), "max_ms": max(lags, default=0)}
    finally:
        s.stop()
        r.stop()


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: more connections at once than that and
    # the kernel drops the SYN, which the client resends a second later.
    request_queue_size = 1024

    def __init__(self):
        self.first = {}
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        now = time.time() * 1000
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        event = json.loads(body)
        with self.server.lock:
            self.server.first.setdefault(event["eventId"], now - entry_millis(event["transaction"]["transactionId"]))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def webhook_lag(seconds, rate):
    import grpc
    from redbank.client import Client, money

    r = perf.Redis()
    s = perf.Server(r.url, ("--webhook-allow-private",))
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        key = admin_key(r.url)
        client = Client(s.endpoint.removeprefix("http://"), token=key)
        ids = [f"w-{i}" for i in range(100)]
        for i in ids:
            client.create_account(i, type="checking")
        subprocess.run([REDBANK, "--token", key, "--endpoint", s.endpoint, "webhooks", "create",
                        f"http://127.0.0.1:{receiver.server_address[1]}/hook"], check=True, capture_output=True)
        time.sleep(2)  # a replica takes the webhook's lease within a second
        sent, start = 0, time.time()
        while time.time() - start < seconds:
            due = int((time.time() - start) * rate)
            while sent < due:
                client.deposit(ids[sent % len(ids)], money("1.00", "USD"))
                sent += 1
            time.sleep(0.001)
        deadline = time.time() + 60
        while len(receiver.first) < sent and time.time() < deadline:
            time.sleep(0.2)
        lags = list(receiver.first.values())
        client.close()
        return {"sent": sent, "delivered": len(lags), "p50_ms": percentile(lags, 50), "p99_ms": percentile(lags, 99),
                "max_ms": max(lags, default=0)}
    finally:
        receiver.shutdown()
        s.stop()
        r.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rate", type=int, default=500, help="deposits a second in the webhook phase")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "--bins"], cwd=perf.ROOT, check=True)
    print("| run | deposits/s (64 in flight) | entries | events seen | lag p50 ms | lag p99 ms | lag max ms |")
    print("|---|---|---|---|---|---|---|")
    for i in range(args.runs):
        v = follower_lag(args.seconds)
        print(f"| follower {i + 1} | {v['throughput']:.0f} | {v['entries']} | {v['events']} | {v['p50_ms']:.1f} | "
              f"{v['p99_ms']:.1f} | {v['max_ms']:.1f} |", flush=True)
    print()
    print("| run | deposits sent | first attempts | delay p50 ms | delay p99 ms | delay max ms |")
    print("|---|---|---|---|---|---|")
    for i in range(args.runs):
        v = webhook_lag(args.seconds, args.rate)
        print(f"| webhook {i + 1} ({args.rate}/s) | {v['sent']} | {v['delivered']} | {v['p50_ms']:.1f} | "
              f"{v['p99_ms']:.1f} | {v['max_ms']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
