# nat-traversal — h2's NAT, sourced by pretest and evaltest.sh.
# nat_setup RANGE — masquerade h2's IKE and ESP-in-UDP (source ports 500, 4500) to ports RANGE on the underlay,
# and drop UDP to 500/4500 that answers none of h2's own flows (a NAT passes nothing unsolicited). Rewriting the
# table with another RANGE and forgetting the conntrack entries is a NAT rebinding: h2's next datagram gets a new
# source port.
nat_setup() {
    lab_exec h2 nft -f - <<NFT
table ip labnat
delete table ip labnat
table ip labnat {
    chain post {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "$(lab_ul_if)" udp sport { 500, 4500 } masquerade to :$1
    }
    chain in {
        type filter hook input priority filter; policy accept;
        iifname "$(lab_ul_if)" udp dport { 500, 4500 } ct state new counter drop
    }
}
NFT
}

# nat_rebind RANGE — a new port range and no memory of the old mappings.
nat_rebind() {
    nat_setup "$1"
    lab_exec h2 conntrack -D -p udp >/dev/null 2>&1 || true
}

# nat_port SPORT — the source port h2's SPORT is mapped to now (empty: no mapping).
nat_port() {
    lab_exec h2 conntrack -L -p udp --orig-port-src "$1" 2>/dev/null \
        | sed -n 's/.*src=[0-9.]* dst=[0-9.]* sport=[0-9]* dport=\([0-9]*\).*/\1/p' | head -n 1
}
