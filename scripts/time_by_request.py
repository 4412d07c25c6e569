#!/usr/bin/env python3
"""Which requests of a query log take a server's time: each distinct request
is asked a few times (the least took_ms kept, so that a busy moment of the
VM does not count), weighed by how often the log asks it, and the requests
are listed by their share of the whole, with the share of each kind of
request (the log's class file: plain, prefix or typo; relaxed when fewer
than 20 listings have every word).

Under wrk the log is replayed as written, so a Zipf log's head decides the
requests/s: on the 20,000-line long-tail log two requests ("sho" and
"short brafoun") take a quarter of the server's time.

    search-server --index IDX --port 18150 --cache-entries 0 &
    python3 scripts/time_by_request.py --port 18150 --log /work/benchdata/queries.txt [--top 30]
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_query  # noqa: E402  (the socket client)

RELAXED_BELOW = 20  # all-words matches under which the default ranking relaxes a query


def least_took(client, requests, rounds):
    took = {}
    for _ in range(rounds):
        for request in requests:
            _, answer = client.search(request)
            took[request] = min(took.get(request, float("inf")), answer["took_ms"])
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="the server's port (run it with --cache-entries 0)")
    parser.add_argument("--log", required=True, help="a long-tail log, one request path a line (its .classes.tsv is read)")
    parser.add_argument("--rounds", type=int, default=3, help="times each distinct request is asked (default 3)")
    parser.add_argument("--top", type=int, default=25, help="requests listed (default 25)")
    args = parser.parse_args()

    with open(args.log, encoding="utf-8") as lines:
        asked = collections.Counter(line.strip() for line in lines if line.strip())
    if not asked:
        raise SystemExit(f"{args.log}: no requests")
    _, rows = bench_query.read_classes(args.log)  # the log's class file, as query_log.py writes it
    classes = {row["request"]: (row["shape"], row["all_words"]) for row in rows}
    took = least_took(bench_query.SocketClient(args.port), list(asked), args.rounds)
    total = sum(took[request] * count for request, count in asked.items())
    print(f"{sum(asked.values())} requests, {len(asked)} distinct; "
          f"server time per request of the log {total / sum(asked.values()):.3f} ms")

    print(f"\n{'share':>6} {'so far':>7} {'asked':>6} {'ms':>6}  request")
    so_far = 0.0
    for request in sorted(asked, key=lambda r: -took[r] * asked[r])[:args.top]:
        share = took[request] * asked[request] / total
        so_far += share
        print(f"{share:6.1%} {so_far:7.1%} {asked[request]:6d} {took[request]:6.2f}  {request}")

    by_kind = collections.Counter()
    for request, count in asked.items():
        shape, all_words = classes.get(request, ("?", RELAXED_BELOW))
        by_kind[shape + (" relaxed" if all_words < RELAXED_BELOW else "")] += took[request] * count
    print("\nby kind of request:")
    for kind, time in by_kind.most_common():
        print(f"  {kind:16} {time / total:6.1%}")


if __name__ == "__main__":
    main()
