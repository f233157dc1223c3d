#!/bin/sh
# Password tries of a held job are limited (issue 13 point 6): at most
# [daemon] password_tries_per_minute in a minute (429, try later) and
# password_tries_max in all (429, locked until an administrator resets it
# with POST /v1/jobs/{id}/password-reset); each refusal kind audited once.
# Two runs on one spool: a small per-minute limit, then a small total.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
# try ID PW: the status of a password call (with ?wait, so a try that is
# let through has finished before the next)
try() { curl -s -o "$T/try.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d "{\"password\":\"$2\"}" "$U/v1/jobs/$1/password?wait=30"; }
SOCK="$T/spool/admin.sock"
acode() { m=$1; p=$2; shift 2; curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X "$m" "$@" "http://localhost$p"; }

cp -r "$MUGAI_TESTDB" "$T/db"
mkdir -p "$T/z" && printf 'inner memo\n' > "$T/z/in.txt"
(cd "$T/z" && zip -q -P secret ../ppap.zip in.txt)

# 1. three tries a minute: the fourth within the minute is refused
printf '[daemon]\npassword_tries_per_minute = 3\npassword_tries_max = 100\n' > "$T/rate.conf"
start --spool "$T/spool" --database "$T/db" --config "$T/rate.conf" --workers 1
a=$(submit "$T/ppap.zip" a.zip)
b=$(submit "$T/ppap.zip" b.zip)
check "a.zip held" test "$(job_state "$a" 'd["verdict"]')" = held
s1=$(try "$a" w1); s2=$(try "$a" w2); s3=$(try "$a" w3)
check "tries 1-3 (wrong): answered ($s1 $s2 $s3), still held" test "$s1$s2$s3" = 200200200
check "try 4 in the same minute: 429" test "$(try "$a" secret)" = 429
check "  ... saying when" grep -q 'in a minute' "$T/try.json"
check "try 5: 429 as well" test "$(try "$a" secret)" = 429
check "  ... the job is still held (wrong-password)" test "$(job_state "$a" 'd["reason"]')" = wrong-password
check "another job has its own count: released with the right password" \
    test "$(curl -s -X POST -d '{"password":"secret"}' "$U/v1/jobs/$b/password?wait=30" | json 'd["verdict"]')" = released
check "audit: three 'password tried' for a.zip" test "$(audit_events "password tried" "$a")" = 3
check "audit: one 'password tries limited' for two refusals" test "$(audit_events "password tries limited" "$a")" = 1
stop

# 2. two tries in all: then locked, the right password too, until reset
printf '[daemon]\npassword_tries_per_minute = 100\npassword_tries_max = 2\n' > "$T/lock.conf"
start --spool "$T/spool" --database "$T/db" --config "$T/lock.conf" --workers 1
c=$(submit "$T/ppap.zip" c.zip)
s1=$(try "$c" x1); s2=$(try "$c" x2)
check "tries 1-2 (wrong): answered ($s1 $s2)" test "$s1$s2" = 200200
check "the right password after the last try: 429 (locked)" test "$(try "$c" secret)" = 429
check "  ... saying it is locked and who can reset it" grep -q 'locked.*administrator' "$T/try.json"
check "  ... again: 429" test "$(try "$c" secret)" = 429
check "audit: one 'password locked'" test "$(audit_events "password locked" "$c")" = 1
check "reset on the intake without a token: refused" test "$(code -X POST "$U/v1/jobs/$c/password-reset")" != 200
check "reset over the admin socket: 200" test "$(acode POST "/v1/jobs/$c/password-reset")" = 200
check "reset of an unknown job: 404" test "$(acode POST /v1/jobs/0123456789abcdef0123456789abcdef/password-reset)" = 404
check "audit: 'password tries reset'" test "$(audit_events "password tries reset" "$c")" = 1
check "after the reset the right password releases it" test "$(try "$c" secret)" = 200
check "  ... released" test "$(json 'd["verdict"]' < "$T/try.json")" = released
check "the audit chain verifies" "$MUGAI" admin verify-audit "$T/audit.jsonl"
finish
