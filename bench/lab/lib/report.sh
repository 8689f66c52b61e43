# shellcheck shell=bash
# bench/lab/lib/report.sh — the results table, the overlay/peer ratios, and the optional perf profile.

# tb_report RESULTS — RESULTS has lines "variant test gbps kpps cpu%".
tb_report() {
    local results=$1
    echo
    echo "== guest A -> guest B through each carrier (same topology, same run; DUR=${DUR}s, 2 shared cores)"
    awk '
    # A row measured more than once (overlay-capture: ABBA) is the mean of its measurements.
    { key=$1" "$2; r[key]++; g[key]+=($3-g[key])/r[key]; k[key]+=($4-k[key])/r[key]; c[key]+=($5-c[key])/r[key]
      if (!($1 in seen)) { seen[$1]=1; order[++n]=$1 } ; tests[$2]=1 }
    END {
      printf "| %-12s | %-10s | %9s | %9s | %12s |\n", "variant", "test", "Gbit/s", "kpps", "daemons CPU"
      printf "|--------------|------------|-----------|-----------|--------------|\n"
      for (i=1;i<=n;i++) { v=order[i]
        for (t in tests) if ((v" "t) in g) printf "| %-12s | %-10s | %9.3f | %9.1f | %11s%% |\n", v, t, g[v" "t], k[v" "t], c[v" "t] }
      print ""
      print "== ratios (overlay / peer): TCP by Gbit/s, UDP by delivered packets/s"
      printf "| %-12s | %-10s | %12s | %12s | %12s |\n", "overlay", "test", "/strongswan", "/wireguard", "/plain"
      printf "|--------------|------------|--------------|--------------|--------------|\n"
      for (i=1;i<=n;i++) { v=order[i]; if (v !~ /^overlay/ || v ~ /^overlay-capture/) continue
        for (t in tests) { if (!((v" "t) in g)) continue
          line=sprintf("| %-12s | %-10s |", v, t)
          split("strongswan wireguard plain", peers, " ")
          for (p=1;p<=3;p++) { q=peers[p]" "t
            # AF_XDP guests run with offloads off: their plain reference is plain under the same condition.
            if (p==3 && v=="overlay-xdp" && (("plain-nooff "t) in g)) q="plain-nooff "t
            base = (t=="tcp") ? g[q] : k[q]; mine = (t=="tcp") ? g[v" "t] : k[v" "t]
            line = line sprintf(" %12s |", (q in g && base>0) ? sprintf("%.2fx", mine/base) : "n/a") }
          print line } }
      print ""
      print "(/plain of overlay-xdp is against plain-nooff: both with guest offloads off)"
      print "goals (GitHub issue 3): overlay TCP >= 4x strongswan; overlay UDP pps >= 0.50x plain"
      if (("overlay-ulxdp tcp") in g && ("overlay-pkt tcp") in g) {
        print ""
        print "== underlay I/O: AF_XDP (overlay-ulxdp) / UDP socket (overlay-pkt), AF_PACKET ports both, same run"
        printf "| %-10s | %14s | %14s | %8s |\n", "test", "UDP socket", "AF_XDP", "ratio"
        printf "|------------|----------------|----------------|----------|\n"
        for (t in tests) { a="overlay-pkt "t; b="overlay-ulxdp "t; if (!(a in g) || !(b in g)) continue
          base = (t=="tcp") ? g[a] : k[a]; mine = (t=="tcp") ? g[b] : k[b]; unit = (t=="tcp") ? "Gbit/s" : "kpps"
          printf "| %-10s | %7.3f %-6s | %7.3f %-6s | %8s |\n", t, base, unit, mine, unit, (base>0 ? sprintf("%.2fx", mine/base) : "n/a") }
      }
      if (("overlay-capture-nocap tcp") in g) {
        print ""
        print "== tvdctl capture running (every frame of the TVD) / not running, same set-up, same run"
        printf "| %-10s | %14s | %14s | %8s |\n", "test", "without (mean)", "with (mean)", "ratio"
        printf "|------------|----------------|----------------|----------|\n"
        for (t in tests) { a="overlay-capture-nocap "t; b="overlay-capture-cap "t; if (!(a in g) || !(b in g)) continue
          base = (t=="tcp") ? g[a] : k[a]; mine = (t=="tcp") ? g[b] : k[b]; unit = (t=="tcp") ? "Gbit/s" : "kpps"
          printf "| %-10s | %7.3f %-6s | %7.3f %-6s | %8s |\n", t, base, unit, mine, unit, (base>0 ? sprintf("%.2fx", mine/base) : "n/a") }
        print "goal (GitHub issue 13): a running capture keeps throughput within 10% (ratio >= 0.90x)"
      }
    }' "$results"
}

# tb_perf_start VARIANT PID — sample PID (all threads) with perf while the variant is measured.
tb_perf_start() {
    command -v perf >/dev/null || { tb_log "perf not installed; no profile"; return 0; }
    perf record -F 499 -g -p "$2" -o "$TB_DIR/perf-$1.data" >/dev/null 2>&1 &
    TB_PERF_PID=$!
    TB_PIDS+=("$TB_PERF_PID")
}

tb_perf_stop() {
    [[ -n ${TB_PERF_PID:-} ]] || return 0
    kill -INT "$TB_PERF_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$TB_PERF_PID" 2>/dev/null || break; sleep 0.1; done
    tb_stop "$TB_PERF_PID"; TB_PERF_PID=
    perf report -i "$TB_DIR/perf-$1.data" --no-children -g none --percent-limit 0.5 --sort dso,sym --stdio 2>/dev/null | grep -v '^#' | grep '%' \
        | head -n 40 >"$TB_DIR/perf-$1.txt"
    tb_log "profile of host A's overlayd ($1): $TB_DIR/perf-$1.txt"; head -n 25 "$TB_DIR/perf-$1.txt" >&2
}
