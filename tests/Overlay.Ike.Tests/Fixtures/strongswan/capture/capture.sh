#!/bin/bash
# Captures real strongSwan 5.9.8 IKEv2 exchanges between two charons in two network
# namespaces (tike-a initiator, tike-b responder) and writes them as hex fixtures plus the
# keys charon logs at ike/chd level 4. Three IKE_SAs, each on its own address pair so the
# responder cannot pick the wrong config:
#   cbc : aes128-sha256-modp2048,  CHILD label tvd:red  (accepted)        10.250.0.1 <-> 10.250.0.2
#   gcm : aes256gcm16-prfsha384-ecp256, CHILD label tvd:red (accepted)    10.250.1.1 <-> 10.250.1.2
#   bad : aes128-sha256-modp2048, initiator asks tvd:blue, responder only tvd:red
#         -> TS_UNACCEPTABLE in the IKE_AUTH response                    10.250.2.1 <-> 10.250.2.2
# Usage (root): ./capture.sh OUTDIR   -- needs strongswan-swanctl strongswan-charon
#   libcharon-extra-plugins libstrongswan-extra-plugins tcpdump python3.
# Everything created carries the tike- prefix and is removed on exit, even on failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath -m "${1:?usage: capture.sh OUTDIR}"); mkdir -p "$OUT"
RUN=$(mktemp -d /tmp/tike-capture.XXXXXX)
A=tike-a; B=tike-b
declare -A CPID; TPID=
cleanup() {
  [ -n "$TPID" ] && kill "$TPID" 2>/dev/null
  for h in $A $B; do p=${CPID[$h]:-}; [ -n "$p" ] && kill "$p" 2>/dev/null; done
  for h in $A $B; do p=${CPID[$h]:-}; [ -n "$p" ] && for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null
  rm -rf "$RUN"
}
trap cleanup EXIT
ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null
sw() { local h=$1; shift; swanctl "$@" --uri unix://$RUN/$h/charon.vici; }

ip netns add $A; ip netns add $B
ip link add tike-va type veth peer name tike-vb
ip link set tike-va netns $A; ip link set tike-vb netns $B
for n in 0 1 2; do ip -n $A addr add 10.250.$n.1/24 dev tike-va; ip -n $B addr add 10.250.$n.2/24 dev tike-vb; done
# protected subnets live on an in-namespace veth stub (the kernel has no dummy driver)
ip -n $A link add tike-ia type veth peer name tike-iap; ip -n $B link add tike-ib type veth peer name tike-ibp
for n in 0 1 2; do ip -n $A addr add 10.1$n.1.1/24 dev tike-ia; ip -n $B addr add 10.1$n.2.1/24 dev tike-ib; done
for d in "$A lo" "$A tike-va" "$A tike-ia" "$A tike-iap" "$B lo" "$B tike-vb" "$B tike-ib" "$B tike-ibp"; do set -- $d; ip -n $1 link set $2 up; done
ip netns exec $A ping -c 1 -W 2 10.250.0.2 >/dev/null || { echo "outer ping failed"; exit 1; }

for h in $A $B; do
  mkdir -p $RUN/$h/run
  sed "s#@RUN@#$RUN/$h#g" "$HERE/strongswan.conf.in" > $RUN/$h/strongswan.conf
  ip netns exec $h unshare -m --propagation private sh -c \
    "mount --bind $RUN/$h/run /run && exec env STRONGSWAN_CONF=$RUN/$h/strongswan.conf /usr/lib/ipsec/charon" \
    > $RUN/$h/charon.stdout 2>&1 &
  CPID[$h]=$!
done
for h in $A $B; do for i in $(seq 100); do [ -S $RUN/$h/charon.vici ] && break; sleep 0.1; done
  [ -S $RUN/$h/charon.vici ] || { echo "charon $h did not start"; cat $RUN/$h/charon.stdout; exit 1; }
  sw $h --load-all --file "$HERE/swanctl-$h.conf" > "$RUN/load-$h.txt" 2>&1 || { cat "$RUN/load-$h.txt"; exit 1; }; done

ip netns exec $A tcpdump -i tike-va -U -s 0 -w "$RUN/ike.pcap" 'udp port 500 or udp port 4500' > "$RUN/tcpdump.txt" 2>&1 &
TPID=$!
sleep 1
for c in cbc gcm bad; do
  sw $A --initiate --ike $c --child $c-net --timeout 20 > "$RUN/initiate-$c.txt" 2>&1
  echo "initiate $c: rc=$? $(tail -1 "$RUN/initiate-$c.txt")"
done
sw $A --list-sas > "$OUT/list-sas.txt" 2>&1
for c in cbc gcm bad; do sw $A --terminate --ike $c --timeout 10 >/dev/null 2>&1; done
sleep 1
kill "$TPID"; wait "$TPID" 2>/dev/null; TPID=
cp "$RUN/ike.pcap" "$OUT/ike.pcap"
cp "$RUN/$A/charon.log" "$OUT/charon-initiator.log"; cp "$RUN/$B/charon.log" "$OUT/charon-responder.log"
python3 "$HERE/extract.py" "$OUT"
