#!/usr/bin/env python3
"""Count contacts per organisation from crm's CSV: crm contacts list -f csv | ./contacts-per-org.py"""

import collections
import csv
import sys

counts = collections.Counter(row["org"] or "(no organisation)" for row in csv.DictReader(sys.stdin))
for org, n in counts.most_common(10):
    print(f"{n:5d}  {org}")
