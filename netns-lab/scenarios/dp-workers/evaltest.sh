# dp-workers — evaltest.sh: h1 and h2 load h3 at once (UDP and TCP, red and blue) through the reordering relay;
# h3's two workers each open their SAs, nothing is a replay until real duplicates are sent, and no frame crosses
# between TVDs. Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp

check "h3 workers" 2 "$(ov_q h3 .dataplane.workers)"
check "h3 underlay steering" spi "$(ov_q h3 .dataplane.underlay_steering)"
check "h3 worker counter rows" 2 "$(ov_q h3 '.dataplane.worker_counters | length')"
check "h1 workers" 1 "$(ov_q h1 .dataplane.workers)"

# Four iperf3 servers on h3's guests, then both senders at once: red UDP + TCP, blue TCP + UDP.
servers=("h3red 5201" "h3red 5202" "h3blu 5203" "h3blu 5204")
for s in "${servers[@]}"; do
    set -- $s
    lab_bg "$1" "iperf-$2" timeout 40 iperf3 -s -1 -p "$2"
done
for s in "${servers[@]}"; do
    set -- $s
    lab_wait_for "$1" 10 sh -c "ss -ltn | grep -q ':$2 '"
done
clients=("h1red 192.168.101.31 5201 -u" "h2red 192.168.101.31 5202 tcp" "h1blu 192.168.102.32 5203 tcp" "h2blu 192.168.102.32 5204 -u")
pids=()
for c in "${clients[@]}"; do
    set -- $c
    udp=(); [[ $4 == -u ]] && udp=(-u -l 1300)
    lab_exec "$1" timeout 30 iperf3 -c "$2" -p "$3" "${udp[@]}" -b 20M -t 6 --json >"$tmp/iperf-$1.json" 2>&1 &
    pids+=($!)
done
for i in "${!clients[@]}"; do
    set -- ${clients[$i]}
    rc=0; wait "${pids[$i]}" || rc=$?
    check "iperf3 $1 -> $2:$3 (${4/-u/udp}) ran" 0 "$rc"
    if [[ $4 == -u ]]; then
        what=datagrams got=$(jq -r '.end.sum | (.packets - .lost_packets)' "$tmp/iperf-$1.json" 2>/dev/null)
    else
        what=bytes got=$(jq -r '.end.sum_received.bytes' "$tmp/iperf-$1.json" 2>/dev/null)
    fi
    positive "iperf3 $1 -> $2:$3: $what received" "$got"
done

# Reordering happened, and none of it was taken for a replay.
positive "ESP datagrams the relay held back (delivered out of order)" "$(jq -r .held "$tmp/relay.json")"
check "h3 replay drops with reordering and no duplicate sent" 0 "$(ov_q h3 '.dataplane.drops.replay // 0')"
check "h3 foreign_tag drops (no frame tagged for another TVD)" 0 "$(ov_q h3 '.dataplane.drops.foreign_tag // 0')"

# Both workers opened packets, each exactly its SAs (SPI steering: red SAs odd -> worker 1, blue even -> worker 0).
status=$(ov_status h3)
opened() { jq -r ".dataplane.worker_counters[$1].esp_opened" <<<"$status"; }
sa_packets() { jq -r "[.dataplane.sas[] | select(.direction==\"in\" and (.spi==\"$1\" or .spi==\"$2\")) | .packets] | add" <<<"$status"; }
positive "h3 worker 0 opened" "$(opened 0)"
positive "h3 worker 1 opened" "$(opened 1)"
check "h3 worker 0 opened exactly the blue SAs' packets (0x1302, 0x2302)" "$(sa_packets 0x00001302 0x00002302)" "$(opened 0)"
check "h3 worker 1 opened exactly the red SAs' packets (0x1301, 0x2301)" "$(sa_packets 0x00001301 0x00002301)" "$(opened 1)"

# No cross-TVD frame on h3's guests: the blue guest never saw a red address, nor the red guest a blue one.
lab_stop cap-h3red
lab_stop cap-h3blu
count() { tshark -n -r "$tmp/$1.pcap" -Y "$2" 2>/dev/null | wc -l; }
red='ip.addr==192.168.101.0/24 || arp.src.proto_ipv4==192.168.101.0/24 || arp.dst.proto_ipv4==192.168.101.0/24'
blue='ip.addr==192.168.102.0/24 || arp.src.proto_ipv4==192.168.102.0/24 || arp.dst.proto_ipv4==192.168.102.0/24'
positive "frames of the blue senders captured at h3blu" "$(count h3blu "ip.src==192.168.102.12 || ip.src==192.168.102.22")"
positive "frames of the red senders captured at h3red" "$(count h3red "ip.src==192.168.101.11 || ip.src==192.168.101.21")"
check "red frames at the blue guest h3blu" 0 "$(count h3blu "$red")"
check "blue frames at the red guest h3red" 0 "$(count h3red "$blue")"

# Real duplicates: the relay sends the next 20 ESP datagrams twice; exactly those 20 are replay drops.
kill -USR1 "$(lab_pid relay)"
lab_exec h1red ping -c 40 -i 0.05 -W 1 192.168.101.31 >"$tmp/ping-dup.txt" 2>&1 || true
for _ in $(seq 50); do [[ $(jq -r .duplicated "$tmp/relay.json") == 20 ]] && break; sleep 0.1; done
check "ESP datagrams the relay duplicated" 20 "$(jq -r .duplicated "$tmp/relay.json")"
check "h3 replay drops = the duplicates" 20 "$(ov_q h3 '.dataplane.drops.replay // 0')"
check "duplicate replies seen by ping (DUP!)" 0 "$(grep -c 'DUP!' "$tmp/ping-dup.txt" || true)"
exit "$fail"
