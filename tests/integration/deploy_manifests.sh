#!/bin/bash
# SPDX-License-Identifier: MIT
# deploy/: every YAML file parses, the Kubernetes manifests hold what
# docs/fleet.md promises (not privileged, capabilities, read-only host
# mounts, probes, limits), every port is kprof serve's default, and the
# systemd unit passes `systemd-analyze verify`.
set -u
source "$(dirname "$0")/test_lib.bash"

if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "skipped: python3 yaml module not installed (Debian: python3-yaml)"
	exit 77
fi
# The port kprof serve listens on by default, from its own --help.
port=$(./kprof serve --help | sed -n 's/.*(default :\([0-9][0-9]*\)).*/\1/p' | head -1)
[ -n "$port" ] || { echo "FAIL: no default port in kprof serve --help"; exit 1; }

python3 - "$port" deploy/kubernetes/*.yaml deploy/alerts.yml deploy/alerts_test.yml <<'PY' || fail "manifest checks"
import sys, yaml
port = int(sys.argv[1])
docs = {}
for path in sys.argv[2:]:
    with open(path) as f:
        for d in yaml.safe_load_all(f):   # raises on any YAML error
            if isinstance(d, dict) and "kind" in d:
                docs[d["kind"]] = d
    print("parsed", path)
ds = docs["DaemonSet"]["spec"]["template"]["spec"]
c = ds["containers"][0]
sc = c["securityContext"]
assert ds["hostPID"] is True
assert sc.get("privileged") is False, "must not be privileged"
assert sc["readOnlyRootFilesystem"] is True
assert sc["capabilities"]["drop"] == ["ALL"]
caps = set(sc["capabilities"]["add"])
assert {"BPF", "PERFMON"} <= caps, caps
assert not caps & {"NET_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT"}, caps
mounts = {m["name"]: m for m in c["volumeMounts"]}
host = {v["name"]: v["hostPath"]["path"] for v in ds["volumes"] if "hostPath" in v}
assert host == {"sys": "/sys", "proc": "/proc"}, host
assert all(m["readOnly"] is True for m in mounts.values()), mounts
assert c["ports"][0]["containerPort"] == port, (c["ports"], port)
assert f"--web.listen-address=:{port}" in c["args"], c["args"]
assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
assert c["livenessProbe"]["httpGet"]["port"] == c["ports"][0]["name"]
for k in ("requests", "limits"):
    assert {"cpu", "memory"} <= set(c["resources"][k]), c["resources"]
svc = docs["Service"]["spec"]
assert svc["ports"][0]["port"] == port and svc["ports"][0]["name"] == c["ports"][0]["name"]
assert svc["selector"].items() <= docs["DaemonSet"]["spec"]["template"]["metadata"]["labels"].items()
sm = docs["ServiceMonitor"]["spec"]
assert sm["endpoints"][0]["port"] == svc["ports"][0]["name"]
assert sm["selector"]["matchLabels"].items() <= docs["Service"]["metadata"]["labels"].items()
print("manifests ok: port", port, "caps", sorted(caps))
PY

grep -q "^EXPOSE $port\$" deploy/Dockerfile || fail "Dockerfile does not EXPOSE $port"
grep -q "listen-address=:$port" deploy/systemd/kprof.service || fail "systemd unit not on port $port"

if command -v kubectl >/dev/null; then
	kubectl kustomize deploy/kubernetes >/dev/null || fail "kubectl kustomize deploy/kubernetes"
	echo "kustomize ok"
else
	echo "note: kubectl not installed, kustomization not rendered"
fi

if command -v systemd-analyze >/dev/null; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# The unit names /usr/local/bin/kprof; verify it against this build.
	sed "s|/usr/local/bin/kprof|$PWD/kprof|" deploy/systemd/kprof.service >"$tmp/kprof.service"
	out=$(systemd-analyze verify "$tmp/kprof.service" 2>&1)
	# A unit with User= of a user this machine lacks is fine; anything else is not.
	out=$(echo "$out" | grep -v "^$" | grep -v "Failed to resolve user\|user kprof" || true)
	[ -z "$out" ] || fail "systemd-analyze verify: $out"
	echo "systemd-analyze verify ok"
else
	echo "note: systemd-analyze not installed, unit not verified"
fi
[ $fails -eq 0 ]
