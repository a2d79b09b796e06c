#!/bin/bash
# SPDX-License-Identifier: MIT
# kprof serve --web.config.file: TLS with certificates this test makes
# (openssl), basic auth with a bcrypt hash it makes, client certificates.
# Wrong password -> 401; no client certificate when one is required ->
# refused; right credentials -> 200 with the metrics.
set -u
source "$(dirname "$0")/serve_lib.bash"
require_root
for t in openssl curl python3; do
	command -v $t >/dev/null || { echo "skipped: $t not installed"; exit 77; }
done
tmp=$(mktemp -d)
KPID=
trap '[ -n "$KPID" ] && kill $KPID 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"

# A CA, a server certificate for 127.0.0.1 signed by it, a client
# certificate signed by it, and a client certificate from another CA.
mkcert() { # NAME CA EXT...
	local name=$1 ca=$2; shift 2
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
		-keyout $name.key -out $name.csr 2>/dev/null &&
	openssl x509 -req -in $name.csr -CA $ca.crt -CAkey $ca.key -CAcreateserial -days 2 \
		-extfile <(printf '%s\n' "$@") -out $name.crt 2>/dev/null
}
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$1" -keyout $1.key -out $1.crt 2>/dev/null
}
mkca ca && mkca rogue-ca &&
	mkcert server ca "subjectAltName=IP:127.0.0.1" "extendedKeyUsage=serverAuth" &&
	mkcert client ca "extendedKeyUsage=clientAuth" &&
	mkcert rogue rogue-ca "extendedKeyUsage=clientAuth" || { echo "FAIL: openssl"; exit 1; }
# bcrypt (cost 4 keeps the test fast) with the system's crypt(3), as kprof checks it.
hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret pw", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' 2>/dev/null)
case "$hash" in
'$2b$'*) ;;
*) echo "skipped: python3 crypt cannot make a bcrypt hash here"; exit 77 ;;
esac
cd - >/dev/null

cat >"$tmp/auth.yml" <<YML
tls_server_config:
  cert_file: $tmp/server.crt
  key_file: $tmp/server.key
basic_auth_users:
  prometheus: '$hash'
YML
cat >"$tmp/mtls.yml" <<YML
tls_server_config:
  cert_file: $tmp/server.crt
  key_file: $tmp/server.key
  client_ca_file: $tmp/ca.crt
  client_auth_type: RequireAndVerifyClientCert
YML

# code ARGS...: the HTTP status curl got (000 when no HTTP answer came).
code() { curl -s -o "$tmp/body" -w '%{http_code}' --max-time 10 "$@"; }

start_serve "$tmp/serve.log" --collectors syscall --web.config.file "$tmp/auth.yml" || exit 1
U=https://127.0.0.1:$PORT
c=$(code --cacert "$tmp/ca.crt" -u 'prometheus:s3cret pw' $U/metrics)
[ "$c" = 200 ] && grep -q '^kprof_syscall_latency_seconds_count' "$tmp/body" ||
	fail "right password: HTTP $c, want 200 with the metrics"
c=$(code --cacert "$tmp/ca.crt" -u 'prometheus:wrong' $U/metrics)
[ "$c" = 401 ] || fail "wrong password: HTTP $c, want 401"
c=$(code --cacert "$tmp/ca.crt" -u 'nobody:s3cret pw' $U/metrics)
[ "$c" = 401 ] || fail "unknown user: HTTP $c, want 401"
c=$(code --cacert "$tmp/ca.crt" -D "$tmp/headers" $U/metrics)
[ "$c" = 401 ] || fail "no credentials: HTTP $c, want 401"
grep -qi '^WWW-Authenticate: Basic realm="kprof"' "$tmp/headers" || fail "401 without WWW-Authenticate"
c=$(code --cacert "$tmp/ca.crt" $U/healthz)
[ "$c" = 401 ] || fail "/healthz without credentials: HTTP $c, want 401 (every path is protected)"
c=$(code -u 'prometheus:s3cret pw' http://127.0.0.1:$PORT/metrics)
[ "$c" = 000 ] || fail "plain HTTP to the TLS port: HTTP $c, want no answer"
c=$(code -u 'prometheus:s3cret pw' $U/metrics)
[ "$c" = 000 ] || fail "server certificate not checked by curl?: HTTP $c"
stop_serve
[ "$STOP_RC" = 0 ] || fail "kprof serve exited $STOP_RC"
echo "tls + basic auth ok"

start_serve "$tmp/serve.log" --collectors syscall --web.config.file "$tmp/mtls.yml" || exit 1
U=https://127.0.0.1:$PORT
c=$(code --cacert "$tmp/ca.crt" $U/metrics)
[ "$c" = 000 ] || fail "no client certificate: HTTP $c, want the connection refused"
c=$(code --cacert "$tmp/ca.crt" --cert "$tmp/rogue.crt" --key "$tmp/rogue.key" $U/metrics)
[ "$c" = 000 ] || fail "client certificate of another CA: HTTP $c, want refused"
c=$(code --cacert "$tmp/ca.crt" --cert "$tmp/client.crt" --key "$tmp/client.key" $U/metrics)
[ "$c" = 200 ] && grep -q '^kprof_build_info' "$tmp/body" || fail "client certificate: HTTP $c, want 200"
stop_serve
echo "client certificates ok"

# Bad configurations: one sentence, exit 2, before anything is loaded.
bad() { # PATTERN YAML
	printf '%s\n' "$2" >"$tmp/bad.yml"
	$KPROF serve --web.listen-address 127.0.0.1:0 --web.config.file "$tmp/bad.yml" 2>"$tmp/err"
	local rc=$?
	[ $rc = 2 ] || fail "bad config exited $rc, want 2: $2"
	grep -q -- "$1" "$tmp/err" || fail "bad config: '$(cat "$tmp/err")' lacks '$1'"
}
bad "cannot read tls_server_config cert_file" "tls_server_config: {cert_file: $tmp/none.crt, key_file: $tmp/server.key}"
bad "do not load as a PEM certificate and its key" "tls_server_config: {cert_file: $tmp/server.crt, key_file: $tmp/client.key}"
bad "client_ca_file holds no PEM certificate" "tls_server_config: {cert_file: $tmp/server.crt, key_file: $tmp/server.key, client_ca_file: $tmp/auth.yml, client_auth_type: RequireAndVerifyClientCert}"
$KPROF serve --web.config.file "$tmp/none.yml" 2>"$tmp/err"
[ $? = 2 ] || fail "missing --web.config.file: want exit 2 ($(cat "$tmp/err"))"
echo "bad configurations ok"
finish
