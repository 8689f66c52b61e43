# metrics — evaltest.sh: Prometheus, scraping h2 every second, sees red traffic as a positive rate while it runs, and
# the blue SA's foreign_tag drop counter rise while h3 sends red frames on it. Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"

# prom_value PROMQL — the first sample's value of an instant query in h2's Prometheus ("" when the vector is empty).
prom_value() {
    lab_exec h2 curl -fsS -m 3 --get http://127.0.0.1:19090/api/v1/query --data-urlencode "query=$1" \
        | jq -r '.data.result[0].value[1] // ""'
}

# prom_wait SECONDS PROMQL — polls until the query returns a non-empty vector; prints its value or "".
prom_wait() {
    local deadline=$(( SECONDS + $1 )) v=""
    while (( SECONDS < deadline )); do
        v=$(prom_value "$2") || v=""
        [[ -n $v ]] && break
        sleep 0.5
    done
    printf '%s\n' "$v"
}

# The target is up (Prometheus's own view of the scrape).
check "prometheus scrapes h2's endpoint (up)" 1 "$(prom_wait 10 'up{job="tvd-overlayd"} == 1')"

# Red traffic h1 -> h2 for 12 s (bounded by count and deadline), and the rate Prometheus computes while it runs.
lab_bg h1red pinger timeout 15 ping -c 60 -i 0.2 -W 1 192.168.101.21
red_rate=$(prom_wait 12 'sum(rate(tvd_packets_total{tvd="red",peer="h1",direction="in"}[30s])) > 0')
positive "rate(tvd_packets_total{tvd=\"red\",peer=\"h1\",direction=\"in\"}[30s]) while pings run, packets/s x100" \
    "$(awk -v r="${red_rate:-0}" 'BEGIN { printf "%d", r * 100 }')"
positive "red replies leave h2 (out) in the same window" \
    "$(prom_wait 5 'sum(increase(tvd_packets_total{tvd="red",peer="h1",direction="out"}[30s])) > 0' | cut -d. -f1)"
# ... and only red: the blue tunnel carried nothing in that window.
check "blue tunnel idle meanwhile (increase over 30 s)" 0 \
    "$(prom_value 'sum(increase(tvd_packets_total{tvd="blue",peer="h1"}[30s]))' | cut -d. -f1)"

# Cross-TVD: h3 seals red frames with the SA h2 holds for blue; h2 drops them (foreign_tag) and Prometheus sees the
# blue SA's drop counter rise.
drops='sum(tvd_tunnel_drops_total{tvd="blue",peer="h3",reason="foreign_tag"})'
before=$(prom_value "$drops"); before=${before:-0}
lab_exec h3red ping -c 5 -i 0.2 -W 1 192.168.101.21 >/dev/null || true
after=$(prom_wait 10 "$drops > $before")
positive "foreign_tag drops on h2's blue SA from h3 rose during the cross-TVD attempt (before $before)" \
    "$(( ${after%%.*} - ${before%%.*} ))"
# The guest's ARP retries may still arrive for a moment: compare once status and Prometheus agree, within 10 s.
deadline=$(( SECONDS + 10 ))
while :; do
    in_status=$(ov_q h2 '.dataplane.drops.foreign_tag') in_prom=$(prom_value 'tvd_drops_total{reason="foreign_tag"}')
    [[ $in_status == "$in_prom" ]] || (( SECONDS >= deadline )) && break
    sleep 0.5
done
check "global drops by the same reason and value as in tvdctl status" "$in_status" "$in_prom"

# For the record: what a scrape of the endpoint costs, as Prometheus measured it, and how many series it holds.
echo "scrape of h2: $(prom_value 'max_over_time(scrape_duration_seconds{job="tvd-overlayd"}[1m])' | awk '{ printf "%.1f ms (max over the last minute)", $1 * 1000 }'), $(prom_value 'scrape_samples_scraped{job="tvd-overlayd"}') samples"

# Bounded labels: no series carries an SPI or an address.
series=$(lab_exec h2 curl -fsS -m 3 http://127.0.0.1:9469/metrics | grep '^tvd_' || true)
check "no label value is an address or an SPI" "" "$(grep -E '"(0x[0-9a-f]{8}|[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(:[0-9]+)?)"' <<<"$series" | head -n 3)"
exit "$fail"
