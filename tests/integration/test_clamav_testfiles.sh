#!/bin/sh
# Every file of Debian's clamav-testfiles (44 formats with clam.exe inside)
# comes out blocked with the signature name, and nothing is released.
. "$(dirname "$0")/lib.sh"
dir=/usr/share/clamav-testfiles
n=$(ls "$dir" | wc -l)
check "clamav-testfiles installed ($n files)" test "$n" -ge 44
sanitize -o "$T/out" "$dir"/*
check "exit status 1 (blocked)" test "$RC" -eq 1
check "one report per file" test "$(wc -l < "$T/report.jsonl")" -eq "$n"
check "every file blocked with ClamAV-Test-File" report_all \
    'r["verdict"] == "blocked" and "ClamAV-Test-File.UNOFFICIAL" in r["findings"] and "malware" in r["reason"]'
check "nothing released" test -z "$(files_under "$T/out")"
finish
