#!/usr/bin/env python3
"""Shifts the listings' created_at so that the newest one is now.

A generated listing set ages with the calendar: its dates are fixed when it is
written (the calibrated 1M set's newest listing is 2026-03-02), while a live
marketplace's newest listing is always today. Months later every listing's
freshness bonus has decayed to ~1e-6, listings alike in their words score
within rounding of each other, and the server sends such pages through
Xapian's final pass to order them as Xapian would: on 2026-12-01 about 24% of
the long-tail log's searches on the snapshots did, against 2-5% once the dates
were brought to the day. The latency benchmarks of issue 17 index the set
through this script, so that their figures do not drift with the date they are
taken on. (The query-variant benchmark does not: its Mercari listings are dated
apart from the background, and today's dates would favour the background.)

    python3 scripts/dates_to_now.py FEED [FEED ...] --output SHIFTED.jsonl [--now EPOCH]

Every input's listings are shifted by the same amount (the newest over all of
them to --now), so their ages relative to each other stay as generated. Lines
without a created_at, and lines that are not JSON, are copied as they are.
"""

import argparse
import json
import sys
import time


def created_at(line):
    try:
        value = json.loads(line).get("created_at")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, (int, float)) else None


def newest_of(paths):
    newest = None
    for path in paths:
        with open(path, encoding="utf-8") as feed:
            for line in feed:
                value = created_at(line)
                if value is not None and (newest is None or value > newest):
                    newest = value
    return newest


def shifted(line, shift):
    try:
        listing = json.loads(line)
    except ValueError:
        return line
    if not isinstance(listing, dict) or not isinstance(listing.get("created_at"), (int, float)):
        return line
    listing["created_at"] = int(listing["created_at"] + shift)
    return json.dumps(listing, ensure_ascii=False, separators=(",", ":")) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("feeds", nargs="+", help="JSON-lines listing files, written out in this order")
    parser.add_argument("--output", required=True)
    parser.add_argument("--now", type=int, default=int(time.time()), help="epoch seconds (default: now)")
    args = parser.parse_args()
    newest = newest_of(args.feeds)
    if newest is None:
        sys.exit("dates_to_now: no listing has a created_at")
    shift = args.now - int(newest)
    with open(args.output, "w", encoding="utf-8") as out:
        for path in args.feeds:
            with open(path, encoding="utf-8") as feed:
                for line in feed:
                    out.write(shifted(line, shift))
    print(f"dates_to_now: created_at shifted by {shift / 86400:.1f} days (newest now {args.now})", file=sys.stderr)


if __name__ == "__main__":
    main()
