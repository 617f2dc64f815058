#!/usr/bin/env bash
# Installs what a fresh machine lacks for `make test` and `make demo`. Idempotent.
# Needs: Go >= 1.24 (the machine's Go), make, git. Go modules come from the module proxy.
set -euo pipefail
command -v go >/dev/null || { echo "Go >= 1.24 is required (https://go.dev/dl)"; exit 1; }
command -v make >/dev/null || { apt-get update -qq && apt-get install -y -qq make; }
go mod download
