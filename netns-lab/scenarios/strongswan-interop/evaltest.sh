# strongswan-interop — evaltest.sh: the sequence (transfer, tshark, rekeys, deletes both ways,
# DPD and peer restart, our daemon as responder). Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$PWD/swan.sh"
source "$LAB_LIB_DIR/checks.sh"
until_true() {  # until_true SECONDS DESCRIPTION CMD... — poll CMD (bash) every 0.2 s
    local limit=$1 what=$2 end; shift 2
    end=$(( SECONDS + limit ))
    while (( SECONDS < end )); do
        if "$@" >/dev/null 2>&1; then ok "$what"; return 0; fi
        sleep 0.2
    done
    bad "$what (not within ${limit}s)"
    return 0   # recorded in $fail; the sequence goes on (the harness runs this with set -e)
}
ping3() { lab_exec h1red ping -c3 -i0.2 -W2 10.13.2.1 | grep -q '3 received'; }
children() { ov_q h1 '[.ike.child_sas[] | select(.label=="tvd:red")] | length'; }
has_red_child() { [[ $(children) -ge 1 ]]; }
no_red_child() { [[ $(children) == 0 ]]; }
swan_has_red() { sw_swanctl --list-sas | grep -q 'label *tvd:red'; }
swan_no_red() { ! sw_swanctl --list-sas | grep -q 'label *tvd:red'; }
tmp=$LAB_DIR/tmp

# 2. 1 MiB over TCP guest -> 10.13.2.1 (in moon), byte for byte.
head -c 1048576 /dev/urandom >"$tmp/sent.bin"
lab_tcp_transfer moon h1red 10.13.2.1 5001 "$tmp/sent.bin" "$tmp/received.bin"
check "1 MiB over TCP guest -> behind charon, sha256" "$(sha256sum <"$tmp/sent.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$tmp/received.bin" 2>/dev/null | cut -d' ' -f1)"

# 3. tshark decrypts our IKE_AUTH with the keys the daemon exported.
lab_stop capture
ikefile=$LAB_DIR/h1.esp_sa.ikev2
if [[ -s $ikefile ]]; then
    uat=()
    while IFS= read -r line; do uat+=(-o "uat:ikev2_decryption_table:$line"); done <"$ikefile"
    tshark -r "$LAB_DIR/h1-ul.pcapng" "${uat[@]}" -V -Y 'isakmp.exchangetype == 35' >"$tmp/ike.txt" 2>&1 || true
    tshark -r "$LAB_DIR/h1-ul.pcapng" "${uat[@]}" -x -Y 'isakmp.exchangetype == 35' >"$tmp/ike.hex" 2>&1 || true
    grep -q 'Identification Data:h1' "$tmp/ike.txt" && ok "tshark: decrypted IDi (h1)" || bad "tshark: no decrypted IDi h1"
    grep -q 'Payload: Authentication' "$tmp/ike.txt" && ok "tshark: decrypted AUTH" || bad "tshark: no decrypted AUTH"
    grep -q 'Payload: Traffic Selector - Initiator' "$tmp/ike.txt" && ok "tshark: decrypted TSi" || bad "tshark: no decrypted TSi"
    # tshark 4.0 names TS type 10 (TS_SECLABEL, RFC 9478) "Future use" and does not print its text:
    # the label is looked for in the decrypted bytes ("tvd:red" = 7476643a726564).
    decrypted=$(awk '/^Decrypted Data/ {on=1; next} on && /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / {for (i = 2; i <= 17 && $i ~ /^[0-9a-f][0-9a-f]$/; i++) printf "%s", $i; next} {on=0}' "$tmp/ike.hex")
    [[ $decrypted == *7476643a726564* ]] && ok "tshark: the decrypted IKE_AUTH carries the label tvd:red" || bad "tshark: label tvd:red not in decrypted IKE_AUTH"
else
    bad "no IKE key export at $ikefile"
fi

