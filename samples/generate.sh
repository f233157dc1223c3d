#!/bin/sh
# Generate the sample inputs into OUTDIR (see samples/generate.py).
# usage: samples/generate.sh OUTDIR [BINDIR]
set -eu
exec python3 "$(dirname "$0")/generate.py" "$@"
