# shellcheck shell=bash
# bench/lab/lib/variants.sh — what carries guest A's traffic to guest B, one function per variant.
# Each leaves in VARIANT_PIDS the pids whose CPU counts as "the daemons"; tb_variant_end stops them.

OV_BIN=${OV_BIN:-$REPO_ROOT/bin}

# overlay IO [UNDERLAY_IO [ADDR_A ADDR_B]] — tvd-overlayd on both hosts, one port each (io = af_packet | af_xdp), static
# SAs; UNDERLAY_IO (underlay_io = udp | af_xdp, default udp) is how the hosts read and write the underlay; ADDR_A/B
# their underlay addresses (default 10.250.0.1/2).
variant_overlay() {
    local io=$1 uio=${2:-udp} ua=${3:-10.250.0.1} ub=${4:-10.250.0.2} k1 k2 h
    tb_guests_l2
    k1=$(python3 -c 'import secrets; print(secrets.token_hex(20))'); k2=$(python3 -c 'import secrets; print(secrets.token_hex(20))')
    cat >"$TB_DIR/policy.toml" <<'TOML'
[policy]
name = "bench"
version = 1

[[tvd]]
name = "red"
vlan = 101
label = "tvd:red"

[[guest]]
name = "ga"
types = ["red"]
networks = ["red-net"]

[[guest]]
name = "gb"
types = ["red"]
networks = ["red-net"]

[[network]]
name = "red-net"
tvd = "red"

[[host]]
name = "a"
types = ["*"]

[[host]]
name = "b"
types = ["*"]
TOML
    tb_overlay_config a "$ua" tb-pa ga b "$ub" "$io" 0x1001 "$k1" 0x2001 "$k2" "$uio"
    tb_overlay_config b "$ub" tb-pb gb a "$ua" "$io" 0x2001 "$k2" 0x1001 "$k1" "$uio"
    local name=$io; [[ $uio == udp ]] || name+="-ul-$uio"
    tb_bg "overlayd-a-$name" $NS_A "$OV_BIN/tvd-overlayd" --config "$TB_DIR/a.toml"; VARIANT_PIDS=$TB_LAST
    tb_bg "overlayd-b-$name" $NS_B "$OV_BIN/tvd-overlayd" --config "$TB_DIR/b.toml"; VARIANT_PIDS+=" $TB_LAST"
}

# variant_overlay_ipv6 — overlay-pkt over an IPv6 underlay: fd00:250::1/2 on the same underlay veth, whose MTU goes
# to 1520 so that the 1400-byte guest MTU plus ESP-in-UDP over IPv6 (105 bytes; IPv4: 85 of 1500) is not fragmented.
variant_overlay_ipv6() {
    local ns
    for ns in $NS_A $NS_B; do
        tb_x "$ns" sysctl -qw net.ipv6.conf.tb-ul.disable_ipv6=0
        ip -n "$ns" link set tb-ul mtu 1520
    done
    ip -n $NS_A addr replace fd00:250::1/64 dev tb-ul nodad; ip -n $NS_B addr replace fd00:250::2/64 dev tb-ul nodad
    variant_overlay af_packet udp fd00:250::1 fd00:250::2
}

# tb_overlay_config HOST UNDERLAY PORTIF GUEST PEER PEERADDR IO OUTSPI OUTKEY INSPI INKEY [UNDERLAY_IO]
tb_overlay_config() {
    rm -rf "$TB_DIR/$1"; mkdir -p "$TB_DIR/$1"
    cat >"$TB_DIR/$1.toml" <<TOML
[daemon]
host = "$1"
policy = "$TB_DIR/policy.toml"
state_dir = "$TB_DIR/$1/state"
runtime_dir = "$TB_DIR/$1/run"

[dataplane]
underlay = "$2"
port = 4500
mtu = 1500
underlay_io = "${12:-udp}"

[[dataplane.port]]
name = "p$4"
interface = "$3"
guest = "$4"
network = "red-net"
io = "$7"

[[dataplane.peer]]
name = "$5"
address = "$6"

[[dataplane.sa]]
peer = "$5"
tvd = "red"
direction = "out"
spi = $8
key = "$9"

[[dataplane.sa]]
peer = "$5"
tvd = "red"
direction = "in"
spi = ${10}
key = "${11}"
TOML
}

