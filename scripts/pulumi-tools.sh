#!/usr/bin/env bash
# Makes the Pulumi engine and a `command` resource plugin available offline.
#
#   source scripts/pulumi-tools.sh     exports PATH, PULUMI_HOME and the offline PULUMI_* settings
#   bash scripts/pulumi-tools.sh       same checks/builds; prints the CLI's bin dir on stdout
#   bash scripts/pulumi-tools.sh --env prints `export ...` lines, for `eval`
#
# CLI v3.248.0: a `pulumi` on PATH at that version is used; otherwise it is built from the Go
# module proxy into a cache keyed by version ($PULUMI_K3S_TOOLS_DIR, default
# ~/.cache/pulumi-k3s/tools), shared by every clone on the machine.
#
# `command` plugin: the real pulumi-resource-command 1.2.1 is preferred when found on PATH or
# in $PULUMI_HOME's plugin cache. The proxy refuses its module (403), so otherwise the
# stand-in in test/doubles/command-provider is built (keyed by a hash of its sources) and
# installed into $PULUMI_HOME as plugin `resource command 1.2.1`.
#
# No Node.js language host is built: the proxy refuses its module too (403). Programs run as
# inline Automation API programs instead, where the CLI connects back to the calling Node
# process (--client) and needs no language host. See test/support/engine.ts.
#
# Exported for other scripts: PULUMI_K3S_PULUMI_ROOT (PulumiCommand.get({root})),
# PULUMI_K3S_COMMAND_PROVIDER (the plugin binary), PULUMI_K3S_COMMAND_PROVIDER_KIND
# (real | stand-in).

# Sourced or run? When sourced, never change the caller's shell options or exit its shell:
# all work with `set -e` happens in subshells, and failures `return`.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then _pt_sourced=1; else _pt_sourced=0; fi

PULUMI_K3S_PULUMI_VERSION=3.248.0
PULUMI_K3S_COMMAND_VERSION=1.2.1

_pt_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_pt_tools="${PULUMI_K3S_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-k3s/tools}"
_pt_double_src="$_pt_repo/test/doubles/command-provider"
# Same flags for both builds, so the stand-in reuses the CLI's compiled sdk packages.
_pt_goflags=(-trimpath -tags osusergo,grpcnotrace)

_pt_log() { printf 'pulumi-tools: %s\n' "$*" >&2; }

# One builder at a time per machine: parallel test runs would otherwise race on the cache.
_pt_locked() {
  mkdir -p "$_pt_tools" && flock "$_pt_tools/.lock" "$@"
}

# Prints the directory holding a `pulumi` at the pinned version, building it if needed.
_pt_cli_dir() (
  set -euo pipefail
  local cached="$_pt_tools/pulumi-v$PULUMI_K3S_PULUMI_VERSION/bin"
  if [ -x "$cached/pulumi" ]; then
    echo "$cached"
    return
  fi
  local onpath
  onpath="$(command -v pulumi || true)"
  if [ -n "$onpath" ] &&
    [ "$(PULUMI_SKIP_UPDATE_CHECK=true "$onpath" version 2>/dev/null)" = \
      "v$PULUMI_K3S_PULUMI_VERSION" ]; then
    dirname "$onpath"
    return
  fi
  _pt_locked bash "${BASH_SOURCE[0]}" --build-cli >&2
  echo "$cached"
)

_pt_build_cli() (
  set -euo pipefail
  local v="$PULUMI_K3S_PULUMI_VERSION" dir="$_pt_tools/pulumi-v$PULUMI_K3S_PULUMI_VERSION"
  [ -x "$dir/bin/pulumi" ] && return 0 # built by another process while we waited
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
  _pt_log "building the Pulumi CLI v$v from Go modules (cold: ~3-4 min on 2 cores, ~3 GB)"
  rm -rf "$dir/src" && mkdir -p "$dir/src" "$dir/bin"
  cd "$dir/src"
  # pkg/v3 has local-path replaces, so `go install pkg@version` refuses it: a throwaway
  # wrapper module requires it instead and repeats upstream's one third-party replace.
  go mod init local/pulumi-k3s-engine
  local clip=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
  go mod edit -replace="github.com/atotto/clipboard=$clip"
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$v" "github.com/pulumi/pulumi/sdk/v3@v$v"
  # Both halves of the release must stay at the pinned version.
  [ "$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3 \
    github.com/pulumi/pulumi/sdk/v3 | sort -u)" = "v$v" ]
  # The version ldflag is required: the Automation API refuses inline destroy/refresh
  # with a CLI whose version it cannot parse.
  go build "${_pt_goflags[@]}" -o "$dir/bin/pulumi.partial" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$dir/bin/pulumi.partial" "$dir/bin/pulumi"
)

