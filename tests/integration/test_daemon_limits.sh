#!/bin/sh
# mugaid and uploads over [limits] input_max_size (64M here): a 2 GiB body
# announced with Content-Length gets 413 before it is read; a 2 GiB chunked
# body (no length) is cut off at the limit.  Neither grows mugaid's peak
# RSS (VmHWM) by 32 MiB or leaves anything in the spool, and mugaid serves on.
# The bodies are generated on the fly (tests/integration/upload_stream.py).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
UP="$MUGAI_SRC/tests/integration/upload_stream.py"
hwm() { awk '/^VmHWM/ {print $2}' /proc/$PID/status; }
LIMIT_MIB=64
GROWTH_MAX_KIB=32768

cp -r "$MUGAI_TESTDB" "$T/db"
printf '[limits]\ninput_max_size = %dM\n' $LIMIT_MIB > "$T/limits.conf"
start --spool "$T/spool" --database "$T/db" --config "$T/limits.conf" --workers 1
# a small job first: the engine, a worker and the pools are warm
printf 'memo\n' > "$T/memo.txt"
curl -s -o /dev/null -X POST --data-binary @"$T/memo.txt" "$U/v1/jobs?filename=memo.txt&wait=30"

h0=$(hwm)
python3 "$UP" 127.0.0.1:$IN '/v1/jobs?filename=big.bin' 2G > "$T/cl.json"
h1=$(hwm)
echo "  Content-Length 2 GiB: $(cat "$T/cl.json"); VmHWM $h0 -> $h1 KiB"
check "2 GiB with Content-Length over the limit: 413" test "$(json 'd["status"]' < "$T/cl.json")" = 413
check "  ... answered before the body was read (under 64 MiB taken)" \
    test "$(json 'd["sent"]' < "$T/cl.json")" -lt $((64 << 20))
check "  ... VmHWM grew by less than 32 MiB" test $((h1 - h0)) -lt $GROWTH_MAX_KIB

python3 "$UP" 127.0.0.1:$IN '/v1/jobs?filename=big-chunked.bin' 2G --chunked > "$T/ch.json"
h2=$(hwm)
echo "  chunked 2 GiB: $(cat "$T/ch.json"); VmHWM $h1 -> $h2 KiB"
# libmicrohttpd 0.9.75 cannot queue an answer in the middle of a body
# (MHD_queue_response only before the body or after all of it): the
# connection is closed at the limit, without a status line
st=$(json 'd["status"]' < "$T/ch.json")
check "chunked 2 GiB over the limit: no 2xx, the connection is cut (status $st)" \
    sh -c "[ '$st' = None ] || [ '$st' = 413 ]"
check "  ... mugaid stopped reading at the limit (under limit + 32 MiB taken)" \
    test "$(json 'd["sent"]' < "$T/ch.json")" -lt $(((LIMIT_MIB + 32) << 20))
check "  ... VmHWM grew by less than 32 MiB" test $((h2 - h0)) -lt $GROWTH_MAX_KIB
check "nothing of the refused uploads left in the spool" \
    sh -c "[ -z \"\$(ls -A '$T/spool/incoming')\" ] && [ -z \"\$(ls -A '$T/spool/queue')\" ]"
check "no job was made of them" sh -c "! grep -q 'big' '$T/audit.jsonl'"

# just under the limit is accepted, chunked or not
python3 "$UP" 127.0.0.1:$IN '/v1/jobs?filename=under.bin' $((LIMIT_MIB - 1))M > "$T/u1.json"
python3 "$UP" 127.0.0.1:$IN '/v1/jobs?filename=under-chunked.bin' $((LIMIT_MIB - 1))M --chunked > "$T/u2.json"
check "an upload under the limit with Content-Length: 202" test "$(json 'd["status"]' < "$T/u1.json")" = 202
check "an upload under the limit, chunked: 202" test "$(json 'd["status"]' < "$T/u2.json")" = 202
# (their processing — libmagic, ClamAV — takes memory of its own; the
# accepted uploads under load are bench/bench_upload_rss.sh's subject)
echo "  VmHWM after two 63 MiB uploads accepted: $(hwm) KiB"
check "mugaid still serves" test "$(curl -s "$U/healthz")" = ok
finish
