#!/bin/bash
# Keeps the man pages honest against the code. Usage: check_man_keys.sh SOURCE_DIR
#
# 1. Every key the config reader accepts (src/config/config.cpp) and every key
#    the policy reader accepts (src/policy/policy_file.cpp), qualified by its
#    table, must be a .TP item (or a .SS heading) of that table in
#    packaging/man/secmaild.toml.5: config keys under .SH CONFIGURATION FILE,
#    policy keys under .SH POLICY FILES. Every report field name
#    (src/report/fields.cpp) must be named in the [fields.name] section.
# 2. Every subcommand secmailctl defines (src/bin/secmailctl.cpp, actions
#    named by src/report/commands.cpp) must be a .TP item of secmailctl.1, and
#    every option of secmailctl and secmaild must appear in its page.
# 3. Each page formats without a single warning: groff -man -ww, man
#    --warnings as lintian runs it, mandoc -Tlint (when installed), lexgrog.
#
# Keys are found by pattern (reader.string("key"...), section("name"...),
# positiveWindow(reader, "key"...)), and a reader's table by its TableReader
# declaration; a key read through a helper the patterns do not know is not
# seen, so keep to these forms. Exit 0: all good; 1: something is missing or
# warns (each named on stderr); 77 (meson: skipped) only when groff is absent
# and nothing else failed.
set -u
export LC_ALL=C

src=${1:?usage: check_man_keys.sh SOURCE_DIR}
man_dir=$src/packaging/man
config_cpp=$src/src/config/config.cpp
policy_cpp=$src/src/policy/policy_file.cpp
fields_cpp=$src/src/report/fields.cpp
ctl_cpp=$src/src/bin/secmailctl.cpp
daemon_cpp=$src/src/bin/secmaild.cpp
commands_cpp=$src/src/report/commands.cpp
toml5=$man_dir/secmaild.toml.5
ctl1=$man_dir/secmailctl.1
daemon8=$man_dir/secmaild.8

failures=0
fail() {
    echo "check_man_keys: $*" >&2
    failures=$((failures + 1))
}

for f in "$config_cpp" "$policy_cpp" "$fields_cpp" "$ctl_cpp" "$daemon_cpp" "$commands_cpp" "$toml5" "$ctl1" "$daemon8"; do
    [ -r "$f" ] || { echo "check_man_keys: cannot read $f" >&2; exit 1; }
done

