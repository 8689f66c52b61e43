# underlay — evaltest.sh: checks that need more than a regex. Exit 0 if all hold.
source "$LAB_LIB_DIR/checks.sh"

# The underlay bridge has exactly one port per host, nothing else.
ports=$(lab_exec ul ip -o link show master "${LAB_PREFIX}br" | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
check "underlay bridge ports" "${LAB_PREFIX}h1 ${LAB_PREFIX}h2 " "$ports"

for h in $(lab_nodes host); do
    # Hosts do not route between their links (guests must not leak onto the underlay).
    check "$h forwarding" 0 "$(lab_exec "$h" cat /proc/sys/net/ipv4/ip_forward)"
    # No guest port is enslaved to a bridge or anything else: the overlay daemon owns them.
    for g in $(lab_guests_of "$h"); do
        master=$(lab_exec "$h" ip -o link show dev "$(lab_port "$g")" | grep -o ' master [^ ]*' || true)
        check "$h port of $g has no master" "" "$master"
    done
    # A host sees exactly lo, its underlay link and one port per guest.
    n=$(lab_exec "$h" ip -o link show | wc -l)
    check "$h link count" $(( 2 + $(lab_guests_of "$h" | wc -l) )) "$n"
done
exit "$fail"
