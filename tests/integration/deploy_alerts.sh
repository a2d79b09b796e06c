#!/bin/bash
# SPDX-License-Identifier: MIT
# deploy/alerts.yml: valid rules (promtool check rules), and each alert
# fires on a bad node after its `for`, not before, and never on a healthy
# one (promtool test rules deploy/alerts_test.yml).
set -u
cd "$(dirname "$0")/../.."
if ! command -v promtool >/dev/null; then
	echo "skipped: promtool not installed (Debian: prometheus)"
	exit 77
fi
promtool check rules deploy/alerts.yml || exit 1
promtool test rules deploy/alerts_test.yml || exit 1
# Every alert has a summary and a description, and a test.
python3 - <<'PY' || exit 1
import re
rules = open("deploy/alerts.yml").read()
tests = open("deploy/alerts_test.yml").read()
alerts = re.findall(r"^\s*- alert: (\w+)", rules, re.M)
assert alerts, "no alerts"
assert rules.count("summary:") == len(alerts) and rules.count("description:") == len(alerts)
untested = [a for a in alerts if f"alertname: {a}" not in tests]
assert not untested, f"alerts without a test: {untested}"
print("alerts ok:", ", ".join(alerts))
PY