# The keys a reader source accepts, one per line, qualified by their table
# ("imap.url", "stages.within", "fields.name.label"); a bare name is a
# top-level table. Tables are lower-cased, "[...]" indices dropped, and a
# table named by a variable ("fields." + key) becomes "fields.name".
extract_keys() {
    awk '
    function norm(p) {
        sub(/\[.*/, "", p)
        if (p ~ /\.$/) p = p "name"
        return tolower(p)
    }
    function qualify(var, key) {
        return (var in prefix && prefix[var] != "") ? prefix[var] "." key : key
    }
    # Every occurrence of re in line, handed to take(kind, text).
    function each(line, re, kind,    rest) {
        rest = line
        while (match(rest, re)) {
            take(kind, substr(rest, RSTART, RLENGTH))
            rest = substr(rest, RSTART + RLENGTH)
        }
    }
    function quoted(text,    q) {
        q = text
        sub(/^[^"]*"/, "", q)
        sub(/".*/, "", q)
        return q
    }
    function take(kind, text,    var, key, i) {
        if (kind == "accessor") {
            var = text
            sub(/\..*/, "", var)
            key = quoted(text)
            if (in_endpoint) endpoint[++n_endpoint] = key
            else print qualify(var, key)
        } else if (kind == "window") {
            var = text
            sub(/^positiveWindow\(/, "", var)
            sub(/,.*/, "", var)
            print qualify(var, quoted(text))
        } else if (kind == "section") {
            print quoted(text)
        } else if (kind == "endpoint") {
            var = text
            sub(/^readEndpoint\(/, "", var)
            sub(/,.*/, "", var)
            for (i = 1; i <= n_endpoint; i++) print qualify(var, endpoint[i])
        }
    }
    /^void readEndpoint\(/ { in_endpoint = 1 }
    in_endpoint && /^}/ { in_endpoint = 0 }
    {
        line = $0
        sub(/\/\/.*/, "", line)
        # std::string prefix = "stages[" + ...: a table name kept in a variable
        if (match(line, /std::string [A-Za-z_]+ = "[^"]*"/)) {
            decl = substr(line, RSTART, RLENGTH)
            var = decl
            sub(/^std::string /, "", var)
            sub(/ .*/, "", var)
            strvar[var] = quoted(decl)
        }
        # TableReader r(table, "imap", ...) or TableReader r(table, prefix, ...)
        if (match(line, /TableReader [A-Za-z_]+\([^,]*, *[^,]*,/)) {
            decl = substr(line, RSTART, RLENGTH)
            var = decl
            sub(/^TableReader /, "", var)
            sub(/\(.*/, "", var)
            arg = decl
            sub(/^[^,]*, */, "", arg)
            sub(/,$/, "", arg)
            if (arg ~ /^"/) prefix[var] = norm(quoted(arg))
            else if (arg in strvar) prefix[var] = norm(strvar[arg])
            else prefix[var] = ""
        }
        each(line, "[A-Za-z_]+\\.(string|path|duration|boolean|integer|size|stringList|node|table)\\(\"[A-Za-z0-9_]+\"", "accessor")
        each(line, "positiveWindow\\([A-Za-z_]+, *\"[A-Za-z0-9_]+\"", "window")
        each(line, "section\\(\"[A-Za-z0-9_]+\"", "section")
        if (!in_endpoint) each(line, "readEndpoint\\([A-Za-z_]+,", "endpoint")
    }' "$1" | sort -u
}

# What a page documents, one "scope:kind:name" per line, for the scopes
# config (.SH CONFIGURATION FILE) and policy (.SH POLICY FILES):
#   section:imap            a .SS [imap] heading (and each dotted prefix of it)
#   item:imap.url           a .TP item "url" (or "a, b, c") under that heading
#   bold:fields.name.cvss   a bold word under that heading
page_entries() {
    awk '
    function clean(s) {
        gsub(/\\f[BIRP]/, "", s)
        gsub(/\\\(dq/, "", s)
        gsub(/\\-/, "-", s)
        gsub(/"/, "", s)
        return s
    }
    function macro_args(s) {
        if (s ~ /^\./) sub(/^\.[A-Za-z]+[ \t]*/, "", s)
        return clean(s)
    }
    /^\.SH/ {
        h = $0
        sub(/^\.SH[ \t]*/, "", h)
        h = clean(h)
        scope = (h == "CONFIGURATION FILE") ? "config" : (h == "POLICY FILES") ? "policy" : ""
        section = ""
        next
    }
    /^\.SS/ {
        h = $0
        sub(/^\.SS[ \t]*/, "", h)
        h = clean(h)
        if (h ~ /^\[/) {
            gsub(/[\[\]]/, "", h)
            section = tolower(h)
            n = split(section, parts, ".")
            p = ""
            for (i = 1; i <= n; i++) {
                p = (p == "") ? parts[i] : p "." parts[i]
                if (scope != "") print scope ":section:" p
            }
        } else {
            section = ""
        }
        next
    }
    /^\.(TP|TQ)/ { want_term = 1; next }
    want_term {
        want_term = 0
        if (scope == "" || section == "") next
        n = split(macro_args($0), pieces, ",")
        for (i = 1; i <= n; i++) {
            t = pieces[i]
            sub(/^[ \t]+/, "", t)
            sub(/[ \t=].*/, "", t)
            if (t != "") print scope ":item:" section "." t
        }
        next
    }
    /^\.B[R]?[ \t]/ {
        if (scope == "" || section == "") next
        a = macro_args($0)
        sub(/[ \t].*/, "", a)
        if (a != "") print scope ":bold:" section "." a
    }' "$1" | sort -u
}

# --- 1. secmaild.toml.5 against the readers -----------------------------
entries=$(page_entries "$toml5")
check_scope() {  # scope, label, keys...
    local scope=$1 label=$2 key
    shift 2
    for key in "$@"; do
        if ! grep -qxF -e "$scope:item:$key" -e "$scope:section:$key" <<<"$entries"; then
            fail "secmaild.toml.5 does not document $label key '$key'"
        fi
    done
}
mapfile -t config_keys < <(extract_keys "$config_cpp")
mapfile -t policy_keys < <(extract_keys "$policy_cpp")
# A pattern that finds nothing means the code changed shape: say so rather
# than pass with nothing checked.
[ "${#config_keys[@]}" -ge 30 ] || fail "found only ${#config_keys[@]} keys in $config_cpp; has the reader changed shape?"
[ "${#policy_keys[@]}" -ge 30 ] || fail "found only ${#policy_keys[@]} keys in $policy_cpp; has the reader changed shape?"
check_scope config "configuration" "${config_keys[@]}"
check_scope policy "policy file" "${policy_keys[@]}"

mapfile -t field_names < <(awk '
    /\{Field::[A-Za-z]+,/ { want = 1; line = $0; sub(/.*\{Field::[A-Za-z]+,/, "", line); if (line !~ /"/) next; $0 = line }
    want && /"/ { s = $0; sub(/^[^"]*"/, "", s); sub(/".*/, "", s); print s; want = 0 }' "$fields_cpp" | sort -u)
[ "${#field_names[@]}" -ge 5 ] || fail "found only ${#field_names[@]} report fields in $fields_cpp"
for name in "${field_names[@]}"; do
    grep -qxF "policy:bold:fields.name.$name" <<<"$entries" ||
        fail "secmaild.toml.5 does not name the report field '$name' under [fields.name]"
done

# --- 2. secmailctl.1 and secmaild.8 against the command lines -----------
tp_terms() {  # every .TP/.TQ item of a page, fonts and escapes removed
    awk '
    /^\.(TP|TQ)/ { want = 1; next }
    want {
        want = 0
        s = $0
        if (s ~ /^\./) sub(/^\.[A-Za-z]+[ \t]*/, "", s)
        gsub(/\\f[BIRP]/, "", s); gsub(/\\-/, "-", s); gsub(/"/, "", s)
        print s
    }' "$1"
}
ctl_terms=$(tp_terms "$ctl1")
mapfile -t subcommands < <(awk '
    match($0, /auto\* [A-Za-z_]+ = [A-Za-z_]+(\.|->)add_subcommand\("[a-z-]+"/) {
        s = substr($0, RSTART, RLENGTH)
        var = s; sub(/^auto\* /, "", var); sub(/ .*/, "", var)
        parent = s; sub(/^[^=]*= /, "", parent); sub(/(\.|->)add_subcommand.*/, "", parent)
        name = s; sub(/^[^"]*"/, "", name); sub(/"$/, "", name)
        full[var] = (parent in full) ? full[parent] " " name : name
        print full[var]
    }' "$ctl_cpp")
while read -r enum; do
    name=$(awk -v e="$enum" 'index($0, "{Verb::" e ", \"") { s = $0; sub(/.*\{Verb::[A-Za-z]+, "/, "", s); sub(/".*/, "", s); print s; exit }' "$commands_cpp")
    if [ -z "$name" ]; then
        fail "no name for Verb::$enum in $commands_cpp"
    else
        subcommands+=("$name")
    fi
done < <(grep -oE 'addAction\(Verb::[A-Za-z]+' "$ctl_cpp" | sed 's/.*:://')
[ "${#subcommands[@]}" -ge 10 ] || fail "found only ${#subcommands[@]} subcommands in $ctl_cpp"
for cmd in "${subcommands[@]}"; do
    grep -qE "^${cmd}( |$)" <<<"$ctl_terms" || fail "secmailctl.1 has no .TP item for the subcommand '$cmd'"
done

check_options() {  # page, source
    local page=$1 source=$2 spec opt roff
    while read -r spec; do
        for opt in ${spec//,/ }; do
            case $opt in
                --*) ;;
                *) continue ;;
            esac
            roff=${opt//-/\\-}
            grep -qF -- "$roff" "$page" || fail "$(basename "$page") does not mention the option $opt"
        done
    done < <(grep -oE 'add_(option|flag)\("[^"]+"' "$source" | sed 's/^[^"]*"//; s/"$//')
}
check_options "$ctl1" "$ctl_cpp"
check_options "$daemon8" "$daemon_cpp"

# --- 3. formatting warnings --------------------------------------------
skipped_groff=0
for page in "$daemon8" "$ctl1" "$toml5"; do
    if command -v groff >/dev/null; then
        out=$(groff -man -ww -z "$page" 2>&1)
        [ -z "$out" ] || fail "groff warns on $(basename "$page"):"$'\n'"$out"
    else
        skipped_groff=1
    fi
    if command -v man >/dev/null; then
        # As lintian runs it, at the width a terminal has.
        out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
        [ -z "$out" ] || fail "man --warnings warns on $(basename "$page"):"$'\n'"$out"
    fi
    if command -v mandoc >/dev/null; then
        out=$(mandoc -Tlint -W warning "$page" 2>&1)
        [ -z "$out" ] || fail "mandoc -Tlint warns on $(basename "$page"):"$'\n'"$out"
    fi
    if command -v lexgrog >/dev/null; then
        lexgrog "$page" >/dev/null 2>&1 || fail "lexgrog cannot read the NAME line of $(basename "$page")"
    fi
done

if [ "$failures" -gt 0 ]; then
    echo "check_man_keys: $failures problem(s)" >&2
    exit 1
fi
if [ "$skipped_groff" -eq 1 ]; then
    echo "check_man_keys: keys and commands are documented; groff is not installed, so formatting was not checked" >&2
    exit 77
fi
echo "check_man_keys: ${#config_keys[@]} config keys, ${#policy_keys[@]} policy keys, ${#field_names[@]} fields, ${#subcommands[@]} subcommands documented; 3 pages format cleanly"
