#!/usr/bin/env bash
# Runs libvirtd (and the virtlogd it needs) by hand, for a machine without systemd or libvirt-daemon-system.
#   scripts/libvirtd.sh start    # idempotent; returns once qemu:///system answers (at most 60 s)
#   scripts/libvirtd.sh stop     # stops only the daemons this script started
#   scripts/libvirtd.sh status   # who runs libvirtd; exit 0 when qemu:///system answers, 3 when not
#
# A libvirtd that already answers on qemu:///system and was not started here (a system service, another user's)
# is reused and never stopped. The daemons this script starts have their pid files under /run/tvd-libvirt/, and
# only those pids are ever signalled. The recipe and its pitfalls are in docs/hypervisor.md.
# Needs: libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 (--no-install-recommends).
set -euo pipefail

state=/run/tvd-libvirt
uri=qemu:///system
ready_timeout=${TVD_LIBVIRTD_TIMEOUT:-60}
libvirtd_bin=/usr/sbin/libvirtd
virtlogd_bin=/usr/sbin/virtlogd
qemu_conf=/etc/libvirt/qemu.conf

say() { echo "libvirtd.sh: $*"; }
die() { echo "libvirtd.sh: $*" >&2; exit "${2:-1}"; }

# True when qemu:///system answers within 5 s (a hung daemon must not hang the caller).
answers() { timeout 5 virsh -c "$uri" version >/dev/null 2>&1; }

# True when process $1 exists and is not a zombie. A killed daemon stays a zombie until PID 1 reaps it,
# which can take a while here (PID 1 is no init), and pgrep lists zombies too.
alive() { [[ -r /proc/$1/stat && $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# The pid in our pid file for $1 when that process is alive and is $1; nothing otherwise.
our_pid() {
  local name=$1 pid
  [[ -r $state/$name.pid ]] || return 1
  pid=$(<"$state/$name.pid") # libvirt writes the pid without a newline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] && alive "$pid" || return 1
  echo "$pid"
}

# A live process named $1 that is not ours (pgrep -x matches the exact name, nothing broader).
foreign_pid() {
  local name=$1 mine pid
  mine=$(our_pid "$name" || true)
  for pid in $(pgrep -x "$name" || true); do
    if [[ $pid != "$mine" ]] && alive "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

need_root_and_packages() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (starts system daemons)" 2
  local missing=()
  [[ -x $libvirtd_bin ]] || missing+=(libvirt-daemon)
  [[ -x $virtlogd_bin ]] || missing+=(libvirt-daemon)
  [[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ]] || missing+=(libvirt-daemon-driver-qemu)
  command -v virsh >/dev/null || missing+=(libvirt-clients)
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  if ((${#missing[@]})); then
    die "missing packages: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')(apt-get install -y --no-install-recommends ...)" 2
  fi
}

# The one-time host setup libvirt-daemon-system would otherwise do; each step only when needed.
prepare_host() {
  # libvirt resolves its compiled-in default user before reading qemu.conf, so the user must exist even
  # though qemu.conf makes QEMU run as root.
  if ! getent passwd libvirt-qemu >/dev/null; then
    useradd -r -U -M -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
    say "created system user libvirt-qemu"
  fi
  mkdir -p /var/log/libvirt /var/lib/libvirt /run/libvirt "$state"

  # QEMU as root with no security driver: no SELinux/AppArmor here, and our TAPs and files are root's.
  local wanted=('user = "root"' 'group = "root"' 'dynamic_ownership = 0' 'remember_owner = 0' 'security_driver = "none"')
  local line ok=1
  for line in "${wanted[@]}"; do
    grep -qxF "$line" "$qemu_conf" 2>/dev/null || ok=0
  done
  if ((ok == 0)); then
    if [[ -f $qemu_conf && ! -f $qemu_conf.tvd-orig ]]; then
      cp -p "$qemu_conf" "$qemu_conf.tvd-orig"
    fi
    mkdir -p "$(dirname "$qemu_conf")"
    {
      echo "# Written by TVD Overlay scripts/libvirtd.sh (the original, if any, is qemu.conf.tvd-orig)."
      printf '%s\n' "${wanted[@]}"
    } >"$qemu_conf"
    say "wrote $qemu_conf"
  fi
}

start_daemon() {
  local name=$1 bin=$2 pid
  if pid=$(our_pid "$name"); then
    say "$name already running (ours, pid $pid)"
    return
  fi
  if pid=$(foreign_pid "$name") && [[ -n $pid ]]; then
    say "$name already running (pid $pid, not started here; left alone)"
    return
  fi
  rm -f "$state/$name.pid"
  "$bin" -d --pid-file "$state/$name.pid"
  say "started $name"
}

wait_ready() {
  local started=$SECONDS
  while ! answers; do
    if ((SECONDS - started >= ready_timeout)); then
      die "$uri did not answer within ${ready_timeout}s; see /var/log/libvirt/libvirtd.log"
    fi
    if ! our_pid libvirtd >/dev/null && ! foreign_pid libvirtd >/dev/null; then
      die "libvirtd exited during start-up; see /var/log/libvirt/libvirtd.log"
    fi
    sleep 0.2
  done
  say "$uri answers ($((SECONDS - started)) s)"
}

start() {
  if answers; then
    if pid=$(our_pid libvirtd); then
      say "$uri answers (libvirtd pid $pid, started here)"
    else
      say "$uri answers (libvirtd not started here; reusing it, stop will leave it alone)"
    fi
    return
  fi
  need_root_and_packages
  prepare_host
  start_daemon virtlogd "$virtlogd_bin" # `virsh start` needs /run/libvirt/virtlogd-sock
  start_daemon libvirtd "$libvirtd_bin" # ~8 s the first time (QEMU capability probe), then ~0.3 s
  wait_ready
}

stop_one() {
  local name=$1 pid
  if ! pid=$(our_pid "$name"); then
    rm -f "$state/$name.pid"
    if foreign_pid "$name" >/dev/null; then
      say "$name not started here; left alone"
    fi
    return
  fi
  kill -TERM "$pid"
  for _ in $(seq 100); do # 10 s, then SIGKILL
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]]; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$state/$name.pid"
  say "stopped $name (pid $pid)"
}

stop() {
  # Running guests (QEMU processes) survive libvirtd and are found again by the next libvirtd.
  stop_one libvirtd
  stop_one virtlogd
}

status() {
  local pid rc=3
  if answers; then
    rc=0
    say "$uri answers"
  else
    say "$uri does not answer"
  fi
  for name in libvirtd virtlogd; do
    if pid=$(our_pid "$name"); then
      say "$name: running, started here (pid $pid)"
    elif pid=$(foreign_pid "$name") && [[ -n $pid ]]; then
      say "$name: running, not started here (pid $pid)"
    else
      say "$name: not running"
    fi
  done
  return $rc
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" 2 ;;
esac
