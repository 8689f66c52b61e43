#!/usr/bin/env bash
# Installs the Debian packages that `make build/test/demo/bench` need. Idempotent and quiet when
# everything is present: it asks dpkg first and runs apt-get only for what is missing.
# Usage: scripts/deps.sh [test|bench|fuzz]   (default: test)
set -euo pipefail

profile=${1:-test}

# Every package is here for a named reason; keep the comment next to it.
packages=(
  iproute2 iputils-ping procps util-linux   # netns-lab: ip netns/veth/bridge, ping, pkill, nsenter
  python3 jq                                # netns-lab: stand-in services, traffic crafting, reading tvdctl --json
  ethtool                                   # netns-lab: guest links' offloads off (AF_PACKET ports see real frames)
  iperf3                                    # dp-workers lab: UDP and TCP load from two senders at once
  tshark                                    # esp-wire: underlay capture and ESP decryption with exported keys; capture: reads tvdctl's pcap
  libpcap0.8                                # tvdctl capture -w: SharpPcap writes pcap through libpcap (P/Invoke)
  prometheus curl                           # metrics lab: a real Prometheus scrapes a daemon; curl asks its HTTP API
  nftables conntrack                        # nat-traversal: h2's NAT (masquerade to other ports), its rebinding
  ca-certificates                           # dotnet restore over TLS
  swtpm swtpm-tools                         # Overlay.Attest: the software TPM (embedded default, tests)
  tpm2-tools                                # tpm2_quote / tpm2_checkquote interop tests
  libtss2-esys-3.0.2-0 libtss2-tctildr0 libtss2-tcti-swtpm0 libtss2-tcti-device0 libtss2-rc0 libtss2-mu0   # tpm2-tss, by P/Invoke
  libvirt0 libvirt-clients                  # Overlay.Hypervisor: libvirt.so.0 by P/Invoke (test:///default in tests)
  libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86   # real libvirtd (scripts/libvirtd.sh) and TCG guests
  binutils                                  # scripts/guest-image.sh --boinc: readelf walks the ELF NEEDED entries of the BOINC client
  strongswan-charon strongswan-swanctl      # Overlay.Ike interop: a real charon peer in a namespace
  libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins   # its openssl/gcm/kdf, curve25519, kernel-libipsec
  openssl                                   # make demo: the demo CA and the hosts' IKE certificates
  systemd libcap2-bin                       # packaging lab: systemd-analyze verify of the unit; capsh --decode of the daemon's caps; capsh --drop (underlay-xdp lab)
  chromium fonts-dejavu-core                # tvdctl graph --png: headless Chromium renders the SVG (Cli tests check its screenshot; attested-ike lab)
  boinc-client                              # demo/boinc: the real BOINC 7.20 client against tvd-boinc-server (integration test, boinc lab)
  etcd-server etcd-client                   # cluster mode: a real etcd 3.4 (scripts/etcd.sh) for Overlay.Cluster tests, the cluster lab and bench/cluster; etcdctl
)
if [[ $profile == bench ]]; then
  # Peers for bench/lab/throughput.sh (wireguard-go instead of a kernel module; no recommends: wireguard-tools
  # would pull a kernel image) and linux-perf for its optional profile.
  packages+=(iperf3 bc wireguard-go wireguard-tools linux-perf)
fi
if [[ $profile == fuzz ]]; then
  # Coverage-guided fuzzing (scripts/fuzz.sh, docs/fuzzing.md): AFL++'s afl-fuzz, afl-tmin and afl-cmin.
  packages+=(afl++)
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: must run as root (installs Debian packages, builds network namespaces)" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep Wireshark's question from blocking a non-interactive install.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "deps: the .NET 10 SDK (dotnet) is not on PATH; install it first (it is not a Debian package)" >&2
  exit 2
fi

if [[ $profile == fuzz ]]; then
  # SharpFuzz's instrumenter (a .NET tool, not a Debian package): it rewrites the assemblies under test so that
  # afl-fuzz sees their branch coverage. The harness links the matching SharpFuzz runtime (Directory.Packages.props).
  sharpfuzz_version=2.3.0
  tools_dir=${SHARPFUZZ_TOOLS:-/root/.dotnet/tools}
  if [[ ! -x $tools_dir/sharpfuzz ]] || ! dotnet tool list --tool-path "$tools_dir" | grep -qi "sharpfuzz.commandline *$sharpfuzz_version"; then
    echo "deps: installing the sharpfuzz tool $sharpfuzz_version into $tools_dir"
    dotnet tool update --tool-path "$tools_dir" SharpFuzz.CommandLine --version "$sharpfuzz_version" >/dev/null
  fi
fi
