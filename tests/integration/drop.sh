# drop.sh - helpers for the drop-folder tests (sourced after lib.sh and
# daemon.sh).
# drop_conf FILE INBOX OUTBOX [EXTRA...]: a config with a [drop] pair; each
# EXTRA is one more line in [drop]
drop_conf() {
    f=$1; ib=$2; ob=$3; shift 3
    { printf '[audit]\npath = %s\n[drop]\ninbox = %s\noutbox = %s\n' "$T/audit.jsonl" "$ib" "$ob"
      for l in "$@"; do printf '%s\n' "$l"; done; } > "$f"
}
# wait_for SECONDS COMMAND...: true once COMMAND is (polled every 0.2 s)
wait_for() {
    n=$(($1 * 5)); shift
    for _ in $(seq 1 "$n"); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}
# visible DIR: the files under DIR that staff see (no hidden temporaries)
visible() { (cd "$1" && find . -type f ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort); }
# count_visible DIR
count_visible() { visible "$1" | grep -c . || true; }
# inbox_files DIR: regular files left in an inbox
inbox_files() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); }
