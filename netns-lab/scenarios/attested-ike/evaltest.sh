# attested-ike — evaltest.sh: who is admitted to red and why, what a stock peer gets, replayed evidence, a TPM
# that stops answering, a runtime compromise; each with the bound the issue sets (max_age + 5 s).
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
source "$PWD/attest.sh"
source "$PWD/../strongswan-interop/swan.sh"
SW_PSK=$AT_PSK
BOUND=$(( AT_MAX_AGE + 5 ))

ping_ok() { lab_exec "$1" ping -c2 -i0.2 -W1 "$2" >/dev/null 2>&1 && echo up || echo down; }
tvd_field() { ov_q "$1" ".ike.peers[] | select(.name==\"$2\") | .tvds[] | select(.tvd==\"$3\") | .$4"; }

# 1. h1 <-> h2, both known-good: red and green, red crosses, both attested in each other's status.
check "h1's CHILD_SAs with h2" "tvd:green tvd:red" "$(at_children h1 h2)"
check "h2's CHILD_SAs with h1" "tvd:green tvd:red" "$(at_children h2 h1)"
check "h1 sees h2 attested for red" true "$(tvd_field h1 h2 red attested)"
check "h2 sees h1 attested for red" true "$(tvd_field h2 h1 red attested)"
check "red ping h1 -> h2" up "$(ping_ok h1red 192.168.101.21)"
echo "tvdctl attest peers on h1:"; "$OV_BIN/tvdctl" attest peers --socket "$(ov_socket h1)" | sed 's/^/  /'
peers=$("$OV_BIN/tvdctl" attest peers --json --socket "$(ov_socket h1)" 2>&1) || true
check "tvdctl attest peers --json on h1: h2 for red (attested, CHILD_SA, verdict)" "true true allow" \
    "$(jq -r '.peers[] | select(.name=="h2") | .tvds[] | select(.tvd=="red") | "\(.attested) \(.child_sa) \(.verdict)"' <<<"$peers" 2>&1)"
at_least "quotes h1 made (one per batch of challenges, not per handshake)" 1 "$(ov_q h1 '.attest.handshakes.quotes_made')"
# What h2 gave h1, with its full lists, judged offline by tvdctl against the same policy: admitted.
saved=$("$OV_BIN/tvdctl" attest daemon-evidence --peer h1 --full --out "$LAB_DIR/h2-full.evidence" --socket "$(ov_socket h2)" 2>&1) \
    || bad "h2's evidence for h1: $saved"
saved=$("$OV_BIN/tvdctl" attest daemon-evidence --peer h1 --full --out "$LAB_DIR/h2-full.json-evidence" --socket "$(ov_socket h2)" --json 2>&1) || true
check "tvdctl attest daemon-evidence --json: peer, full, bytes written" "h1 true $(stat -c %s "$LAB_DIR/h2-full.json-evidence" 2>&1)" \
    "$(jq -r '"\(.peer) \(.full) \(.bytes)"' <<<"$saved" 2>&1)"
rc=0; explained=$("$OV_BIN/tvdctl" policy explain "$OV_POLICY" --join red --host h2 --evidence "$LAB_DIR/h2-full.evidence" 2>&1) || rc=$?
[[ $rc -eq 0 && $explained == allow:* ]] && ok "tvdctl policy explain --evidence admits h2's evidence for red (exit 0)" \
    || bad "explain --evidence on h2's evidence: exit $rc: $(head -n 3 <<<"$explained")"
rc=0; explained=$("$OV_BIN/tvdctl" policy explain "$OV_POLICY" --join red --host h2 --evidence "$LAB_DIR/h2-full.evidence" --json 2>&1) || rc=$?
check "... with --json: exit, allowed, judged, met, error findings" "0 true true true 0" \
    "$rc $(jq -r '"\(.allowed) \(.evidence.judged) \(.evidence.met) \([.evidence.findings[] | select(.severity=="error")] | length)"' <<<"$explained" 2>&1)"

# 2. h3 measured a binary nobody knows: refused for red by h1 and h2 (ref.unknown in their audit), green stays.
check "h1's CHILD_SAs with h3" "tvd:green" "$(at_children h1 h3)"
check "h2's CHILD_SAs with h3" "tvd:green" "$(at_children h2 h3)"
check "h1's decision on h3 for red" deny "$(tvd_field h1 h3 red verdict)"
for h in h1 h2; do
    line=$(at_audit "$h" "join deny .*peer=h3 tvd=red" | grep -m1 "ref.unknown" || true)
    [[ $line == *"$AT_UNKNOWN"* ]] && ok "$h audits h3's refusal for red with ref.unknown $AT_UNKNOWN" \
        || bad "$h: no audit 'join deny ... h3 ... red ... ref.unknown $AT_UNKNOWN' (got: $(at_audit "$h" 'peer=h3 tvd=red' | tail -n 1))"
