# port-mtu — evaltest.sh: for each port kind (AF_PACKET, AF_XDP) and guest MTU (1400: IP fragments; 9000:
# jumbo frames), both ways: pings of fragment-sized and jumbo-sized packets, and a paced burst of large UDP
# datagrams whose every byte is checked at the receiver.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp
BURST=2000 RATE=1000 LOSS_MAX_PERMILLE=10

# pings FROM TO-ADDR SIZE [ping args] — echo replies received of 5.
pings() {
    local from=$1 to=$2 size=$3 out rc=0; shift 3
    out=$(lab_exec "$from" ping -c5 -i0.2 -W2 -s "$size" "$@" "$to" 2>&1) || rc=$?
    sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out" | grep . || echo 0
}

# udp_errors NODE — NODE's UDP RcvbufErrors and InErrors (/proc/net/snmp): datagrams its stack lost itself.
udp_errors() {
    lab_exec "$1" awk '$1 == "Udp:" && !h { for (i = 1; i <= NF; i++) col[$i] = i; h = 1; next }
        $1 == "Udp:" { print "RcvbufErrors=" $col["RcvbufErrors"], "InErrors=" $col["InErrors"] }' /proc/net/snmp
}

# burst FROM TO SIZE — "RECEIVED WHOLE" of $BURST datagrams of SIZE bytes sent at $RATE/s to TO's port 7000.
burst() {
    local from=$1 to=$2 size=$3 addr pid
    addr=$(lab_node_get "$to" addr)
    lab_exec "$to" python3 "$PWD/udpburst.py" recv "$addr" 7000 "$BURST" 60 >"$tmp/burst-$to.out" &
    pid=$!
    lab_wait_for "$to" 15 sh -c "ss -Hlun 'sport = :7000' | grep -q ." || true   # bound before the first datagram
    lab_exec "$from" python3 "$PWD/udpburst.py" send "$addr" 7000 "$BURST" "$size" "$RATE" >/dev/null
    wait "$pid" || true
    cat "$tmp/burst-$to.out"
    echo "$from -> $to: $(cat "$tmp/burst-$to.out") (received, whole); $to UDP: $(udp_errors "$to")" >&2
}

for pair in ${PORT_MTU_PAIRS:-pk:1400:AF_PACKET xd:1400:AF_XDP pj:9000:AF_PACKET xj:9000:AF_XDP}; do
    IFS=: read -r tag mtu kind <<<"$pair"
    for dir in "h1$tag h2$tag" "h2$tag h1$tag"; do
        read -r from to <<<"$dir"
        to_addr=$(lab_node_get "$to" addr)
        what="$kind port, MTU $mtu, $from -> $to"
        # 4000 bytes: three fragments at MTU 1400, one frame at 9000.
        check "$what: pings of 4000 bytes answered" 5 "$(pings "$from" "$to_addr" 4000)"
        if ((mtu == 9000)); then
            check "$what: full-size jumbo pings (8972 bytes, DF) answered" 5 "$(pings "$from" "$to_addr" 8972 -M do)"
            size=8000
        else
            check "$what: pings of 1372 bytes (one full frame, DF) answered" 5 "$(pings "$from" "$to_addr" 1372 -M do)"
            size=1400   # two fragments a datagram, as in the bench's udp1400
        fi
        read -r received whole < <(burst "$from" "$to" "$size")
        at_least "$what: UDP datagrams of $size bytes arrived whole, of $BURST at $RATE/s (loss <= ${LOSS_MAX_PERMILLE}‰)" \
            $((BURST - BURST * LOSS_MAX_PERMILLE / 1000)) "${whole:-0}"
        check "$what: datagrams that arrived damaged" 0 "$(( ${received:-0} - ${whole:-0} ))"
    done
done
for h in h1 h2; do
    echo "$h: drops $(ov_q "$h" '.dataplane.drops_total'); ports: $(ov_q "$h" '[.dataplane.ports[] | "\(.name) kernel_drops=\(.kernel_drops // 0)"] | join(", ")')"
done
exit "$fail"
