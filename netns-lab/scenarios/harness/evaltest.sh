# harness — evaltest.sh: lab_wait_for gives up on time; lab_stop really stops a daemon.
source "$LAB_LIB_DIR/checks.sh"

start=$(_lab_now_ms)
if lab_wait_for h1 0.5 false 2>/dev/null; then bad "lab_wait_for succeeded on 'false'"; fi
took=$(( $(_lab_now_ms) - start ))
if (( took >= 400 && took < 2000 )); then ok "lab_wait_for 0.5 s gave up after ${took} ms"
else bad "lab_wait_for 0.5 s gave up after ${took} ms"; fi

pid=$(lab_pid web)
lab_stop web
# A killed daemon may linger as a zombie until init reaps it; _lab_alive counts that as gone.
if _lab_alive "$pid"; then bad "web ($pid) still runs after lab_stop"; else ok "web ($pid) stopped"; fi
out=$(lab_exec h1 bash -c "exec 3<>/dev/tcp/$(lab_ul_addr h2)/8080" 2>&1 || true)
if [[ $out == *"Connection refused"* ]]; then ok "port 8080 refuses after lab_stop"
else bad "port 8080 after lab_stop: '$out'"; fi
if lab_pid web >/dev/null 2>&1; then bad "lab_pid web still answers"; else ok "lab_pid web fails after lab_stop"; fi
exit "$fail"
