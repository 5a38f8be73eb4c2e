#!/bin/sh
# Test double of K3s's install.sh, for the airgap flow only: the k3s binary must already be
# in the bin dir and nothing is downloaded. It writes what the real script leaves behind
# (service unit, its env file, the killall and uninstall scripts, the kubectl/crictl/ctr
# links) and starts the service through systemctl, honouring the INSTALL_K3S_* variables
# listed in test/doubles/README.md.
set -eu

info() { echo "[INFO]  $*"; }
fatal() {
	echo "[ERROR] $*" >&2
	exit 1
}

# Root is needed for every file written; the real script uses sudo the same way.
if [ "$(id -u)" -ne 0 ]; then
	exec sudo -E sh "$0" "$@"
fi

BIN_DIR=${INSTALL_K3S_BIN_DIR:-/usr/local/bin}
SYSTEMD_DIR=${INSTALL_K3S_SYSTEMD_DIR:-/etc/systemd/system}
DATA_DIR=${K3S_DATA_DIR:-/var/lib/rancher/k3s}

case "${INSTALL_K3S_SKIP_DOWNLOAD:-}" in
true | binary) ;;
*) fatal "the K3s install.sh double never downloads: set INSTALL_K3S_SKIP_DOWNLOAD=true" ;;
esac
[ -d /run/systemd/system ] || fatal "Can not find systemd to use as a process supervisor for k3s"
[ -x "$BIN_DIR/k3s" ] || fatal "$BIN_DIR/k3s is missing or not executable: place it there first"
if [ -n "${K3S_URL:-}" ]; then
	case "$K3S_URL" in
	https://*) ;;
	*) fatal "Only https:// URLs are supported for K3S_URL (have $K3S_URL)" ;;
	esac
fi

# The command: the first word of INSTALL_K3S_EXEC and the arguments, unless that word is a
# flag, in which case K3S_URL decides between agent and server.
set -f
# shellcheck disable=SC2086 # INSTALL_K3S_EXEC is split into words on purpose.
set -- ${INSTALL_K3S_EXEC:-} "$@"
set +f
case "${1:-}" in
"" | -*)
	if [ -n "${K3S_URL:-}" ]; then
		CMD_K3S=agent
		if [ -z "${K3S_TOKEN:-}" ] && [ -z "${K3S_TOKEN_FILE:-}" ]; then
			fatal "Defaulted k3s exec command to 'agent' because K3S_URL is defined," \
				"but K3S_TOKEN or K3S_TOKEN_FILE is not defined."
		fi
	else
		CMD_K3S=server
	fi
	;;
*)
	CMD_K3S=$1
	shift
	;;
esac

if [ -n "${INSTALL_K3S_NAME:-}" ]; then
	SERVICE=k3s-$INSTALL_K3S_NAME
elif [ "$CMD_K3S" = server ]; then
	SERVICE=k3s
else
	SERVICE=k3s-agent
fi
UNIT_FILE=$SYSTEMD_DIR/$SERVICE.service
ENV_FILE=$UNIT_FILE.env
VERSION_FILE=$BIN_DIR/.k3s-double-version

# The real script restarts only when binary, unit or env file changed. The double's binary
# is the same for every version, so the recorded version counts as part of the binary.
installed_hash() {
	for f in "$BIN_DIR/k3s" "$VERSION_FILE" "$UNIT_FILE" "$ENV_FILE"; do
		if [ -f "$f" ]; then sha256sum "$f"; fi
	done | sha256sum
}
BEFORE=$(installed_hash)

if [ -n "${INSTALL_K3S_VERSION:-}" ]; then
	info "Recording k3s version $INSTALL_K3S_VERSION for the K3s double"
	printf '%s\n' "$INSTALL_K3S_VERSION" >"$VERSION_FILE"
	chmod 0644 "$VERSION_FILE"
fi

for cmd in kubectl crictl ctr; do
	link=$BIN_DIR/$cmd
	if [ "${INSTALL_K3S_SYMLINK:-}" = skip ]; then
		info "Skipping $cmd symlink to k3s, INSTALL_K3S_SYMLINK=skip"
	elif [ "${INSTALL_K3S_SYMLINK:-}" = force ] || ! command -v "$cmd" >/dev/null 2>&1; then
		info "Creating $link symlink to k3s"
		ln -sf k3s "$link"
	else
		info "Skipping $link symlink to k3s, command exists in PATH at $(command -v "$cmd")"
	fi
done

