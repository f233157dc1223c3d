# mail_lib.sh - a private Postfix for the mail tests (sourced after lib.sh).
#
#   postfix_start MILTER_PORT [after]
#                               a Postfix instance under $T/pf (postfix -c:
#                               its own main.cf/master.cf, queue and log, no
#                               chroot, no systemd) with smtpd on $SMTP_PORT
#                               (127.0.0.1), the milter inet:127.0.0.1:PORT
#                               (or MILTER_PORT is a whole address, unix:PATH)
#                               (milter_default_action = tempfail) and every
#                               message relayed to an SMTP sink on $SINK_PORT
#                               that writes it to $SINK/NNNN.eml.  "after":
#                               the milter on a second smtpd on loopback
#                               ($SCAN_PORT, content_filter): the message is
#                               queued first and deferred when the milter
#                               tempfails (the recommended placement)
#                               ($MILTER_CONTENT_TIMEOUT: Postfix's
#                               milter_content_timeout, default 300s)
#   postfix_stop                stop the instance and the sink
#   postfix_flush               postqueue -f; postfix_queue: messages queued
#   milter_start ARGS...        mugai-milter on $MILTER_PORT (pid $MILTER_PID)
#   milter_stop
#   mail_send FILE              smtplib; prints "sent" or the SMTP code
#   wait_delivered N            until $SINK holds N messages (at most 60 s)
#   look FILE 'PYTHON'          true when the expression holds for the
#                               message in FILE: m (email.policy.default),
#                               raw (its bytes), parts (the leaves), text(p)
# Needs root (Postfix's own users: postfix, group postdrop).
PF="$T/pf"
SINK="$T/sink"
HELPERS="$MUGAI_SRC/tests/integration/mail_helpers.py"
mail_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mail_skip_unless_ready() {
    if [ "$(id -u)" -ne 0 ] || ! command -v postfix > /dev/null || ! id postfix > /dev/null 2>&1; then
        echo "Postfix not installed or not root: skipped"; echo "0 passed, 0 failed"; exit 0
    fi
}

postfix_start() {
    case $1 in # a port, or a whole milter address (unix:PATH)
        *:*) milter_addr=$1 ;;
        *) milter_addr=inet:127.0.0.1:$1 ;;
    esac
    placement=${2:-before}
    SMTP_PORT=$(mail_port); SINK_PORT=$(mail_port); SCAN_PORT=$(mail_port)
    if [ "$placement" = after ]; then main_milters=; else main_milters=$milter_addr; fi
    mkdir -p "$PF/etc" "$PF/queue" "$PF/data" "$SINK"
    chmod 711 "$T"  # Postfix runs as postfix beneath it
    python3 "$HELPERS" sink "$SINK_PORT" "$SINK" > "$T/sink.log" 2>&1 &
    SINK_PID=$!
    cat > "$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = relay.mugai-test.invalid
mydomain = mugai-test.invalid
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$SINK_PORT
smtp_tls_security_level = none
smtpd_tls_security_level = none
message_size_limit = 104857600
smtpd_milters = $main_milters
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 10s
milter_command_timeout = 30s
milter_content_timeout = ${MILTER_CONTENT_TIMEOUT:-300s}
queue_run_delay = 3600s
minimal_backoff_time = 3600s
maximal_backoff_time = 3600s
EOF
    if [ "$placement" = after ]; then
        cat > "$PF/etc/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
  -o content_filter=mugai:[127.0.0.1]:$SCAN_PORT
mugai     unix  -       -       n       -       4       smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
127.0.0.1:$SCAN_PORT inet n - n - - smtpd
  -o content_filter=
  -o smtpd_milters=$milter_addr
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_address_mappings
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
EOF
    else
        echo "127.0.0.1:$SMTP_PORT inet n - n - - smtpd" > "$PF/etc/master.cf"
    fi
    cat >> "$PF/etc/master.cf" <<EOF
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    chown postfix "$PF/data"
    # (postfix(1) logs to the terminal only: on failure see $PF/maillog)
    postfix -c "$PF/etc" start > "$T/postfix-start.log" 2>&1 || {
        cat "$T/postfix-start.log" "$PF/maillog" 2>/dev/null; return 1; }
    i=0
    while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $SMTP_PORT), 1)" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "smtpd did not start"; return 1; }
        sleep 0.1
    done
}

postfix_stop() {
    postfix -c "$PF/etc" stop > /dev/null 2>&1 || true
    [ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null || true
    SINK_PID=
}

postfix_flush() { postqueue -c "$PF/etc" -f; }
postfix_queue() { find "$PF/queue/incoming" "$PF/queue/active" "$PF/queue/deferred" -type f 2>/dev/null | wc -l; }
postfix_deferred() { find "$PF/queue/deferred" -type f 2>/dev/null | wc -l; }
wait_deferred() { # until N messages are deferred (at most 60 s)
    i=0
    while [ "$(postfix_deferred)" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 600 ] && return 1
        sleep 0.1
    done
}

milter_start() {
    MILTER_PORT=${MILTER_PORT:-$(mail_port)}
    "$MUGAI_BIN/mugai-milter" --socket "inet:$MILTER_PORT@127.0.0.1" "$@" > "$T/milter.log" 2>&1 &
    MILTER_PID=$!
    i=0
    while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $MILTER_PORT), 1)" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "mugai-milter did not start"; cat "$T/milter.log"; return 1; }
        kill -0 "$MILTER_PID" 2>/dev/null || { cat "$T/milter.log"; return 1; }
        sleep 0.1
    done
}

milter_stop() {
    [ -n "${MILTER_PID:-}" ] || return 0
    kill -TERM "$MILTER_PID" 2>/dev/null || true
    wait "$MILTER_PID" 2>/dev/null || true
    MILTER_PID=
}

mail_send() { python3 "$HELPERS" send "$SMTP_PORT" "$1"; }

delivered() { find "$SINK" -name '*.eml' | wc -l; }
# mail_deliver FILE LABEL: send FILE, check that it is accepted and reaches
# the sink as its MAIL_N-th message; $DELIVERED is its file there
MAIL_N=0
mail_deliver() {
    r=$(mail_send "$1"); echo "  $2: $r"
    check "$2: accepted" test "$r" = sent
    MAIL_N=$((MAIL_N + 1))
    check "$2: delivered" wait_delivered $MAIL_N
    DELIVERED="$SINK/$(printf %04d $((MAIL_N - 1))).eml"
}
wait_delivered() {
    i=0
    while [ "$(delivered)" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 600 ] && return 1
        sleep 0.1
    done
}

look() {
    python3 - "$1" "$2" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
parts = [p for p in m.walk() if not p.is_multipart()]
def text(p):
    return p.get_content() if p.get_content_maintype() == "text" else ""
ok = eval(sys.argv[2])
if not ok:
    print("   ", raw[:1500])
sys.exit(0 if ok else 1)
PY
}
