#!/usr/bin/env bash
# Installs a published tvd-overlay tree (make install, and the staging of make deb): docs/packaging.md.
#   packaging/install.sh PUBLISH_DIR
# Locations come from the environment (make passes them): DESTDIR (staging root, default none), PREFIX
# (/usr/local), SYSCONFDIR (/etc for PREFIX=/usr, else PREFIX/etc), UNITDIR, TMPFILESDIR. The unit and the daemon
# config name the installed paths (without DESTDIR). An existing config file is never overwritten: the new one
# goes beside it as FILE.new.
set -euo pipefail

publish=${1:?usage: packaging/install.sh PUBLISH_DIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
PREFIX=${PREFIX%/}
if [[ $PREFIX == /usr ]]; then : "${SYSCONFDIR:=/etc}"; else : "${SYSCONFDIR:=$PREFIX/etc}"; fi
: "${UNITDIR:=$PREFIX/lib/systemd/system}"
: "${TMPFILESDIR:=$PREFIX/lib/tmpfiles.d}"
libdir=$PREFIX/lib/tvd-overlay
sbindir=$PREFIX/sbin
bindir=$PREFIX/bin
docdir=$PREFIX/share/doc/tvd-overlay
completions=$PREFIX/share/bash-completion/completions
confdir=$SYSCONFDIR/tvd-overlay

for f in tvd-overlayd tvd-overlayd.dll tvdctl tvdctl.dll; do
    [[ -e $publish/$f ]] || { echo "install: $publish/$f is missing (make install publishes it first)" >&2; exit 2; }
done

# The self-contained publish: both programs and the .NET runtime they share, in one private directory.
# libcoreclrtraceptprovider.so only serves LTTng tracing and links liblttng-ust, which Debian 12 does not
# install by default; the runtime runs without it (no LTTng events).
install -d "$DESTDIR$libdir"
cp -a "$publish/." "$DESTDIR$libdir/"
rm -f "$DESTDIR$libdir/libcoreclrtraceptprovider.so" "$DESTDIR$libdir"/*.pdb "$DESTDIR$libdir/.published"
# Assemblies, libraries and data are read, not executed: 0644; only the two app hosts and the runtime's crash-dump
# helper are programs.
find "$DESTDIR$libdir" -type d -exec chmod 755 {} +
find "$DESTDIR$libdir" -type f -exec chmod 644 {} +
chmod 755 "$DESTDIR$libdir/tvd-overlayd" "$DESTDIR$libdir/tvdctl"
if [[ -f $DESTDIR$libdir/createdump ]]; then chmod 755 "$DESTDIR$libdir/createdump"; fi

install -d "$DESTDIR$sbindir" "$DESTDIR$bindir"
ln -sfn "$(realpath -m --relative-to="$sbindir" "$libdir/tvd-overlayd")" "$DESTDIR$sbindir/tvd-overlayd"
ln -sfn "$(realpath -m --relative-to="$bindir" "$libdir/tvdctl")" "$DESTDIR$bindir/tvdctl"

# Paths in the unit and the config follow PREFIX and SYSCONFDIR.
paths() { sed -e "s|/usr/sbin/tvd-overlayd|$sbindir/tvd-overlayd|g" -e "s|/etc/tvd-overlay/|$confdir/|g" \
              -e "s|/usr/share/doc/tvd-overlay/|$docdir/|g" "$1"; }
install -d "$DESTDIR$UNITDIR" "$DESTDIR$TMPFILESDIR" "$DESTDIR$completions" "$DESTDIR$docdir"
paths "$here/tvd-overlayd.service" >"$DESTDIR$UNITDIR/tvd-overlayd.service"
install -m 644 "$here/tvd-overlay.tmpfiles" "$DESTDIR$TMPFILESDIR/tvd-overlay.conf"
install -m 644 "$here/tvdctl.bash-completion" "$DESTDIR$completions/tvdctl"
chmod 644 "$DESTDIR$UNITDIR/tvd-overlayd.service"
install -m 644 "$repo"/docs/*.md "$DESTDIR$docdir/"
install -m 644 "$repo/README.md" "$DESTDIR$docdir/README.md"

install -d -m 755 "$DESTDIR$confdir"
put_config() {                    # put_config SOURCE NAME: never over an existing file
    local target=$DESTDIR$confdir/$2
    if [[ -e $target ]] && ! cmp -s <(paths "$1") "$target"; then
        paths "$1" >"$target.new"; chmod 644 "$target.new"
        echo "install: $target exists and was kept; the shipped version is $target.new"
    else
        paths "$1" >"$target"; chmod 644 "$target"
    fi
}
put_config "$here/overlayd.toml" overlayd.toml
put_config "$repo/examples/policy.toml" policy.toml
put_config "$repo/examples/reference.txt" reference.txt
echo "install: $sbindir/tvd-overlayd, $bindir/tvdctl ($libdir), $confdir/, $UNITDIR/tvd-overlayd.service${DESTDIR:+ under $DESTDIR}"
