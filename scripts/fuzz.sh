#!/usr/bin/env bash
# Mutation-fuzzes IKE message decoding and attested IKE's decoders (notifies, evidence bundles) for FUZZ_SECONDS (default 60) with fuzz/Overlay.Ike.Fuzz,
# seeded from the strongSwan captures and an evidence bundle from the attested-ike lab. Inputs that throw are saved to
# tests/Overlay.Ike.Tests/Fixtures/fuzz-regressions/ (replayed by FuzzRegressionTests) and the
# script exits non-zero. FUZZ_SEED picks the mutation sequence (default: 1, repeatable).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
seed="${FUZZ_SEED:-1}"
dotnet build fuzz/Overlay.Ike.Fuzz -c Release -v quiet -nologo
exec dotnet fuzz/Overlay.Ike.Fuzz/bin/Release/net10.0/Overlay.Ike.Fuzz.dll \
  --seconds "$seconds" --seed "$seed" \
  --corpus tests/Overlay.Ike.Tests/Fixtures/strongswan \
  --corpus tests/Overlay.Ike.Tests/Fixtures/fuzz-regressions \
  --corpus tests/Overlay.Attest.Tests/Fixtures/handshake \
  --crashes tests/Overlay.Ike.Tests/Fixtures/fuzz-regressions