done
# The refused end audits it too, with the refusing verifier's findings.
for h in h1 h2; do
    line=$(at_audit h3 "join (refused|withdrawn)-by-peer host=h3 peer=$h tvd=red" | grep -m1 "ref.unknown" || true)
    [[ $line == *"$AT_UNKNOWN"* ]] && ok "h3 audits $h's refusal of red with ref.unknown $AT_UNKNOWN" \
        || bad "h3: no audit 'join refused-by-peer (or withdrawn-by-peer) ... peer=$h tvd=red ... ref.unknown' (got: $(at_audit h3 "peer=$h tvd=red" | tail -n 1))"
done
# The same judged offline: h3's own evidence, full lists, refused for red with the same finding (exit 1).
saved=$("$OV_BIN/tvdctl" attest daemon-evidence --peer h1 --full --out "$LAB_DIR/h3-full.evidence" --socket "$(ov_socket h3)" 2>&1) \
    || bad "h3's evidence for h1: $saved"
rc=0; explained=$("$OV_BIN/tvdctl" policy explain "$OV_POLICY" --join red --host h3 --evidence "$LAB_DIR/h3-full.evidence" 2>&1) || rc=$?
[[ $rc -eq 1 && $explained == *"ref.unknown"*"$AT_UNKNOWN"* ]] && ok "tvdctl policy explain --evidence refuses h3's evidence for red with ref.unknown (exit 1)" \
    || bad "explain --evidence on h3's evidence: exit $rc: $(head -n 3 <<<"$explained")"
check "red ping h3 -> h1 (never reaches a red guest)" down "$(ping_ok h3red 192.168.101.11)"
check "green ping h3 -> h1" up "$(ping_ok h3grn 192.168.103.11)"

# 3. A stock strongSwan peer: green yes, red refused with a logged reason.
check "h1's CHILD_SAs with moon (stock charon)" "tvd:green" "$(at_children h1 moon)"
red_try=$(sw_swanctl --initiate --child red 2>&1 || true)
[[ $red_try == *TS_UNACCEPTABLE* ]] && ok "charon's red CHILD_SA is refused with TS_UNACCEPTABLE" || bad "charon's red: $(tail -n 3 <<<"$red_try")"
at_audit h1 "join deny .*peer=moon tvd=red.*presented no evidence" | grep -q . && ok "h1 audits: moon presented no evidence for red" \
    || bad "h1: no audit of moon's red refusal ($(at_audit h1 'peer=moon' | tail -n 1))"

# The picture of h1 (tvdctl graph, docs/cli.md) from the live daemon: its hosts, TVDs and guests, red up and attested
# with h2, red refused to h3 with the finding; and the refusals as status keeps them (engine.refused_joins).
check "h1's engine.refused_joins: h3 for red, by h1, rule" "attestation" \
    "$(ov_q h1 '.engine.refused_joins[] | select(.peer=="h3" and .tvd=="red" and .by=="us") | .rule')"
check "h3's engine.refused_joins: red refused by" "h1 h2" \
    "$(ov_q h3 '[.engine.refused_joins[] | select(.by=="peer" and .tvd=="red") | .peer] | sort | join(" ")')"
png=()
command -v chromium >/dev/null && png=(--png "$LAB_DIR/h1-topology.png") || echo "skip: no chromium on PATH: the PNG is not rendered (scripts/deps.sh installs it)"
start_ns=$(date +%s%N)
rc=0; drawn=$("$OV_BIN/tvdctl" graph -o "$LAB_DIR/h1-topology.svg" "${png[@]}" --socket "$(ov_socket h1)" 2>&1) || rc=$?
check "tvdctl graph -o on h1: exit" 0 "$rc"
sed 's/^/  /' <<<"$drawn"
echo "  tvdctl graph took $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"
svg_q() { python3 "$PWD/svg-labels.py" "$LAB_DIR/h1-topology.svg" "$1" 2>&1; }
check "graph: title" "TVD overlay — host h1" "$(svg_q title)"
check "graph: peer hosts" "h2 h3 moon" "$(svg_q peers)"
check "graph: TVDs in the legend" "green red" "$(svg_q tvds)"
check "graph: h1's guests" "green1 red1" "$(svg_q guests)"
check "graph: h1-h2 lines (TVD state attestation)" "green up not_required,red up attested" "$(svg_q 'links h2')"
check "graph: h1-h3 lines (TVD state attestation)" "green up not_required,red refused refused" "$(svg_q 'links h3')"
[[ $(svg_q refusals) == *"h1 refused h3 for red"*"ref.unknown"*"$AT_UNKNOWN"* ]] && ok "graph: h3's refusal for red listed with ref.unknown $AT_UNKNOWN" \
    || bad "graph: no refusal of h3 for red with the finding in the SVG (got: $(svg_q refusals))"
