#!/bin/bash
# The desk commands as a clerk runs them, on software cards (emu: readers):
# exit statuses, the messages that name a field, --json, the batch progress
# and summary, replace's denylist CSV, and cards left as they were after
# every refusal.
set -u
cd "$(dirname "$0")/../.."
B=${YN_BUILD:-build}
Y="$B/yinian"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "[       OK ] $1"; }
bad() { fail=$((fail + 1)); echo "[  FAILED  ] $1: $2"; sed 's/^/    /' "$T/out"; }
NOW=2026-11-29T10:00:00+08:00

# run NAME WANT_STATUS CMD...: output in $T/out
run() {
	local name=$1 want=$2 st
	shift 2
	"$@" >"$T/out" 2>&1
	st=$?
	if [ "$st" -ne "$want" ]; then
		bad "$name" "exit status $st, want $want"
		return 1
	fi
	return 0
}
expect() { # NAME TEXT
	if grep -qF -- "$2" "$T/out"; then ok "$1"; else bad "$1" "output lacks: $2"; fi
}

"$Y" keys generate --out "$T/keys" >/dev/null
"$Y" keys export --role gate --keys "$T/keys" --out "$T/gate" >/dev/null
card() { "$Y" card new --uid "$2" --out "$T/$1" >/dev/null; }
card c1 04010101010101
card c2 04020202020202
grep -v '"uid"' docs/examples/holder.json >"$T/h.json"

# bad holder files: the field is named, the card untouched
cp "$T/c1" "$T/c1.before"
sed 's/1956-03-14/1970-03-14/' "$T/h.json" >"$T/young.json"
run "age under 60" 1 "$Y" issue --reader "emu:$T/c1" --keys "$T/keys" --holder "$T/young.json" --now $NOW &&
	expect "age under 60 names birth_date" "birth_date: holder is 56"
sed 's/"not_after": "2031-11-30"/"not_after": "2026-11-30"/' "$T/h.json" >"$T/order.json"
run "dates out of order" 1 "$Y" issue --reader "emu:$T/c1" --keys "$T/keys" --holder "$T/order.json" --now $NOW &&
	expect "dates out of order names not_after" "not_after"
printf '{"serial": "5", "birth_date": ' >"$T/trunc.json"
run "malformed holder file" 1 "$Y" issue --reader "emu:$T/c1" --keys "$T/keys" --holder "$T/trunc.json" --now $NOW &&
	expect "malformed holder file says so" "trunc.json"
sed 's/"district": "futian"/"distrikt": "futian"/' "$T/h.json" >"$T/typo.json"
run "misspelt field" 1 "$Y" issue --reader "emu:$T/c1" --keys "$T/keys" --holder "$T/typo.json" --now $NOW &&
	expect "misspelt field named" "distrikt"
run "gate key set refused" 1 "$Y" issue --reader "emu:$T/c1" --keys "$T/gate" --holder "$T/h.json" --now $NOW &&
	expect "gate key set: not a desk set" "not a desk key set"
run "usage: no --holder" 2 "$Y" issue --reader "emu:$T/c1" --keys "$T/keys"
if cmp -s "$T/c1" "$T/c1.before"; then ok "refusals left the card as it was"; else bad "card unchanged" "state file changed"; fi

# issue, --json
if run "issue --json" 0 "$Y" issue --reader "emu:$T/c1" --keys "$T/keys" --holder "$T/h.json" --vouchers 4 --json --now $NOW; then
	expect "json result" '"result": "issued"'
	expect "json serial" '"serial": 12345678'
	expect "json vouchers" '"vouchers": 4'
fi
grep -q '^12345678 04010101010101 2026-11-29 issue$' "$T/keys/serials" && ok "serial recorded" ||
	{ cp "$T/keys/serials" "$T/out"; bad "serial recorded" "serials file"; }

# issued card: refused, unchanged
cp "$T/c1" "$T/c1.before"
run "re-issue refused" 1 "$Y" issue --reader "emu:$T/c1" --keys "$T/keys" --holder "$T/h.json" --now $NOW &&
	expect "re-issue message" "already an issued Yinian card (serial 12345678)"
cmp -s "$T/c1" "$T/c1.before" && ok "re-issue left the card" || bad "re-issue left the card" "changed"

# the same serial on another card
run "serial reuse refused" 1 "$Y" issue --reader "emu:$T/c2" --keys "$T/keys" --holder "$T/h.json" --now $NOW &&
	expect "serial reuse message" "never reused"

# inspect: text and gate keys
if run "inspect text" 0 "$Y" inspect --reader "emu:$T/c1" --keys "$T/keys" --now 2026-12-05T10:00:00+08:00; then
	expect "inspect: valid" "Holder record    VALID"
	expect "inspect: age" "age 70 today"
	expect "inspect: vouchers" "Vouchers         4"
	expect "inspect: chip" "NXP MIFARE DESFire EV2"
fi
run "inspect gate keys" 0 "$Y" inspect --reader "emu:$T/c1" --keys "$T/gate" &&
	expect "inspect gate: says what it could not read" "voucher balance: not read"
run "inspect blank card" 1 "$Y" inspect --reader "emu:$T/c2" --keys "$T/keys" &&
	expect "inspect blank: not issued" "NOT ISSUED"

# replace onto c2, denylist CSV created with its header
if run "replace" 0 "$Y" replace --reader "emu:$T/c2" --keys "$T/keys" --old-serial 12345678 \
	--holder "$T/h.json" --reason damaged --denylist-csv "$T/deny.csv" --now $NOW; then
	expect "replace: new serial" "serial 12345679 issued"
	printf 'serial,listed,reason\n12345678,2026-11-29,replaced\n' >"$T/want"
	cmp -s "$T/deny.csv" "$T/want" && ok "denylist CSV line" || { cp "$T/deny.csv" "$T/out"; bad "denylist CSV" "content"; }
fi
# the back office signs that CSV as it is
if run "denylist build from the replace CSV" 0 "$Y" denylist build --in "$T/deny.csv" \
	--key "$T/keys/denylist.key" --seq 1 --valid-for 30d --out "$T/deny.list" \
	--issued-at 2026-11-30T01:00:00Z; then
	run "denylist show" 0 "$Y" denylist show "$T/deny.list" --serial 12345678 &&
		expect "old serial denylisted as replaced" "replaced"
fi
run "replace: bad reason" 2 "$Y" replace --reader "emu:$T/c2" --keys "$T/keys" --old-serial 1 \
	--holder "$T/h.json" --reason "Lost card"

# batch: progress, failure reported, summary
card b1 04111111111111
card b2 04222222222222
printf 'serial,birth_date,residency,district,not_after,vouchers\n,1950-01-01,shenzhen_hukou,luohu,2031-12-31,2\n,1980-01-01,shenzhen_hukou,luohu,2031-12-31,\n' >"$T/b.csv"
if run "batch with a bad row" 1 "$Y" issue --batch "$T/b.csv" --reader "emu:$T/b1" --keys "$T/keys" --now $NOW; then
	expect "batch progress" "[1/2] serial 12345680 issued"
	expect "batch failure" "[2/2] row 2 FAILED (no card used): birth_date"
	expect "batch summary" "summary: 2 rows, 1 issued, 1 failed"
fi
run "batch on an issued card" 1 "$Y" issue --batch docs/examples/holders.csv --reader "emu:$T/b1" --keys "$T/keys" --stop-on-error --now $NOW &&
	expect "batch stop-on-error" "stopped at row 1 (--stop-on-error)"

echo "issue CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
