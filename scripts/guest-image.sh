#!/usr/bin/env bash
# Builds the tiny test guest: Debian's kernel and an initramfs of busybox plus the virtio-net modules.
#   scripts/guest-image.sh OUTDIR
#   scripts/guest-image.sh --boinc OUTDIR    # the same guest plus the BOINC client (boinc-client 7.20) and the demo's app
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.img and OUTDIR/manifest.txt. Boot it direct (libvirt <kernel>/<initrd>) with
#   console=ttyS0 quiet panic=-1 tvd.ip=192.168.101.10/24 [tvd.gw=192.168.101.1] [tvd.name=NAME]
#   [tvd.boinc_url=http://ADDR[:PORT]/ [tvd.boinc_auth=HEX32]]   (--boinc images only)
# and the guest configures eth0 (the first virtio NIC), answers ping, echoes TCP on port 7 (busybox nc) and
# serves "tvd-guest NAME IP" over HTTP on port 80 (busybox httpd). It prints "tvd-guest: ready ..." on ttyS0.
# With tvd.boinc_url the --boinc guest then starts the BOINC client, attached to that project, its log on ttyS0.
#
# Idempotent and cached by content: the .debs are kept in $TVD_GUEST_CACHE (default /var/cache/tvd-overlay/guest),
# and OUTDIR is rebuilt only when the .debs, this script (and demo/boinc/app/) or the outputs themselves changed.
# Needs python3 (writes the cpio), and for --boinc readelf (binutils). Nothing is installed: the packages are only
# downloaded (apt-get download) and unpacked (dpkg-deb -x). --boinc takes from boinc-client's .deb the two programs,
# and from the .debs it depends on (transitively, found by the ELF NEEDED entries) the shared libraries they load.
# Overrides: TVD_GUEST_KERNEL_PKG (default: what linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64).
set -euo pipefail

boinc=0
if [[ ${1:-} == --boinc ]]; then
  boinc=1
  shift
