#!/bin/bash
# Deployment files: udev rules syntax (our own checker: Debian 12's udevadm
# has no "verify"; it is used too where it exists), the systemd unit
# (systemd-analyze verify where available, plus the hardening we promise),
# and the modprobe blacklist.
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "[       OK ] $1"; }
bad() { fail=$((fail + 1)); echo "[  FAILED  ] $1: $2"; }

rules=udev/70-yinian-readers.rules
item='^(ACTION|SUBSYSTEM|SUBSYSTEMS|KERNEL|DRIVER|ENV\{[A-Za-z_]+\}|ATTR\{[A-Za-z_]+\}|ATTRS\{[A-Za-z_]+\}|TAG|MODE|GROUP|OWNER|GOTO|LABEL|RUN\{program\})(==|!=|=|\+=)"[^"]*"$'
errs=0 labels="" gotos="" n=0
while IFS= read -r line; do
	n=$((n + 1))
	case "$line" in ''|'#'*) continue ;; esac
	IFS=',' read -ra parts <<<"$line"
	for p in "${parts[@]}"; do
		p="${p#"${p%%[![:space:]]*}"}"; p="${p%"${p##*[![:space:]]}"}"
		if ! [[ $p =~ $item ]]; then
			echo "  $rules:$n: bad item: $p"; errs=$((errs + 1)); continue
		fi
		case "$p" in
		LABEL=*) labels="$labels ${p#LABEL=}" ;;
		GOTO=*) gotos="$gotos ${p#GOTO=}" ;;
		MODE=*) [[ $p =~ ^MODE=\"0[0-7]{3}\"$ ]] || { echo "  $rules:$n: bad mode $p"; errs=$((errs + 1)); } ;;
		ATTR{idVendor}*|ATTR{idProduct}*) [[ $p =~ ==\"[0-9a-f]{4}\"$ ]] || { echo "  $rules:$n: bad USB id $p"; errs=$((errs + 1)); } ;;
		esac
	done
done < "$rules"
for g in $gotos; do case " $labels " in *" $g "*) ;; *) echo "  GOTO $g has no LABEL"; errs=$((errs + 1)) ;; esac; done
[ $errs -eq 0 ] && ok "udev rules syntax" || bad "udev rules syntax" "$errs errors"

missing=""
for id in 072f:2200 04cc:2533 04e6:5591 054c:02e1; do
	v=${id%:*} p=${id#*:}
	grep -q "ATTR{idVendor}==\"$v\", ATTR{idProduct}==\"$p\"" "$rules" || missing="$missing $id"
done
[ -z "$missing" ] && ok "udev rules cover the common libnfc readers" || bad "udev reader ids" "missing$missing"

if udevadm verify --help >/dev/null 2>&1; then
	udevadm verify "$rules" && ok "udevadm verify" || bad "udevadm verify" "failed"
fi

bl=udev/yinian-blacklist-nfc.conf
if [ "$(grep -v '^#' "$bl" | grep -v '^$' | sort | tr '\n' ' ')" = "blacklist nfc blacklist pn533 blacklist pn533_usb " ]; then
	ok "modprobe blacklist"
else
	bad "modprobe blacklist" "expected exactly nfc, pn533, pn533_usb"
fi

unit=udev/yiniand.service
need="User=yinian CapabilityBoundingSet= NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/yinian SystemCallFilter=@system-service After=pcscd.socket Type=notify"
m=""
for k in $need; do grep -q "^$k" "$unit" || m="$m $k"; done
[ -z "$m" ] && ok "systemd unit hardening" || bad "systemd unit hardening" "missing$m"
if command -v systemd-analyze >/dev/null; then
	tmp=$(mktemp -d)
	sed 's|@SBINDIR@/yiniand|/bin/true|' "$unit" > "$tmp/yiniand.service"
	if out=$(systemd-analyze verify --man=no "$tmp/yiniand.service" 2>&1); then
		ok "systemd-analyze verify"
	else
		bad "systemd-analyze verify" "$out"
	fi
	rm -rf "$tmp"
fi

# make install honours PREFIX and DESTDIR and puts every deployment file in place.
dest=$(mktemp -d)
if make -s --no-print-directory install DESTDIR="$dest" PREFIX=/usr BUILD="${YN_BUILD:-build}" >/dev/null 2>&1; then
	m=""
	for f in usr/bin/yinian usr/sbin/yiniand lib/udev/rules.d/70-yinian-readers.rules \
		 etc/modprobe.d/yinian-blacklist-nfc.conf lib/systemd/system/yiniand.service \
		 usr/lib/sysusers.d/yinian.conf usr/share/doc/yinian/operations.md; do
		[ -f "$dest/$f" ] || m="$m $f"
	done
	grep -q "^ExecStart=/usr/sbin/yiniand " "$dest/lib/systemd/system/yiniand.service" || m="$m ExecStart-path"
	[ -z "$m" ] && ok "make install DESTDIR PREFIX" || bad "make install" "missing$m"
else
	bad "make install" "failed"
fi
rm -rf "$dest"
if grep -Eq '^u yinian ' udev/yinian.sysusers && grep -Eq '^g yinian ' udev/yinian.sysusers; then
	ok "sysusers declares user and group yinian"
else
	bad "sysusers" "user or group line missing"
fi

echo "deploy: $pass passed, $fail failed"
[ $fail -eq 0 ]
