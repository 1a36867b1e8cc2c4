#!/bin/sh
# embed.sh NAME FILE — print a C file defining `const char NAME[]` with
# FILE's bytes (text), one string literal per line. Backslash, double
# quote, tab and '?' (trigraphs) are escaped; the text must not hold NUL.
set -eu
name=$1
file=$2
tab=$(printf '\t')
printf '/* Generated from %s by tools/embed.sh: do not edit. */\n' "$file"
printf 'extern const char %s[];\n' "$name"
printf 'const char %s[] =\n' "$name"
sed -e 's/\r$//' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
    -e "s/$tab/\\\\t/g" -e "s/^/$tab\"/" -e 's/$/\\n"/' "$file"
printf '\t"";\n'
