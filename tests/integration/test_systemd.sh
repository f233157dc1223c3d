#!/bin/sh
# The shipped unit: valid, hardened; print systemd's exposure score.
. "$(dirname "$0")/lib.sh"
unit="$MUGAI_SRC/systemd/mugaid.service"
if ! command -v systemd-analyze > /dev/null; then
    echo "systemd-analyze not installed: skipped"; echo "0 passed, 0 failed"; exit 0
fi
systemd-analyze security --offline=yes "$unit" > "$T/sec.txt" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for mugaid.service: \([0-9.]*\).*/\1/p' "$T/sec.txt")
echo "  systemd-analyze security: exposure $score"
check "exposure score computed" test -n "$score"
check "exposure at most 3.0 (systemd calls < 4.0 OK)" python3 -c "import sys; sys.exit(0 if float('$score') <= 3.0 else 1)"
for k in "Type=notify" "NoNewPrivileges=yes" "ProtectSystem=strict" "PrivateTmp=yes" \
         "RestrictAddressFamilies=" "SystemCallFilter=@system-service" "MemoryMax=" \
         "After=network-online.target clamav-freshclam.service" "User=mugai"; do
    check "unit sets $k" grep -q "^$k" "$unit"
done
check "sysusers creates the mugai user" grep -q '^u mugai' "$MUGAI_SRC/systemd/mugai.sysusers.conf"
check "tmpfiles creates the spool" grep -q '/var/lib/mugai/spool' "$MUGAI_SRC/systemd/mugai.tmpfiles.conf"
finish
