#!/bin/sh
# Re-make the manpages-de eval corpus: render German man pages from the installed
# Debian package manpages-de to hard-wrapped plain text with YAML front matter.
# Needs: man-db, groff-base, manpages-de (apt-get install man-db groff-base manpages-de).
# Usage: sh evals/corpora/manpages-de/render.sh   (writes next to this script)
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
PAGES="ls.1 cp.1 rm.1 chmod.1 ln.1 df.1 du.1 tar.1 gzip.1 grep.1 tail.1 sort.1 date.1 touch.1"
VERSION=$(dpkg-query -W -f='${Version}' manpages-de)
export LANG=C.UTF-8 LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING=
for page in $PAGES; do
    name=${page%.*}; sec=${page##*.}
    src=/usr/share/man/de/man$sec/$page.gz
    [ -f "$src" ] || { echo "missing $src" >&2; exit 1; }
    # col -bx: remove overstrike (bold/underline) and keep man's spaces (plain col -b turns runs of
    # spaces into tabs, which man never printed).
    raw=$(man -l --no-hyphenation --no-justification "$src" | col -bx)
    if printf '%s' "$raw" | grep -q "$(printf '[\010\033]')"; then
        echo "$page: backspace or escape left in output" >&2; exit 1
    fi
    # Drop the running header (first line) and footer (last line), then leading/trailing blank lines.
    body=$(printf '%s\n' "$raw" | sed '1d;$d' | sed '/./,$!d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
    # Description from the NAME section (BEZEICHNUNG), joined if wrapped: "ls - Verzeichnisinhalte auflisten".
    desc=$(printf '%s\n' "$body" | awk '/^BEZEICHNUNG/{f=1;next} f&&/^$/{exit} f{sub(/^ +/,"");s=s (s?" ":"") $0} END{print s}' \
        | sed -E 's/^[^ ]+(, [^ ]+)* [-–] //')
    desc=$(printf '%s' "$desc" | sed 's/\\/\\\\/g; s/"/\\"/g')
    {
        printf -- '---\n'
        printf 'title: "%s(%s) — %s"\n' "$name" "$sec" "$desc"
        printf 'language: de\n'
        printf 'source: "manpages-de %s: %s"\n' "$VERSION" "$src"
        printf -- '---\n'
        printf '%s\n' "$body"
    } > "$OUT/$page.txt"
    echo "$page.txt $(wc -c < "$OUT/$page.txt") bytes"
done
