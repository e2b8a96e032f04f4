#!/bin/bash
# The issuance desk through the real PC/SC stack: `yinian card serve` on the
# vpcd socket behind pcscd (run under scripts/pcsc-rig), then `yinian issue`,
# `yinian inspect --json` (desk and gate key sets), a refused second issue and
# a replacement on a second card.  Prints the issuance's APDU count and time.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
B=${YN_BUILD:-build}
case "$B" in /*) ;; *) B="$here/$B" ;; esac
Y="$B/yinian"
READER=${YN_PCSC_READER:-Virtual PCD 00 00}
PORT=${YN_VPCD_PORT:-35963}
T=$(mktemp -d)
pid=

stop_card() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}
cleanup() { stop_card; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "test_issue_pcsc: FAIL: $*" >&2; [ -f "$T/out" ] && cat "$T/out" >&2; exit 1; }
has() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }

serve() {
	"$Y" card serve --state "$1" --vpcd "127.0.0.1:$PORT" >"$T/serve.log" 2>&1 &
	pid=$!
}

"$Y" keys generate --out "$T/keys" >/dev/null || fail "keys generate"
"$Y" keys export --role gate --keys "$T/keys" --out "$T/gate" >/dev/null || fail "keys export"
"$Y" card new --uid 04A5B6C7D8E9F0 --out "$T/card1.bin" >/dev/null || fail "card new"
"$Y" card new --uid 04B5B6C7D8E9F1 --out "$T/card2.bin" >/dev/null || fail "card new 2"
grep -v '"uid"' "$here/docs/examples/holder.json" >"$T/holder.json"

serve "$T/card1.bin"
"$Y" issue --reader "pcsc:$READER" --keys "$T/keys" --holder "$T/holder.json" \
	--vouchers 9 --json --timeout 10 >"$T/issue.json" 2>"$T/out" || fail "issue"
has "$T/issue.json" '"result": "issued"'
has "$T/issue.json" '"serial": 12345678'
has "$T/issue.json" '"uid": "04A5B6C7D8E9F0"'
has "$T/issue.json" '"found": "blank"'
apdus=$(sed -n 's/.*"apdus": \([0-9]*\).*/\1/p' "$T/issue.json")
ms=$(sed -n 's/.*"ms": \([0-9]*\).*/\1/p' "$T/issue.json")
echo "issuance through pcscd + vpcd: $apdus APDUs, $ms ms"
[ "$ms" -lt 60000 ] || fail "issuance took $ms ms"

"$Y" inspect --reader "pcsc:$READER" --keys "$T/keys" --json \
	--now 2026-12-05T10:00:00+08:00 >"$T/inspect.json" 2>"$T/out" || fail "inspect"
has "$T/inspect.json" '"signature": "valid"'
has "$T/inspect.json" '"serial": "12345678"'
has "$T/inspect.json" '"uid": "04A5B6C7D8E9F0"'
has "$T/inspect.json" '"birth_date": "1956-03-14"'
has "$T/inspect.json" '"district": "futian"'
has "$T/inspect.json" '"age_today": 70'
has "$T/inspect.json" '"valid_today": true'
has "$T/inspect.json" '"vouchers": 9'
has "$T/inspect.json" '"type": "MIFARE DESFire EV2"'
has "$T/inspect.json" '"trips": []'

# a gate's key set reads the record but not the purse
"$Y" inspect --reader "pcsc:$READER" --keys "$T/gate" --json >"$T/gate.json" 2>"$T/out" ||
	fail "inspect with gate keys"
has "$T/gate.json" '"signature": "valid"'
has "$T/gate.json" '"vouchers": null'
has "$T/gate.json" 'voucher balance: not read'

# a second issue is refused and changes nothing
cp "$T/card1.bin" "$T/card1.before"
if "$Y" issue --reader "pcsc:$READER" --keys "$T/keys" --holder "$T/holder.json" \
	--timeout 10 >"$T/out" 2>&1; then
	fail "second issue accepted"
fi
has "$T/out" "already an issued Yinian card"
cmp -s "$T/card1.bin" "$T/card1.before" || fail "refused issue changed the card"
stop_card

# replacement on a second card; the old serial goes to the denylist CSV
serve "$T/card2.bin"
"$Y" replace --reader "pcsc:$READER" --keys "$T/keys" --old-serial 12345678 \
	--holder "$T/holder.json" --reason stolen --denylist-csv "$T/deny.csv" \
	--now 2026-11-30T09:00:00+08:00 >"$T/out" 2>&1 || fail "replace"
has "$T/out" "serial 12345679 issued"
printf 'serial,listed,reason\n12345678,2026-11-30,stolen\n' >"$T/deny.want"
cmp -s "$T/deny.csv" "$T/deny.want" || fail "denylist CSV: $(cat "$T/deny.csv")"
"$Y" inspect --reader "pcsc:$READER" --keys "$T/keys" --json >"$T/inspect2.json" 2>"$T/out" ||
	fail "inspect replacement"
has "$T/inspect2.json" '"serial": "12345679"'
stop_card
echo "test_issue_pcsc: ok"
