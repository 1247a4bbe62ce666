#!/usr/bin/env bash
# Kubernetes datastore checks against the test API server (being written; issue 9).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
h_done
