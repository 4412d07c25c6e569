#!/usr/bin/env python3
"""Server time of two or more query servers over a long-tail log, each
request asked of every server in rotating order (request n starts with
server n mod N, and the next pass shifts by one), so that neither a
server's place in the order nor the machine's drift favours one. The first
pass warms the servers up and is not counted.

On a shared VM, two servers asked in turn gave -5% and -0.3% for the same
pair of binaries; rotation over three counted passes settles within ~1%.
For a change that must not move any result, check that first with
scripts/check_same_results.py.

    search-server --index IDX --port 18150 --cache-entries 0 &   # before
    search-server --index IDX --port 18151 --cache-entries 0 &   # after
    python3 scripts/compare_speed.py --ports 18150 18151 --log /work/benchdata/queries.txt

Prints each server's sum of took_ms, and its ratio to the first server's,
over the whole log and per bucket of all-words matches (the log's class file).

With --cpu, each request's cost is the server's CPU time instead (the run
time of all its threads, from /proc/PID/task/*/schedstat, read before and
after it; the servers must run on this machine). That is what a busy
server's throughput follows, and it leaves out waiting: two copies of one
binary came within 1% of each other a pass on a VM where took_ms and
requests/s drifted by 10% or more within minutes. Run the servers with
`--parallel-shards off` for it, so that a helper thread's polling is not
counted.
"""

import argparse
import csv
import http.client
import json
import os

BUCKETS = (("0", 0, 1), ("1-19", 1, 20), ("20-999", 20, 1000), ("1k+", 1000, None))


def listening_pid(port):
    """The process listening on TCP `port` of this machine: the socket's
    inode from /proc/net/tcp(6), then the process holding it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as file:
                for line in file.readlines()[1:]:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                        inodes.add(fields[9])
        except OSError:
            continue
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in wanted for fd in os.listdir(f"/proc/{pid}/fd")):
                return pid
        except OSError:
            continue
    raise SystemExit(f"compare_speed: no process of this machine listens on port {port} (--cpu needs local servers)")


def cpu_ms(pid):
    """The run time so far of all the process's threads, in ms."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as file:
                total += int(file.read().split()[0])
        except OSError:
            continue  # a thread that has just ended
    return total / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ports", type=int, nargs="+", required=True, help="two or more servers")
    parser.add_argument("--log", required=True, help="a long-tail log (its .classes.tsv is read)")
    parser.add_argument("--passes", type=int, default=3, help="counted passes over the log (default 3)")
    parser.add_argument("--cpu", action="store_true", help="sum the servers' CPU time per request, not took_ms")
    args = parser.parse_args()
    if len(args.ports) < 2:
        parser.error("--ports needs two or more servers")
    if args.passes < 1:
        parser.error("--passes must be 1 or more")
    classes = args.log.removesuffix(".txt") + ".classes.tsv"
    with open(classes, newline="") as file:
        rows = [(row["request"], int(row["all_words"])) for row in csv.DictReader(file, delimiter="\t")]
    connections = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=120) for port in args.ports}

    pids = {port: listening_pid(port) for port in args.ports} if args.cpu else {}

    def cost_ms(port, request):
        before = cpu_ms(pids[port]) if args.cpu else 0.0
        connections[port].request("GET", request)
        response = connections[port].getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"compare_speed: port {port} answered {response.status} to {request}: {body[:200]!r}")
        return cpu_ms(pids[port]) - before if args.cpu else json.loads(body)["took_ms"]

    totals = {port: 0.0 for port in args.ports}
    by_bucket = {name: {port: 0.0 for port in args.ports} for name, _, _ in BUCKETS}
    for passage in range(args.passes + 1):
        for n, (request, all_words) in enumerate(rows):
            first = (n + passage) % len(args.ports)
            for port in args.ports[first:] + args.ports[:first]:
                took = cost_ms(port, request)
                if passage == 0:
                    continue  # warm-up
                totals[port] += took
                for name, low, high in BUCKETS:
                    if all_words >= low and (high is None or all_words < high):
                        by_bucket[name][port] += took

    def line(label, sums):
        base = sums[args.ports[0]] or 1.0
        return f"{label:10}" + "".join(f"  {port}: {sums[port]:8.0f} ms ({sums[port] / base:.3f})" for port in args.ports)

    what = "server CPU time" if args.cpu else "server took_ms"
    print(f"{len(rows)} requests, {args.passes} counted passes, {what} summed:")
    print(line("all", totals))
    for name, _, _ in BUCKETS:
        print(line(name, by_bucket[name]))


if __name__ == "__main__":
    main()