# Quoting for systemd directives: double quotes, backslash before \ and ", and $ and %
# doubled so that systemd does not expand them.
unit_quote() {
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/[\\"]/\\&/g' -e 's/\$/$$/g' -e 's/%/%%/g')"
}
# Quoting for the environment file: double quotes with \ " $ and ` escaped.
env_quote() {
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/[\\"$`]/\\&/g')"
}

write_file() { # path mode: content on stdin, replaced atomically
	tmp="$1.tmp.$$"
	(umask 077 && cat >"$tmp")
	chmod "$2" "$tmp"
	mv -f "$tmp" "$1"
}

info "Writing $ENV_FILE"
env | sed -n 's/^\(K3S_[A-Za-z0-9_]*\|CONTAINERD_[A-Za-z0-9_]*\|KINE_[A-Za-z0-9_]*\)=.*/\1/p;
	s/^\([Hh][Tt][Tt][Pp][Ss]*_[Pp][Rr][Oo][Xx][Yy]\|[Nn][Oo]_[Pp][Rr][Oo][Xx][Yy]\)=.*/\1/p' |
	sort -u | while read -r name; do
	eval "value=\${$name}"
	# shellcheck disable=SC2154 # assigned by the eval above
	printf '%s=%s\n' "$name" "$(env_quote "$value")"
done | write_file "$ENV_FILE" 0600

info "Writing $UNIT_FILE"
{
	printf '[Unit]\nDescription=Lightweight Kubernetes (K3s double)\n'
	printf 'Wants=network-online.target\nAfter=network-online.target\n\n'
	printf '[Install]\nWantedBy=multi-user.target\n\n'
	printf '[Service]\nType=%s\n' "${INSTALL_K3S_TYPE:-notify}"
	printf 'EnvironmentFile=-%s\n' "$ENV_FILE"
	printf 'KillMode=process\nDelegate=yes\nTimeoutStartSec=0\nRestart=always\nRestartSec=5s\n'
	printf 'ExecStart=%s \\\n    %s' "$BIN_DIR/k3s" "$CMD_K3S"
	for arg in "$@"; do
		printf ' \\\n    %s' "$(unit_quote "$arg")"
	done
	printf '\n'
} | write_file "$UNIT_FILE" 0644

info "Writing $BIN_DIR/k3s-killall.sh"
write_file "$BIN_DIR/k3s-killall.sh" 0755 <<EOF
#!/bin/sh
# Written by the K3s install.sh double: stops every K3s unit and removes the CNI state.
set -u
[ "\$(id -u)" -eq 0 ] || exec sudo "\$0" "\$@"
for unit in $SYSTEMD_DIR/k3s*.service; do
	[ -f "\$unit" ] && systemctl stop "\$(basename "\$unit")"
done
rm -rf /var/lib/cni/
EOF

UNINSTALL=$BIN_DIR/$SERVICE-uninstall.sh
info "Writing $UNINSTALL"
write_file "$UNINSTALL" 0755 <<EOF
#!/bin/sh
# Written by the K3s install.sh double: removes what install.sh and K3s left on this node.
set -u
[ "\$(id -u)" -eq 0 ] || exec sudo "\$0" "\$@"
K3S_DATA_DIR=\${K3S_DATA_DIR:-$DATA_DIR}
case "\$K3S_DATA_DIR" in
/?*) ;;
*) echo "refusing to remove data dir '\$K3S_DATA_DIR'" >&2; exit 1 ;;
esac
"$BIN_DIR/k3s-killall.sh"
systemctl disable $SERVICE
rm -f "$UNIT_FILE" "$ENV_FILE"
systemctl daemon-reload
rm -rf /etc/rancher/k3s /run/k3s /run/flannel "\$K3S_DATA_DIR" /var/lib/kubelet
for cmd in kubectl crictl ctr; do
	[ -L "$BIN_DIR/\$cmd" ] && rm -f "$BIN_DIR/\$cmd"
done
# The binary and killall are shared by a server and an agent unit on the same node.
if ! ls $SYSTEMD_DIR/k3s*.service >/dev/null 2>&1; then
	rm -f "$BIN_DIR/k3s" "$VERSION_FILE" "$BIN_DIR/k3s-killall.sh"
fi
rm -f "\$0"
EOF

if [ "${INSTALL_K3S_SKIP_ENABLE:-}" = true ]; then
	info "Skipping enable and start of $SERVICE, INSTALL_K3S_SKIP_ENABLE=true"
	exit 0
fi
info "Enabling $SERVICE unit"
systemctl enable "$SERVICE" >/dev/null
systemctl daemon-reload >/dev/null
if [ "${INSTALL_K3S_SKIP_START:-}" = true ]; then
	info "Skipping start of $SERVICE, INSTALL_K3S_SKIP_START=true"
	exit 0
fi
if [ "$BEFORE" = "$(installed_hash)" ] && [ "${INSTALL_K3S_FORCE_RESTART:-}" != true ]; then
	info "No change detected so skipping service start"
	exit 0
fi
info "Starting $SERVICE"
systemctl restart "$SERVICE"
