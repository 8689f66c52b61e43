# shellcheck shell=bash
# strongswan-interop helpers: charon in lab host moon (own strongswan.conf, swanctl.conf, vici
# socket, credential directories, private /run via lab_bg --own-run), the [ike] part of h1's config,
# the policy's hosts and the test CA.
SW_DIR=$LAB_DIR/swan
SW_PSK="tvd-lab-interop-psk"
SW_PKI=$LAB_DIR/pki
OV_POLICY=${OV_POLICY:-$LAB_DIR/policy.toml}   # written by ov_policy in pretest
# The red child's selectors as moon sees them ("its side|ours") and what h1 offers in [[ike.peer]] moon
# ("local_ts|remote_ts"): a scenario sets them before sourcing this (strongswan-ip6: IPv6 ones).
SW_RED_TS=${SW_RED_TS:-"10.13.2.0/24|10.13.1.0/24"}
OV_MOON_TS=${OV_MOON_TS:-"10.13.1.0/24|10.13.2.0/24"}

# sw_protected_subnet — the subnet behind charon (10.13.2.1/24): a veth stub in moon's namespace (no dummy
# driver here); kernel-libipsec routes the CHILD_SA's remote selectors through it.
sw_protected_subnet() {
    ip -n "$(lab_ns moon)" link add "${LAB_PREFIX}sa" type veth peer name "${LAB_PREFIX}sb"
    ip -n "$(lab_ns moon)" addr add 10.13.2.1/24 dev "${LAB_PREFIX}sa"
    ip -n "$(lab_ns moon)" link set "${LAB_PREFIX}sa" up
    ip -n "$(lab_ns moon)" link set "${LAB_PREFIX}sb" up
}

# SWANCTL_DIR: --load-all reads charon's certificates and key from $SW_DIR/{x509,x509ca,private}.
sw_swanctl() { lab_exec moon env STRONGSWAN_CONF="$SW_DIR/strongswan.conf" SWANCTL_DIR="$SW_DIR" swanctl "$@" --uri "unix://$SW_DIR/charon.vici"; }

# sw_pki — a test CA (ECDSA P-256) and, signed by it, h1's certificate (RSA 2048, SAN DNS:h1) and
# moon's (ECDSA P-256, SAN DNS:moon): both key types cross the wire. Keys are PKCS#8 PEM. moon's
# go into charon's credential directories; h1's are named by sw_ike_config's certificate keys.
sw_pki() {
    mkdir -p "$SW_PKI" "$SW_DIR/x509" "$SW_DIR/x509ca" "$SW_DIR/private"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$SW_PKI/ca.key" -out "$SW_PKI/ca.pem" \
        -subj "/CN=TVD lab CA" -days 2 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    local h newkey
    for h in h1 moon; do
        newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
        [[ $h == h1 ]] && newkey=(-newkey rsa:2048)
        openssl req "${newkey[@]}" -nodes -keyout "$SW_PKI/$h.key" -out "$SW_PKI/$h.csr" -subj "/CN=$h" 2>/dev/null
        printf 'subjectAltName=DNS:%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' "$h" >"$SW_PKI/$h.ext"
        openssl x509 -req -in "$SW_PKI/$h.csr" -CA "$SW_PKI/ca.pem" -CAkey "$SW_PKI/ca.key" -CAcreateserial -days 2 \
            -extfile "$SW_PKI/$h.ext" -out "$SW_PKI/$h.pem" 2>/dev/null
    done
    cp "$SW_PKI/ca.pem" "$SW_DIR/x509ca/ca.pem"
    cp "$SW_PKI/moon.pem" "$SW_DIR/x509/moon.pem"
    cp "$SW_PKI/moon.key" "$SW_DIR/private/moon.pem"
}

# sw_policy_moon 'TYPES' — the lab policy plus host "moon" allowed TYPES (TOML list body, e.g. '"red", "blue"'); the version goes up by one.
sw_policy_moon() {
    local types=$1
    sed -i '/^# moon begin/,/^# moon end/d' "$OV_POLICY"
    local version
    version=$(awk -F' = ' '/^version/ {print $2; exit}' "$OV_POLICY")
    # A reload must name the version it replaces (docs/policy.md).
    sed -i '/^replaces = /d' "$OV_POLICY"
    sed -i "0,/^version = .*/s//version = $(( version + 1 ))\nreplaces = $version/" "$OV_POLICY"
    printf '# moon begin\n[[host]]\nname = "moon"\ntypes = [%s]\n# moon end\n' "$types" >>"$OV_POLICY"
}

