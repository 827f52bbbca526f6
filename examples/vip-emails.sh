#!/usr/bin/env bash
# Print the primary email of every VIP contact, one per line (e.g. to paste into a BCC field).
# TSV keeps one record per line, so plain cut works; column 6 is "emails", the first one is primary.
set -euo pipefail
crm contacts list --tag vip --format tsv | tail -n +2 | cut -f6 | sed 's/; .*//' | grep -v '^$' || true