# 4. Rekeys from charon: CHILD_SA, then IKE SA; traffic passes after each.
sw_swanctl --rekey --child red >/dev/null || bad "swanctl --rekey --child red"
until_true 10 "CHILD_SA rekey counted in our status" bash -c "[[ \$($OV_BIN/tvdctl status --json --socket $(ov_socket h1) | jq '[.ike.child_sas[].rekeys] | max') -ge 1 ]]"
sleep 1
ping3 && ok "ping after CHILD_SA rekey" || bad "ping after CHILD_SA rekey"
# Make-before-break under load: 400 pings 10 ms apart while charon rekeys the CHILD_SA once more.
lab_exec h1red ping -q -c 400 -i 0.01 -W 1 10.13.2.1 >"$tmp/load-ping.txt" 2>&1 &
load=$!
sleep 1
sw_swanctl --rekey --child red >/dev/null || bad "swanctl --rekey --child red (under load)"
wait "$load"
loss=$(grep -o '[0-9.]*% packet loss' "$tmp/load-ping.txt")
check "packet loss across a CHILD_SA rekey under load (400 pings, 10 ms apart)" "0% packet loss" "$loss"
sw_swanctl --rekey --ike tvd >/dev/null || bad "swanctl --rekey --ike tvd"
sleep 2
ping3 && ok "ping after IKE SA rekey" || bad "ping after IKE SA rekey"
check "one established IKE SA after the IKE rekey" 1 "$(ov_q h1 '[.ike.ike_sas[] | select(.state=="established" and .rekeyed==false)] | length')"

# 5. DELETE from charon, then from us (policy change + SIGHUP), then the policy back.
sw_swanctl --terminate --child red >/dev/null || bad "swanctl --terminate --child red"
until_true 10 "charon's DELETE removed our red CHILD_SA" grep -q "label 'tvd:red' removed" "$(lab_log_of overlayd-h1)"
until_true 15 "we re-created the red CHILD_SA (retry_interval)" has_red_child
sw_policy_moon '"blue"'
kill -HUP "$(lab_pid overlayd-h1)"
until_true 10 "after SIGHUP (moon may run blue only) charon lists no red CHILD_SA" swan_no_red
until_true 10 "... and our status neither" no_red_child
sw_policy_moon '"red", "blue"'
kill -HUP "$(lab_pid overlayd-h1)"
until_true 15 "policy back: the red CHILD_SA returns" swan_has_red
ping3 && ok "ping after re-creation" || bad "ping after re-creation"

# 6. charon killed: DPD drops our SAs; restarted: the SAs come back on their own.
kill -KILL "$(lab_pid charon)"   # no goodbye: a crashed or unplugged peer
lab_stop charon 2>/dev/null || true
until_true 15 "DPD: our status has no CHILD_SA after charon died" no_red_child
check "no ESP SA left in our data plane" 0 "$(ov_q h1 '.dataplane.sas | length')"
sw_start x25519
until_true 20 "charon restarted: the red CHILD_SA is back without operator action" swan_has_red
until_true 10 "ping after peer restart" ping3

# 7. Our daemon as responder; charon initiates with group 19 (ECP-256).
sw_ike_config h1 no
sw_policy_moon '"red"'
lab_stop overlayd-h1
lab_stop charon
sw_start ecp256 blue
ov_start h1
sw_swanctl --initiate --child red >"$tmp/init-red.txt" 2>&1 && ok "charon initiated red to us" || bad "charon could not initiate red: $(tail -n 3 "$tmp/init-red.txt")"
sw_swanctl --list-sas >"$tmp/sas.txt"
grep -q 'ECP_256' "$tmp/sas.txt" && ok "IKE SA with group 19 (ECP_256)" || bad "no ECP_256 IKE SA"
grep -Eq 'label +tvd:red' "$tmp/sas.txt" && ok "red CHILD_SA with us as responder" || bad "no red CHILD_SA with us as responder"
check "our IKE SA with moon: responder" "moon false" "$(ov_q h1 '.ike.ike_sas[] | select(.state=="established") | "\(.peer) \(.initiator)"')"
if sw_swanctl --initiate --child blue >"$tmp/init-blue.txt" 2>&1; then bad "blue was accepted"; else ok "blue refused by us"; fi
grep -q 'TS_UNACCEPTABLE' "$SW_DIR/charon.log" && ok "charon got TS_UNACCEPTABLE for blue" || bad "no TS_UNACCEPTABLE in charon's log"
sw_swanctl --list-sas | grep -q 'tvd:blue' && bad "charon lists a blue CHILD_SA" || ok "no blue CHILD_SA"
# Our side names the refusal too (docs/debugging.md, IKE troubleshooting): counted, and one log line saying what to check.
positive "our ts_unacceptable failures (the refused blue)" "$(ov_q h1 '.ike.failures.ts_unacceptable')"
grep -q "ike: traffic selectors or TVD label unacceptable with peer moon ($(lab_ul_addr moon)) \[ts_unacceptable\]: we refused the peer or gave up: refused its CHILD_SA with TsUnacceptable: .*Check: " \
    "$(lab_log_of overlayd-h1)" && ok "our log names moon, ts_unacceptable and what to check" || bad "no ts_unacceptable line for moon in our log"
