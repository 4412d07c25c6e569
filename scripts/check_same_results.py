#!/usr/bin/env python3
"""Two query servers answer the long-tail log the same way: the same listings
in the same order with the same scores and the same fields shown (stored
fields and highlights), the same totals and facets.

For a change that must not move any result (issue 17: the top-k bound of the
snapshot scorer), start the server twice on one index, once each way, e.g.

    search-server --index IDX --port 18180 --cache-entries 0 &
    search-server --index IDX --port 18181 --cache-entries 0 --top-k-bound off &
    python3 scripts/check_same_results.py --ports 18180 18181 --log /work/benchdata/calibrated-queries.txt

Scores are compared to 1e-6 relative: the freshness signal decays between the
two requests. Prints the differing requests (at most 5), the servers' took_ms
percentiles, and their sums per total-match bucket. Exits 1 if any differ.
"""

import argparse
import csv
import http.client
import json

BUCKETS = ((0, 300), (300, 10_000), (10_000, 100_000), (100_000, None))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ports", type=int, nargs=2, required=True)
    parser.add_argument("--log", required=True, help="a long-tail log (its .classes.tsv is read)")
    args = parser.parse_args()
    classes = args.log.removesuffix(".txt") + ".classes.tsv"
    with open(classes, newline="") as file:
        requests = [row["request"] for row in csv.DictReader(file, delimiter="\t")]
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for port in args.ports]

    def answer(connection, path):
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        return json.loads(body)

    took = [[], []]
    totals = []
    differing = 0
    for path in requests:
        first, second = (answer(connection, path) for connection in connections)
        for n, answered in enumerate((first, second)):
            took[n].append(answered["took_ms"])
        totals.append(first["total"])
        hits = [[(hit["listing"]["id"], hit["score"]) for hit in answered["hits"]] for answered in (first, second)]
        shown = [[{key: value for key, value in hit.items() if key != "score"} for hit in answered["hits"]]
                 for answered in (first, second)]
        same = (
            [id for id, _ in hits[0]] == [id for id, _ in hits[1]]
            and all(abs(a - b) <= 1e-6 * max(1.0, abs(b)) for (_, a), (_, b) in zip(*hits))
            and shown[0] == shown[1]
            and first["total"] == second["total"]
            and first.get("facets") == second.get("facets")
        )
        if not same:
            differing += 1
            if differing <= 5:
                print(f"differs: {path}\n  {hits[0][:3]} total {first['total']}\n  {hits[1][:3]} total {second['total']}")
    print(f"{len(requests)} requests, {differing} differing")
    for port, times in zip(args.ports, took):
        print(f"port {port}: took_ms p50 {percentile(times, 0.5):.2f} p90 {percentile(times, 0.9):.2f} "
              f"p99 {percentile(times, 0.99):.2f} sum {sum(times):.0f}")
    for low, high in BUCKETS:
        picked = [n for n, total in enumerate(totals) if total >= low and (high is None or total < high)]
        if picked:
            sums = " / ".join(f"{sum(took[side][n] for n in picked):.0f}" for side in (0, 1))
            print(f"total {low}-{high or 'more'}: {len(picked)} requests, took_ms sums {sums}")
    raise SystemExit(1 if differing else 0)


if __name__ == "__main__":
    main()
