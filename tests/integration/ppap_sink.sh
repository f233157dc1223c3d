# ppap_sink.sh - helpers of the PPAP tests that run mugaid with an SMTP sink
# as [mail] relay (sourced after lib.sh and daemon.sh): the sink started
# (SINK: its folder, one NNNN.eml per mail; SINK_PORT), and
#   wait_reply NAME   until the sink holds a mail In-Reply-To <NAME@example.jp> (30 s)
#   reply_of NAME     that mail's file;  replies NAME: how many there are
#   look FILE EXPR    a python expression over the message m, its leaf parts
#                     (parts) and their texts (texts) holds
#   wait_job ID EXPR  until job ID's python expression over its JSON d holds (30 s)
HELPERS="$MUGAI_SRC/tests/integration/mail_helpers.py"
SINK="$T/sink"
mkdir -p "$SINK"
SINK_PORT=$(port)
python3 "$HELPERS" sink "$SINK_PORT" "$SINK" > "$T/sink.log" 2>&1 &
PIDS="$PIDS $!"

# the waits end after 30 s, however slow each look is on a loaded machine
ppap_deadline() { echo $(($(date +%s) + 30)); }
wait_reply() {
    end=$(ppap_deadline)
    while [ "$(date +%s)" -le "$end" ]; do
        grep -lq "In-Reply-To: <$1@example.jp>" "$SINK"/*.eml 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
reply_of() { grep -l "In-Reply-To: <$1@example.jp>" "$SINK"/*.eml | head -1; }
replies() { grep -l "In-Reply-To: <$1@example.jp>" "$SINK"/*.eml 2>/dev/null | wc -l; }
look() {
    [ -f "$1" ] || return 1
    python3 - "$1" "$2" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
parts = [p for p in m.walk() if not p.is_multipart()]
texts = [p.get_content() for p in parts if p.get_content_maintype() == "text"]
ok = eval(sys.argv[2])
if not ok:
    print("  message fails:", sys.argv[2], "->", bytes(m)[:1500])
sys.exit(0 if ok else 1)
PY
}
wait_job() {
    end=$(ppap_deadline)
    while [ "$(date +%s)" -le "$end" ]; do
        [ "$(job_state "$1" "$2")" = True ] && return 0
        sleep 0.1
    done
    echo "  job $1: $(curl -s "$U/v1/jobs/$1" | head -c 1500)"
    return 1
}
