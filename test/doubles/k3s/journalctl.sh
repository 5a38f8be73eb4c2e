#!/bin/sh
# journalctl test double: prints the journal the systemctl double keeps for a unit.
# Understands -u UNIT (repeatable), -n N / --lines=N; other options are ignored.
set -eu
lines=100
units=""
while [ $# -gt 0 ]; do
	case "$1" in
	-u | --unit) units="$units $2"; shift ;;
	--unit=*) units="$units ${1#--unit=}" ;;
	-n | --lines) lines=$2; shift ;;
	--lines=*) lines=${1#--lines=} ;;
	esac
	shift
done
for unit in $units; do
	case "$unit" in *.*) ;; *) unit="$unit.service" ;; esac
	log="/run/k3s-double/$unit.log"
	if [ -f "$log" ]; then tail -n "$lines" "$log"; else echo "-- No entries --"; fi
done
