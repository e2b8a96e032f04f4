#!/bin/bash
# yiniand at start-up, without pcscd (the reader is the in-process software
# card, which the daemon never reaches when it refuses to start):
#   --version, --help, usage errors (exit 2);
#   --check-config on a good set-up (exit 0, a summary line), on the sample
#     configurations docs/examples/yiniand*.conf (paths substituted);
#   refusals: a configuration error (exit 2, the message names the file and
#     line), a secret key readable or writable by others and a key
#     directory writable by others (exit 1, the message names the file: the
#     least-privilege check of issue 10), a forged denylist, a rolled-back
#     denylist, a corrupt journal (exit 1, the record named), a policy file
#     that does not parse (exit 1, the line named), a missing trusted key;
#   every refusal is the same with and without --check-config, and the
#     daemon proper logs "refusing to start".
set -u
cd "$(dirname "$0")/../.."
B=${YN_BUILD:-build}
Y=$B/yinian
YD=$B/yiniand
export YN_LOG_LEVEL=warn
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "[       OK ] $1"; }
bad() { fail=$((fail + 1)); echo "[  FAILED  ] $1: $2"; }

T=$(mktemp -d /tmp/yn-test-startup.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

# run NAME WANT_RC WANT_TEXT ARGS...: yiniand's exit status and a fixed
# string that its standard error (messages and log) must contain.
run() {
	local name=$1 want=$2 text=$3 rc
	shift 3
	timeout 20 "$YD" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ -n "${YN_TEST_VERBOSE:-}" ] && sed "s/^/    /" "$T/err"
	if [ $rc -ne "$want" ]; then
		bad "$name" "exit $rc, wanted $want; stderr: $(head -c 600 "$T/err")"
	elif [ -n "$text" ] && ! grep -qF -- "$text" "$T/err"; then
		bad "$name" "stderr lacks '$text': $(head -c 600 "$T/err")"
	else
		ok "$name"
	fi
}

# refuse NAME TEXT CONFIG: exit 1 with TEXT, both with --check-config and as
# a daemon (which also says "refusing to start").
refuse() {
	run "$1 (--check-config)" 1 "$2" --config "$3" --check-config
	run "$1 (daemon)" 1 "$2" --config "$3"
	grep -qF "refusing to start" "$T/err" || bad "$1 (daemon)" "no 'refusing to start' in the log"
}

# ---- a set-up that works: keys, a card, a signed denylist, a gate ------------
$Y keys generate --out "$T/keys" >/dev/null || { bad setup "keys generate"; exit 1; }
$Y keys generate --out "$T/otherkeys" >/dev/null || { bad setup "keys generate"; exit 1; }
cat >"$T/holder.json" <<EOF
{ "serial": "20001", "birth_date": "1954-05-01", "residency": "shenzhen_hukou",
  "district": "futian", "categories": ["dibao"], "not_before": "2026-01-01",
  "not_after": "2031-12-31", "issued_at": "2026-01-01T10:00:00+08:00" }
EOF
$Y card new --uid 04594E00002001 --out "$T/card" >/dev/null &&
	$Y issue --reader "emu:$T/card" --keys "$T/keys" --holder "$T/holder.json" >/dev/null ||
	{ bad setup "card issue"; exit 1; }
printf 'serial,listed,reason\n30001,2026-01-05,lost\n' >"$T/dl.csv"
dlbuild() {	# KEY SEQ OUT
	$Y denylist build --in "$T/dl.csv" --key "$1" --seq "$2" --valid-for 30d --out "$3" \
		>/dev/null
}
dlbuild "$T/keys/denylist.key" 2 "$T/denylist.bin" || { bad setup "denylist build"; exit 1; }

gate() {	# the gate configuration with optional extra lines for [policy]
	cat <<EOF
[terminal]
id = GATE-T01
role = gate
line = 1
station = 10
kind = entry
[readers]
reader = emu:$T/card
[keys]
dir = $T/keys
$1
[denylist]
file = $T/denylist.bin
state = $T/denylist.state
trusted_key = $T/keys/denylist.pub
[journal]
dir = $T/journal
[output]
json_stdout = no
EOF
}
gate "" >"$T/gate.conf"

# ---- version, help, usage ----------------------------------------------------
run "--version" 0 "" --version
grep -Eq '^yiniand [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || bad "--version" "prints '$(cat "$T/out")'"
run "--help" 0 "" --help
grep -q -- "--check-config" "$T/out" && grep -q "Exit status" "$T/out" ||
	bad "--help" "does not describe the options and exit status"
