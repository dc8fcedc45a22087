#!/bin/sh
# Installs the systemd units of dist/systemd with their paths filled in, for make install.
# Usage: dist/install-units.sh BINDIR SYSCONFDIR UNITDIR RECORDDIR [FORCE]
#
# Never overwrites a unit an operator edited: each installed unit is also kept in RECORDDIR; when
# the unit in UNITDIR differs from that record (or exists without one and differs from the new
# unit), it is left as it is and the install fails, saying to use a drop-in (systemctl edit) or
# FORCE=1. An unedited unit is replaced by the new one (an upgrade).
set -eu
bindir=$1 sysconfdir=$2 unitdir=$3 recorddir=$4 force=${5:-}
here=$(dirname "$0")
mkdir -p "$unitdir" "$recorddir"
refused=""
for template in "$here"/systemd/*.service; do
    name=$(basename "$template")
    new=$(mktemp)
    sed -e "s|@BINDIR@|$bindir|g" -e "s|@SYSCONFDIR@|$sysconfdir|g" "$template" > "$new"
    target="$unitdir/$name"
    record="$recorddir/$name"
    if [ -e "$target" ] && [ -z "$force" ]; then
        if [ -e "$record" ]; then
            edited=$(cmp -s "$target" "$record" || echo yes)
        else
            edited=$(cmp -s "$target" "$new" || echo yes)
        fi
        if [ -n "$edited" ]; then
            refused="$refused $target"
            rm -f "$new"
            continue
        fi
    fi
    install -m 0644 "$new" "$target"
    install -m 0644 "$new" "$record"
    rm -f "$new"
done
if [ -n "$refused" ]; then
    echo "make install: not replaced, edited since they were installed:$refused" >&2
    echo "  Put local changes in a drop-in (systemctl edit UNIT) and restore the file, or run make install FORCE=1 to replace them." >&2
    exit 1
fi