until_true 10 "ping with us as responder" ping3

# 8. Certificates (test CA from sw_pki): h1 (RSA) and moon (ECDSA) authenticate with pubkey; we initiate.
sw_ike_config h1 yes pubkey
lab_stop overlayd-h1
lab_stop charon
cp "$SW_DIR/charon.log" "$SW_DIR/charon-psk.log"
: >"$SW_DIR/charon.log"   # from here on: the certificate run's log only
SW_AUTH=pubkey sw_start x25519
ov_start h1
check "our config: moon authenticates with" pubkey "$(ov_q h1 '.ike.peers[] | select(.name=="moon") | .auth')"
until_true 20 "certificates: charon lists the red CHILD_SA" swan_has_red
sw_swanctl --list-sas >"$tmp/sas-cert.txt"
grep -Eq 'label +tvd:red' "$tmp/sas-cert.txt" && ok "certificates: CHILD_SA label tvd:red" || bad "certificates: no tvd:red CHILD_SA"
grep -q 'INSTALLED, TUNNEL' "$tmp/sas-cert.txt" && ok "certificates: CHILD_SA INSTALLED" || bad "certificates: CHILD_SA not INSTALLED"
grep -Eq "tvd: #[0-9]+, ESTABLISHED, IKEv2" "$tmp/sas-cert.txt" && ok "certificates: IKE SA ESTABLISHED" || bad "certificates: IKE SA not ESTABLISHED"
# charon checked our RSA signature against h1's certificate chained to the CA, and signed with moon's ECDSA key.
grep -q "using trusted ca certificate \"CN=TVD lab CA\"" "$SW_DIR/charon.log" && ok "charon: h1's certificate chains to the lab CA" || bad "charon: no trusted-CA line"
h1_auth=$(grep -Eo "authentication of 'h1' with RSA[A-Z0-9_]* successful" "$SW_DIR/charon.log" | head -n1)
[[ -n $h1_auth ]] && ok "charon: $h1_auth" \
    || bad "charon: no RSA signature authentication of h1 ($(grep -m1 "authentication of 'h1'" "$SW_DIR/charon.log"))"
moon_auth=$(grep -Eo "authentication of 'moon' \(myself\) with ECDSA[A-Z0-9_]*" "$SW_DIR/charon.log" | head -n1)
[[ -n $moon_auth ]] && ok "charon: $moon_auth" \
    || bad "charon: moon did not sign with ECDSA ($(grep -m1 "authentication of 'moon'" "$SW_DIR/charon.log"))"
grep -q "pre-shared key" "$SW_DIR/charon.log" && bad "charon used a pre-shared key" || ok "charon: no pre-shared key used"
check "our IKE SA: moon proved itself with its certificate" "moon CN=moon" \
    "$(ov_q h1 '.ike.ike_sas[] | select(.state=="established") | "\(.peer) \(.peer_certificate)"')"
until_true 10 "ping through the certificate-authenticated CHILD_SA" ping3

# 9. No common IKE proposal: charon now offers only MODP-3072, which we do not ([ike] proposals). Both ends say so.
nopro_counted() { [[ $(ov_q h1 '.ike.failures.no_proposal_chosen') -ge 1 ]]; }
lab_stop charon
SW_AUTH=pubkey sw_start modp3072
sw_swanctl --initiate --child red >"$tmp/init-nopro.txt" 2>&1 && bad "charon's MODP-3072-only IKE SA was accepted" \
    || ok "charon's MODP-3072-only IKE_SA_INIT refused"
grep -q 'NO_PROPOSAL_CHOSEN' "$SW_DIR/charon.log" && ok "charon: NO_PROPOSAL_CHOSEN in its log" || bad "no NO_PROPOSAL_CHOSEN in charon's log"
until_true 10 "we count no_proposal_chosen" nopro_counted
grep -q "ike: no proposal chosen with peer moon ($(lab_ul_addr moon)) \[no_proposal_chosen\]: .*Check: \[ike\] proposals" "$(lab_log_of overlayd-h1)" \
    && ok "our log names moon, no_proposal_chosen and what to check" || bad "no no_proposal_chosen line for moon in our log"
exit "$fail"
