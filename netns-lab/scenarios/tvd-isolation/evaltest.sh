# tvd-isolation — evaltest.sh: the TCP transfers both ways, the ports' offload work, the blue port's delivery counters while red
# probes it, and the rogue SA's drop counters. Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp

# 1 MiB of random bytes red h1 -> red h2 over TCP, compared by sha256.
head -c 1048576 /dev/urandom >"$tmp/sent.bin"
lab_tcp_transfer h2red h1red 192.168.101.21 5001 "$tmp/sent.bin" "$tmp/received.bin"
check "1 MiB over TCP red h1 -> red h2, sha256" "$(sha256sum <"$tmp/sent.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$tmp/received.bin" | cut -d' ' -f1)"

# ... and 1 MiB back, red h2 -> red h1: h2's guest (offloads off, AF_XDP port) sends wire-sized
# segments; h1's AF_PACKET port merges what arrives from the tunnel into GSO frames for h1red.
head -c 1048576 /dev/urandom >"$tmp/back.bin"
lab_tcp_transfer h1red h2red 192.168.101.11 5002 "$tmp/back.bin" "$tmp/back-received.bin"
check "1 MiB over TCP red h2 -> red h1, sha256" "$(sha256sum <"$tmp/back.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$tmp/back-received.bin" | cut -d' ' -f1)"

# The ports did the offload work: h1red's guest handed over TSO super-frames, which its AF_PACKET
# port cut into wire-sized frames, and frames from the tunnel were merged towards it.
port_q() { ov_q "$1" ".dataplane.ports[] | select(.name==\"$2\") | $3"; }
check "port kinds: h1red, h2red" "af_packet af_xdp" "$(port_q h1 h1red .io) $(port_q h2 h2red .io)"
positive "TSO super-frames from h1red segmented by its port" "$(port_q h1 h1red '.offload.super_frames_received')"
positive "tunnel frames merged into GSO frames towards h1red" "$(port_q h1 h1red '.offload.frames_coalesced')"

# While red guests probe blue addresses, the blue ports deliver nothing to their guests.
port_tx() { ov_q "$1" ".dataplane.ports[] | select(.name==\"$2\") | .tx_packets"; }
before_h2=$(port_tx h2 h2blu) before_h1=$(port_tx h1 h1blu)
lab_exec h1red ping -c5 -i0.2 -W1 192.168.101.22 >/dev/null || true
lab_exec h2red ping -c5 -i0.2 -W1 192.168.101.12 >/dev/null || true
check "frames delivered to blue guest h2blu during red probes" 0 $(( $(port_tx h2 h2blu) - before_h2 ))
check "frames delivered to blue guest h1blu during red probes" 0 $(( $(port_tx h1 h1blu) - before_h1 ))

# The rogue SA: every frame authenticated but carried the red VID on a blue SA.
red_tx_before=$(port_tx h2 h2red)
lab_exec h3red ping -c3 -i0.2 -W1 192.168.101.21 >/dev/null || true
check "frames delivered to h2red from the rogue host" 0 $(( $(port_tx h2 h2red) - red_tx_before ))
positive "h2 SA 0x3102 (blue, from h3) drops foreign_tag" "$(ov_q h2 '.dataplane.sas[] | select(.spi=="0x00003102") | .drops.foreign_tag // 0')"
positive "h2 global drops foreign_tag" "$(ov_q h2 '.dataplane.drops.foreign_tag // 0')"
check "h3 sealed its red frames (out SA 0x3102 packets > 0)" "yes" \
    "$(ov_q h3 '.dataplane.sas[] | select(.spi=="0x00003102") | if .packets > 0 then "yes" else "no" end')"
exit "$fail"
