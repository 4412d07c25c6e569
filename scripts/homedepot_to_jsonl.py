#!/usr/bin/env python3
"""Convert Home Depot product titles (product_uid,product_title CSV) into
listing feed lines for relevance evaluation: id = product_uid, the title,
price 0 (the contract requires a price; Home Depot's file has none).

    scripts/homedepot_to_jsonl.py ../shared/data/relevance-dev/homedepot_products.csv --output var/homedepot.jsonl
"""

import argparse
import csv
import json


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("products", help="homedepot_products.csv")
    parser.add_argument("--output", required=True, help="feed file to write")
    args = parser.parse_args()
    with open(args.products, newline="", encoding="utf-8", errors="replace") as products, \
            open(args.output, "w", encoding="utf-8") as out:
        for row in csv.DictReader(products):
            record = {"id": row["product_uid"], "title": row["product_title"], "price": 0}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
