#!/usr/bin/env python3
"""Independent computation of the bundled incentive rules, compared with
`partnerscore export incentives --payout` to the cent.

Reads a generated program's events.csv directly (Python's csv and decimal
modules, none of our code) and, for each period given, the tier every partner
held after the period's last evaluation (the `tier` column of
`partnerscore evaluate --format csv` for that run). Then computes:

  telecom        Monthly commission: the tier's rate (Authorized 8%, Premier 12%)
                 times the revenue dated in the calendar month, all products.
  manufacturing  Quarterly volume rebate: Authorized 2%, Preferred 5% of the revenue
                 dated in the calendar quarter; when the quarter's revenue reaches
                 250,000, one point more on the whole quarter.

each rounded once to the cent, half away from zero, and compares it with the
payout file's total for (partner, period); a partner without a payout row
earned 0. Prints a summary; exits 1 listing the first differences.

  Scripts/check-incentives.py telecom|manufacturing DATA_DIR PAYOUT.csv PERIOD_END=EVALUATION.csv ...

PERIOD_END is the last day evaluated in the period (the as-of day of its run);
the period is the calendar month (telecom) or quarter (manufacturing) holding it.
"""
import csv
import datetime
import sys
from collections import defaultdict
from decimal import Decimal, ROUND_HALF_UP

CENT = Decimal("0.01")
RULES = {
    "telecom": {"unit": "month", "rates": {"Authorized": Decimal("0.08"), "Premier": Decimal("0.12")}, "accelerator": None},
    "manufacturing": {"unit": "quarter", "rates": {"Authorized": Decimal("0.02"), "Preferred": Decimal("0.05")},
                      "accelerator": (Decimal("250000"), Decimal("0.01"))},
}


def period(unit, day):
    """(label, first day) of the calendar month or quarter holding day."""
    if unit == "month":
        return f"{day.year:04d}-{day.month:02d}", day.replace(day=1)
    q = (day.month - 1) // 3
    return f"{day.year:04d}-Q{q + 1}", datetime.date(day.year, 3 * q + 1, 1)


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in RULES:
        sys.exit(__doc__)
    rules = RULES[sys.argv[1]]
    data, payout_path = sys.argv[2], sys.argv[3]
    periods = []   # (label, first day, last day evaluated, tiers by partner)
    for spec in sys.argv[4:]:
        end_text, evaluation = spec.split("=", 1)
        end = datetime.date.fromisoformat(end_text)
        label, start = period(rules["unit"], end)
        with open(evaluation, newline="", encoding="utf-8") as f:
            tiers = {row["partner_id"]: row["tier"] for row in csv.DictReader(f)}
        periods.append((label, start, end, tiers))

    revenue = defaultdict(Decimal)   # (partner, period label) -> revenue dated in the period up to its last evaluation
    with open(f"{data}/events.csv", newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["kind"] != "revenue":
                continue
            day = datetime.date.fromisoformat(row["date"])
            for label, start, end, _ in periods:
                if start <= day <= end:
                    revenue[(row["partner_id"], label)] += Decimal(row["amount"])

    paid = {}
    with open(payout_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            paid[(row["partner_id"], row["period"])] = Decimal(row["total"])

    differences = []
    checked = 0
    total = Decimal(0)
    for label, start, end, tiers in periods:
        for partner, tier in sorted(tiers.items()):
            basis = revenue[(partner, label)]
            rate = rules["rates"].get(tier, Decimal(0))
            if rate and rules["accelerator"] and basis >= rules["accelerator"][0]:
                rate += rules["accelerator"][1]
            want = (basis * rate).quantize(CENT, rounding=ROUND_HALF_UP)
            got = paid.pop((partner, label), Decimal("0.00"))
            checked += 1
            total += want
            if got != want:
                differences.append(f"{partner} {label} ({tier}, revenue {basis}): exported {got}, computed {want}")
    for (partner, label), amount in sorted(paid.items()):
        if amount != 0 and any(label == p[0] for p in periods):
            differences.append(f"{partner} {label}: exported {amount}, but the partner was not evaluated in that period")
    print(f"{sys.argv[1]}: {checked} partner-periods over {len(periods)} periods ({', '.join(p[0] for p in periods)}), "
          f"total {total}: {len(differences)} differences")
    if differences:
        print("\n".join(differences[:20]))
        sys.exit(1)


if __name__ == "__main__":
    main()