# A provider binary is the stand-in when it carries the marker string of main.go.
_pt_is_stand_in() { grep -qa 'pulumi-k3s-command-stand-in' "$1"; }

# Prints "<kind> <binary>" for the command plugin, building the stand-in if needed.
_pt_command_provider() (
  set -euo pipefail
  local onpath cached="$PULUMI_HOME/plugins/resource-command-v$PULUMI_K3S_COMMAND_VERSION"
  onpath="$(command -v pulumi-resource-command || true)"
  if [ -n "$onpath" ] && ! _pt_is_stand_in "$onpath"; then
    echo "real $onpath"
    return
  fi
  if [ -x "$cached/pulumi-resource-command" ] &&
    ! _pt_is_stand_in "$cached/pulumi-resource-command"; then
    echo "real $cached/pulumi-resource-command"
    return
  fi
  local hash bin
  hash="$(cd "$_pt_double_src" && ls go.mod go.sum *.go | grep -v '_test\.go$' |
    xargs cat | sha256sum | cut -c1-12)"
  bin="$_pt_tools/command-stand-in-$hash/pulumi-resource-command"
  [ -x "$bin" ] || _pt_locked bash "${BASH_SOURCE[0]}" --build-stand-in "$bin" >&2
  if ! cmp -s "$bin" "$cached/pulumi-resource-command"; then
    _pt_log "installing the command stand-in as plugin resource command" \
      "$PULUMI_K3S_COMMAND_VERSION into $PULUMI_HOME"
    "$1/pulumi" plugin install resource command "$PULUMI_K3S_COMMAND_VERSION" \
      --file "$bin" --reinstall >&2
  fi
  echo "stand-in $bin"
)

_pt_build_stand_in() (
  set -euo pipefail
  [ -x "$1" ] && return 0
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
  _pt_log "building the command provider stand-in (the real one is refused by the proxy)"
  mkdir -p "$(dirname "$1")"
  cd "$_pt_double_src"
  go build "${_pt_goflags[@]}" -ldflags "-s -w" -o "$1.partial" .
  mv "$1.partial" "$1"
)

# Internal entry points, used under the lock.
if [ "$_pt_sourced" = 0 ]; then
  case "${1:-}" in
    --build-cli) _pt_build_cli; exit ;;
    --build-stand-in) _pt_build_stand_in "$2"; exit ;;
  esac
fi

_pt_setup() {
  local cli kind_bin
  export PULUMI_HOME="${PULUMI_K3S_PULUMI_HOME:-$_pt_repo/.state/pulumi-home}"
  mkdir -p "$PULUMI_HOME" || return
  cli="$(_pt_cli_dir)" || return
  case ":$PATH:" in
    *":$cli:"*) ;;
    *) export PATH="$cli:$PATH" ;;
  esac
  export PULUMI_K3S_PULUMI_ROOT="$(dirname "$cli")"
  # Nothing may reach out: no update check, no plugin download, no registry look-up.
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  export PULUMI_DISABLE_REGISTRY_RESOLVE=true
  # Local state only; an inherited cloud backend would mean network traffic.
  case "${PULUMI_BACKEND_URL:-}" in
    file://*) ;;
    *) export PULUMI_BACKEND_URL="file://$_pt_repo/.state/backend" ;;
  esac
  mkdir -p "${PULUMI_BACKEND_URL#file://}" || return
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-pulumi-k3s-local}"
  # A stale agent socket is a hard dial error for the command provider, even with a key.
  unset SSH_AUTH_SOCK
  kind_bin="$(_pt_command_provider "$cli")" || return
  export PULUMI_K3S_COMMAND_PROVIDER_KIND="${kind_bin%% *}"
  export PULUMI_K3S_COMMAND_PROVIDER="${kind_bin#* }"
}

if [ "$_pt_sourced" = 1 ]; then
  _pt_setup || { _pt_log "failed"; return 1; }
else
  set -euo pipefail
  _pt_setup
  if [ "${1:-}" = "--env" ]; then
    for _pt_v in PATH PULUMI_HOME PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE \
      PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION \
      PULUMI_DISABLE_REGISTRY_RESOLVE PULUMI_K3S_PULUMI_ROOT PULUMI_K3S_COMMAND_PROVIDER \
      PULUMI_K3S_COMMAND_PROVIDER_KIND; do
      printf 'export %s=%q\n' "$_pt_v" "${!_pt_v}"
    done
    echo "unset SSH_AUTH_SOCK"
  else
    _pt_log "pulumi $PULUMI_K3S_PULUMI_VERSION in $PULUMI_K3S_PULUMI_ROOT/bin;" \
      "command plugin: $PULUMI_K3S_COMMAND_PROVIDER_KIND $PULUMI_K3S_COMMAND_PROVIDER"
    printf '%s\n' "$PULUMI_K3S_PULUMI_ROOT/bin"
  fi
fi