fi
[[ $# -eq 1 && $1 != -* ]] || { echo "usage: $0 [--boinc] OUTDIR" >&2; exit 2; }
out=$1
cache=${TVD_GUEST_CACHE:-/var/cache/tvd-overlay/guest}
self=$(readlink -f "$0")
app_dir=$(dirname "$self")/../demo/boinc/app # the demo's BOINC application, copied whole into --boinc images
work= # the scratch dir, removed on exit

# Loaded in this order: each needs the ones before it (virtio_net needs net_failover, which needs failover).
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net)

say() { echo "guest-image: $*"; }
die() { echo "guest-image: $*" >&2; exit 1; }

# Refreshes the apt lists (at most once per lookup): missing lists (a fresh container) and lists older than the mirror
# (the version they name was superseded and is gone) both show up as a failed lookup or download.
refreshed=0
refresh_apt_lists() {
  ((refreshed == 0)) && [[ $(id -u) -eq 0 ]] || return 1
  refreshed=1
  say "refreshing the apt lists (apt-get update)" >&2
  apt-get update -qq >&2
}

# Newest cached .deb of package $1 (apt-get download names them NAME_VERSION_ARCH.deb).
cached_deb() { find "$cache" -maxdepth 1 -name "${1}_*.deb" -printf '%f\n' 2>/dev/null | sort -V | tail -n1; }

# Downloads package $1 into the cache unless a .deb of it is there already; prints the .deb's path.
fetch_deb() {
  local pkg=$1 deb
  deb=$(cached_deb "$pkg")
  if [[ -z $deb ]]; then
    # As root, apt's sandbox user _apt cannot write the cache dir; download as root instead of warning about it.
    download() { (cd "$cache" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2); }
    download || { refresh_apt_lists && download; } || die "apt-get download $pkg failed"
    deb=$(cached_deb "$pkg")
  fi
  [[ -n $deb ]] || die "no .deb for $pkg in $cache"
  echo "$cache/$deb"
}

kernel_pkg() {
  if [[ -n ${TVD_GUEST_KERNEL_PKG:-} ]]; then
    echo "$TVD_GUEST_KERNEL_PKG"
    return
  fi
  local pkg
  depends() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
  pkg=$(depends)
  if [[ -z $pkg ]] && refresh_apt_lists; then
    pkg=$(depends)
  fi
  if [[ -z $pkg ]]; then
    # Offline with no apt lists: use a kernel already in the cache.
    pkg=$(find "$cache" -maxdepth 1 -name 'linux-image-*-amd64_*.deb' -printf '%f\n' 2>/dev/null | sort -V | tail -n1 | cut -d_ -f1)
  fi
  [[ -n $pkg ]] || die "cannot tell which linux-image package to use (apt-get update, or set TVD_GUEST_KERNEL_PKG)"
  echo "$pkg"
}

# The BOINC client and the shared libraries it loads (--boinc). Only the files the ELF walk reaches go into the image,
# not whole packages: the packages are unpacked under $work/pkg/NAME, and a soname one of them needs is looked up in
# the packages unpacked so far, else in those its package depends on (Debian's Depends name the package of every
# NEEDED library), downloaded one by one until one has it.
declare -A unpacked=() used=() walked=()
unpacked_order=()
libdirs=(lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib usr/lib)
hit_pkg= hit_path= # what find_soname found

unpack_pkg() {
  local pkg=$1 deb
  [[ -z ${unpacked[$pkg]:-} ]] || return 0
  deb=$(fetch_deb "$pkg") || die "cannot download $pkg"
  mkdir -p "$work/pkg/$pkg"
  dpkg-deb -x "$deb" "$work/pkg/$pkg"
  unpacked[$pkg]=$deb
  unpacked_order+=("$pkg")
}

# Sets hit_pkg and hit_path to the unpacked package and the path in it of soname $1 (a file or a symlink).
find_soname() {
  local pkg d
  for pkg in "${unpacked_order[@]}"; do
    for d in "${libdirs[@]}"; do
      if [[ -f $work/pkg/$pkg/$d/$1 || -L $work/pkg/$pkg/$d/$1 ]]; then
        hit_pkg=$pkg hit_path=$d/$1
        return 0
      fi
    done
  done
  return 1
}

# The packages package $1 depends on (Pre-Depends and Depends, the first of each alternative, no version or :any), the
# ones whose name holds the stem of soname $2 first (libcurl.so.4: curl, libz.so.1: z), then lib*, then the others.
deps_of() {
  local stem=${2#lib}
  stem=${stem%%.so*}
  stem=${stem//[^a-zA-Z0-9]/}
  dpkg-deb -f "${unpacked[$1]}" Pre-Depends Depends | sed 's/^[A-Za-z-]*: //' | tr ',' '\n' |
    sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' | grep . |
    awk -v stem="${stem,,}" '{ n = $0; gsub(/[^a-z0-9]/, "", n); print (index(n, stem) ? 0 : (n ~ /^lib/ ? 1 : 2)), NR, $0 }' |
    sort -k1,1n -k2,2n | cut -d' ' -f3
}

# Sets hit_pkg/hit_path for soname $2, needed by a file of package $1; downloads dependencies of $1 until one has it.
resolve_soname() {
  local dep
  find_soname "$2" && return 0
  for dep in $(deps_of "$1" "$2"); do
    [[ -z ${unpacked[$dep]:-} ]] || continue
    unpack_pkg "$dep"
    find_soname "$2" && return 0
  done
  return 1
}

# Copies path $2 of package $1's tree to the image root $3: a symlink as a symlink, and then what it points to.
copy_from_pkg() {
  local pkg=$1 rel=$2 root=$3 target
  used[$pkg]=1
  while :; do
    mkdir -p "$root/$(dirname "$rel")"
    cp -a "$work/pkg/$pkg/$rel" "$root/$rel"
    [[ -L $work/pkg/$pkg/$rel ]] || return 0
    target=$(readlink "$work/pkg/$pkg/$rel")
    [[ $target == /* ]] || target=/$(dirname "$rel")/$target
    rel=$(realpath -ms --relative-to=/ "$target") # -s: the host's own /lib symlink must not count
  done
}

# Copies ELF $2 of package $1 to the image root $3, and every shared library it needs, transitively.
walk_elf() {
  local pkg=$1 rel=$2 root=$3 so
  [[ -z ${walked[$pkg/$rel]:-} ]] || return 0
  walked[$pkg/$rel]=1
  copy_from_pkg "$pkg" "$rel" "$root"
  for so in $(readelf -d "$work/pkg/$pkg/$rel" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
    resolve_soname "$pkg" "$so" || die "$so, needed by /$rel of $pkg, is in none of the packages $pkg depends on"
    walk_elf "$hit_pkg" "$hit_path" "$root"
  done
}

# boinc-client's programs, their libraries and the dynamic loader; the demo's app; the few /etc files the client reads.
add_boinc() {
  local root=$1 prog interp pkg f
  unpack_pkg boinc-client
  for prog in usr/bin/boinc usr/bin/boinccmd; do
    [[ -e $work/pkg/boinc-client/$prog ]] || die "no /$prog in ${unpacked[boinc-client]}"
    walk_elf boinc-client "$prog" "$root"
  done
  interp=$(readelf -l "$work/pkg/boinc-client/usr/bin/boinc" | sed -n 's/.*program interpreter: \(.*\)\]$/\1/p')
  [[ -n $interp ]] || die "/usr/bin/boinc names no program interpreter"
  for pkg in "${unpacked_order[@]}" ''; do
    [[ -n $pkg ]] || die "the program interpreter $interp is in none of the unpacked packages"
    if [[ -f $work/pkg/$pkg$interp || -L $work/pkg/$pkg$interp ]]; then
      copy_from_pkg "$pkg" "${interp#/}" "$root"
      break
    fi
  done

  # Every file of demo/boinc/app; /init copies them into the project's directory once it knows the project's URL.
  mkdir -p "$root/usr/share/tvd-boinc"
  cp -r "$app_dir" "$root/usr/share/tvd-boinc/app"
  for f in $(find "$root/usr/share/tvd-boinc/app" -type f); do
    if [[ -x $f ]]; then chmod 755 "$f"; else chmod 644 "$f"; fi
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo '127.0.0.1 localhost' >"$root/etc/hosts"
  printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
}

# The guest's PID 1. It must never exit: the kernel panics when init does (and panic=-1 reboots the guest).
write_init() {
  cat >"$1" <<'INIT'
#!/bin/busybox sh
# TVD Overlay test guest (generated by scripts/guest-image.sh).
/bin/busybox mkdir -p /proc /sys /dev /tmp /www
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
log() { echo "tvd-guest: $*"; }

for m in $(cat /etc/modules.order); do
  insmod "/lib/modules/$m.ko" || log "insmod $m failed"
done

ip= gw= name=guest boinc_url= boinc_auth=
for word in $(cat /proc/cmdline); do
  case $word in
    tvd.ip=*) ip=${word#tvd.ip=} ;;
    tvd.gw=*) gw=${word#tvd.gw=} ;;
    tvd.name=*) name=${word#tvd.name=} ;;
    tvd.boinc_url=*) boinc_url=${word#tvd.boinc_url=} ;;
    tvd.boinc_auth=*) boinc_auth=${word#tvd.boinc_auth=} ;;
  esac
done
hostname "$name"
ip link set lo up

# The NIC appears once virtio_net has probed the device; give it 10 s.
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -e /sys/class/net/eth0 ]; then
  log "no eth0"
elif [ -z "$ip" ]; then
  log "no tvd.ip= on the kernel command line; eth0 left unconfigured"
else
  ip link set eth0 up
  ip addr add "$ip" dev eth0
  [ -n "$gw" ] && ip route add default via "$gw"
  echo "tvd-guest $name $ip" >/www/index.html
  httpd -p 80 -h /www
  nc -ll -p 7 -e cat &
  log "ready name=$name ip=$ip mac=$(cat /sys/class/net/eth0/address)"
fi

# The BOINC client (images built with --boinc), attached to the project at tvd.boinc_url. Its data directory is
# prepared the way the client expects an anonymous-platform project: the project's directory (named as the client
# derives it from the master URL) holds app_info.xml and the app, so no application is downloaded or signed.
start_boinc() {
  dir=/var/lib/boinc
  if [ ! -x /usr/bin/boinc ]; then
    log "boinc: this image has no BOINC client (build it with scripts/guest-image.sh --boinc)"
    return
  fi
  case $boinc_url in
    http://*/) ;;
    *) log "boinc: tvd.boinc_url=$boinc_url is not http://ADDR[:PORT]/; client not started"; return ;;
  esac
  auth=${boinc_auth:-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')}
  case $auth in *[!0-9a-f]*) auth= ;; esac
  if [ ${#auth} -ne 32 ]; then
    log "boinc: tvd.boinc_auth is not 32 lower-case hex digits; client not started"
    return
  fi
  # The client's escape_project_url: scheme dropped, every other character than [A-Za-z0-9._-] made "_", one
  # trailing "_" dropped (http://10.0.0.1:8080/ is projects/10.0.0.1_8080).
  project=$(echo "$boinc_url" | sed -e 's|^http://||' -e 's|[^A-Za-z0-9._-]|_|g' -e 's|_$||')
  mkdir -p "$dir/projects/$project" "$dir/slots" /dev/pts
  mount -t devpts devpts /dev/pts # the client looks at the terminals' idle times
  # The client looks its host name up (and reports the address to the project).
  echo "${ip:-127.0.1.1/8} $(hostname)" | sed 's|/[0-9]* | |' >>/etc/hosts
  cp -a /usr/share/tvd-boinc/app/. "$dir/projects/$project/"
  # Compute whatever the load (the client suspends on a busy machine by default, and TCG is busy), and let tasks use
  # most of the RAM disk and memory (the defaults keep 100 MB free and half the RAM, little of a small VM).
  cat >"$dir/global_prefs_override.xml" <<PREFS
<global_preferences>
  <run_if_user_active>1</run_if_user_active>
  <suspend_cpu_usage>0</suspend_cpu_usage>
  <max_ncpus_pct>100</max_ncpus_pct>
  <cpu_usage_limit>100</cpu_usage_limit>
  <disk_max_used_gb>1</disk_max_used_gb>
  <disk_max_used_pct>90</disk_max_used_pct>
  <disk_min_free_gb>0.01</disk_min_free_gb>
  <ram_max_used_busy_pct>90</ram_max_used_busy_pct>
  <ram_max_used_idle_pct>90</ram_max_used_idle_pct>
</global_preferences>
PREFS
  cd "$dir"
  /usr/bin/boinc --dir "$dir" --allow_remote_gui_rpc --gui_rpc_port 31416 --skip_cpu_benchmarks --no_gpus \
    --no_info_fetch --attach_project "$boinc_url" "$auth" &
  log "boinc started pid=$! url=$boinc_url project_dir=$dir/projects/$project mem_available_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)"
  # The GUI RPC (port 31416, also from other hosts) wants the password the client wrote; shown for the demo's boinccmd.
  i=0
  until [ -s gui_rpc_auth.cfg ] && /usr/bin/boinccmd --host 127.0.0.1 --passwd "$(cat gui_rpc_auth.cfg)" --client_version >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 120 ] || { log "boinc: no GUI RPC answer within 120 s"; return; }
    sleep 1
  done
  log "boinc gui_rpc ready port=31416 password=$(cat gui_rpc_auth.cfg)"
}
[ -z "$boinc_url" ] || start_boinc &

while true; do sleep 3600; done
INIT
  chmod 755 "$1"
}

# Writes directory $1 as a cpio "newc" archive (the initramfs format) to stdout. Entries are sorted and
# inode numbers, owners and times fixed, so the same inputs give the same bytes (a stable digest to list as
# known-good); cpio tools copy inode numbers and times from the build machine.
write_newc() {
  python3 - "$1" <<'PY'
import os, stat, sys
root, out = sys.argv[1], sys.stdout.buffer
def entry(ino, name, mode, data=b"", rdev=0, nlink=1):
    n = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, os.major(rdev), os.minor(rdev), len(n), 0)
    out.write(b"070701" + b"".join(b"%08x" % f for f in fields) + n)
    out.write(b"\0" * (-(110 + len(n)) % 4) + data + b"\0" * (-len(data) % 4))
paths = []
for d, dirs, files in os.walk(root):
    paths += [os.path.join(d, x) for x in dirs + files]
for ino, p in enumerate(sorted(paths, key=lambda p: os.path.relpath(p, root).encode()), 1):
    st, name = os.lstat(p), os.path.relpath(p, root)
    if stat.S_ISDIR(st.st_mode): entry(ino, name, st.st_mode, nlink=2)
    elif stat.S_ISLNK(st.st_mode): entry(ino, name, st.st_mode, os.readlink(p).encode())
    elif stat.S_ISREG(st.st_mode): entry(ino, name, st.st_mode, open(p, "rb").read())
    else: entry(ino, name, st.st_mode, rdev=st.st_rdev)
entry(0, "TRAILER!!!", 0)
PY
}

build() {
  local kdeb=$1 bdeb=$2
  dpkg-deb -x "$kdeb" "$work/k"
  dpkg-deb -x "$bdeb" "$work/bb"
  local vmlinuz kver root=$work/root
  vmlinuz=$(find "$work/k/boot" -name 'vmlinuz-*' | head -n1)
  [[ -n $vmlinuz ]] || die "no /boot/vmlinuz-* in $kdeb"
  kver=${vmlinuz##*/vmlinuz-}

  mkdir -p "$root"/{bin,dev,etc,lib/modules,proc,sys,tmp,www}
  cp "$work/bb/bin/busybox" "$root/bin/busybox"
  for m in "${modules[@]}"; do
    local ko
    ko=$(find "$work/k/lib/modules/$kver" -name "$m.ko*" | head -n1)
    if [[ -z $ko ]]; then
      # Built into the kernel: nothing to load.
      grep -q "/$m.ko\$" "$work/k/lib/modules/$kver/modules.builtin" 2>/dev/null && continue
      die "module $m is neither in $kdeb nor built in"
    fi
    case $ko in
      *.ko) cp "$ko" "$root/lib/modules/$m.ko" ;;
      *.ko.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;;
      *.ko.zst) zstd -qdc "$ko" >"$root/lib/modules/$m.ko" ;;
      *) die "unknown module compression: $ko" ;;
    esac
    echo "$m" >>"$root/etc/modules.order"
  done
  ((boinc == 0)) || add_boinc "$root"
  write_init "$root/init"
  # The kernel opens /dev/console for init before devtmpfs is mounted (needs root to make; /init copes without).
  mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

  write_newc "$root" | gzip -9n >"$work/initrd.img"
  cp "$vmlinuz" "$work/vmlinuz"
  built_kver=$kver
}

