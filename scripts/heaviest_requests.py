#!/usr/bin/env python3
"""Where a replayed query log spends the server's time: each distinct request's
took_ms times the number of times the log asks it, heaviest first.

Under wrk the log is replayed with its repeats (Zipf popularity), so a few
broad requests asked often weigh more than the long tail: this is the list to
read before working on throughput. Start a server without the result cache:

    search-server --index /work/benchdata/index-fresh --port 18180 --cache-entries 0 &
    python3 scripts/heaviest_requests.py --port 18180 --log /work/benchdata/queries.txt

Each distinct request is asked twice and its second took_ms kept. Prints the
weighted total, the share of the heaviest 10, 25, 50, ... requests, and the
heaviest --top requests with their counts, took_ms, totals and whether they
were relaxed.
"""

import argparse
import collections
import http.client
import json


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True, help="query log: one /v1/search?... path per line")
    parser.add_argument("--top", type=int, default=30, help="requests listed (default 30)")
    args = parser.parse_args()

    counts = collections.Counter(line.strip() for line in open(args.log) if line.strip())
    connection = http.client.HTTPConnection("127.0.0.1", args.port)
    answers = {}
    for _ in range(2):  # the first round warms the server's caches
        for path in counts:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}: {body[:200]!r}")
            answers[path] = json.loads(body)

    weighted = sorted(((answers[path]["took_ms"] * count, count, path) for path, count in counts.items()), reverse=True)
    total = sum(weight for weight, _, _ in weighted)
    print(f"{sum(counts.values())} lines, {len(counts)} distinct requests; "
          f"summed took_ms weighted by repeats: {total:.0f} ms")
    shares, running = [], 0.0
    for rank, (weight, _, _) in enumerate(weighted, 1):
        running += weight
        if rank in (10, 25, 50, 100, 250, 500, 1000):
            shares.append(f"heaviest {rank}: {running / total:.1%}")
    print(", ".join(shares))
    print(f"{'weighted ms':>11} {'count':>6} {'took_ms':>8} {'total':>8} relaxed  request")
    for weight, count, path in weighted[: args.top]:
        answer = answers[path]
        print(f"{weight:11.1f} {count:6d} {answer['took_ms']:8.2f} {answer.get('total', 0):8d} "
              f"{str(answer.get('relaxed', False)):7}  {path}")


if __name__ == "__main__":
    main()
