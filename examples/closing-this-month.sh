#!/usr/bin/env bash
# Open deals expected to close before the first of next month, soonest first, as a short list
# for a Monday mail: "id  close  value currency  name".
set -euo pipefail
crm deals list --closing-before "$(date -d "$(date +%Y-%m-01) +1 month" +%Y-%m-%d)" --format tsv \
    | tail -n +2 | sort -t$'\t' -k11,11 \
    | awk -F'\t' '{ printf "#%s  %s  %s %s  %s\n", $1, $11, $7, $9, $3 }'
