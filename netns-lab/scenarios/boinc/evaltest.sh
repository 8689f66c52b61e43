# boinc — evaltest.sh: the BOINC exchange through the overlay: the client attaches, fetches both work units, runs
# them, uploads and reports; the server validates both. It came from the client's grid address only and crossed
# h1 <-> h2 in grid's ESP. Says which client ran. Exit 0 if all hold.
source "$PWD/bo.sh"
source "$LAB_LIB_DIR/checks.sh"
bo_which_client
kind=$(bo_kind)
if [[ $kind == vm ]]; then
    echo "client: the BOINC VM $BO_CLIENT (libvirt, started by h2's daemon; console $BO_CLIENT_LOG)"
    check "h2: $BO_CLIENT is a running libvirt guest with its port attached" "libvirt running attached" \
        "$(lab_exec h2 "$OV_BIN/tvdctl" guest list --socket "$(ov_socket h2)" | awk -v g="$BO_CLIENT" '$1 == g { print $2, $3, $NF }')"
    check "virsh domstate $BO_CLIENT" running "$(lv_virsh domstate "$BO_CLIENT" | head -n1)"
else
    echo "client: the real boinc client in h2's netns guest $BO_CLIENT — NOT the VM ($(cut -d' ' -f2- "$BO_KIND_FILE"))"
fi
start=$SECONDS
if bo_wait_valid "$BO_URL" 90; then ok "the server says all work units valid ($(( SECONDS - start )) s in evaltest)"; else bad "not all work units valid within 90 s"; fi
echo "--- server"; bo_server_lines | sed 's/^/  | /'
echo "--- client"; bo_client_lines "$BO_URL" | sed 's/^/  | /'
check "work units valid" 2 "$(bo_status .counts.valid)"
check "invalid ones" 0 "$(bo_status .counts.invalid)"
check "the server's clients: the client's grid address only" "$BO_CLIENT_ADDR" "$(bo_status '[.clients[].address] | join(" ")')"
for step in "master page to $BO_CLIENT_ADDR" "sent wu_1, wu_2" "upload wu_1_0 .*checks out" "upload wu_2_0 .*checks out" \
            "result wu_1_0 reported: valid" "result wu_2_0 reported: valid"; do
    grep -qE "$step" "$(lab_log_of boinc-server)" && ok "server log: $step" || bad "server log has no '$step'"
done
for step in "Master file download succeeded" "Finished upload of wu_1_0_out" "Finished upload of wu_2_0_out" "Reporting 2 completed tasks"; do
    bo_client_lines "$BO_URL" | grep -q "$step" && ok "client log: $step" || bad "the client's log has no '$step'"
done
# Through the overlay: both data planes carried it in grid's ESP (the CHILD_SAs are this lab's, so every packet on
# them is the exchange or its ARP).
for h in h1 h2; do
    read -r in out <<<"$(bo_grid_esp "$h" grid)"
    at_least "$h: grid ESP packets decrypted" 10 "$in"
    at_least "$h: grid ESP packets encrypted" 10 "$out"
done
exit "${fail:-0}"