# The digest of every input: the .debs $@, this script and, for --boinc, the demo's app files (names, modes, bytes).
inputs_key() {
  {
    cat "$@" "$self"
    if ((boinc)); then
      echo "--boinc"
      (cd "$app_dir" && find . -type f | LC_ALL=C sort | while read -r f; do stat -c '%n %a' "$f"; cat "$f"; done)
    fi
  } | sha256sum | cut -d' ' -f1
}

# The cached .debs of the packages an earlier --boinc build named in OUTDIR/manifest.txt ("deb PKG FILE" lines), or
# nothing (and false) when one is no longer cached: the closure is known only after unpacking, so a rebuild tells.
manifest_debs() {
  local pkg deb
  while read -r pkg; do
    deb=$(cached_deb "$pkg")
    [[ -n $deb ]] || return 1
    echo "$cache/$deb"
  done < <(awk '$1 == "deb" {print $2}' "$out/manifest.txt")
}

main() {
  local tool
  for tool in apt-get apt-cache dpkg-deb python3 gzip; do
    command -v "$tool" >/dev/null || die "needs $tool (a Debian host with python3)"
  done
  if ((boinc)); then
    command -v readelf >/dev/null || die "--boinc needs readelf (apt-get install binutils)"
    [[ -f $app_dir/app_info.xml ]] || die "no app_info.xml in $app_dir (the demo's BOINC application)"
  fi
  mkdir -p "$cache" "$out"
  local kpkg kdeb bdeb key debs=()
  kpkg=$(kernel_pkg)
  kdeb=$(fetch_deb "$kpkg")
  bdeb=$(fetch_deb busybox-static)
  if ((boinc)) && [[ -f $out/manifest.txt ]]; then
    mapfile -t debs < <(manifest_debs || echo missing)
  fi
  key=$(inputs_key "$kdeb" "$bdeb" "${debs[@]}")

  if [[ -f $out/manifest.txt && -f $out/vmlinuz && -f $out/initrd.img ]] && ! [[ " ${debs[*]} " == *" missing "* ]] &&
    grep -qx "key $key" "$out/manifest.txt" &&
    grep -qx "vmlinuz sha256:$(sha256sum "$out/vmlinuz" | cut -d' ' -f1)" "$out/manifest.txt" &&
    grep -qx "initrd.img sha256:$(sha256sum "$out/initrd.img" | cut -d' ' -f1)" "$out/manifest.txt"; then
    say "up to date: $out ($(awk '/^kernel /{print $2}' "$out/manifest.txt"))"
    return
  fi

  local kver pkg deblines=()
  work=$(mktemp -d "${TMPDIR:-/tmp}/tvd-guest-image.XXXXXX")
  trap '[[ -z $work ]] || rm -rf "$work"' EXIT
  build "$kdeb" "$bdeb"
  kver=$built_kver
  debs=()
  for pkg in $(printf '%s\n' "${!used[@]}" | LC_ALL=C sort); do
    debs+=("${unpacked[$pkg]}")
    deblines+=("deb $pkg ${unpacked[$pkg]##*/}")
  done
  key=$(inputs_key "$kdeb" "$bdeb" "${debs[@]}")
  mv "$work/vmlinuz" "$out/vmlinuz"
  mv "$work/initrd.img" "$out/initrd.img"
  {
    echo "key $key"
    echo "kernel $kver (${kdeb##*/})"
    echo "busybox ${bdeb##*/}"
    ((${#deblines[@]} == 0)) || printf '%s\n' "${deblines[@]}"
    echo "vmlinuz sha256:$(sha256sum "$out/vmlinuz" | cut -d' ' -f1)"
    echo "initrd.img sha256:$(sha256sum "$out/initrd.img" | cut -d' ' -f1)"
    echo "cmdline console=ttyS0 quiet panic=-1 tvd.ip=ADDR/PREFIX [tvd.gw=ADDR] [tvd.name=NAME]$(
      ((boinc == 0)) || echo " [tvd.boinc_url=http://ADDR[:PORT]/ [tvd.boinc_auth=HEX32]]")"
  } >"$out/manifest.txt.new"
  mv "$out/manifest.txt.new" "$out/manifest.txt"
  say "built $out: kernel $kver, initrd $(stat -c %s "$out/initrd.img") bytes"
}

main
