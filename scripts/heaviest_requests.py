#!/usr/bin/env python3
"""Where a replayed query log spends the server's time: each distinct request's
took_ms times the number of times the log asks it, heaviest first.

Under wrk the log is replayed with its repeats (Zipf popularity), so a few
broad requests asked often weigh more than the long tail: this is the list to
read before working on throughput (on the 20,000-line long-tail log, "sho"
and "short brafoun" take a quarter of the server's time). Start a server
without the result cache:

    search-server --index /work/benchdata/index-fresh --port 18180 --cache-entries 0 &
    python3 scripts/heaviest_requests.py --port 18180 --log /work/benchdata/queries.txt

Each distinct request is asked --rounds times and its least took_ms kept
(the first round warms the caches; a busy moment of the VM does not count).
Prints the weighted total, the share of the heaviest 10, 25, 50, ...
requests, the heaviest --top requests with their counts, took_ms, totals and
whether they were relaxed, and, when the log has its class file
(scripts/query_log.py writes it), the share of each kind of request: plain,
prefix or typo, relaxed when fewer than 20 listings have every word.
"""

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_query  # noqa: E402  (the socket client and the log's class file)

RELAXED_BELOW = 20  # all-words matches under which the default ranking relaxes a query


def least_took(client, requests, rounds):
    """Each request's answer with the least took_ms of `rounds` asks."""
    answers = {}
    for _ in range(rounds):
        for request in requests:
            _, answer = client.search(request)
            if request not in answers or answer["took_ms"] < answers[request]["took_ms"]:
                answers[request] = answer
    return answers


def print_by_kind(log, counts, answers, total):
    if not os.path.exists(bench_query.classes_path(log)):
        return
    _, rows = bench_query.read_classes(log)
    classes = {row["request"]: (row["shape"], row["all_words"]) for row in rows}
    by_kind = collections.Counter()
    for request, count in counts.items():
        shape, all_words = classes.get(request, ("?", RELAXED_BELOW))
        by_kind[shape + (" relaxed" if all_words < RELAXED_BELOW else "")] += answers[request]["took_ms"] * count
    print("\nby kind of request:")
    for kind, time in by_kind.most_common():
        print(f"  {kind:16} {time / total:6.1%}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="the server's port (run it with --cache-entries 0)")
    parser.add_argument("--log", required=True, help="query log: one /v1/search?... path per line")
    parser.add_argument("--rounds", type=int, default=3, help="times each distinct request is asked (default 3)")
    parser.add_argument("--top", type=int, default=30, help="requests listed (default 30)")
    args = parser.parse_args()

    with open(args.log, encoding="utf-8") as lines:
        counts = collections.Counter(line.strip() for line in lines if line.strip())
    if not counts:
        raise SystemExit(f"{args.log}: no requests")
    answers = least_took(bench_query.SocketClient(args.port), list(counts), max(1, args.rounds))

    weighted = sorted(((answers[path]["took_ms"] * count, count, path) for path, count in counts.items()), reverse=True)
    total = sum(weight for weight, _, _ in weighted)
    print(f"{sum(counts.values())} lines, {len(counts)} distinct requests; "
          f"server time per line of the log {total / sum(counts.values()):.3f} ms")
    shares, running = [], 0.0
    for rank, (weight, _, _) in enumerate(weighted, 1):
        running += weight
        if rank in (10, 25, 50, 100, 250, 500, 1000):
            shares.append(f"heaviest {rank}: {running / total:.1%}")
    print(", ".join(shares))
    print(f"\n{'share':>6} {'so far':>7} {'count':>6} {'took_ms':>8} {'total':>8} relaxed  request")
    running = 0.0
    for weight, count, path in weighted[: args.top]:
        answer = answers[path]
        running += weight
        print(f"{weight / total:6.1%} {running / total:7.1%} {count:6d} {answer['took_ms']:8.2f} "
              f"{answer.get('total', 0):8d} {str(answer.get('relaxed', False)):7}  {path}")
    print_by_kind(args.log, counts, answers, total)


if __name__ == "__main__":
    main()
