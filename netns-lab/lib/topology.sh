# shellcheck shell=bash
# netns-lab/lib/topology.sh — namespaces, hosts on the underlay bridge, guests behind hosts.
# Sourced by lab.sh; see the diagram there. Links are always created with both ends
# already inside lab namespaces (`ip link add A netns X type veth peer name B netns Y`),
# so nothing ever appears in the root namespace, even if a step fails halfway.

# Node names become namespace names and interface names after the prefix.
_lab_check_node_name() {
    local name=$1 max=$(( 15 - ${#LAB_PREFIX} ))
    [[ $name =~ ^[a-z][a-z0-9]*$ ]] \
        || { lab_die "bad node name '$name': [a-z][a-z0-9]*"; return 1; }
    (( ${#name} <= max )) \
        || { lab_die "node name '$name' too long: at most $max characters with prefix $LAB_PREFIX (IFNAMSIZ)"; return 1; }
    case $name in ul|br|eth|lo|root) lab_die "node name '$name' is reserved"; return 1 ;; esac
    [[ ! -e $LAB_DIR/nodes/$name ]] || { lab_die "node '$name' exists already"; return 1; }
}

# Write a sysctl inside a namespace; /proc/sys/net follows the writer's net namespace.
_lab_sysctl() {
    local ns=$1 key=$2 value=$3
    nsenter --net="/run/netns/$ns" -- sh -c "echo $value > /proc/sys/${key//.//}"
}

# _lab_add_ns NODE KIND — the namespace of a node, loopback up, IPv6 off unless LAB_IPV6=1.
_lab_add_ns() {
    local node=$1 kind=$2 ns=${LAB_PREFIX}$1
    ip netns add "$ns" || { lab_die "ip netns add $ns failed"; return 1; }
    printf 'kind=%s\nns=%s\n' "$kind" "$ns" >"$LAB_DIR/nodes/$node"
    ip -n "$ns" link set lo up || return 1
    if [[ $LAB_IPV6 != 1 ]]; then
        _lab_sysctl "$ns" net.ipv6.conf.all.disable_ipv6 1 \
            && _lab_sysctl "$ns" net.ipv6.conf.default.disable_ipv6 1 || return 1
    fi
}

# lab_add_host NAME — a host namespace with a veth into the underlay bridge and the next
# underlay address ($LAB_UNDERLAY_NET.N/24, N = 1, 2, ... in the order hosts are added).
lab_add_host() {
    _lab_require_lab || return 1
    local name=$1 ul=${LAB_PREFIX}ul ns=${LAB_PREFIX}$1 n addr
    _lab_check_node_name "$name" || return 1
    n=$(( $(lab_nodes host | wc -l) + 1 ))
    (( n <= 250 )) || { lab_die "too many hosts"; return 1; }
    addr=$LAB_UNDERLAY_NET.$n
    _lab_add_ns "$name" host || return 1
    ip link add "${LAB_PREFIX}$name" netns "$ul" type veth peer name "${LAB_PREFIX}ul" netns "$ns" \
        || { lab_die "cannot create the underlay link of $name"; return 1; }
    ip -n "$ul" link set "${LAB_PREFIX}$name" master "${LAB_PREFIX}br" up \
        && ip -n "$ns" addr add "$addr/$LAB_UNDERLAY_LEN" dev "${LAB_PREFIX}ul" \
        && ip -n "$ns" link set "${LAB_PREFIX}ul" up || return 1
    printf 'index=%s\naddr=%s\nif=%s\n' "$n" "$addr" "${LAB_PREFIX}ul" >>"$LAB_DIR/nodes/$name"
}

# lab_add_guest HOST NAME ADDR/LEN [gw=IP] [mac=MAC] [mtu=N] [KEY=VALUE...]
# A guest namespace whose link ${P}eth (ADDR/LEN) is a veth ending in HOST as the port
# ${P}NAME: up, no address, bridged or routed to nothing (the overlay daemon takes it).
# Extra KEY=VALUE pairs (e.g. tvd=red) are kept as node attributes for lab_node_get.
lab_add_guest() {
    _lab_require_lab || return 1
    (( $# >= 3 )) || { lab_die "usage: lab_add_guest HOST NAME ADDR/LEN [key=value...]"; return 1; }
    local host=$1 name=$2 cidr=$3 hns gns kv gw="" mac="" mtu=""; shift 3
    [[ $(lab_node_get "$host" kind 2>/dev/null) == host ]] || { lab_die "'$host' is not a host"; return 1; }
    [[ $cidr =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]] \
        || { lab_die "guest $name: address must be IPv4 ADDR/LEN, got '$cidr'"; return 1; }
    _lab_check_node_name "$name" || return 1
    for kv in "$@"; do
        [[ $kv =~ ^[a-z][a-z0-9_]*=.*$ ]] || { lab_die "guest $name: bad attribute '$kv'"; return 1; }
        case ${kv%%=*} in
            gw) gw=${kv#*=} ;; mac) mac=${kv#*=} ;; mtu) mtu=${kv#*=} ;;
            kind|ns|host|addr|cidr|port|if) lab_die "guest $name: attribute '${kv%%=*}' is reserved"; return 1 ;;
        esac
    done
    hns=$(lab_ns "$host") gns=${LAB_PREFIX}$name
    _lab_add_ns "$name" guest || return 1
    ip link add "${LAB_PREFIX}$name" netns "$hns" type veth peer name "${LAB_PREFIX}eth" netns "$gns" \
        || { lab_die "cannot create the link of guest $name"; return 1; }
    [[ -z $mac ]] || ip -n "$gns" link set "${LAB_PREFIX}eth" address "$mac" || return 1
    if [[ -n $mtu ]]; then
        ip -n "$gns" link set "${LAB_PREFIX}eth" mtu "$mtu" \
            && ip -n "$hns" link set "${LAB_PREFIX}$name" mtu "$mtu" || return 1
    fi
    ip -n "$hns" link set "${LAB_PREFIX}$name" up \
        && ip -n "$gns" addr add "$cidr" dev "${LAB_PREFIX}eth" \
        && ip -n "$gns" link set "${LAB_PREFIX}eth" up || return 1
    [[ -z $gw ]] || ip -n "$gns" route add default via "$gw" || return 1
    printf 'host=%s\naddr=%s\ncidr=%s\nport=%s\nif=%s\n' \
        "$host" "${cidr%/*}" "$cidr" "${LAB_PREFIX}$name" "${LAB_PREFIX}eth" >>"$LAB_DIR/nodes/$name"
    for kv in "$@"; do printf '%s\n' "$kv" >>"$LAB_DIR/nodes/$name"; done
}
