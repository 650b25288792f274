#!/usr/bin/env python3
"""Independent computation of Policies/telecom's four measures.

Reads a generated program's partners.csv and events.csv directly (Python's
csv and decimal modules, none of our code), computes for every partner
enrolled by the as-of day D:

  revenue_voice_mobile_3m  revenue of products voice or mobile dated in (D - 3 months, D]
  deals_won_6m             deal_won events dated in (D - 6 months, D]
  products_sold_12m        distinct products of revenue events dated in (D - 12 months, D]
  months_5k_of_last_4      how many of the 4 calendar months ending with D's month had
                           revenue >= 5,000 (dated up to D)

with calendar month arithmetic clamped to month ends, and compares them with
the columns of `partnerscore export snapshots --policies Policies/telecom`
(CSV): counts exactly, money to the cent. Prints a summary; exits 1 listing
the first differences if any partner differs.

  Scripts/check-telecom-measures.py DATA_DIR SNAPSHOTS.csv YYYY-MM-DD
"""
import calendar
import csv
import datetime
import sys
from collections import defaultdict
from decimal import Decimal

CENT = Decimal("0.01")


def months_before(day, n):
    """day - n calendar months, the day of month clamped to the target month's length."""
    index = day.year * 12 + (day.month - 1) - n
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    data, snapshots_path, as_of = sys.argv[1], sys.argv[2], datetime.date.fromisoformat(sys.argv[3])
    after3, after6, after12 = months_before(as_of, 3), months_before(as_of, 6), months_before(as_of, 12)
    # The 4 calendar months ending with D's month, as (year, month).
    months = []
    for k in range(3, -1, -1):
        index = as_of.year * 12 + (as_of.month - 1) - k
        months.append((index // 12, index % 12 + 1))

    enrolled = {}
    with open(f"{data}/partners.csv", newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            enrolled[row["id"]] = datetime.date.fromisoformat(row["enrolled"])

    voice_mobile = defaultdict(Decimal)
    deals = defaultdict(int)
    products = defaultdict(set)
    monthly = defaultdict(Decimal)   # (partner, year, month) -> revenue up to D
    with open(f"{data}/events.csv", newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            kind = row["kind"]
            if kind not in ("revenue", "deal_won"):
                continue
            day = datetime.date.fromisoformat(row["date"])
            if day > as_of:
                continue
            partner = row["partner_id"]
            if kind == "deal_won":
                if day > after6:
                    deals[partner] += 1
                continue
            amount = Decimal(row["amount"])
            if day > after3 and row["product"] in ("voice", "mobile"):
                voice_mobile[partner] += amount
            if day > after12:
                products[partner].add(row["product"])
            if (day.year, day.month) in months:
                monthly[(partner, day.year, day.month)] += amount

    expected_ids = sorted(p for p, day in enrolled.items() if day <= as_of)
    differences = []
    seen = []
    with open(snapshots_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            partner = row["id"]
            seen.append(partner)
            expected = {
                "revenue_voice_mobile_3m": voice_mobile[partner].quantize(CENT),
                "deals_won_6m": deals[partner],
                "products_sold_12m": len(products[partner]),
                "months_5k_of_last_4": sum(1 for (y, m) in months if monthly[(partner, y, m)] >= 5000),
            }
            for name, want in expected.items():
                if name not in row:
                    sys.exit(f"{snapshots_path}: no column {name} — export with --policies Policies/telecom")
                text = row[name]
                got = Decimal(text).quantize(CENT) if name == "revenue_voice_mobile_3m" else int(text)
                if got != want:
                    differences.append(f"{partner} {name}: exported {text}, computed {want}")
    if sorted(seen) != expected_ids:
        missing = sorted(set(expected_ids) - set(seen))[:5]
        extra = sorted(set(seen) - set(expected_ids))[:5]
        differences.append(f"partners: {len(seen)} exported, {len(expected_ids)} enrolled by {as_of} "
                           f"(missing {missing}, unexpected {extra})")
    print(f"{len(seen)} partners, 4 measures each, as of {as_of}: {len(differences)} differences")
    if differences:
        print("\n".join(differences[:20]))
        sys.exit(1)


if __name__ == "__main__":
    main()
