# shellcheck shell=bash
# ike-half-open — what pretest and evaltest.sh share: the hosts' [ike] tables and the timers the checks are
# measured against. The spoofing tool is tvd-ikebench (bench/Overlay.IkeBench), built by ike-storm's storm_build.
source "$PWD/../ike-storm/storm.sh"

HO_PSK=ike-half-open-lab-psk-0123456789   # h1 and h2's pair key (each has one peer)
HO_RETRY=5            # [ike] retry_interval: the tunnel must be up within this after h2 is back
HO_TIMEOUT=3          # [ike] half_open_timeout
HO_PER_SOURCE=5       # [ike] half_open_per_source

# ho_ike_config HOST PEER — HOST's [ike]: the storm tool's suite, fast retransmits (0.3 s x1.8, 3 tries: an attempt
# sends at 0, 0.3, 0.84 and 1.8 s and gives up at 3.6 s, the next starts on the reconciler's next pass, so h1 never
# goes 2 s without asking), cookies at the default threshold.
ho_ike_config() {
    cat >>"$(ov_config_file "$1")" <<TOML

[ike]
proposals = "aes128gcm16-prfsha256-x25519"
esp_proposals = "aes128gcm16-esn, aes128gcm16"
dpd_interval = 0
retransmit_timeout = 300
retransmit_tries = 3
retry_interval = $HO_RETRY
half_open_timeout = $HO_TIMEOUT
half_open_per_source = $HO_PER_SOURCE

[[ike.peer]]
name = "$2"
psk = "$HO_PSK"
TOML
}

# ho_red_spi HOST — the outbound SPI of HOST's tvd:red CHILD_SA (empty when there is none).
ho_red_spi() { ov_q "$1" '[.ike.child_sas[] | select(.label=="tvd:red") | .out_spi] | last // ""'; }

# ho_rss_kib HOST — resident memory of HOST's daemon, KiB (/proc/PID/status VmRSS).
ho_rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$(lab_pid "overlayd-$1")/status"; }