run "no --config: usage error" 2 "usage: yiniand" 
run "unknown option: usage error" 2 "usage: yiniand" --config "$T/gate.conf" --frobnicate
run "missing configuration file" 2 "$T/nope.conf" --config "$T/nope.conf"

# ---- a good set-up -----------------------------------------------------------
run "--check-config on a good gate" 0 "" --config "$T/gate.conf" --check-config
grep -q "^configuration OK: terminal GATE-T01, role gate, 1 reader(s), denylist sequence 2, journal 0 record(s)$" \
	"$T/out" || bad "--check-config summary" "printed '$(cat "$T/out")'"

# Two taps make a journal: a grant (intent and outcome) and a passback refusal.
$Y tap --config "$T/gate.conf" --now 2026-12-02T08:00 >/dev/null
$Y tap --config "$T/gate.conf" --now 2026-12-02T08:01 >/dev/null
run "--check-config counts the journal" 0 "" --config "$T/gate.conf" --check-config
grep -q "journal 3 record(s)" "$T/out" || bad "journal count" "printed '$(cat "$T/out")'"

# ---- configuration errors: exit 2, the file and the line named ---------------
sed 's/^role = gate$/role = turnstile/' "$T/gate.conf" >"$T/bad1.conf"
run "bad role value" 2 "$T/bad1.conf: line 3: role must be gate, canteen or service" \
	--config "$T/bad1.conf"
sed 's/^station = 10$/stationn = 10/' "$T/gate.conf" >"$T/bad2.conf"
run "unknown key" 2 "line 5: unknown key 'stationn' in [terminal]" --config "$T/bad2.conf" \
	--check-config
sed 's/^kind = entry$/kind entry/' "$T/gate.conf" >"$T/bad3.conf"
run "syntax error" 2 "line 6: syntax error" --config "$T/bad3.conf"
grep -v '^trusted_key' "$T/gate.conf" >"$T/bad4.conf"
run "no trusted key" 2 "[denylist] needs at least one 'trusted_key" --config "$T/bad4.conf"

# ---- key permissions (issue 10: least privilege) -----------------------------
chmod 0640 "$T/keys/aes1-read.key"
refuse "secret key readable by group" "$T/keys/aes1-read.key" "$T/gate.conf"
chmod 0604 "$T/keys/aes1-read.key"
refuse "secret key readable by others" "$T/keys/aes1-read.key" "$T/gate.conf"
chmod 0600 "$T/keys/aes1-read.key"
chmod 0622 "$T/keys/aes2-trip-write.key"
refuse "secret key writable by others" "$T/keys/aes2-trip-write.key" "$T/gate.conf"
chmod 0600 "$T/keys/aes2-trip-write.key"
chmod 0777 "$T/keys"
refuse "key directory writable by others" "$T/keys" "$T/gate.conf"
chmod 0700 "$T/keys"
run "keys fixed: starts again" 0 "" --config "$T/gate.conf" --check-config

# ---- denylist: forged, rolled back, unreadable -------------------------------
cp "$T/denylist.bin" "$T/denylist.good"
dlbuild "$T/otherkeys/denylist.key" 3 "$T/denylist.bin"
refuse "denylist signed by an untrusted key" "denylist $T/denylist.bin refused" "$T/gate.conf"
cp "$T/denylist.good" "$T/denylist.bin"
# The same list with one signature byte changed.
size=$(stat -c %s "$T/denylist.bin")
printf '\x5a' | dd of="$T/denylist.bin" bs=1 seek=$((size - 10)) conv=notrunc status=none
refuse "denylist with a broken signature" "denylist $T/denylist.bin refused" "$T/gate.conf"
dlbuild "$T/keys/denylist.key" 1 "$T/denylist.bin"
refuse "denylist rolled back (sequence 1 after 2)" "denylist $T/denylist.bin refused" \
	"$T/gate.conf"
grep -qiE "rollback|older|below" "$T/err" || bad "rollback message" "$(cat "$T/err")"
cp "$T/denylist.good" "$T/denylist.bin"
run "denylist restored: starts again" 0 "" --config "$T/gate.conf" --check-config

