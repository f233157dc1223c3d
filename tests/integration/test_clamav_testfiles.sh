#!/bin/sh
# Every file of Debian's clamav-testfiles (44 formats with clam.exe inside)
# comes out blocked with the signature name, and nothing is released; but
# clam.mail is a mail: its infected attachment is removed ([mail]
# on_malware = remove), the rebuilt message released with a notice.
. "$(dirname "$0")/lib.sh"
dir=/usr/share/clamav-testfiles
n=$(ls "$dir" | wc -l)
check "clamav-testfiles installed ($n files)" test "$n" -ge 44
sanitize -o "$T/out" "$dir"/*
check "exit status 1 (blocked)" test "$RC" -eq 1
check "one report per file" test "$(wc -l < "$T/report.jsonl")" -eq "$n"
check "every file blocked with ClamAV-Test-File (the mail: its attachment)" report_all \
    '"ClamAV-Test-File.UNOFFICIAL" in r["findings"] and ((r["verdict"] == "blocked" and "malware" in r["reason"]) or (r["name"] == "clam.mail" and r["verdict"] == "released" and any(i["verdict"] == "blocked" and "malware" in i["reason"] for i in r["items"])))'
check "nothing released but the rebuilt mail" test "$(files_under "$T/out")" = "clam_mail.eml"
sanitize -o "$T/scan" "$T/out/clam_mail.eml"
check "the rebuilt mail is clean: released again, nothing removed" report_all \
    'r["verdict"] == "released" and r["findings"] == [] and not any(i["verdict"] == "blocked" for i in r["items"])'
check "the rebuilt mail has the notice" grep -q "X-Mugai-Sanitized: .*removed=1" "$T/out/clam_mail.eml"
finish
