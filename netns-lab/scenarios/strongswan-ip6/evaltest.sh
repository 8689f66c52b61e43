# strongswan-ip6 — evaltest.sh: TCP over IPv6 to the address behind charon, the decrypted IKE_AUTH's
# traffic selectors (tshark), the SA counters. Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$PWD/swan6.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp

# 1 MiB over TCP guest -> [fd13:2::1] (in moon, through libipsec), byte for byte.
head -c 1048576 /dev/urandom >"$tmp/sent.bin"
lab_exec moon timeout 60 python3 "$LAB_LIB_DIR/xfer6.py" recv 5001 "$tmp/received.bin" &
recv_pid=$!
lab_wait_for moon 10 sh -c "ss -ltn | grep -q ':5001 '"
rc=0; lab_exec h1red timeout 60 python3 "$LAB_LIB_DIR/xfer6.py" send fd13:2::1 5001 "$tmp/sent.bin" || rc=$?
wait "$recv_pid" || rc=$?
check "1 MiB over TCP/IPv6 guest -> behind charon, sha256" "$(sha256sum <"$tmp/sent.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$tmp/received.bin" 2>/dev/null | cut -d' ' -f1)"
positive "packets our red CHILD_SA sealed" "$(ov_q h1 '[.dataplane.sas[] | select(.tvd=="tvd:red" and .direction=="out") | .packets] | add')"
positive "packets our red CHILD_SA opened" "$(ov_q h1 '[.dataplane.sas[] | select(.tvd=="tvd:red" and .direction=="in") | .packets] | add')"

# The IKE_AUTH exchange, decrypted with the keys our daemon exported: we offered TS_IPV4_ADDR_RANGE and
# TS_IPV6_ADDR_RANGE; charon answered with the IPv6 range only.
lab_stop capture
ikefile=$LAB_DIR/h1.esp_sa.ikev2
uat=()
while IFS= read -r line; do uat+=(-o "uat:ikev2_decryption_table:$line"); done <"$ikefile"
tshark -r "$LAB_DIR/h1-ul.pcapng" "${uat[@]}" -V -Y 'isakmp.exchangetype == 35 && isakmp.ispi' >"$tmp/ike.txt" 2>&1 || true
request=$(awk '/^Frame /{n++} n==1' "$tmp/ike.txt")
response=$(awk '/^Frame /{n++} n==2' "$tmp/ike.txt")
positive "TS_IPV6_ADDR_RANGE selectors in our IKE_AUTH request" "$(grep -c 'Traffic Selector Type: TS_IPV6_ADDR_RANGE' <<<"$request" || true)"
positive "TS_IPV4_ADDR_RANGE selectors in our IKE_AUTH request" "$(grep -c 'Traffic Selector Type: TS_IPV4_ADDR_RANGE' <<<"$request" || true)"
positive "TS_IPV6_ADDR_RANGE selectors in charon's IKE_AUTH response" "$(grep -c 'Traffic Selector Type: TS_IPV6_ADDR_RANGE' <<<"$response" || true)"
check "TS_IPV4_ADDR_RANGE selectors in charon's IKE_AUTH response" 0 "$(grep -c 'Traffic Selector Type: TS_IPV4_ADDR_RANGE' <<<"$response" || true)"
positive "fd13:2:: as a selector's start address in charon's answer" "$(grep -c 'Starting Addr: fd13:2::$' <<<"$response" || true)"
exit "$fail"
