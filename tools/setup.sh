#!/bin/bash
# SPDX-License-Identifier: MIT
# Installs what kprof needs to build, run and test, from Debian 12 packages.
# Idempotent: installs only what is missing, and says what it cannot install.
set -u
PACKAGES=(
	make gcc pkg-config git                 # build
	clang llvm                              # BPF programs (clang -target bpf)
	bpftool                                 # skeletons and vmlinux.h
	libbpf-dev libelf-dev zlib1g-dev        # loading BPF, ELF symbols, gzip
	libcmocka-dev                           # unit and integration tests
	libyaml-dev libcrypt-dev                # --web.config.file: YAML, bcrypt via crypt(3)
	libmicrohttpd-dev                       # kprof serve: HTTP server (TLS via GnuTLS)
	libcap-dev                              # dropping capabilities after start-up
	libgnutls28-dev                         # serve: client certificate checks (TLS)
	prometheus openssl curl                 # tests: promtool, a real Prometheus, certificates
	nftables                                # tests: packet loss for TCP retransmits
	libclang-rt-14-dev                      # make fuzz: libFuzzer and sanitizers
	python3 valgrind                        # tests: JSON output, leak checks
	iproute2 procps util-linux              # tests: namespaces, ps, setpriv
	golang-go libxml2-utils chromium        # tests: go tool pprof, xmllint, SVG in a browser
)
PACKAGES+=(${KPROF_EXTRA_PACKAGES:-})

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
	echo "setup: cannot install packages (needs root and apt-get). Install these Debian 12 packages: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/kprof-setup.log 2>&1; then
	apt-get update -q >>/tmp/kprof-setup.log 2>&1
	if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/kprof-setup.log 2>&1; then
		echo "setup: apt-get could not install: ${missing[*]} (log: /tmp/kprof-setup.log)" >&2
		tail -5 /tmp/kprof-setup.log >&2
		exit 1
	fi
fi
echo "setup: done"
