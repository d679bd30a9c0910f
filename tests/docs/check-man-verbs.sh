#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-man-verbs.sh BOXCTL SOURCE_ROOT
#
# docs/boxctl.1 documents exactly the verbs of `boxctl --help` and every long option of each
# verb's `boxctl VERB --help`:
#   - every verb boxctl lists is documented under .SH COMMANDS, once;
#   - every verb documented there exists;
#   - every long option that `boxctl VERB --help` mentions appears in that verb's entry (a global
#     option, one that `boxctl --help` lists, may be described under .SH OPTIONS instead);
#   - every global option of `boxctl --help` appears under .SH OPTIONS.
# A verb is documented by a ".TP" line followed by a line that starts with "\fBverb\fR" inside
# .SH COMMANDS (a "\-" in the name reads as "-"); its entry runs until the next verb, .SS or .SH.
# docs/boxd.8 and docs/boxctl.1 must also be plain ASCII and format without a warning
# (`groff -man -ww -z`, else `man --warnings -l`, else `mandoc -T lint`).
#
# Output: TAP, one case per verb, option and page.

set -u -o pipefail

if [[ $# -ne 2 ]]; then
        echo "usage: $0 BOXCTL SOURCE_ROOT" >&2
        exit 2
fi
boxctl=$1
srcroot=$2
page="$srcroot/docs/boxctl.1"
pname="docs/boxctl.1"

n=0
failed=0

ok() {
        n=$((n + 1))
        echo "ok $n - $1"
}

not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        shift
        local line
        for line in "$@"; do
                echo "# $line"
        done
}

skip() {
        n=$((n + 1))
        echo "ok $n - $1 # SKIP $2"
}

finish() {
        echo "1..$n"
        [[ $failed -eq 0 ]]
        exit
}

# Long options ("--name") mentioned in a text, one per line, sorted, without duplicates.
long_options() {
        grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

# Reads a man page and prints, one record per line:
#   V VERB        a verb documented under .SH COMMANDS
#   O VERB OPT    a long option mentioned in that verb's entry
#   G OPT         a long option mentioned under .SH OPTIONS
# Font escapes, \& and \% are dropped and "\-" reads as "-" before options are looked for.
parse_page() {
        awk '
                function plain(s) {
                        gsub(/\\f(\[[^]]*\]|\(..|.)/, "", s)
                        gsub(/\\[&%]/, "", s)
                        gsub(/\\-/, "-", s)
                        return s
                }
                function options(s, prefix,    t) {
                        t = plain(s)
                        while (match(t, /--[a-z][a-z0-9-]*/)) {
                                print prefix, substr(t, RSTART, RLENGTH)
                                t = substr(t, RSTART + RLENGTH)
                        }
                }
                /^\.\\"/ { next }                       # comments
                /^\.SH([ \t]|$)/ {
                        section = $0
                        sub(/^\.SH[ \t]*/, "", section)
                        gsub(/"/, "", section)
                        verb = ""
                        tp = 0
                        next
                }
                /^\.SS([ \t]|$)/ { verb = ""; tp = 0; next }
                /^\.TP([ \t]|$)/ { tp = 1; next }
                {
                        was_tp = tp
                        tp = 0
                        if (section == "COMMANDS" && was_tp && match($0, /^\\fB[a-z][a-z0-9\\-]*\\fR/)) {
                                verb = substr($0, 4, RLENGTH - 6)
                                gsub(/\\-/, "-", verb)
                                print "V", verb
                        }
                        if (section == "COMMANDS" && verb != "")
                                options($0, "O " verb)
                        else if (section == "OPTIONS")
                                options($0, "G")
                }
        ' "$1"
}

# ---- what boxctl says ----

if ! help=$("$boxctl" --help 2>&1); then
        not_ok "boxctl --help runs" "command failed: $boxctl --help" "$help"
        finish
fi
ok "boxctl --help runs"

verbs=$(awk '/^Verbs:/ { f = 1; next } f && /^$/ { exit } f && /^  [a-z]/ { print $1 }' <<<"$help")
globals=$(awk '/^Options:/ { f = 1; next } f && /^$/ { exit } f { print }' <<<"$help" | long_options)
if [[ -n $verbs ]]; then
        ok "boxctl --help lists verbs ($(wc -l <<<"$verbs"))"
else
        not_ok "boxctl --help lists verbs" "no 'Verbs:' list with indented verb names found"
fi
if [[ -n $globals ]]; then
        ok "boxctl --help lists global options ($(wc -l <<<"$globals"))"
else
        not_ok "boxctl --help lists global options" "no 'Options:' list with long options found"
fi

# ---- what the man page says ----

if [[ ! -r $page ]]; then
        not_ok "$pname exists" "cannot read $page"
        finish
fi
ok "$pname exists"

records=$(parse_page "$page")
documented=$(awk '$1 == "V" { print $2 }' <<<"$records")
if [[ -n $documented ]]; then
        ok "$pname documents verbs under COMMANDS ($(wc -l <<<"$documented"))"
else
        not_ok "$pname documents verbs under COMMANDS" \
                "no '.TP' + '\\fBverb\\fR' entry found under '.SH COMMANDS'"
fi

declare -A in_help=() in_page=()
while read -r v; do
        [[ -n $v ]] && in_help[$v]=1
done <<<"$verbs"
while read -r v; do
        [[ -n $v ]] && in_page[$v]=$(( ${in_page[$v]:-0} + 1 ))
done <<<"$documented"

# direction 1: every verb of boxctl is documented, once
while read -r v; do
        [[ -n $v ]] || continue
        count=${in_page[$v]:-0}
        if [[ $count -eq 1 ]]; then
                ok "verb '$v' is documented in $pname"
        elif [[ $count -eq 0 ]]; then
                not_ok "verb '$v' is documented in $pname" \
                        "add '.TP' and a line '\\fB$v\\fR ...' under '.SH COMMANDS' in $pname"
        else
                not_ok "verb '$v' is documented in $pname" "documented $count times"
        fi
done <<<"$verbs"

# direction 2: every documented verb exists
while read -r v; do
        [[ -n $v ]] || continue
        if [[ -n ${in_help[$v]:-} ]]; then
                ok "$pname: verb '$v' exists in boxctl"
        else
                not_ok "$pname: verb '$v' exists in boxctl" "'boxctl --help' does not list '$v'"
        fi
done < <(sort -u <<<"$documented")

# every long option of every verb's --help appears in the verb's entry
declare -A in_entry=() is_global=() in_options=()
while read -r kind a b; do
        case $kind in
        O) in_entry["$a $b"]=1 ;;
        G) in_options[$a]=1 ;;
        esac
done <<<"$records"
while read -r o; do
        [[ -n $o ]] && is_global[$o]=1
done <<<"$globals"

while read -r v; do
        [[ -n $v ]] || continue
        if ! vhelp=$("$boxctl" "$v" --help 2>&1); then
                not_ok "boxctl $v --help runs" "command failed: $boxctl $v --help" "$vhelp"
                continue
        fi
        ok "boxctl $v --help runs"
        while read -r o; do
                [[ -n $o && $o != --help ]] || continue
                if [[ -n ${in_entry["$v $o"]:-} ]]; then
                        ok "$v $o is documented in the entry of '$v'"
                elif [[ -n ${is_global[$o]:-} && -n ${in_options[$o]:-} ]]; then
                        ok "$v $o is documented (global option, under OPTIONS)"
                else
                        not_ok "$v $o is documented in the entry of '$v'" \
                                "'boxctl $v --help' mentions $o; describe it in the '\\fB$v\\fR' entry of $pname"
                fi
        done < <(long_options <<<"$vhelp")
done <<<"$verbs"

# every global option is described under OPTIONS
while read -r o; do
        [[ -n $o ]] || continue
        if [[ -n ${in_options[$o]:-} ]]; then
                ok "global option $o is documented under OPTIONS"
        else
                not_ok "global option $o is documented under OPTIONS" \
                        "'boxctl --help' lists $o; describe it under '.SH OPTIONS' in $pname"
        fi
done <<<"$globals"

# ---- both pages are ASCII and format without a warning ----

for name in docs/boxd.8 docs/boxctl.1; do
        file="$srcroot/$name"
        [[ -r $file ]] || { not_ok "$name formats without warnings" "cannot read $file"; continue; }
        # groff reads Latin-1: anything else must be written as an escape (\(em, \(->, \(bu)
        if bad=$(LC_ALL=C grep -n $'[\x80-\xff]' "$file"); then
                mapfile -t lines <<<"$bad"
                not_ok "$name is plain ASCII" "${lines[@]}"
        else
                ok "$name is plain ASCII"
        fi
        if command -v groff >/dev/null 2>&1; then
                out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$file" 2>&1)
                rc=$?
                tool="groff -man -ww -z"
        elif command -v man >/dev/null 2>&1; then
                out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$file" 2>&1 >/dev/null)
                rc=$?
                tool="man --warnings -l"
        elif command -v mandoc >/dev/null 2>&1; then
                out=$(mandoc -T lint -W warning "$file" 2>&1)
                rc=$?
                tool="mandoc -T lint"
        else
                skip "$name formats without warnings" "neither groff, man nor mandoc is installed"
                continue
        fi
        if [[ $rc -eq 0 && -z $out ]]; then
                ok "$name formats without warnings ($tool)"
        else
                mapfile -t lines <<<"$out"
                not_ok "$name formats without warnings ($tool)" "exit status $rc" "${lines[@]}"
        fi
done

finish
