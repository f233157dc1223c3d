#!/bin/sh
# The artefact route opens every component of done/<id>/out/<path> without
# following a symbolic link (issue 13 point 14): write access to the spool
# must not become read access to the mugaid user's other files.  Each
# directory component in turn is replaced by a link to a directory that
# holds a file of the artefact's name: 404 every time, the real artefact
# served again once the link is undone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"

cp -r "$MUGAI_TESTDB" "$T/db"
printf 'released memo\n' > "$T/memo.txt"
start --spool "$T/spool" --database "$T/db" --workers 1
id=$(submit "$T/memo.txt" memo.txt)
path=$(job_state "$id" 'd["artefacts"][0]["path"]')
check "the memo is released as an artefact" test -n "$path"
check "the artefact is served" test "$(code "$U/v1/jobs/$id/artefacts/0")" = 200

# a secret of the mugaid user, laid out like the job's directories
mkdir -p "$T/secret/$id/out" "$T/secret/out"
printf 'SECRET of the mugaid user\n' > "$T/secret/$id/out/$path"
printf 'SECRET of the mugaid user\n' > "$T/secret/out/$path"
printf 'SECRET of the mugaid user\n' > "$T/secret/$path"
D="$T/spool/done"
# swap NAME TARGET: done/.../NAME becomes a link to TARGET; unswap undoes it
swap() { mv "$1" "$1.real" && ln -s "$2" "$1"; }
unswap() { rm "$1" && mv "$1.real" "$1"; }

swap "$D/$id/out" "$T/secret/out"
curl -s "$U/v1/jobs/$id/artefacts/0" > "$T/got1"
check "out/ a link: not followed (404)" test "$(code "$U/v1/jobs/$id/artefacts/0")" = 404
check "  ... the secret is not served" sh -c "! grep -q SECRET '$T/got1'"
unswap "$D/$id/out"

swap "$D/$id" "$T/secret/$id"
curl -s "$U/v1/jobs/$id/artefacts/0" > "$T/got2"
check "done/<id> a link: not followed (404)" test "$(code "$U/v1/jobs/$id/artefacts/0")" = 404
check "  ... the secret is not served" sh -c "! grep -q SECRET '$T/got2'"
unswap "$D/$id"

swap "$D/$id/out/$path" "$T/secret/$path"
check "the artefact itself a link: not followed (404)" test "$(code "$U/v1/jobs/$id/artefacts/0")" = 404
unswap "$D/$id/out/$path"

curl -s "$U/v1/jobs/$id/artefacts/0" > "$T/got3"
check "links undone: the artefact is served again" cmp -s "$T/got3" "$D/$id/out/$path"
finish
