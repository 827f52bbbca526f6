#!/usr/bin/env bash
# Everything logged in the last 7 days, oldest first, as "date kind contacts: text" lines.
set -euo pipefail
crm notes list --since "7 days ago" --all --format tsv \
    | tail -n +2 | sort -t$'\t' -k3 \
    | awk -F'\t' '{ printf "%s %-8s %s: %s\n", substr($3, 1, 10), $4, $6, $7 }'
