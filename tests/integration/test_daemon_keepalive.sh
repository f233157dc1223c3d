#!/bin/sh
# mugaid keeps an HTTP/1.1 connection open after a GET, on the intake and on
# the release listener, so that a client (mugai-milter) sends its next
# request over it: before, every GET was answered at libmicrohttpd's first
# call (headers only), which it takes as an early response, and closed the
# connection after it ("Connection: close").  An upload's answer kept it
# already; a request the daemon refuses keeps it too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
start --spool "$T/spool" --database "$MUGAI_TESTDB" --workers 1
printf 'hello\n' > "$T/a.txt"
id=$(submit "$T/a.txt" a.txt)
check "a job" test -n "$id"
# reuse PORT PATH...: GET each PATH over one connection; "ok" when every
# answer came on the socket the first one used, with no Connection: close
reuse() {
    python3 - "$@" <<'PY'
import http.client, sys
port, paths = int(sys.argv[1]), sys.argv[2:]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
first = None
for p in paths:
    c.request("GET", p)
    r = c.getresponse()
    r.read()
    port_now = c.sock.getsockname()[1] if c.sock is not None else None
    first = first or port_now
    if (r.getheader("Connection") or "").lower() == "close" or port_now != first:
        print("%s: %d, Connection: %s, local port %s (first %s)"
              % (p, r.status, r.getheader("Connection"), port_now, first))
        sys.exit(1)
print("ok")
PY
}
check "intake: GETs over one connection" \
    test "$(reuse "$IN" /healthz "/v1/jobs/$id" "/v1/jobs/$id/artefacts/0" /v1/jobs/nope /healthz)" = ok
check "release: GETs over one connection" \
    test "$(reuse "$OUT" /healthz "/v1/jobs/$id" "/v1/jobs/$id/artefacts/0" /healthz)" = ok
check "release: the artefact is the file" \
    test "$(curl -s "$R/v1/jobs/$id/artefacts/0")" = hello
finish
