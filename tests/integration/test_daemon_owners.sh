#!/bin/sh
# Who may do what to a job (issue 13 points 7, 15 and 16's /metrics):
# a job belongs to the submit token that sent it — another submit token
# gets 404 for it (read, password, artefact); a fetch token reads
# released artefacts; an admin token and the admin socket see every job.
# A tokens file holding the SHA-256 of the empty string is refused at
# start; an empty Bearer is 401; /metrics wants a metrics (or admin) token.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
# as TOKEN CURLARGS...: the HTTP status of a call with that bearer
as() { t=$1; shift; code -H "Authorization: Bearer $t" "$@"; }

cp -r "$MUGAI_TESTDB" "$T/db"
printf 'memo of alice\n' > "$T/memo.txt"
mkdir -p "$T/z" && printf 'inner memo\n' > "$T/z/in.txt"
(cd "$T/z" && zip -q -P secret ../ppap.zip in.txt)

# point 15: the hash of "" (an unset $TOKEN hashed) is refused at start
{ echo "submit $(h alice-token-1)"; echo "admin $(printf '' | sha256sum | cut -d' ' -f1)"; } > "$T/bad-tokens"
P0=$(port)
"$MUGAID" --listen 127.0.0.1:$P0 --release-listen 127.0.0.1:$(port) --spool "$T/s0" \
    --database "$T/db" --tokens "$T/bad-tokens" > "$T/bad.log" 2>&1 &
bad=$!; PIDS="$PIDS $bad"
# it exits, or it serves (then it is stopped): polled for at most 10 s
rc=serving
for _ in $(seq 1 100); do
    if ! kill -0 $bad 2>/dev/null; then rc=0; wait $bad || rc=$?; break; fi
    curl -fs "http://127.0.0.1:$P0/healthz" > /dev/null 2>&1 && break
    sleep 0.1
done
[ "$rc" = serving ] && kill -9 $bad
check "tokens file with the SHA-256 of the empty string: mugaid does not start ($rc)" \
    sh -c "[ '$rc' != serving ] && [ '$rc' != 0 ]"
check "  ... and says why" grep -q "SHA-256 of the empty string" "$T/bad.log"

alice=alice-token-1; bob=bob-token-2; lgwan=fetch-token-3; boss=admin-token-4; prom=metrics-token-5
{ echo "submit $(h $alice)"; echo "submit $(h $bob)"; echo "fetch $(h $lgwan)"
  echo "admin $(h $boss)"; echo "metrics $(h $prom)"; } > "$T/tokens"
start --spool "$T/spool" --database "$T/db" --tokens "$T/tokens" --workers 1
SOCK="$T/spool/admin.sock"
id=$(curl -s -H "Authorization: Bearer $alice" -X POST --data-binary @"$T/memo.txt" \
    "$U/v1/jobs?filename=memo.txt&wait=30" | json 'd["id"]')
pp=$(curl -s -H "Authorization: Bearer $alice" -X POST --data-binary @"$T/ppap.zip" \
    "$U/v1/jobs?filename=ppap.zip&wait=30" | json 'd["id"]')
check "alice's memo released" test "$(curl -s -H "Authorization: Bearer $alice" "$U/v1/jobs/$id" | json 'd["verdict"]')" = released
check "alice's zip held" test "$(curl -s -H "Authorization: Bearer $alice" "$U/v1/jobs/$pp" | json 'd["verdict"]')" = held
check "the job's meta names its owner (the token's hash)" \
    grep -q "\"owner\":\"token:$(h $alice)\"" "$T/spool/done/$id/meta.json"

# point 7: bob's token does not see alice's jobs
check "alice reads her job (200)" test "$(as $alice "$U/v1/jobs/$id")" = 200
check "alice fetches her artefact (200)" test "$(as $alice "$U/v1/jobs/$id/artefacts/0")" = 200
check "bob reads alice's job: 404" test "$(as $bob "$U/v1/jobs/$id")" = 404
check "bob fetches alice's artefact: 404" test "$(as $bob "$U/v1/jobs/$id/artefacts/0")" = 404
curl -s -H "Authorization: Bearer $bob" "$U/v1/jobs/$id/artefacts/0" > "$T/bob.out"
check "  ... none of its bytes" sh -c "! grep -q alice '$T/bob.out'"
check "bob gives a password to alice's job: 404" \
    test "$(as $bob -X POST -d '{"password":"secret"}' "$U/v1/jobs/$pp/password")" = 404
check "  ... it stays held" test "$(curl -s -H "Authorization: Bearer $alice" "$U/v1/jobs/$pp" | json 'd["reason"]')" = encrypted
check "  ... no password tried" test "$(audit_events "password tried")" = 0
check "the fetch token reads the released artefact (release listener)" test "$(as $lgwan "$R/v1/jobs/$id/artefacts/0")" = 200
check "the fetch token reads the job (intake)" test "$(as $lgwan "$U/v1/jobs/$id")" = 200
check "the fetch token may not give a password (403)" \
    test "$(as $lgwan -X POST -d '{"password":"secret"}' "$U/v1/jobs/$pp/password")" = 403
check "an admin token reads alice's job" test "$(as $boss "$U/v1/jobs/$id")" = 200
check "the admin socket reads alice's job" test "$(code --unix-socket "$SOCK" "http://localhost/v1/jobs/$id")" = 200
check "alice's own password call works" test "$(curl -s -H "Authorization: Bearer $alice" -X POST \
    -d '{"password":"secret"}' "$U/v1/jobs/$pp/password?wait=30" | json 'd["verdict"]')" = released

# point 15: an empty Bearer is no token
check "empty Bearer: 401" test "$(code -H 'Authorization: Bearer ' "$U/v1/admin/jobs")" = 401
check "'Bearer' alone: 401" test "$(code -H 'Authorization: Bearer' "$U/v1/admin/jobs")" = 401

# point 16: /metrics wants its token
check "/metrics without a token: 401" test "$(code "$U/metrics")" = 401
check "/metrics with a submit token: 403" test "$(as $alice "$U/metrics")" = 403
check "/metrics with the metrics token: 200" test "$(as $prom "$U/metrics")" = 200
check "/metrics with an admin token: 200" test "$(as $boss "$U/metrics")" = 200
check "the metrics token may not read jobs (403)" test "$(as $prom "$U/v1/jobs/$id")" = 403
check "/metrics on the admin socket: 200" test "$(code --unix-socket "$SOCK" http://localhost/metrics)" = 200
finish
