# ike-failures — evaltest.sh: the rate limit (h1 keeps retrying with the wrong key: counted every time, logged once a
# minute), then the other failures two real daemons produce — the peer stops answering (retransmits exhausted), the
# peer offers no common IKE proposal (no proposal chosen, both ends) — and finally the mended config brings the tunnel
# up with no new failure. Prints the numbers; exit 0 if every check holds.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
source "$PWD/failures.sh"

# 1. Rate limit: at least three failed attempts (one every retry_interval), one log line on each end.
lab_wait_for h1 15 sh -c "[ \$($OV_BIN/tvdctl status --json --socket $(ov_socket h1) | jq '.ike.failures.authentication_failed') -ge 3 ]" || true
at_least "h1 authentication failures counted" 3 "$(if_failures h1 authentication_failed)"
at_least "h2 authentication failures counted" 3 "$(if_failures h2 authentication_failed)"
check "h1 log lines for them (once per peer and reason a minute)" 1 "$(if_lines h1 'authentication failed with peer h2')"
check "h2 log lines for them" 1 "$(if_lines h2 'authentication failed with peer h1')"
# The same count as metrics (tvd_ike_failures_total), read right after the status: equal unless a retry fell between.
for h in h1 h2; do
    n=$(if_failures "$h" authentication_failed)
    m=$(if_metric "$h" authentication_failed)
    at_least "$h tvd_ike_failures_total{reason=\"authentication_failed\"} (status said $n)" "$n" "${m:-0}"
done

# 2. h2 goes away: h1's requests go unanswered.
if_stop h2
rc=0; lab_wait_for h1 15 sh -c "[ \$($OV_BIN/tvdctl status --json --socket $(ov_socket h1) | jq '.ike.failures.retransmits_exhausted') -ge 1 ]" || rc=$?
positive "h1 retransmits_exhausted" "$(if_failures h1 retransmits_exhausted)"
check "h1 log: retransmits exhausted with peer h2, what to check" 1 "$(if_lines h1 'retransmits exhausted with peer h2 (10.200.0.2) [retransmits_exhausted]: we refused the peer or gave up: no answer to our IKE_SA_INIT request')"

# 3. h2 back with the right key but IKE proposals h1 does not offer.
if_config h2 h1 "$(ov_psk h1 h2)" "aes128-sha256-prfsha256-modp2048"
ov_start h2
lab_wait_for h2 15 sh -c "[ \$($OV_BIN/tvdctl status --json --socket $(ov_socket h2) | jq '.ike.failures.no_proposal_chosen') -ge 1 ]" || true
lab_wait_for h1 5 sh -c "[ \$($OV_BIN/tvdctl status --json --socket $(ov_socket h1) | jq '.ike.failures.no_proposal_chosen') -ge 1 ]" || true
positive "h1 no_proposal_chosen" "$(if_failures h1 no_proposal_chosen)"
positive "h2 no_proposal_chosen" "$(if_failures h2 no_proposal_chosen)"
check "h1 log: no proposal chosen with peer h2" 1 "$(if_lines h1 'no proposal chosen with peer h2 (10.200.0.2) [no_proposal_chosen]: the peer refused us: peer answered NoProposalChosen. Check: [ike] proposals')"
check "h2 log: no proposal chosen with peer h1" 1 "$(if_lines h2 'no proposal chosen with peer h1 (10.200.0.1) [no_proposal_chosen]: we refused the peer or gave up: answered NO_PROPOSAL_CHOSEN')"

# 4. Mended: the same key and proposals on both ends; the tunnel comes up and nothing new fails.
if_stop h2
if_config h2 h1 "$(ov_psk h1 h2)"
ov_start h2
before=$(ov_q h1 '[.ike.failures[]] | add')
rc=0; lab_wait_for h1 15 sh -c "$OV_BIN/tvdctl status --json --socket $(ov_socket h1) | jq -e '.ike.child_sas | length >= 1' >/dev/null" || rc=$?
check "tunnel up once both ends agree" 0 "$rc"
check "h1 counted no failure while coming up" "$before" "$(ov_q h1 '[.ike.failures[]] | add')"
check "h2 (restarted) counted no failure" 0 "$(ov_q h2 '[.ike.failures[]] | add')"
echo "h1 failures: $(ov_q h1 '.ike.failures | to_entries | map(select(.value > 0) | "\(.key)=\(.value)") | join(" ")')"
exit "$fail"
