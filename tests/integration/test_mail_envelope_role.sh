#!/bin/sh
# A mail job's envelope (X-Mugai-Envelope-From/-To) decides where PPAP
# follow-ups go, so only a token of role "mail" (mugai-milter's) or admin
# may give it: a submit token that sends one gets 403 envelope-forbidden
# and no job is made (before, any submit token could have mugaid mail the
# sanitised content of its upload to any internal address); the same mail
# without an envelope is accepted from it.  mugai-milter with a mail token
# (--token-file) delivers through mugaid as before (test_mail_e2e runs it
# without tokens).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
{ echo "submit $(h up-token-1)"; echo "mail $(h milter-token-1)"; } > "$T/tokens"
printf 'From: a@example.jp\r\nTo: b@example.lg.jp\r\nSubject: memo\r\n\r\nhello\r\n' > "$T/m.eml"
start --spool "$T/spool" --database "$MUGAI_TESTDB" --tokens "$T/tokens"
post() { # post TOKEN [ENVELOPE...]: the HTTP status of a mail job
    t=$1; shift
    code -X POST --data-binary @"$T/m.eml" -H "Authorization: Bearer $t" "$@" \
        "$U/v1/jobs?mode=mail&filename=m.eml&wait=30"
}
jobs() { find "$T/spool" -mindepth 2 -maxdepth 2 -type d -name '????????????????????????????????' | wc -l; }
check "submit token with an envelope: 403" test "$(post up-token-1 \
    -H 'X-Mugai-Envelope-From: a@example.jp' -H 'X-Mugai-Envelope-To: boss@example.lg.jp')" = 403
check "submit token with only a recipient: 403" test "$(post up-token-1 \
    -H 'X-Mugai-Envelope-To: boss@example.lg.jp')" = 403
check "refused: no job made" test "$(jobs)" -eq 0
check "submit token without an envelope: accepted" test "$(post up-token-1)" = 200
check "mail token with an envelope: accepted" test "$(post milter-token-1 \
    -H 'X-Mugai-Envelope-From: a@example.jp' -H 'X-Mugai-Envelope-To: b@example.lg.jp')" = 200
check "the mail token's job keeps its envelope" sh -c "grep -rl 'b@example.lg.jp' '$T/spool'/done/*/meta.json > /dev/null"
finish
