#!/bin/bash
# The same card gives the same decision through every reader path: the
# software card in-process (emu:), behind pcscd + vpcd (pcsc:), and behind
# the emulated PN532 through Debian's libnfc (nfc:).  Each path taps its own
# copy of one issued card at the same fixed time, at a gate and at a canteen;
# and a card is issued and inspected through libnfc as well.
# Runs under scripts/pcsc-rig.
set -u
B=${YN_BUILD:-build}
Y=$B/yinian
T=$(mktemp -d /tmp/yn-paths.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "[       OK ] $1"; }
bad() { fail=$((fail + 1)); echo "[  FAILED  ] $1: $2"; }

export YN_LOG_LEVEL=err
$Y keys generate --out "$T/keys" >/dev/null || exit 1
cat > "$T/holder.json" <<J
{ "serial": "20001", "birth_date": "1954-05-01", "residency": "shenzhen_hukou",
  "district": "futian", "categories": ["dibao"], "not_before": "2026-01-01",
  "not_after": "2031-12-31", "issued_at": "2026-01-01T10:00:00+08:00" }
J
$Y card new --uid 04594E00002001 --out "$T/card" >/dev/null || exit 1
$Y issue --reader "emu:$T/card" --keys "$T/keys" --holder "$T/holder.json" --vouchers 3 >/dev/null || exit 1
printf 'serial,listed,reason\n' > "$T/dl.csv"
$Y denylist build --in "$T/dl.csv" --key "$T/keys/denylist.key" --seq 1 --valid-for 3650d \
	--issued-at 2026-11-01T00:00:00Z --out "$T/dl.bin" >/dev/null || exit 1

conf() {	# role extra
	cat <<C
[terminal]
id = PATHS-$1
role = $1
$2
[readers]
reader = emu:unused
[keys]
dir = $T/keys
[denylist]
file = $T/dl.bin
trusted_key = $T/keys/denylist.pub
[journal]
dir = $T/journal-$1-$3
C
}

# tap PATHNAME ROLE -> prints the decision line without per-path fields
tap_via() {
	local path=$1 role=$2 extra uri out
	case $role in
	gate) extra="line = 1
station = 10" ;;
	canteen) extra="district = futian
price_fen = 1200" ;;
	esac
	conf "$role" "$extra" "$path" > "$T/$role-$path.conf"
	cp "$T/card" "$T/card-$role-$path"
	case $path in
	emu) uri="emu:$T/card-$role-$path" ;;
	pcsc)
		$Y card serve --state "$T/card-$role-$path" >/dev/null 2>&1 & pids+=($!)
		uri="pcsc:Virtual PCD 00 00" ;;
	nfc)
		$Y card serve --state "$T/card-$role-$path" --pn532 "$T/pn532" >/dev/null 2>&1 & pids+=($!)
		for _ in $(seq 50); do [ -e "$T/pn532" ] && break; sleep 0.1; done
		uri="nfc:pn532_uart:$T/pn532" ;;
	esac
	out=$($Y tap --config "$T/$role-$path.conf" --reader "$uri" --now 2026-12-02T12:05 \
		--json --timeout 5000)
	echo "$out" | sed 's/"latency_us":[0-9]*,"sync_us":[0-9]*,//; s/"journal_seq":[0-9]*,//; s/"reader":"[^"]*",//'
	if [ "$path" != emu ]; then
		kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null; unset 'pids[-1]'
		# pcscd notices the card leaving at its next 400 ms poll
		[ "$path" = pcsc ] && sleep 1
	fi
}

# Issuance and inspection through libnfc and the emulated PN532 too.
$Y card new --uid 04594E00002002 --out "$T/card-nfc-issue" >/dev/null || exit 1
$Y card serve --state "$T/card-nfc-issue" --pn532 "$T/pn532i" >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 50); do [ -e "$T/pn532i" ] && break; sleep 0.1; done
sed 's/"20001"/"20002"/' "$T/holder.json" > "$T/holder2.json"
if out=$($Y issue --reader "nfc:pn532_uart:$T/pn532i" --keys "$T/keys" --holder "$T/holder2.json" \
	--vouchers 2 2>&1); then
	ok "nfc: issue ($out)"
else
	bad "nfc: issue" "$out"
fi
j=$($Y inspect --reader "nfc:pn532_uart:$T/pn532i" --keys "$T/keys" --json 2>/dev/null)
case "$j" in
*'"signature": "valid"'*'"serial": "20002"'*) ok "nfc: inspect reads the issued card" ;;
*) bad "nfc: inspect" "$j" ;;
esac
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null; unset 'pids[-1]'

for role in gate canteen; do
	e=$(tap_via emu $role)
	p=$(tap_via pcsc $role)
	n=$(tap_via nfc $role)
	echo "  emu:  $e"
	case "$e" in *'"verdict":"grant"'*) ok "$role: emu grants" ;; *) bad "$role emu" "no grant: $e" ;; esac
	[ -n "$p" ] && [ "$p" = "$e" ] && ok "$role: pcsc decision identical to emu" || bad "$role pcsc" "$p"
	[ -n "$n" ] && [ "$n" = "$e" ] && ok "$role: nfc decision identical to emu" || bad "$role nfc" "$n"
done
echo "tap paths: $pass passed, $fail failed"
[ $fail -eq 0 ]
