#!/usr/bin/env bash
# Log a batch of calls from a CSV of "contact,text" lines (e.g. exported from a phone app):
#   ./log-calls.sh calls.csv
# Each line is one `crm log`; a line naming an unknown or ambiguous contact is reported and skipped.
set -uo pipefail
file="${1:?usage: log-calls.sh FILE.csv}"
status=0
while IFS=, read -r who text; do
    [ -z "$who" ] && continue
    crm log "$who" "$text" || status=1
done < "$file"
exit "$status"
