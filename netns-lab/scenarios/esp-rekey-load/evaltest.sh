# esp-rekey-load — evaltest.sh: a 14 s TCP stream red h1 -> red h2 across CHILD_SA rekeys.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp
red_spi() { ov_q "$1" '.ike.child_sas[] | select(.label=="tvd:red") | .out_spi' | tail -n 1; }
red_rekeys() { ov_q "$1" '[.ike.child_sas[] | select(.label=="tvd:red") | .rekeys] | max'; }
first_spi=$(red_spi h1)
rekeys_before=$(red_rekeys h1)

lab_tcp_stream h2red h1red 192.168.101.21 5003 14 "$tmp/stream"
read -r sent sent_hash <"$tmp/stream.send"
read -r received received_hash <"$tmp/stream.recv"
check "bytes received = bytes sent" "$sent" "$received"
check "sha256 of the stream on both sides" "$sent_hash" "$received_hash"
at_least "MiB streamed in 14 s" 100 $(( ${sent:-0} / 1048576 ))

at_least "red CHILD_SA rekeys on h1 during the stream" 3 $(( $(red_rekeys h1) - rekeys_before ))
at_least "red CHILD_SA rekeys on h2 (total)" 3 "$(red_rekeys h2)"
last_spi=$(red_spi h1)
if [[ -n $last_spi && $last_spi != "$first_spi" ]]; then ok "traffic on a rekeyed SA ($first_spi -> $last_spi)"
else bad "the outbound SA never changed ($first_spi -> $last_spi)"; fi
for h in h1 h2; do
    check "$h drops for lack of an outbound SA" 0 "$(ov_q "$h" '.dataplane.drops.no_outbound_sa // 0')"
    check "$h packets that failed authentication" 0 "$(ov_q "$h" '.dataplane.drops.auth_failed // 0')"
    check "$h packets refused as replays" 0 "$(ov_q "$h" '.dataplane.drops.replay // 0')"
done
exit "$fail"