# sw_ike_config HOST INITIATE [pubkey] — [ike] and the moon peer's [[ike.peer]] in HOST's
# overlayd.toml: moon's own psk; with "pubkey", [ike] names h1's certificate, key and the test CA
# instead, and moon (no psk of its own) authenticates with certificates (the default).
sw_ike_config() {
    local certs="" psk="psk = \"$SW_PSK\""
    [[ ${3:-} == pubkey ]] && certs="certificate = \"$SW_PKI/h1.pem\"
private_key = \"$SW_PKI/h1.key\"
ca = [\"$SW_PKI/ca.pem\"]" psk=""
    sed -i '/^# ike begin/,$d' "$(ov_config_file "$1")"
    cat >>"$(ov_config_file "$1")" <<TOML
# ike begin
[ike]
$certs
proposals = "aes256gcm16-prfsha384-x25519, aes256gcm16-prfsha384-ecp256"
esp_proposals = "aes256gcm16, aes128gcm16"
dpd_interval = 2
retransmit_timeout = 500
retransmit_tries = 2
retry_interval = 3

[[ike.peer]]
name = "moon"
$psk
mode = "ip"
initiate = "$2"
local_ts = "${OV_MOON_TS%|*}"
remote_ts = "${OV_MOON_TS#*|}"
TOML
}

# sw_conf GROUP [TVD] — charon's strongswan.conf and swanctl.conf; IKE proposal with GROUP
# (x25519 | ecp256); with TVD (e.g. blue), a second child of that name labelled tvd:TVD (else charon
# refuses that label).
# SW_AUTH=pubkey: both ends authenticate with certificates of the test CA (sw_pki), else the PSK.
sw_conf() {
    local auth=${SW_AUTH:-psk} certs=""
    [[ $auth == pubkey ]] && certs="
      certs = moon.pem"
    local second=""
    [[ -n ${2:-} ]] && second="
      $2 {
        mode = tunnel
        local_ts = 10.13.2.0/24
        remote_ts = 10.13.1.0/24
        esp_proposals = aes256gcm16
        label = tvd:$2
        label_mode = simple
        start_action = none
      }"
    # Every directory swanctl --load-all reads (SWANCTL_DIR), so it has nothing to complain about.
    mkdir -p "$SW_DIR"/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
    cat >"$SW_DIR/strongswan.conf" <<CONF
charon {
  load_modular = no
  load = random nonce kdf openssl aes gcm sha1 sha2 hmac curve25519 pem pkcs1 pkcs8 pubkey x509 kernel-libipsec kernel-netlink socket-default vici
  install_routes = yes
  routing_table = 220
  routing_table_prio = 220
  plugins {
    vici {
      socket = unix://$SW_DIR/charon.vici
    }
  }
  filelog {
    main {
      path = $SW_DIR/charon.log
      default = 1
      ike = 2
      chd = 2
      cfg = 2
      flush_line = yes
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
}
CONF
    cat >"$SW_DIR/swanctl.conf" <<CONF
connections {
  tvd {
    version = 2
    local_addrs = $(lab_ul_addr moon)
    remote_addrs = $(lab_ul_addr h1)
    proposals = aes256gcm16-prfsha384-$1
    mobike = no
    dpd_delay = 0
    local {
      auth = $auth
      id = moon$certs
    }
    remote {
      auth = $auth
      id = h1
    }
    children {
      red {
        mode = tunnel
        local_ts = ${SW_RED_TS%|*}
        remote_ts = ${SW_RED_TS#*|}
        esp_proposals = aes256gcm16
        label = tvd:red
        label_mode = simple
        start_action = none
      }$second
    }
  }
}
secrets {
  ike-lab {
    id-a = h1
    id-b = moon
    secret = "$SW_PSK"
  }
}
CONF
}

# sw_start GROUP [TVD] — (re)writes the config and starts charon in moon; returns once its vici socket answers.
sw_start() {
    sw_conf "$1" "${2:-}"
    rm -f "$SW_DIR/charon.vici"
    lab_bg --own-run moon charon env STRONGSWAN_CONF="$SW_DIR/strongswan.conf" /usr/lib/ipsec/charon
    lab_wait_for moon 15 test -S "$SW_DIR/charon.vici" || { tail -n 20 "$SW_DIR/charon.log"; return 1; }
    sw_swanctl --load-all --file "$SW_DIR/swanctl.conf" >/dev/null
}
