#!/bin/sh
# Install every build, run and test dependency of mugai on Debian 12.
# Idempotent; run as root (or through sudo).
set -eu
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

PKGS="build-essential cmake pkg-config git
libmagic-dev libclamav-dev libpoppler-glib-dev libcairo2-dev libarchive-dev
libglib2.0-dev libjansson-dev libcmocka-dev libjpeg62-turbo-dev libpng-dev
libgdk-pixbuf-2.0-dev libxml2-dev libseccomp-dev libmicrohttpd-dev libsystemd-dev libcurl4-openssl-dev clang libclang-rt-14-dev
libgmime-3.0-dev libmilter-dev
clamav clamav-testfiles clamav-daemon clamdscan clamav-milter poppler-utils poppler-data qpdf
fonts-ipafont-gothic fonts-ipafont-mincho
fonts-noto-cjk fonts-urw-base35 fonts-dejavu fonts-liberation2
libtasn1-doc shared-mime-info
libtesseract-dev tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert tesseract-ocr-eng file webp-pixbuf-loader
zip unzip p7zip-full xz-utils bzip2 zstd curl python3 openssl postfix
libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui"
# mugai-filter-mail links GMime, GLib, jansson, libseccomp, pcre2, libffi and
# zlib statically (their -dev packages ship the .a) and GMime's gpgme (the
# run-time library, libgpgme11), libidn2, libmount and libselinux shared
PKGS="$PKGS libidn2-dev libgpg-error-dev libmount-dev libselinux1-dev libpcre2-dev
libffi-dev zlib1g-dev libgpgme11"
# svg (librsvg) and epub-pdf (MuPDF: a static library; its private dependencies)
PKGS="$PKGS librsvg2-dev libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev
libjbig2dec0-dev libharfbuzz-dev libfreetype-dev"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup-deps: installing:$missing"
    $SUDO apt-get update -qq
    # Postfix (the mail tests run a private instance with postfix -c) must
    # not ask for, or write, a system configuration
    echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
else
    echo "setup-deps: all packages present"
fi
