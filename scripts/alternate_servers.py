#!/usr/bin/env python3
"""Server time and CPU of two search-server binaries over a query log, each
started fresh in turn (A B, then B A, ...) on the same index: one warm-up
pass over the log, then one counted pass, then the server stops.

On this project's shared VM two servers running side by side drift apart
by a few per cent, and one client's runs move by ±10% from one run to the
next; alternating fresh processes and summing the whole log gives medians
that settle within a few per cent after four to six pairs. For a change
that must not move any result, check that first with
scripts/check_same_results.py.

    python3 scripts/alternate_servers.py --a /tmp/before/search-server --b build/server/search-server \\
        --index /work/benchdata/index-fresh --log /work/benchdata/queries.txt --pairs 6

Prints, per run, the server's CPU seconds (user + system, from /proc) and
the sum of took_ms over the counted pass; then each binary's medians and
the ratio of A's CPU to B's.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time


def distinct_requests(log, limit):
    """The log's distinct request paths, in first-seen order."""
    paths, seen = [], set()
    with open(log) as file:
        for line in file:
            path = line.strip()
            if path and path not in seen:
                seen.add(path)
                paths.append(path)
    return paths[:limit] if limit else paths


def cpu_seconds(pid):
    """User and system CPU of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_ready(port, server):
    for _ in range(300):
        if server.poll() is not None:
            sys.exit(f"the server on port {port} exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"the server on port {port} did not answer /healthz")


def one_pass(connection, paths):
    """The sum of took_ms, in seconds, over one pass of the requests."""
    took_ms = 0.0
    for path in paths:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit(f"{path}: HTTP {response.status}: {body[:200]!r}")
        took_ms += json.loads(body).get("took_ms", 0)
    return took_ms / 1000


def run(binary, args, paths):
    """(CPU seconds, server seconds) of one fresh server's counted pass."""
    server = subprocess.Popen([binary, "--index", args.index, "--port", str(args.port), "--cache-entries", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(args.port, server)
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        one_pass(connection, paths)  # warm-up: caches, page cache
        cpu_before = cpu_seconds(server.pid)
        took = one_pass(connection, paths)
        return cpu_seconds(server.pid) - cpu_before, took
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="the first search-server binary (the baseline)")
    parser.add_argument("--b", required=True, help="the second search-server binary")
    parser.add_argument("--index", required=True, help="index directory both serve")
    parser.add_argument("--log", required=True, help="query log: one /v1/search?... path per line")
    parser.add_argument("--pairs", type=int, default=4, help="runs of each binary (default 4)")
    parser.add_argument("--port", type=int, default=18170, help="port the servers listen on (default 18170)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N distinct requests (default all)")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be 1 or more")
    for binary in (args.a, args.b):
        if not os.access(binary, os.X_OK):
            parser.error(f"not an executable: {binary}")
    paths = distinct_requests(args.log, args.limit)
    if not paths:
        parser.error(f"no requests in {args.log}")
    print(f"{len(paths)} distinct requests from {args.log}, {args.pairs} runs of each binary", flush=True)
    results = {"A": [], "B": []}
    for pair in range(args.pairs):
        order = (("A", args.a), ("B", args.b)) if pair % 2 == 0 else (("B", args.b), ("A", args.a))
        for name, binary in order:
            cpu, took = run(binary, args, paths)
            results[name].append((cpu, took))
            print(f"{name}: CPU {cpu:.2f} s, server time {took:.2f} s", flush=True)
    medians = {}
    for name in "AB":
        medians[name] = (statistics.median(cpu for cpu, _ in results[name]),
                         statistics.median(took for _, took in results[name]))
        print(f"{name} medians: CPU {medians[name][0]:.2f} s, server time {medians[name][1]:.2f} s")
    print(f"CPU A/B: {medians['A'][0] / medians['B'][0]:.3f}, server time A/B: {medians['A'][1] / medians['B'][1]:.3f}")


if __name__ == "__main__":
    main()
