#!/bin/sh
# mugaid fails closed on hostile names and unlucky passwords:
# - a file name with %0A, CR and ESC bytes cannot forge a line or put raw
#   terminal escapes into mugaid's log (issue 13, point 13);
# - a wrong ZipCrypto password that passes the one-byte password check (the
#   member then fails its CRC) leaves the job held with wrong-password, and the
#   right password still releases it (issue 13, point 5);
# - a mandatory sandbox layer that cannot be applied (forced in the test
#   build mugai-filter-test) fails the item with the layer named, nothing is
#   released, in the default best-effort mode too (issue 13, point 17).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"

cp -r "$MUGAI_TESTDB" "$T/db"
start --spool "$T/spool" --database "$T/db" --workers 1
printf 'memo\n' > "$T/memo.txt"

# 1. a name that would forge a "released" line, with terminal escapes
fake='0123456789abcdef0123456789abcdef'
name="a.txt%0Amugaid:%20job%20$fake:%20released%20evil.exe%0D%1B%5B2J%1B%5D0;pwn%07.txt"
curl -s -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=$name&wait=30" > "$T/j1.json"
id=$(json 'd.get("id", "")' < "$T/j1.json")
echo "  job $id: $(json 'd.get("verdict"), repr(d.get("name", ""))' < "$T/j1.json" 2>/dev/null || cat "$T/j1.json")"
for i in $(seq 1 50); do grep -q "job $id" "$T/daemon.log" && break; sleep 0.1; done
check "the job is logged" grep -q "job $id" "$T/daemon.log"
check "no log line starts with the forged text" sh -c "! grep -q '^mugaid: job $fake' '$T/daemon.log'"
check "no ESC, CR, BEL or other control byte in the log" sh -c \
    "! LC_ALL=C grep -q \"\$(printf '[\\001-\\011\\013-\\037\\177]')\" '$T/daemon.log'"
check "the name is in the log, escaped" grep -q 'a.txt\\nmugaid: job .*released evil.exe\\r\\x1b\[2J\\x1b\]0;pwn\\x07.txt' "$T/daemon.log"

# 2. ZipCrypto: a wrong password that passes the check byte
wrong=$("$MUGAI_BIN/mkzipcrypto" "$T/ppap.zip" himitsu memo.txt '会議資料 第3回')
echo "  a wrong password passing the check byte: $wrong"
ppap=$(curl -s -X POST --data-binary @"$T/ppap.zip" "$U/v1/jobs?filename=ppap.zip&wait=30" | json 'd["id"]')
check "PPAP zip held: encrypted" test "$(curl -s "$U/v1/jobs/$ppap" | json 'd["verdict"], d["reason"]')" = "held encrypted"
curl -s -X POST --data-urlencode "password=$wrong" "$U/v1/jobs/$ppap/password?wait=30" > "$T/p1.json"
# the answer is the job once the try is done; should it be an earlier state,
# the job as it is once the try has left a reason other than "encrypted"
for i in $(seq 1 100); do
    [ "$(json 'd.get("state"), d.get("reason")' < "$T/p1.json")" != "done encrypted" ] &&
        [ "$(json 'd.get("state")' < "$T/p1.json")" = done ] && break
    sleep 0.1
    curl -s "$U/v1/jobs/$ppap" > "$T/p1.json"
done
echo "  after the wrong password: $(json 'd["verdict"], d["reason"], [(i["path"], i["verdict"], i.get("reason")) for i in d["items"]]' < "$T/p1.json")"
check "CRC error after a password: still held (wrong-password), nothing released" \
    test "$(json 'd["verdict"], d["reason"], len(d["artefacts"])' < "$T/p1.json")" = "held wrong-password 0"
curl -s -X POST --data-urlencode 'password=himitsu' "$U/v1/jobs/$ppap/password?wait=30" > "$T/p2.json"
check "the right password then releases it (not 409)" \
    test "$(json 'd["verdict"], [a["name"] for a in d["artefacts"]]' < "$T/p2.json")" = "released ['ppap/memo.txt']"
curl -s "$R$(json 'd["artefacts"][0]["url"]' < "$T/p2.json")" -o "$T/member.txt"
check "the released member is the zipped text" test "$(cat "$T/member.txt")" = '会議資料 第3回'
check "the passwords are in no log" sh -c "! grep -q -e himitsu -e '$wrong' '$T/daemon.log'"

stop

# 3. mandatory sandbox layers, through mugai sanitize and the real pipeline
printf '[daemon]\nfilter_path = %s\n' "$MUGAI_BIN/mugai-filter-test" > "$T/test-filter.conf"
for layer in seccomp no_new_privs rlimits pdeathsig; do
    rm -rf "$T/o"
    MUGAI_TEST_SANDBOX_FAIL=$layer sanitize --config "$T/test-filter.conf" -o "$T/o" "$T/memo.txt"
    check "$layer cannot be applied: exit 1, failed, the layer named, nothing released" \
        sh -c "[ $RC -eq 1 ] && [ -z \"\$(ls -A '$T/o' 2>/dev/null)\" ]"
    check "  ... the report" report_all \
        "r['verdict'] == 'failed' and 'sandbox-incomplete: $layer could not be applied' in r['items'][0]['reason']"
done
rm -rf "$T/o"
MUGAI_TEST_SANDBOX_FAIL=landlock sanitize --config "$T/test-filter.conf" -o "$T/o" "$T/memo.txt"
check "landlock missing (best effort): released, the layer absent from the report" report_all \
    "r['verdict'] == 'released' and 'landlock' not in r['items'][0]['sandbox'] and 'seccomp' in r['items'][0]['sandbox']"
finish