if (( ${#png[@]} )); then
    [[ $(head -c 8 "$LAB_DIR/h1-topology.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] && ok "graph: PNG rendered by headless Chromium ($(stat -c %s "$LAB_DIR/h1-topology.png") bytes)" \
        || bad "graph: no PNG at $LAB_DIR/h1-topology.png"
fi

# 4. h3 replays evidence h2 gave h1: refused (not h3's, not bound to h3's SA).
"$OV_BIN/tvdctl" attest daemon-evidence --peer h1 --out "$LAB_DIR/h2-to-h1.evidence" --socket "$(ov_socket h2)" >/dev/null \
    && ok "h2's evidence for h1 captured ($(stat -c %s "$LAB_DIR/h2-to-h1.evidence") bytes)" || bad "no evidence from h2 for h1"
before=$(at_audit h1 "peer=h3 tvd=red" | wc -l)
at_stop h3
TVD_OVERLAYD_TEST_REPLAY_EVIDENCE=$LAB_DIR/h2-to-h1.evidence ov_start h3
at_wait_children h1 h3 "tvd:green" 20 && ok "h3 (replaying) is back with green only" || bad "h3 not back with green"
for _ in $(seq 40); do (( $(at_audit h1 "peer=h3 tvd=red" | wc -l) > before )) && break; sleep 0.5; done
replay=$(at_audit h1 "join deny .*peer=h3 tvd=red" | tail -n 1)
[[ $replay =~ binding|quote\.nonce|challenge ]] && ok "h1 refuses the replayed evidence: $(grep -oE '(binding(\.host)?|quote\.nonce|challenge\.[a-z]+)' <<<"$replay" | sort -u | tr '\n' ' ')" \
    || bad "h1's refusal of the replay names no binding finding: $replay"
check "red ping h3 -> h1 after the replay" down "$(ping_ok h3red 192.168.101.11)"

# 5. Stale: h2's TPM stops answering. h1 drops red with h2 within max_age + 5 s; green stays.
swtpm=$(ov_q h2 '.attest.tpm.swtpm_pid')
kill -9 "$swtpm" && ok "h2's swtpm ($swtpm) killed"
start=$SECONDS
at_wait_children h1 h2 "tvd:green" "$BOUND" && ok "h1 dropped red with h2 after $(( SECONDS - start )) s (bound ${BOUND} s)" \
    || bad "h1 still has red with h2 after ${BOUND} s"
check "red ping h1 -> h2 with h2's TPM gone" down "$(ping_ok h1red 192.168.101.21)"
check "green ping h1 -> h2 with h2's TPM gone" up "$(ping_ok h1grn 192.168.103.21)"

# 6. h2 restarts with a working TPM: red comes back by itself.
at_stop h2
ov_start h2
at_wait_children h1 h2 "tvd:green tvd:red" 30 && ok "red between h1 and h2 is back after h2's restart" || bad "red did not come back"
check "red ping h1 -> h2 again" up "$(ping_ok h1red 192.168.101.21)"

# 6b. A reload with new reference values (version 2, replaces = 1; reference.txt with more digests: the new policy
# file's, which every host measures at the reload, and one more). Each verifier judges its peers under the new values
# from scratch, so a peer's next delta gets log.delta and the full list is asked for once (docs/attestation.md
# "Per-host state"): within max_age + 5 s h1 and h2 judge each other again, met under the new values, with red up.
# First the steady state the bug needs: h2's evidence arrives as deltas, i.e. h1 has sent it a challenge with its
# checkpoint of h2's current boot and h2 answered (two refreshes since the IKE SA came up after h2's restart).
rc=0; lab_wait_for h1 20 sh -c "$OV_BIN/tvdctl status --json --socket $(ov_socket h1) \
    | jq -e '[.ike.ike_sas[] | select(.peer==\"h2\") | .attestation.refreshes_received] | max >= 2' >/dev/null" || rc=$?
check "h2's evidence refreshed at least twice on its IKE SA with h1 (deltas from h1's checkpoint)" 0 "$rc"
sed -i -e 's/^version = 1$/version = 2\nreplaces = 1/' "$OV_POLICY"
{ sha256sum "$OV_POLICY"; echo "$(sha256sum <<<"attested-ike: one more known-good file" | cut -d' ' -f1)  /usr/lib/tvd-overlay/more"; } >>"$AT_REFERENCE"
denied_before=$(at_audit h1 "join deny .*peer=h2 tvd=red" | wc -l)
reload_ns=$(date +%s%N)
for h in h1 h2 h3; do kill -HUP "$(lab_pid "overlayd-$h")"; done
for h in h1 h2 h3; do
    rc=0; lab_wait_for "$h" 10 sh -c "$OV_BIN/tvdctl status --json --socket $(ov_socket "$h") | jq -e '.policy.version == 2' >/dev/null" || rc=$?
    check "$h reloaded policy version 2 (new reference values)" 0 "$rc"
done
at_audit h1 "reload committed from_version=1 to_version=2" | grep -q . && ok "h1 audits the reload to version 2" \
    || bad "h1: no 'audit reload committed from_version=1 to_version=2'"
# verdict_since HOST PEER NS — "met" once HOST's latest appraisal of PEER was made after NS (epoch ns) and meets
# known-good, "stale" while it is older, else the appraisal's findings.
verdict_since() {
    local line at
    line=$(ov_q "$1" "[.ike.ike_sas[] | select(.peer==\"$2\") | .attestation | select(.verified_at != null)
        | \"\(.verified_at) \(.requirements[] | select(.name==\"known-good\") | if .met then \"met\" else (.findings | join(\",\")) end)\"] | sort | last // \"\"")
    [[ -n $line ]] || { echo none; return; }
    at=$(date -d "${line%% *}" +%s%N 2>/dev/null) || { echo "unparsable ${line%% *}"; return; }
    (( at > $3 )) && echo "${line#* }" || echo stale
}
red_gone=0 h1_ms="" h2_ms=""
deadline=$(( SECONDS + BOUND ))
while (( SECONDS < deadline )) && [[ -z $h1_ms || -z $h2_ms ]]; do
    [[ $(at_children h1 h2) == "tvd:green tvd:red" ]] || red_gone=$(( red_gone + 1 ))
    [[ -z $h1_ms && $(verdict_since h1 h2 "$reload_ns") == met ]] && h1_ms=$(( ($(date +%s%N) - reload_ns) / 1000000 ))
    [[ -z $h2_ms && $(verdict_since h2 h1 "$reload_ns") == met ]] && h2_ms=$(( ($(date +%s%N) - reload_ns) / 1000000 ))
    sleep 0.2
done
[[ -n $h1_ms ]] && ok "h1 judged h2 again under the new reference values: met ${h1_ms} ms after the reload (bound ${BOUND} s)" \
    || bad "h1 has no appraisal of h2 meeting known-good since the reload after ${BOUND} s: $(verdict_since h1 h2 "$reload_ns")"
[[ -n $h2_ms ]] && ok "h2 judged h1 again under the new reference values: met ${h2_ms} ms after the reload (bound ${BOUND} s)" \
    || bad "h2 has no appraisal of h1 meeting known-good since the reload after ${BOUND} s: $(verdict_since h2 h1 "$reload_ns")"
at_wait_children h1 h2 "tvd:green tvd:red" 10 && ok "red between h1 and h2 after the reload (samples without it meanwhile: $red_gone)" \
    || bad "red between h1 and h2 not up after the reload"
check "red ping h1 -> h2 after the reload" up "$(ping_ok h1red 192.168.101.21)"
check "h1's red revocations of h2 since the reload (the last verdict stood while the full list came)" 0 \
    "$(( $(at_audit h1 "join deny .*peer=h2 tvd=red" | wc -l) - denied_before ))"

# 7. Runtime compromise: h2 measures an unknown file while running. h1 drops red within max_age + 5 s.
cp "$AT_UNKNOWN" "$LAB_DIR/tools/dropped-in-later"
start=$SECONDS
"$OV_BIN/tvdctl" attest daemon-measure "$LAB_DIR/tools/dropped-in-later" --socket "$(ov_socket h2)" >/dev/null
at_wait_children h1 h2 "tvd:green" "$BOUND" && ok "h1 dropped red with h2 $(( SECONDS - start )) s after h2 measured an unknown file (bound ${BOUND} s)" \
    || bad "h1 still has red with h2 ${BOUND} s after the runtime change"
check "red ping h1 -> h2 after the compromise" down "$(ping_ok h1red 192.168.101.21)"
check "green ping h1 -> h2 after the compromise" up "$(ping_ok h1grn 192.168.103.21)"
at_audit h1 "join deny .*peer=h2 tvd=red.*ref.unknown.*dropped-in-later" | grep -q . && ok "h1 audits ref.unknown for h2's new file" \
    || bad "h1: no ref.unknown audit for h2 ($(at_audit h1 'peer=h2 tvd=red' | tail -n 1))"
at_audit h2 "join withdrawn-by-peer host=h2 peer=h1 tvd=red.*ref.unknown.*dropped-in-later" | grep -q . \
    && ok "h2 audits h1 withdrawing red, with the finding on its new file" \
    || bad "h2: no 'withdrawn-by-peer' audit for red from h1 ($(at_audit h2 'peer=h1 tvd=red' | tail -n 1))"
exit "$fail"
