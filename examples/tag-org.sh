#!/usr/bin/env bash
# Tag everyone at an organisation: ./tag-org.sh acme conference-2026
# -q prints ids only, one per line, made for xargs.
set -euo pipefail
org="${1:?usage: tag-org.sh ORG TAG}"
tag="${2:?usage: tag-org.sh ORG TAG}"
crm contacts list --org "$org" -q | xargs -r -I{} crm contacts tag {} "$tag"
