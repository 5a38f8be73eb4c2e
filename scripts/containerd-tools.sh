#!/usr/bin/env bash
# Provides the real containerd binaries the matrix test loads K3s's generated configs with,
# and prints one line per tool on stdout: `<name> <version> <path>`, name being `debian`,
# `containerd` (twice) or `cricheck`.
#
#   debian    Debian's `containerd` package, for version 2 configs (K3s embeds 1.7 there;
#             Debian ships no 1.7). /usr/bin/containerd when that package is installed;
#             otherwise the binary is taken out of `apt-get download containerd` without
#             installing it, so no containerd service is ever set up or started.
#   2.0, 2.1  containerd v2.0.14 and v2.1.9 (the latest patches of those lines on the Go
#             module proxy), built from github.com/containerd/containerd/v2's cmd/containerd
#             with CGO_ENABLED=0 inside that module, so its own go.mod decides the build.
#   cricheck  test/matrix/cricheck built against containerd v2.1.9: runs the CRI runtime
#             plugin's start-up on a config without serving (see its doc comment).
#
# Everything goes to a cache keyed by version (and by a hash of cricheck's sources), shared
# by every clone on the machine: $PULUMI_K3S_CONTAINERD_DIR, default
# ~/.cache/pulumi-k3s/containerd. Present entries are reused. Needs go and, for 1.6, dpkg.
set -euo pipefail

CONTAINERD_20=2.0.14
CONTAINERD_21=2.1.9
MODULE=github.com/containerd/containerd/v2

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${PULUMI_K3S_CONTAINERD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-k3s/containerd}"
cricheck_src="$repo/test/matrix/cricheck"

log() { printf 'containerd-tools: %s\n' "$*" >&2; }

# Debian's containerd: the installed package, else its .deb unpacked into the cache.
debian_containerd() {
  local version dir scratch deb
  version="$(dpkg-query -W -f '${Version}' containerd 2>/dev/null || true)"
  if [ -n "$version" ] && [ -x /usr/bin/containerd ]; then
    echo "debian $version /usr/bin/containerd"
    return
  fi
  for dir in "$cache"/debian-*; do
    if [ -x "$dir/containerd" ]; then
      echo "debian ${dir##*/debian-} $dir/containerd"
      return
    fi
  done
  log "Debian's containerd is not installed; unpacking \`apt-get download containerd\`"
  scratch="$(mktemp -d)"
  chmod 755 "$scratch" # apt's download user must be able to write there
  if ! (cd "$scratch" && apt-get download containerd >&2); then
    rm -rf "$scratch"
    log "apt-get download containerd failed: run \`apt-get update\` first, or install the" \
      "package with \`apt-get install -y containerd\`"
    return 1
  fi
  deb="$(ls "$scratch"/containerd_*.deb)"
  version="$(dpkg-deb -f "$deb" Version)"
  dpkg-deb -x "$deb" "$scratch/root"
  mkdir -p "$cache/debian-$version"
  mv "$scratch/root/usr/bin/containerd" "$cache/debian-$version/containerd"
  rm -rf "$scratch"
  echo "debian $version $cache/debian-$version/containerd"
}

# containerd v$1 built from the module proxy; prints how long a build took.
containerd_v2() {
  local version="$1" out="$cache/v$1" src started
  if [ ! -x "$out/containerd" ]; then
    log "building containerd v$version (CGO_ENABLED=0), once per machine"
    started=$SECONDS
    src="$(cd "$cache" && go mod download -json "$MODULE@v$version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [ -d "$src" ] || { log "go mod download $MODULE@v$version failed"; return 1; }
    mkdir -p "$out.tmp"
    # The module zip has a vendor/modules.txt but no vendored code: read go.mod instead.
    (cd "$src" && CGO_ENABLED=0 go build -mod=mod -trimpath \
      -ldflags "-X $MODULE/version.Version=v$version" \
      -o "$out.tmp/containerd" ./cmd/containerd) >&2
    rm -rf "$out" && mv "$out.tmp" "$out"
    log "built containerd v$version in $((SECONDS - started))s"
  fi
  echo "containerd $version $out/containerd"
}

# cricheck, keyed by its sources; its go.mod must require the same v2.1 patch as above.
cricheck() {
  local key out started
  if ! grep -q "$MODULE v$CONTAINERD_21\$" "$cricheck_src/go.mod"; then
    log "test/matrix/cricheck/go.mod must require $MODULE v$CONTAINERD_21"
    return 1
  fi
  key="$(cat "$cricheck_src"/go.mod "$cricheck_src"/go.sum "$cricheck_src"/*.go |
    sha256sum | cut -c1-12)"
  out="$cache/cricheck-v$CONTAINERD_21-$key"
  if [ ! -x "$out/cricheck" ]; then
    log "building cricheck against containerd v$CONTAINERD_21"
    started=$SECONDS
    mkdir -p "$out.tmp"
    (cd "$cricheck_src" && CGO_ENABLED=0 go build -trimpath -o "$out.tmp/cricheck" .) >&2
    rm -rf "$out" && mv "$out.tmp" "$out"
    log "built cricheck in $((SECONDS - started))s"
  fi
  echo "cricheck $CONTAINERD_21 $out/cricheck"
}

main() {
  mkdir -p "$cache"
  # One builder at a time: parallel runs would otherwise race on the cache.
  exec 9>"$cache/.lock"
  flock 9
  debian_containerd
  containerd_v2 "$CONTAINERD_20"
  containerd_v2 "$CONTAINERD_21"
  cricheck
}

main "$@"
