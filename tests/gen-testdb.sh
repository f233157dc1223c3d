#!/bin/sh
# Generate the ClamAV signature database used by the tests (never downloaded):
#  - test.ndb: the EICAR test string as a body signature
#  - test.hdb: the MD5 hash signature of clamav-testfiles' clam.exe; libclamav
#    unpacks the 44 clamav-testfiles containers and matches the clam.exe inside.
# ClamAV appends ".UNOFFICIAL" to the names of these local signatures.
set -eu
out=${1:?usage: gen-testdb.sh OUTDIR}
mkdir -p "$out"
# hex of: X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*
printf '%s\n' 'Eicar-Test-Signature:0:*:58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a' > "$out/test.ndb.tmp"
mv "$out/test.ndb.tmp" "$out/test.ndb"
clam=/usr/share/clamav-testfiles/clam.exe
if [ -r "$clam" ]; then
    # md5:size:name
    md5=$(md5sum "$clam" | cut -d' ' -f1)
    size=$(wc -c < "$clam" | tr -d ' ')
    printf '%s:%s:ClamAV-Test-File\n' "$md5" "$size" > "$out/test.hdb.tmp"
else
    echo "gen-testdb: $clam missing (install clamav-testfiles); hash signature skipped" >&2
    : > "$out/test.hdb.tmp"
fi
mv "$out/test.hdb.tmp" "$out/test.hdb"
