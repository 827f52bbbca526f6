#!/usr/bin/env python3
"""Weighted open pipeline per owner and currency, exact: `crm deals list -f json | ./weighted-by-owner.py`.

The JSON carries amounts as exact decimal text ("7499.9925"), so Decimal sums them without drift.
"""
import json
import sys
from collections import defaultdict
from decimal import Decimal

totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
for deal in json.load(sys.stdin):
    totals[(deal["owner"] or "(nobody)", deal["currency"])] += Decimal(deal["weighted"])
for (owner, currency), amount in sorted(totals.items(), key=lambda item: (-item[1], item[0])):
    print(f"{owner:<12} {currency} {amount:>14,.2f}")
