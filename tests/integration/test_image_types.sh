#!/bin/sh
# Images are decoded only by the decoder for the type mugai detected (issue
# 14 point 2).  A PNG whose tEXt chunk holds "<?php ... ?>" failed with
# "Unrecognized image file format" (gdk-pixbuf sniffed it as PHP); now it is
# re-encoded without its text.  A TGA, an XPM and an ICO named .png reach no
# decoder: nothing released, a reason given.
. "$(dirname "$0")/lib.sh"
python3 "$MUGAI_SRC/tests/integration/make_image_types.py" "$T/s"

sanitize -o "$T/php" "$T/s/php.png"
check "PNG with PHP in a text chunk released, re-encoded" report_all \
    'r["verdict"] == "released" and r["artefacts"][0]["mode"] == "reencode" and r["artefacts"][0]["path"] == "php.png"'
check "the re-encoded PNG has no text chunk, no PHP" sh -c \
    "! grep -aq '<?php' '$T/php/php.png' && ! grep -aq tEXt '$T/php/php.png'"
check "the re-encoded PNG is a 16x8 PNG" python3 -c "
import struct, sys
b = open('$T/php/php.png', 'rb').read()
sys.exit(0 if b[:8] == b'\x89PNG\r\n\x1a\n' and struct.unpack('>II', b[16:24]) == (16, 8) else 1)"

for f in tga xpm ico; do
    sanitize -o "$T/out-$f" "$T/s/$f.png"
    check "$f named .png: blocked with a reason" report_all \
        'r["verdict"] == "blocked" and r["reason"] != "" and not r["artefacts"]'
    check "$f named .png: nothing written" sh -c "[ -z \"\$(ls -A '$T/out-$f' 2>/dev/null)\" ]"
done
finish
