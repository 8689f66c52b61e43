# shellcheck shell=bash
# strongswan-interop helpers: charon in lab host moon (own strongswan.conf, swanctl.conf, vici
# socket, private /run via lab_bg --own-run), the [ike] part of h1's config and the policy's hosts.
SW_DIR=$LAB_DIR/swan
SW_PSK="tvd-lab-interop-psk"
OV_POLICY=${OV_POLICY:-$LAB_DIR/policy.toml}   # written by ov_policy in pretest

sw_swanctl() { lab_exec moon env STRONGSWAN_CONF="$SW_DIR/strongswan.conf" swanctl "$@" --uri "unix://$SW_DIR/charon.vici"; }

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

# sw_ike_config HOST INITIATE — [ike] and the moon peer's [[ike.peer]] in HOST's overlayd.toml.
sw_ike_config() {
    sed -i '/^# ike begin/,$d' "$(ov_config_file "$1")"
    cat >>"$(ov_config_file "$1")" <<TOML
# ike begin
[ike]
psk = "$SW_PSK"
proposals = "aes256gcm16-prfsha384-x25519, aes256gcm16-prfsha384-ecp256"
esp_proposals = "aes256gcm16, aes128gcm16"
dpd_interval = 2
retransmit_timeout = 500
retransmit_tries = 2
retry_interval = 3

[[ike.peer]]
name = "moon"
mode = "ip"
initiate = "$2"
local_ts = "10.13.1.0/24"
remote_ts = "10.13.2.0/24"
TOML
}

# sw_conf GROUP [blue] — charon's strongswan.conf and swanctl.conf; IKE proposal with GROUP
# (x25519 | ecp256); with "blue", a second child labelled tvd:blue (else charon refuses that label).
sw_conf() {
    local blue=""
    [[ ${2:-} == blue ]] && blue="
      blue {
        mode = tunnel
        local_ts = 10.13.2.0/24
        remote_ts = 10.13.1.0/24
        esp_proposals = aes256gcm16
        label = tvd:blue
        label_mode = simple
        start_action = none
      }"
    mkdir -p "$SW_DIR"
    cat >"$SW_DIR/strongswan.conf" <<CONF
charon {
  load_modular = no
  load = random nonce kdf openssl aes gcm sha1 sha2 hmac curve25519 pem pkcs1 pubkey x509 kernel-libipsec kernel-netlink socket-default vici
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
      auth = psk
      id = moon
    }
    remote {
      auth = psk
      id = h1
    }
    children {
      red {
        mode = tunnel
        local_ts = 10.13.2.0/24
        remote_ts = 10.13.1.0/24
        esp_proposals = aes256gcm16
        label = tvd:red
        label_mode = simple
        start_action = none
      }$blue
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

# sw_start GROUP [blue] — (re)writes the config and starts charon in moon; returns once its vici socket answers.
sw_start() {
    sw_conf "$1" "${2:-}"
    rm -f "$SW_DIR/charon.vici"
    lab_bg --own-run moon charon env STRONGSWAN_CONF="$SW_DIR/strongswan.conf" /usr/lib/ipsec/charon
    lab_wait_for moon 15 test -S "$SW_DIR/charon.vici" || { tail -n 20 "$SW_DIR/charon.log"; return 1; }
    sw_swanctl --load-all --file "$SW_DIR/swanctl.conf" >/dev/null
}