# strongSwan 5.9.8 kernel-libipsec: one charon per host in a private mount namespace (charon
# hard-codes /var/run/charon.pid), ESP aes128gcm16 in UDP 4500 over the TUN ipsec0 (MTU 1400).
variant_strongswan() {
    tb_guests_routed
    local h peer me ts_l ts_r pids=""
    for h in a b; do
        if [[ $h == a ]]; then me=10.250.0.1 peer=10.250.0.2 ts_l=10.10.1.0/24 ts_r=10.10.2.0/24
        else me=10.250.0.2 peer=10.250.0.1 ts_l=10.10.2.0/24 ts_r=10.10.1.0/24; fi
        mkdir -p "$TB_DIR/ss-$h/run"
        cat >"$TB_DIR/ss-$h/strongswan.conf" <<CONF
charon {
  load_modular = no
  load = random nonce openssl aes gcm sha1 sha2 hmac kdf curve25519 pem pkcs1 pubkey x509 kernel-libipsec kernel-netlink socket-default vici
  port = 500
  port_nat_t = 4500
  install_routes = yes
  routing_table = 220
  routing_table_prio = 220
  plugins { vici { socket = unix://$TB_DIR/ss-$h/charon.vici } }
  filelog { main { path = $TB_DIR/ss-$h/charon.log
    default = 1 } }
  syslog { daemon { default = -1 } }
}
CONF
        cat >"$TB_DIR/ss-$h/swanctl.conf" <<CONF
connections { tvd { version = 2
  local_addrs = $me
  remote_addrs = $peer
  proposals = aes128gcm16-prfsha256-x25519
  rekey_time = 0
  mobike = no
  local { auth = psk
    id = host$h }
  remote { auth = psk
    id = $( [[ $h == a ]] && echo hostb || echo hosta ) }
  children { net { mode = tunnel
    local_ts = $ts_l
    remote_ts = $ts_r
    esp_proposals = aes128gcm16
    rekey_time = 0
    start_action = none } } } }
secrets { ike-tvd { id-a = hosta
  id-b = hostb
  secret = "tbench-psk-not-secret-0123456789" } }
CONF
        local ns; [[ $h == a ]] && ns=$NS_A || ns=$NS_B
        tb_bg "charon-$h" "$ns" unshare -m --propagation private sh -c \
            "mount --bind $TB_DIR/ss-$h/run /run && exec env STRONGSWAN_CONF=$TB_DIR/ss-$h/strongswan.conf /usr/lib/ipsec/charon"
        pids+=" $TB_LAST"
    done
    for h in a b; do
        for _ in $(seq 100); do [[ -S $TB_DIR/ss-$h/charon.vici ]] && break; sleep 0.1; done
        timeout 20 swanctl --load-all --file "$TB_DIR/ss-$h/swanctl.conf" --uri "unix://$TB_DIR/ss-$h/charon.vici" >"$TB_DIR/ss-$h/load.txt" 2>&1
    done
    timeout 30 swanctl --initiate --ike tvd --child net --timeout 20 --uri "unix://$TB_DIR/ss-a/charon.vici" >"$TB_DIR/ss-a/initiate.txt" 2>&1 \
        || tb_log "strongSwan initiate failed (see $TB_DIR/ss-a/initiate.txt)"
    VARIANT_PIDS=$pids
}

# wireguard-go (userspace, TUN MTU 1420) on both hosts.
variant_wireguard() {
    tb_guests_routed
    local ka kb
    ka=$(wg genkey); kb=$(wg genkey)
    tb_bg wg-a $NS_A env WG_PROCESS_FOREGROUND=1 wireguard-go -f ${TB}wa; VARIANT_PIDS=$TB_LAST
    tb_bg wg-b $NS_B env WG_PROCESS_FOREGROUND=1 wireguard-go -f ${TB}wb; VARIANT_PIDS+=" $TB_LAST"
    for _ in $(seq 50); do [[ -S /var/run/wireguard/${TB}wa.sock && -S /var/run/wireguard/${TB}wb.sock ]] && break; sleep 0.1; done
    tb_x $NS_A wg set ${TB}wa private-key <(echo "$ka") listen-port 51820 \
        peer "$(echo "$kb" | wg pubkey)" endpoint 10.250.0.2:51820 allowed-ips 10.10.2.0/24
    tb_x $NS_B wg set ${TB}wb private-key <(echo "$kb") listen-port 51820 \
        peer "$(echo "$ka" | wg pubkey)" endpoint 10.250.0.1:51820 allowed-ips 10.10.1.0/24
    ip -n $NS_A link set ${TB}wa up; ip -n $NS_B link set ${TB}wb up
    ip -n $NS_A route add 10.10.2.0/24 dev ${TB}wa; ip -n $NS_B route add 10.10.1.0/24 dev ${TB}wb
}

# Plain: the hosts route the guests' subnets over the underlay veth, no tunnel, no daemon.
variant_plain() {
    tb_guests_routed
    ip -n $NS_A route add 10.10.2.0/24 via 10.250.0.2; ip -n $NS_B route add 10.10.1.0/24 via 10.250.0.1
    VARIANT_PIDS=""
}

# tb_variant_end "PIDS" — stop the variant's daemons and undo its routes.
tb_variant_end() {
    local p
    for p in $1; do tb_stop "$p"; done
    ip -n $NS_A route del 10.10.2.0/24 2>/dev/null; ip -n $NS_B route del 10.10.1.0/24 2>/dev/null
    ip -n $NS_A route flush table 220 2>/dev/null; ip -n $NS_B route flush table 220 2>/dev/null
    ip -n $NS_A link del ${TB}wa 2>/dev/null; ip -n $NS_B link del ${TB}wb 2>/dev/null
    ip -n $NS_A link del ipsec0 2>/dev/null; ip -n $NS_B link del ipsec0 2>/dev/null
    rm -f /var/run/wireguard/${TB}wa.sock /var/run/wireguard/${TB}wb.sock
}
