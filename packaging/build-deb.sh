#!/usr/bin/env bash
# Builds the tvd-overlay Debian package with dpkg-deb (make deb; docs/packaging.md).
#   packaging/build-deb.sh PUBLISH_DIR OUT_DIR      prints the .deb's path
# PUBLISH_DIR is the self-contained publish of tvd-overlayd and tvdctl (make deb makes it). The version comes from
# VERSION, like the assemblies'. Depends lists the Debian packages of the libraries the program loads: those the
# .NET runtime links, OpenSSL (System.Security.Cryptography), and what we P/Invoke (tpm2-tss, libvirt).
set -euo pipefail

publish=${1:?usage: packaging/build-deb.sh PUBLISH_DIR OUT_DIR}
out=${2:?usage: packaging/build-deb.sh PUBLISH_DIR OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
version=$(tr -d '[:space:]' <"$here/../VERSION")
[[ $version =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { echo "build-deb: VERSION '$version' is not a Debian version" >&2; exit 2; }

# Library (as the code names it) -> the Debian package that ships it, checked with dpkg -S on this machine at
# build time, so a renamed package (a new tpm2-tss soname) fails the build instead of the install.
libraries=(
    libc.so.6 libgcc_s.so.1 libstdc++.so.6        # the .NET runtime (libcoreclr, libclrjit, host)
    libssl.so.3 libcrypto.so.3                    # System.Security.Cryptography: AES-GCM, ECDH, ECDSA, RSA, HMAC
    libtss2-esys.so.0 libtss2-tctildr.so.0 libtss2-mu.so.0 libtss2-rc.so.0   # Overlay.Attest/Interop
    libtss2-tcti-device.so.0 libtss2-tcti-swtpm.so.0   # the TCTIs tctildr loads: /dev/tpmrm0, the embedded swtpm
    libvirt.so.0                                  # Overlay.Hypervisor/Interop
)
depends=()
for lib in "${libraries[@]}"; do
    owner=$(dpkg -S "*/x86_64-linux-gnu/$lib" 2>/dev/null | grep -v -- '-dev:' | head -1 | cut -d: -f1) || true
    [[ -n $owner ]] || { echo "build-deb: no installed Debian package ships $lib (scripts/deps.sh installs them)" >&2; exit 2; }
    [[ " ${depends[*]} " == *" $owner "* ]] || depends+=("$owner")
done
depends+=(iproute2)                               # the ip command (Overlay.Hypervisor: TAP ports of libvirt guests)

stage=$(mktemp -d "${TMPDIR:-/tmp}/tvd-overlay-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
DESTDIR=$root PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system TMPFILESDIR=/usr/lib/tmpfiles.d \
    "$here/install.sh" "$publish" >/dev/null

doc=$root/usr/share/doc/tvd-overlay
install -m 644 "$here/debian/copyright" "$doc/copyright"
# DEB_MAINTAINER names who distributes the build (Maintainer, changelog); the default is a placeholder.
maintainer=${DEB_MAINTAINER:-TVD Overlay developers <tvd-overlay@localhost>}
printf 'tvd-overlay (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- %s  %s\n' \
    "$version" "$(git -C "$here/.." describe --always --dirty 2>/dev/null || echo 'a source tree')" "$maintainer" \
    "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$here/.." log -1 --format=%ct 2>/dev/null || date +%s)}")" \
    | gzip -9n >"$doc/changelog.gz"
install -d "$root/usr/share/lintian/overrides"
install -m 644 "$here/debian/lintian-overrides" "$root/usr/share/lintian/overrides/tvd-overlay"

install -d -m 755 "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@SIZE@|$size|" -e "s|@MAINTAINER@|$maintainer|" -e "s|@DEPENDS@|$(IFS=,; echo "${depends[*]}" | sed 's/,/, /g')|" \
    "$here/debian/control.in" >"$root/DEBIAN/control"
# Every file under /etc is a conffile: dpkg keeps local edits on upgrade and removes them only on purge.
(cd "$root" && find etc -type f | sort | sed 's|^|/|') >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 755 "$here/debian/$script" "$root/DEBIAN/$script"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/tvd-overlay_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
