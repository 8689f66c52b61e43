# shellcheck shell=bash
# bench/lab/lib/report.sh — the results table, the overlay/peer ratios, and the optional perf profile.

# tb_aes_floor — "ns-per-seal+open ns-per-raw-encrypt" of AES-GCM-128 on a 1400-byte payload, read from the
# BenchmarkDotNet EspBenchmarks results of this `make bench` run (ESP_RESULTS, default out/bench/results/…csv);
# nothing when that run did not happen.
tb_aes_floor() {
    local csv=${ESP_RESULTS:-$REPO_ROOT/out/bench/results/Overlay.Benchmarks.DataPlane.EspBenchmarks-report.csv}
    [[ -f $csv ]] || return 0
    python3 - "$csv" <<'PY' 2>/dev/null || true
import csv, sys
units = {"ns": 1.0, "us": 1e3, "\u03bcs": 1e3, "\u00b5s": 1e3, "ms": 1e6, "s": 1e9}
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
def mean(method):
    for r in rows:
        if r.get("Method") == method and r.get("Cipher") == "AesGcm128":
            value, unit = r["Mean"].replace(",", "").split()
            return float(value) * units[unit]
print(f"{mean('SealOpen'):.1f} {mean('RawAesGcmEncrypt'):.1f}")
PY
}

# tb_aes_floor_age — when the EspBenchmarks results tb_aes_floor read were written.
tb_aes_floor_age() {
    date -u -r "${ESP_RESULTS:-$REPO_ROOT/out/bench/results/Overlay.Benchmarks.DataPlane.EspBenchmarks-report.csv}" '+%F %H:%M UTC' 2>/dev/null
}

