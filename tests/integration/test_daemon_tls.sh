#!/bin/sh
# mugaid with TLS: self-signed certificates made here with openssl; submit
# with curl --cacert and `mugai submit --cacert`, fetch the artefact over
# TLS from the release listener (its own key pair); plain HTTP to a TLS port
# gets no answer, an unknown CA is refused, and a wrong configuration stops
# mugaid at start with a message naming it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
cert() { # cert NAME: NAME.pem (certificate, its own CA) and NAME.key
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
        -keyout "$T/$1.key" -out "$T/$1.pem" 2> "$T/openssl.log"
}
cert intake
cert release
cert other
cp -r "$MUGAI_TESTDB" "$T/db"
cat > "$T/tls.conf" <<CONF
[daemon]
tls_cert = $T/intake.pem
tls_key = $T/intake.key
release_tls_cert = $T/release.pem
release_tls_key = $T/release.key
CONF

IN=$(port); OUT=$(port)
"$MUGAID" --listen 127.0.0.1:$IN --release-listen 127.0.0.1:$OUT --spool "$T/spool" \
    --database "$T/db" --config "$T/tls.conf" --workers 1 >> "$T/daemon.log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
U="https://localhost:$IN"; R="https://localhost:$OUT"
for i in $(seq 1 100); do
    curl -fs --cacert "$T/intake.pem" "$U/healthz" > /dev/null 2>&1 && break
    sleep 0.1
done
check "intake answers over TLS" test "$(curl -s --cacert "$T/intake.pem" "$U/healthz")" = ok
check "the log names both listeners https" grep -q "intake on https://127.0.0.1:$IN, release on https://127.0.0.1:$OUT" "$T/daemon.log"

printf '会議の議事録です\n' > "$T/memo.txt"
curl -s --cacert "$T/intake.pem" -X POST --data-binary @"$T/memo.txt" \
    "$U/v1/jobs?filename=memo.txt&wait=30" > "$T/r.json"
check "curl --cacert: submit over TLS released" test "$(json 'd["verdict"]' < "$T/r.json")" = released
url=$(json 'd["artefacts"][0]["url"]' < "$T/r.json")
sha=$(json 'd["artefacts"][0]["sha256"]' < "$T/r.json")
curl -s --cacert "$T/release.pem" "$R$url" -o "$T/fetched.txt"
check "artefact fetched over TLS from the release listener (its own key), sha256 matches" \
    test "$(sha256sum < "$T/fetched.txt" | cut -d' ' -f1)" = "$sha"

# a parked ?wait request over TLS is resumed and answered
"$MUGAI_BIN/mkpdf" "$T/busy.pdf" --pages 20 --photo
curl -s -o /dev/null --cacert "$T/intake.pem" -X POST --data-binary @"$T/busy.pdf" "$U/v1/jobs?filename=busy.pdf"
curl -s --cacert "$T/intake.pem" -w '\n%{http_code}\n' -X POST --data-binary @"$T/memo.txt" \
    "$U/v1/jobs?filename=later.txt&wait=30" > "$T/w.out"
check "?wait over TLS behind a slow job: 200 with the verdict" \
    sh -c "tail -1 '$T/w.out' | grep -qx 200 && head -1 '$T/w.out' | grep -q '\"verdict\":\"released\"'"

set +e
plain=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$IN/healthz"); plain_rc=$?
plainr=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$OUT/healthz"); plainr_rc=$?
curl -s -m 5 -o /dev/null "$U/healthz"; noca_rc=$?
curl -s -m 5 -o /dev/null --cacert "$T/other.pem" "$U/healthz"; other_rc=$?
curl -s -m 5 -o /dev/null --cacert "$T/intake.pem" "$R/healthz"; cross_rc=$?
set -e
check "plain HTTP to the TLS intake port fails (curl $plain_rc, HTTP $plain)" \
    sh -c "[ $plain_rc -ne 0 ] && [ '$plain' = 000 ]"
check "plain HTTP to the TLS release port fails (curl $plainr_rc, HTTP $plainr)" \
    sh -c "[ $plainr_rc -ne 0 ] && [ '$plainr' = 000 ]"
check "no CA given: the self-signed certificate is refused" test "$noca_rc" -eq 60
check "another CA: refused" test "$noca_rc" -eq 60 -a "$other_rc" -eq 60
check "the release listener has its own certificate" test "$cross_rc" -eq 60

# the CLI
"$MUGAI" submit --server "$U" --cacert "$T/intake.pem" --wait 30 "$T/memo.txt" > "$T/sub.txt"
check "mugai submit --server https://... --cacert: released" grep -q "	released	" "$T/sub.txt"
cid=$(cut -f1 "$T/sub.txt")
"$MUGAI" fetch --server "$R" --cacert "$T/release.pem" -o "$T/fetched" "$cid" > /dev/null
check "mugai fetch --cacert from the TLS release listener" cmp -s "$T/fetched/memo.txt" "$T/memo.txt"
set +e
"$MUGAI" submit --server "$U" --wait 30 "$T/memo.txt" > /dev/null 2>&1; rc=$?
MUGAI_CACERT="$T/intake.pem" "$MUGAI" status --server "$U" "$cid" > /dev/null 2>&1; envrc=$?
set -e
check "mugai submit without the CA: refused (exit 2)" test "$rc" -eq 2
check "MUGAI_CACERT is the default of --cacert" test "$envrc" -eq 0
kill $PID; wait $PID 2>/dev/null || true

# a wrong TLS configuration stops mugaid at start, naming what is wrong
fails() { # fails NAME PATTERN CONFIG-LINES
    printf '[daemon]\n%b' "$3" > "$T/bad.conf"
    set +e
    timeout 20 "$MUGAID" --listen 127.0.0.1:$(port) --release-listen 127.0.0.1:$(port) \
        --spool "$T/spool-$1" --database "$T/db" --config "$T/bad.conf" > "$T/bad.log" 2>&1
    rc=$?
    set -e
    check "$1: mugaid exits at start ($rc) saying '$2'" sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q -- '$2' '$T/bad.log'"
}
fails cert-without-key "set both or neither" "tls_cert = $T/intake.pem\n"
fails missing-cert "tls_cert $T/nope.pem: No such file" "tls_cert = $T/nope.pem\ntls_key = $T/intake.key\n"
fails not-pem "cannot read a PEM file" "tls_cert = $T/memo.txt\ntls_key = $T/intake.key\n"
fails key-mismatch "with TLS: check the certificate" "tls_cert = $T/intake.pem\ntls_key = $T/other.key\n"
finish
