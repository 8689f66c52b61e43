# TVD Overlay — every entry point. Run as root on Debian 12; each target installs what it needs.
#   make demo    the main job, on embedded defaults (KEEP=1 leaves it running; make demo-clean removes it then;
#                CLUSTER=1: the same in cluster mode, a 3-member etcd holding the policy and the inventory)
#   make test    unit + interop tests and every netns-lab scenario (what CI runs)
#   make bench   benchmarks, each beside its peer measured in the same run
#   make build   publish tvd-overlayd, tvdctl and the demo's tvd-boinc-server into bin/
#   make fuzz    coverage-guided fuzzing of every parser, ~5 min (make fuzz-long FUZZ_SECONDS=N: N s per target)
#   make deb     the Debian package out/tvd-overlay_VERSION_amd64.deb (docs/packaging.md)
#   make install PREFIX=/usr/local [DESTDIR=...]   a tarball-style install of the same files

DOTNET      ?= dotnet
CONFIG      ?= Release
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all deps build test unit lab demo demo-clean bench fuzz fuzz-long format format-fix clean deb install

all: build

deps:
	@scripts/deps.sh test

build: deps
	@$(DOTNET) publish src/Overlay.Daemon -c $(CONFIG) -o bin --nologo -v quiet -clp:NoSummary
	@$(DOTNET) publish src/Overlay.Cli -c $(CONFIG) -o bin --nologo -v quiet -clp:NoSummary
	@$(DOTNET) publish demo/boinc/server -c $(CONFIG) -o bin --nologo -v quiet -clp:NoSummary
	@echo "build: bin/tvd-overlayd bin/tvdctl bin/tvd-boinc-server"

# Unit and interop tests, then every lab scenario; ends with one 'test: N passed, M failed' line.
# The package is built first: lab scenario packaging installs it.
test: build deb
	@scripts/test.sh all

unit: build
	@scripts/test.sh unit

lab: build deb
	@scripts/test.sh lab

# --- Packaging (docs/packaging.md) -----------------------------------------------------------------
# One version for assemblies and package: VERSION. The package is a self-contained publish (the .NET runtime
# inside /usr/lib/tvd-overlay): Debian 12 ships no .NET runtime package. The publish is redone only when a source,
# project or VERSION changed (out/pkg/.published is its stamp).
VERSION     := $(shell tr -d '[:space:]' < VERSION)
PKG_PUBLISH := out/pkg/publish
DEB         := out/tvd-overlay_$(VERSION)_amd64.deb
PREFIX      ?= /usr/local
DESTDIR     ?=
PKG_SOURCES := $(shell find src -path '*/obj' -prune -o -path '*/bin' -prune -o -type f \( -name '*.cs' -o -name '*.csproj' \) -print) \
               Directory.Build.props Directory.Packages.props global.json VERSION

$(PKG_PUBLISH)/.published: $(PKG_SOURCES) | deps
	@rm -rf $(PKG_PUBLISH)
	@$(DOTNET) publish src/Overlay.Daemon -c $(CONFIG) -r linux-x64 --self-contained -o $(PKG_PUBLISH) --nologo -v quiet -clp:NoSummary
	@$(DOTNET) publish src/Overlay.Cli -c $(CONFIG) -r linux-x64 --self-contained -o $(PKG_PUBLISH) --nologo -v quiet -clp:NoSummary
	@touch $@

$(DEB): $(PKG_PUBLISH)/.published $(wildcard packaging/* packaging/debian/*) examples/policy.toml examples/reference.txt $(wildcard docs/*.md)
	@DEB_MAINTAINER="$(DEB_MAINTAINER)" packaging/build-deb.sh $(PKG_PUBLISH) out >/dev/null
	@echo "deb: $(DEB)"

deb: $(DEB)

install: $(PKG_PUBLISH)/.published
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" SYSCONFDIR="$(SYSCONFDIR)" UNITDIR="$(UNITDIR)" TMPFILESDIR="$(TMPFILESDIR)" \
	    packaging/install.sh $(PKG_PUBLISH)

# The BOINC story across three lab hosts (docs/demo.md); exit 0 only if every step held.
KEEP ?= 0
demo: build
	@KEEP=$(KEEP) CLUSTER=$(CLUSTER) scripts/demo.sh

demo-clean:
	@scripts/demo.sh clean

bench: build
	@scripts/deps.sh bench
	@scripts/bench.sh

# Coverage-guided fuzzing (SharpFuzz + AFL++) of every parser of untrusted input, one target after another
# (docs/fuzzing.md): about 5 minutes in all. Crashes are minimized into tests/*/FuzzCases/<target>/, which the unit
# tests replay. FUZZ_TARGETS="a b" picks targets.
FUZZ_TARGETS ?=
fuzz:
	@FUZZ_TOTAL_SECONDS=240 scripts/fuzz.sh $(FUZZ_TARGETS)

# The same for FUZZ_SECONDS per target (default 600), for campaigns: make fuzz-long FUZZ_SECONDS=3600
FUZZ_SECONDS ?= 600
fuzz-long:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)

format:
	@$(DOTNET) format TvdOverlay.sln --verify-no-changes

format-fix:
	@$(DOTNET) format TvdOverlay.sln

clean:
	@rm -rf bin out
	@$(DOTNET) clean TvdOverlay.sln -v quiet >/dev/null
