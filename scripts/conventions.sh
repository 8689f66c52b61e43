#!/usr/bin/env bash
# Conventions a compiler does not check (the rest: BannedSymbols.txt, warnings as errors).
# Prints each violation as file:line and exits 1 if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
check() { # description, grep args...
  local what=$1; shift
  local hits
  hits=$(grep -rnE "$@" src demo --include='*.cs' | grep -v '/obj/' || true)
  if [[ -n $hits ]]; then
    echo "conventions: $what:"
    echo "$hits"
    bad=1
  fi
}
check "DllImport (use LibraryImport, CONVENTIONS 15)" '\[DllImport'
check "unfinished code on a product path" 'NotImplementedException|\bTODO\b|\bFIXME\b|\bHACK\b'
exit $bad