# ---- policy file --------------------------------------------------------------
$Y policy default >"$T/policy.ini"
gate "[policy]
file = $T/policy.ini" >"$T/gate-pol.conf"
run "a valid policy file" 0 "" --config "$T/gate-pol.conf" --check-config
sed -i 's/^lunch_start = 11:00$/lunch_start = 25:00/' "$T/policy.ini"
line=$(grep -n '^lunch_start = 25:00$' "$T/policy.ini" | cut -d: -f1)
refuse "policy file that does not parse" "policy $T/policy.ini: line $line:" "$T/gate-pol.conf"
rm -f "$T/policy.ini"
refuse "policy file missing" "policy $T/policy.ini" "$T/gate-pol.conf"

# ---- journal: a corrupt record is never written to --------------------------
j=$(ls "$T"/journal/journal-*.ynj | head -1)
cp "$j" "$T/journal.good"
# Record 2 (the grant's outcome) is at 96 + 128 bytes; change a byte inside it.
printf '\xff' | dd of="$j" bs=1 seek=$((96 + 128 + 40)) conv=notrunc status=none
refuse "journal with a flipped byte" "is corrupt at" "$T/gate.conf"
grep -qF "record 2" "$T/err" && grep -qF "$(basename "$j")" "$T/err" ||
	bad "corrupt journal message" "does not name record 2 and its file: $(cat "$T/err")"
cmp -s "$j" "$T/journal.good" && bad "corrupt journal" "file unchanged?"
before=$(md5sum <"$j")
run "corrupt journal: still refused" 1 "is corrupt at" --config "$T/gate.conf"
[ "$before" = "$(md5sum <"$j")" ] && ok "the corrupt journal was not written to" ||
	bad "corrupt journal" "the daemon changed the file"
cp "$T/journal.good" "$j"
run "journal restored: starts again" 0 "" --config "$T/gate.conf" --check-config

# ---- the sample configurations ----------------------------------------------
# docs/examples/yiniand*.conf use the installed paths; point them at this
# test's files and check that they load.
for ex in docs/examples/yiniand.conf docs/examples/yiniand-canteen.conf; do
	name=$(basename "$ex" .conf)
	[ -f "$ex" ] || { bad "$ex" "missing"; continue; }
	sed -e "s|/etc/yinian/keys|$T/keys|" \
	    -e "s|/var/lib/yinian/denylist.bin|$T/denylist.bin|" \
	    -e "s|/var/lib/yinian/denylist.state|$T/$name.dlstate|" \
	    -e "s|/var/lib/yinian/journal|$T/journal-$name|" \
	    -e "s|/run/yinian/|$T/|" \
	    -e "s|/etc/yinian/policy.ini|$T/policy-$name.ini|" \
	    -e "s|/usr/local/libexec/yinian/gate-relay|/bin/true|" \
	    -e "s|/usr/local/libexec/yinian/till-display|/bin/true|" \
	    "$ex" >"$T/$name.conf"
	$Y policy default >"$T/policy-$name.ini"
	if grep -vE "^[[:space:]]*[;#]" "$T/$name.conf" | grep -qE "/(etc|var|run|usr)/"; then
		bad "$ex" "a path the test does not substitute: $(grep -E '/(etc|var|run|usr)/' "$T/$name.conf")"
		continue
	fi
	run "$ex: --check-config" 0 "" --config "$T/$name.conf" --check-config
	grep -q "^configuration OK: terminal " "$T/out" || bad "$ex" "summary: $(cat "$T/out")"
done
grep -q "role gate" <("$YD" --config "$T/yiniand.conf" --check-config 2>/dev/null) ||
	bad "docs/examples/yiniand.conf" "is not a gate"
grep -q "role canteen" <("$YD" --config "$T/yiniand-canteen.conf" --check-config 2>/dev/null) ||
	bad "docs/examples/yiniand-canteen.conf" "is not a canteen"

# ---- a hook that cannot be run: the tap stands, the log says why -----------
sed "s|^json_stdout = no$|json_stdout = yes\nhook = $T/no-such-hook|" "$T/gate.conf" >"$T/gate-hook.conf"
timeout 20 "$YD" --config "$T/gate-hook.conf" --once >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
	bad "--once with a missing hook" "exit $rc: $(head -c 600 "$T/err")"
elif ! grep -q '"type":"decision"' "$T/out"; then
	bad "--once with a missing hook" "no decision line on stdout"
elif ! grep -qF "hook $T/no-such-hook: cannot run: No such file or directory" "$T/err"; then
	bad "--once with a missing hook" "log does not say why: $(head -c 600 "$T/err")"
else
	ok "--once with a missing hook: decided, and the log names the hook and the error"
fi

echo "yiniand start-up: $pass passed, $fail failed"
[ $fail -eq 0 ]
