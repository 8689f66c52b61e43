# shellcheck shell=bash
# strongswan-ip6 helpers: strongswan-interop's (charon in moon, swanctl, the policy's moon host), with the
# configurations of this scenario: IPv6 traffic selectors on both ends.
source "$PWD/../strongswan-interop/swan.sh"

# sw_conf GROUP — charon's strongswan.conf and swanctl.conf: one child, red, protecting fd13:2::/64 (its
# side) and fd13:1::/64 (ours), IPv6 only: what we offer for IPv4 as well is narrowed away.
sw_conf() {
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
        local_ts = fd13:2::/64
        remote_ts = fd13:1::/64
        esp_proposals = aes256gcm16
        label = tvd:red
        label_mode = simple
        start_action = none
      }
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

# sw6_ike_config HOST — [ike] and the moon peer in HOST's overlayd.toml: mode ip, dual-stack selectors.
sw6_ike_config() {
    cat >>"$(ov_config_file "$1")" <<TOML

[ike]
proposals = "aes256gcm16-prfsha384-x25519"
esp_proposals = "aes256gcm16"
retransmit_timeout = 500
retransmit_tries = 2
retry_interval = 3

[[ike.peer]]
name = "moon"
psk = "$SW_PSK"
mode = "ip"
initiate = "yes"
local_ts = "10.13.1.0/24, fd13:1::/64"
remote_ts = "10.13.2.0/24, fd13:2::/64"
TOML
}
