#!/usr/bin/env python3
"""Convert the Mercari Kaggle TSV files into our listing feed (JSON lines).

The files (train.tsv-style, see ../shared/data/README.md) are tab-separated
with CSV-style quoting. Columns: train_id or test_id, name,
item_condition_id, category_name, brand_name, price (train only), shipping
(1 = seller pays), item_description ("No description yet" means none).
Mercari's categories have three levels, and a level's own name may hold a
slash ("Electronics/Computers & Tablets/iPad/Tablet/eBook Readers"); our
feed separates levels with '/', so slashes inside the last level become '-'.

    scripts/mercari_to_jsonl.py ../shared/data/mercari/mercari_train_5k.tsv --output mercari.jsonl
"""

import argparse
import csv
import json
import sys

CREATED_AT_BASE = 1767225600  # 2026-01-01; the files carry no dates


def category_path(mercari_category):
    levels = mercari_category.split("/", 2)
    levels[-1] = levels[-1].replace("/", "-")
    return "/".join(levels)


def convert_row(row, index, id_column):
    listing = {
        "id": ("m" if id_column == "train_id" else "t") + row[id_column],
        "title": row["name"],
    }
    description = row.get("item_description", "")
    if description and description != "No description yet":
        listing["description"] = description
    if row.get("brand_name"):
        listing["brand"] = row["brand_name"]
    if row.get("category_name"):
        listing["category"] = category_path(row["category_name"])
    listing["price"] = float(row["price"]) if row.get("price") else 0.0
    listing["condition"] = int(row["item_condition_id"])
    listing["shipping"] = "seller" if row["shipping"] == "1" else "buyer"
    listing["status"] = "on_sale"
    listing["created_at"] = CREATED_AT_BASE + index * 60
    return listing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="a Mercari .tsv file")
    parser.add_argument("--output", default="-", help="output file, or - for stdout (default)")
    parser.add_argument("--limit", type=int, default=0, help="convert at most this many rows (0 = all)")
    args = parser.parse_args()

    csv.field_size_limit(sys.maxsize)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    converted = 0
    with open(args.input, newline="", encoding="utf-8") as tsv:
        reader = csv.DictReader(tsv, delimiter="\t")
        id_column = "train_id" if "train_id" in reader.fieldnames else "test_id"
        for index, row in enumerate(reader):
            if args.limit and converted >= args.limit:
                break
            out.write(json.dumps(convert_row(row, index, id_column), ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            converted += 1
    if out is not sys.stdout:
        out.close()
    print(f"converted {converted} listings", file=sys.stderr)


if __name__ == "__main__":
    main()