# tb_report RESULTS — RESULTS has lines "variant test gbps kpps cpu% cpu-s/GB".
tb_report() {
    local results=$1 floor
    floor=$(tb_aes_floor); [[ -n $floor ]] || floor="0 0"
    echo
    echo "== guest A -> guest B through each carrier (same topology, same run; DUR=${DUR}s, 2 shared cores)"
    awk '
    # A row measured more than once (overlay-capture: ABBA) is the mean of its measurements.
    { key=$1" "$2; r[key]++; g[key]+=($3-g[key])/r[key]; k[key]+=($4-k[key])/r[key]; c[key]+=($5-c[key])/r[key]; s[key]+=($6-s[key])/r[key]
      if (!($1 in seen)) { seen[$1]=1; order[++n]=$1 } ; tests[$2]=1
      # Each pass of the capture bench, in order: an ABBA cycle holds two passes of each side.
      if ($1 ~ /^overlay-capture-(no)?cap$/) { side = substr($1, 17); i = ++n_cap[$2, side]; cap_v[$2, side, i] = ($2 == "tcp") ? $3 : $4
        fwd_v[$2, side, i] = $8 + 0; sent_v[$2, side, i] = $7 + 0
        cy = int((i + 1) / 2); cyc_sum[$2, side, cy] += cap_v[$2, side, i]; cyc_n[$2, side, cy]++; if (cy > cycles) cycles = cy } }
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
      print ""
      print "== CPU per byte: the carrying daemons'"'"' CPU-seconds (both hosts, utime+stime) per GB of guest payload delivered"
      printf "| %-12s | %-10s | %9s | %12s |\n", "variant", "test", "CPU-s/GB", "/ AES floor"
      printf "|--------------|------------|-----------|--------------|\n"
      for (i=1;i<=n;i++) { v=order[i]
        for (t in tests) if ((v" "t) in s && s[v" "t] > 0)
          printf "| %-12s | %-10s | %9.3f | %12s |\n", v, t, s[v" "t], (floor > 0 ? sprintf("%.2fx", s[v" "t]/floor) : "n/a") }
      if (floor > 0) {
        printf "AES floor (BenchmarkDotNet EspBenchmarks of %s, AES-GCM-128, 1400-byte payload): ESP seal+open %.0f ns = %.3f CPU-s/GB;\n", age, sealopen, floor
        printf "raw .NET AesGcm encrypt %.0f ns, x2 for seal+open = %.3f CPU-s/GB. One seal (host A) + one open (host B) per packet is\n", raw, 2*raw/1400
        print "the least CPU this design can spend per byte; the rest is I/O system calls, copies, switching and the kernel'"'"'s share."
      } else {
        print "AES floor: n/a (no EspBenchmarks results of this run: make bench runs BenchmarkDotNet first, or set ESP_RESULTS)"
      }
      if (("overlay-capture-nocap tcp") in g) {
        print ""
        print "== tvdctl capture running (every frame of the TVD) / not running, same set-up, same run, " cycles " ABBA cycles"
        print "   delivered: at guest B (TCP Gbit/s; UDP datagrams/s that arrived whole); forwarded: frames/s host A took from"
        print "   guest A'"'"'s port; offered: datagrams/s guest A'"'"'s iperf3 sent (UDP at one fixed rate on both sides). Medians (range)."
        printf "| %-8s | %-25s | %-25s | %6s | %11s | %-24s | %-17s |\n", "test", "delivered without", "delivered with", "ratio", "per cycle", "forwarded w/o -> with", "offered w/o, with"
        printf "|----------|---------------------------|---------------------------|--------|-------------|--------------------------|-------------------|\n"
        for (t in tests) { if (!((t, "nocap") in n_cap) || !((t, "cap") in n_cap)) continue
          unit = (t=="tcp") ? "Gbit/s" : "kpps"
          base = median(cap_v, t, "nocap"); mine = median(cap_v, t, "cap")
          lo = 0; hi = 0
          for (cy = 1; cy <= cycles; cy++) { if (cyc_n[t, "nocap", cy] == 0 || cyc_n[t, "cap", cy] == 0) continue
            rc = (cyc_sum[t, "cap", cy] / cyc_n[t, "cap", cy]) / (cyc_sum[t, "nocap", cy] / cyc_n[t, "nocap", cy])
            if (lo == 0 || rc < lo) lo = rc; if (rc > hi) hi = rc }
          f0 = median(fwd_v, t, "nocap"); f1 = median(fwd_v, t, "cap")
          printf "| %-8s | %6.3f %-6s (%s) | %6.3f %-6s (%s) | %6s | %11s | %-24s | %-17s |\n", t,
            base, unit, span(cap_v, t, "nocap"), mine, unit, span(cap_v, t, "cap"),
            (base > 0 ? sprintf("%.2fx", mine / base) : "n/a"), sprintf("%.2f-%.2fx", lo, hi),
            (f0 > 0 ? sprintf("%.1f -> %.1f k (%.2fx)", f0, f1, f1 / f0) : "n/a"),
            (t == "tcp" ? "(TCP: as acked)" : sprintf("%.1f, %.1f k", median(sent_v, t, "nocap"), median(sent_v, t, "cap"))) }
        print "goal (GitHub issue 13): a running capture keeps throughput within 10% (delivered, ratio of the medians >= 0.90x)"
      }
    }
    function median(v, t, side,   m, i, j, x, a) {
      m = n_cap[t, side]; for (i = 1; i <= m; i++) a[i] = v[t, side, i]
      for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    function span(v, t, side,   m, i, lo, hi) {
      m = n_cap[t, side]; lo = hi = v[t, side, 1]
      for (i = 2; i <= m; i++) { if (v[t, side, i] < lo) lo = v[t, side, i]; if (v[t, side, i] > hi) hi = v[t, side, i] }
      return sprintf((t == "tcp") ? "%.2f-%.2f" : "%.1f-%.1f", lo, hi)
    }' age="$(tb_aes_floor_age)" sealopen="${floor%% *}" raw="${floor##* }" floor="$(awk -v f="${floor%% *}" 'BEGIN{print (f > 0 ? f/1400 : 0)}')" "$results"
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
