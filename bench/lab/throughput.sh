#!/usr/bin/env bash
# bench/lab/throughput.sh — guest-to-guest throughput of the TVD overlay beside its peers, all in ONE
# run on ONE two-host namespace topology (lib/common.sh draws it), prefix "tbench-" (TB_PREFIX sets another):
#   overlay-pkt  tvd-overlayd, AF_PACKET guest ports      overlay-xdp  tvd-overlayd, AF_XDP guest ports
#   strongswan   strongSwan 5.9.8 kernel-libipsec         wireguard    wireguard-go
#   plain        the hosts just route (no tunnel)      plain-nooff  the same, guest offloads off (as for AF_XDP)
#   overlay-ulxdp  overlay-pkt with underlay_io = "af_xdp" (AF_XDP sockets on the underlay link; beside overlay-pkt,
#                whose underlay is the UDP socket: rows and the ratio ulxdp/pkt)
#   overlay-xdp-ulxdp  overlay-xdp with underlay_io = "af_xdp" (AF_XDP on both sides of the host; not in the default list)
#   overlay-capture  overlay-pkt on one set-up without and with `tvdctl capture --tvd red` running on host A, in
#                CAPTURE_ROUNDS (3) ABBA cycles, UDP at the fixed CAPTURE_UDP_RATE on both sides (lib/iperf.sh says
#                why): medians, their ratio, host A's forwarding rate (not in the default list; make bench runs it)
#   overlay-ipv6  overlay-pkt over an IPv6 underlay (underlay MTU 1520 from then on; not in the default list)
# Each: iperf3 TCP (1 stream, $DUR s) and UDP -b 0 at -l 1372 (fits the 1400 guest MTU) and -l 1400
# (fragments in the guest). Prints a table (Gbit/s, packets/s, CPU of the daemons) and the ratios
# overlay/peer. Needs root, iperf3, jq, strongSwan, wireguard-go, wireguard-tools, and tvd-overlayd in
# $OV_BIN (default bin/, from `make build`). Env: DUR (10), VARIANTS (all), UDP_LENS, TB_DIR, PERF=1
# (records a perf profile of host A's overlayd during each overlay variant's PERF_TEST test, default
# tcp, e.g. PERF_TEST=udp1372; PERF_HOST=b profiles the receiving host: $TB_DIR/perf-*.txt).
# Everything it creates (namespaces, links, processes) is removed on exit, also on failure.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$REPO_ROOT/bench/lab
source "$HERE/lib/common.sh"
source "$HERE/lib/iperf.sh"
source "$HERE/lib/variants.sh"
source "$HERE/lib/report.sh"

VARIANTS=${VARIANTS:-"overlay-pkt overlay-ulxdp overlay-xdp strongswan wireguard plain plain-nooff"}
[[ $(id -u) -eq 0 ]] || { echo "throughput.sh: must run as root (namespaces)" >&2; exit 2; }
for t in iperf3 jq ethtool nsenter; do command -v $t >/dev/null || { echo "throughput.sh: missing $t" >&2; exit 2; }; done
[[ -x $OV_BIN/tvd-overlayd ]] || { echo "throughput.sh: no $OV_BIN/tvd-overlayd (make build)" >&2; exit 2; }

trap 'tb_cleanup' EXIT
trap 'tb_cleanup; exit 130' INT
trap 'tb_cleanup; exit 143' TERM
tb_cleanup
rm -rf "$TB_DIR"; mkdir -p "$TB_DIR"; : >"$TB_DIR/results.txt"
# perf resolves JIT frames through /tmp/perf-PID.map, which needs W^X off to name every method.
[[ -n ${PERF:-} ]] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
tb_topology || exit 1

for v in $VARIANTS; do
    VARIANT_PIDS=""
    if [[ ${GUEST_OFFLOADS:-} == on || ( $v != overlay-xdp && $v != overlay-xdp-ulxdp && $v != plain-nooff ) ]]; then tb_guest_offloads on; else tb_guest_offloads off; fi
    case $v in
        overlay-pkt | overlay-capture) variant_overlay af_packet ;;
        overlay-xdp) variant_overlay af_xdp ;;
        overlay-ipv6) variant_overlay_ipv6 ;;
        overlay-ulxdp) variant_overlay af_packet af_xdp ;;
        overlay-xdp-ulxdp) variant_overlay af_xdp af_xdp ;;
        strongswan) command -v swanctl >/dev/null && variant_strongswan || { tb_log "skip strongswan: not installed"; continue; } ;;
        wireguard) command -v wireguard-go >/dev/null && variant_wireguard || { tb_log "skip wireguard: not installed"; continue; } ;;
        plain | plain-nooff) variant_plain ;;
        *) tb_log "unknown variant $v"; continue ;;
    esac
    if ! tb_wait_ping 30; then
        tb_log "$v: guest A cannot reach guest B; skipped (logs in $TB_DIR)"
        tb_variant_end "$VARIANT_PIDS"; continue
    fi
    if [[ $v == overlay-* ]]; then
        grep -h -i -E 'af_xdp|af_packet|fall' "$TB_DIR"/overlayd-a-*.log 2>/dev/null | tail -n 2 >&2
    fi
    if [[ $v == overlay-capture ]]; then tb_measure_capture "$v" "$VARIANT_PIDS"; else tb_measure "$v" "$VARIANT_PIDS"; fi
    tb_variant_end "$VARIANT_PIDS"
done

tb_report "$TB_DIR/results.txt"
