#!/bin/sh
# The demo's BOINC application (anonymous platform: the client has it from app_info.xml, nothing is signed or
# downloaded). It runs in its slot directory, where the client copied the work unit's input as in.txt
# (<copy_file/>): line 1 the number of rounds N, line 2 the seed. It writes out.txt: "N HEX", where HEX is the seed
# hashed N times, each round the SHA-256 (lower-case hex) of the previous round's hex text without a newline. The
# project server recomputes the chain to validate the result. Only /bin/sh and sha256sum are needed (busybox has
# both), so the same file runs in the demo's VM and in a namespace client.
set -eu
rounds=$(sed -n 1p in.txt)
value=$(sed -n 2p in.txt)
case $rounds in '' | *[!0-9]*) echo "tvd_hashchain: line 1 of in.txt is not a number" >&2; exit 1 ;; esac
i=0
while [ "$i" -lt "$rounds" ]; do
  value=$(printf '%s' "$value" | sha256sum | cut -d' ' -f1)
  i=$((i + 1))
done
printf '%s %s\n' "$rounds" "$value" > out.txt
# A non-API application tells the client it finished by this file (else the client treats the exit as a crash).
echo 0 > boinc_finish_called
