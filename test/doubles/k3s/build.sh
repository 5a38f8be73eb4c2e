#!/bin/sh
# Builds the K3s test doubles into test/doubles/k3s/bin (git-ignored). Static binaries, so
# they run the same inside any test node.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -o bin/k3s ./cmd/k3s
CGO_ENABLED=0 go build -trimpath -o bin/systemctl ./cmd/systemctl
cp journalctl.sh bin/journalctl
chmod 0755 bin/journalctl
