# shellcheck shell=bash
# underlay-ipv6 — helpers shared by pretest and evaltest.sh: IPv6 underlay addresses and configs.

# v6_addr HOST — HOST's IPv6 underlay address (fd00:200::INDEX).
v6_addr() { printf 'fd00:200::%s\n' "$(lab_node_get "$1" index)"; }

# v6_underlay HOST only|dual — turns IPv6 on in HOST and gives its underlay link fd00:200::INDEX/64 (no DAD: the
# daemon binds it at once); "only" removes the IPv4 address, so nothing of HOST's can cross the underlay as IPv4.
v6_underlay() {
    local h=$1 if
    if=$(lab_node_get "$h" if)
    lab_exec "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 "net.ipv6.conf.$if.disable_ipv6=0"
    lab_exec "$h" ip -6 addr add "$(v6_addr "$h")/64" dev "$if" nodad
    [[ $2 != only ]] || lab_exec "$h" ip -4 addr flush dev "$if"
}

# v6_config HOST UNDERLAY-TOML — HOST's overlayd.toml as ov_config writes it, with `underlay = UNDERLAY-TOML`
# (a quoted address or a TOML list of them).
v6_config() {
    ov_config "$1"
    sed -i "s|^underlay = .*|underlay = $2|" "$(ov_config_file "$1")"
}

# v6_peer HOST PEER ADDRESS — a [[dataplane.peer]] at ADDRESS (either family).
v6_peer() {
    printf '\n[[dataplane.peer]]\nname = "%s"\naddress = "%s"\n' "$2" "$3" >>"$(ov_config_file "$1")"
}

# v6_ike HOST — [ike] with one [[ike.peer]] (pair PSK) per [[dataplane.peer]] of HOST.
v6_ike() {
    local f p
    f=$(ov_config_file "$1")
    printf '\n[ike]\ndpd_interval = 5\nretransmit_timeout = 500\nretry_interval = 2\n' >>"$f"
    for p in $(sed -n '/^\[\[dataplane.peer\]\]/,/^name/s/^name = "\(.*\)"/\1/p' "$f"); do
        printf '\n[[ike.peer]]\nname = "%s"\npsk = "%s"\n' "$p" "$(ov_psk "$1" "$p")" >>"$f"
    done
}

# v6_wait_children HOST N — until HOST's IKE has N CHILD_SAs (30 s).
v6_wait_children() {
    lab_wait_for "$1" 30 sh -c "$OV_BIN/tvdctl status --json --socket $(ov_socket "$1") | jq -e '.ike.child_sas | length >= $2' >/dev/null" \
        || { tail -n 30 "$(lab_log_of "overlayd-$1")"; return 1; }
}

# swan6_start — charon in moon (strongswan-interop's swan.sh: kernel-libipsec, label tvd:red, PSK, x25519) with its
# connection on the IPv6 underlay: moon's and h5's IPv6 addresses, h5 as the peer's identity. Returns once it listens.
swan6_start() {
    sw_conf x25519
    sed -i -e "s|^\(    local_addrs = \).*|\1$(v6_addr moon)|" -e "s|^\(    remote_addrs = \).*|\1$(v6_addr h5)|" \
        -e "s|^\(      id = \)h1$|\1h5|" -e "s|^\(    id-a = \)h1$|\1h5|" "$SW_DIR/swanctl.conf"
    rm -f "$SW_DIR/charon.vici"
    lab_bg --own-run moon charon env STRONGSWAN_CONF="$SW_DIR/strongswan.conf" /usr/lib/ipsec/charon
    lab_wait_for moon 15 test -S "$SW_DIR/charon.vici" || { tail -n 20 "$SW_DIR/charon.log"; return 1; }
    sw_swanctl --load-all --file "$SW_DIR/swanctl.conf" >/dev/null
}
