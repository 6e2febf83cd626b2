#!/usr/bin/env bash
# The `hepnn root` commands: exit codes, one-line errors, and values that match
# the manifest (foriter's data = 0..45; Zmumu's first px1 values).
# Usage: cli_root.sh HEPNN_BINARY DATA_DIR
set -u
h=$1 d=$2 fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }
out=$("$h" root ls "$d/uproot-nesteddirs.root"); check "ls exit" "[ $? -eq 0 ]"
check "ls lists one/two/tree with 100 entries" "grep -q 'one/two/tree .*TTree .* 1  100 entries' <<<\"\$out\""
out=$("$h" root show "$d/uproot-HZZ.root:events"); check "show exit" "[ $? -eq 0 ]"
check "show gives Jet_Px as [NJet]" "grep -Eq '^Jet_Px +TLeafF\\(float32\\) +\\[NJet\\] +2421 ' <<<\"\$out\""
out=$("$h" root dump "$d/uproot-foriter.root:foriter"); check "dump exit" "[ $? -eq 0 ]"
check "dump csv header + 46 rows summing to 1035" \
  "[ \"\$(head -1 <<<\"\$out\")\" = data ] && [ \"\$(tail -n +2 <<<\"\$out\" | awk '{s+=\$1} END{print NR, s}')\" = '46 1035' ]"
out=$("$h" root dump "$d/uproot-Zmumu.root:events" -b px1 --entries 0:2)
check "dump %.17g doubles" "[ \"\$(tail -n +2 <<<\"\$out\" | head -1)\" = -41.1952876442 ]"
out=$("$h" root dump "$d/uproot-HZZ.root:events" -b 'NJet,Jet_Px' --entries 1:2 --format json)
check "dump json jagged" "grep -q '\"NJet\":1,\"Jet_Px\":\\[-38.8747139\\]' <<<\"\$out\""
err=$("$h" root dump "$d/uproot-HZZ.root:events" -b Jet_Px 2>&1 >/dev/null); rc=$?
check "csv of a jagged branch fails with one line" "[ $rc -ne 0 ] && [ \$(wc -l <<<\"\$err\") -eq 1 ] && grep -q Jet_Px <<<\"\$err\""
err=$("$h" root show "$d/uproot-issue-250.root:B4" 2>&1); rc=$?
check "ROOT 4 tree refused" "[ $rc -ne 0 ] && grep -q 'TTree class version 5' <<<\"\$err\""
err=$("$h" root ls "$d/missing.root" 2>&1); rc=$?
check "missing file" "[ $rc -eq 1 ] && [ \$(wc -l <<<\"\$err\") -eq 1 ]"
"$h" root dump 2>/dev/null; check "usage error exit 2" "[ $? -eq 2 ]"
"$h" root dump --help | grep -q examples; check "help" "[ $? -eq 0 ]"
[ $fail -eq 0 ] && echo "cli_root: all checks passed"
exit $fail
