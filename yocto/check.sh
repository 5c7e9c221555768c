#!/usr/bin/env bash
# CI checks of the Yocto layer (yocto/meta-alpr) that run without bitbake:
#
#   a. systemd-analyze verify on every unit the layer ships (plus the unit systemd's crypttab
#      generator makes from the layer's crypttab), failing on ANY output on stderr, with a
#      self-test that a unit with a bad value really fails;
#   b. oelint-adv (pinned, in a cached venv) on every recipe, append, include and layer.conf;
#   c. the crate lists against Cargo.lock (yocto/scripts/crates-from-lock.py --check), with a
#      self-test that a tampered list fails;
#   d. cross-file consistency (yocto/scripts/layer-consistency.py) and the shell scripts the
#      layer installs (sh -n, shellcheck, and their logic against a fake systemctl and sysfs).
#
# Usage: bash yocto/check.sh   (from any directory, any clone; as root it installs what is
# missing with apt-get). Exits non-zero if anything failed, naming each failure at the end.
# The venv is cached in ${ALPR_YOCTO_CACHE:-${TMPDIR:-/tmp}/alpr-yocto-check}.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
REPO=$(pwd)
LAYER=yocto/meta-alpr

# Pinned so that a new oelint-adv release (new rules) cannot turn CI red on its own.
OELINT_ADV_VERSION=9.11.2
OELINT_PARSER_VERSION=8.13.2
OELINT_DATA_VERSION=1.5.26

CACHE=${ALPR_YOCTO_CACHE:-${TMPDIR:-/tmp}/alpr-yocto-check}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alpr-yocto-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=()
pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed+=("$1"); echo "FAIL: $1" >&2; }
step() { echo; echo "== $*"; }

apt_updated=0
apt_install() {
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "cannot install $* (not root, or no apt-get)" >&2
		return 1
	fi
	if [ "$apt_updated" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------------------------------------------------------------------------------------------
step "a. systemd-analyze verify"
# verify parses each unit as systemd would, loads the units it depends on, checks that every
# Exec*= command exists and is executable, and looks for ordering cycles. It exits 0 on many
# problems (a value it cannot parse is "ignored" with a warning on stderr), so any stderr
# output counts as a failure here.
#
# To make it meaningful on a build machine:
#  - the units are copied into a temp dir, and each Exec*= path is rewritten to the same path
#    under "$WORK/exe", where an executable stub stands in for the program (/usr/bin/alpr and
#    the scripts exist only on the target). Nothing else in the units is changed;
#  - the unit that the data partition's units depend on, systemd-cryptsetup@alprdata.service,
#    is not a file in the layer: systemd's crypttab generator makes it at boot. The real
#    generator is run on the layer's crypttab and its output verified along with the rest.
verify_units() { # verify_units LOGFILE UNIT...: returns 1 if verify failed or wrote to stderr
	local log=$1
	shift
	systemd-analyze verify --man=no "$@" >"$log.out" 2>"$log" </dev/null
	local rc=$?
	[ "$rc" = 0 ] && [ ! -s "$log" ]
}

if ! command -v systemd-analyze >/dev/null; then
	apt_install systemd || true
fi
generator=""
for g in /usr/lib/systemd/system-generators/systemd-cryptsetup-generator \
	/lib/systemd/system-generators/systemd-cryptsetup-generator; do
	[ -x "$g" ] && generator=$g && break
done
if [ -z "$generator" ]; then
	# Debian 13 and later ship it in a package of its own.
	apt_install systemd-cryptsetup || true
	for g in /usr/lib/systemd/system-generators/systemd-cryptsetup-generator \
		/lib/systemd/system-generators/systemd-cryptsetup-generator; do
		[ -x "$g" ] && generator=$g && break
	done
fi

if ! command -v systemd-analyze >/dev/null; then
	fail "systemd-analyze not found (install the systemd package)"
else
	systemd-analyze --version | head -n 1
	units_dir=$WORK/units
	mkdir -p "$units_dir" "$WORK/exe"
	mapfile -t unit_files < <(find "$LAYER" -type f \( -name '*.service' -o -name '*.mount' \
		-o -name '*.socket' -o -name '*.timer' -o -name '*.path' -o -name '*.target' \) | sort)
	dupes=$(for f in "${unit_files[@]}"; do basename "$f"; done | sort | uniq -d)
	if [ -n "$dupes" ]; then
		fail "two units of the same name in the layer: $dupes"
	fi
	to_verify=()
	for f in "${unit_files[@]}"; do
		name=$(basename "$f")
		# Every absolute program path of an Exec*= line (after its prefixes such as - @ : + !).
		while read -r prog; do
			[ -n "$prog" ] || continue
			mkdir -p "$WORK/exe$(dirname "$prog")"
			printf '#!/bin/sh\nexit 0\n' >"$WORK/exe$prog"
			chmod 0755 "$WORK/exe$prog"
		done < <(sed -nE 's/^Exec[A-Za-z]*=[-@:+!]*(\/[^[:space:]]+).*/\1/p' "$f")
		sed -E "s#^(Exec[A-Za-z]*=[-@:+!]*)/#\1$WORK/exe/#" "$f" >"$units_dir/$name"
		to_verify+=("$units_dir/$name")
	done
	echo "units: ${unit_files[*]}"

	crypttab=$LAYER/recipes-core/alpr-data/files/crypttab
	if [ -z "$generator" ]; then
		fail "systemd-cryptsetup-generator not found: cannot make the unit for $crypttab"
	else
		mkdir -p "$WORK/gen/normal" "$WORK/gen/early" "$WORK/gen/late"
		if SYSTEMD_CRYPTTAB=$REPO/$crypttab SYSTEMD_LOG_LEVEL=info \
			"$generator" "$WORK/gen/normal" "$WORK/gen/early" "$WORK/gen/late" \
			>"$WORK/gen.out" 2>"$WORK/gen.err" && [ ! -s "$WORK/gen.err" ]; then
			mapfile -t generated < <(find "$WORK/gen/normal" -maxdepth 1 -type f \
				-name 'systemd-cryptsetup@*.service')
			if [ "${#generated[@]}" = 0 ]; then
				fail "the crypttab generator made no systemd-cryptsetup@ unit from $crypttab"
			else
				for g in "${generated[@]}"; do
					cp "$g" "$units_dir/"
					to_verify+=("$units_dir/$(basename "$g")")
					pass "crypttab generator: $(basename "$g") from $crypttab"
				done
			fi
		else
			fail "crypttab generator on $crypttab: $(cat "$WORK/gen.err")"
		fi
	fi

	if verify_units "$WORK/verify.err" "${to_verify[@]}"; then
		pass "systemd-analyze verify: ${#to_verify[@]} units, no output on stderr"
	else
		cat "$WORK/verify.err" >&2
		fail "systemd-analyze verify reported problems (above)"
	fi

	# Self-test: the check must catch what systemd-analyze only warns about.
	base=$units_dir/alpr.service
	for mutation in 's/^WatchdogSec=.*/WatchdogSec=ten/' 's/^TimeoutStopSec=/TimeoutStopSecs=/' \
		's/^Type=notify/Type=notfy/'; do
		bad=$units_dir/alpr-selftest.service
		sed -E "$mutation" "$base" >"$bad"
		if cmp -s "$base" "$bad"; then
			fail "self-test: '$mutation' changed nothing in alpr.service"
		elif verify_units "$WORK/selftest.err" "$bad"; then
			fail "self-test: systemd-analyze verify passed a unit mutated by '$mutation'"
		else
			pass "self-test: verify rejects alpr.service mutated by '$mutation': $(head -n 1 "$WORK/selftest.err")"
		fi
		rm -f "$bad"
	done
fi

# ---------------------------------------------------------------------------------------------
step "b. oelint-adv"
venv=$CACHE/oelint-adv-$OELINT_ADV_VERSION
oelint=$venv/bin/oelint-adv
if ! "$oelint" --version 2>/dev/null | grep -qE "(^| )$OELINT_ADV_VERSION\$"; then
	rm -rf "$venv"
	mkdir -p "$CACHE"
	# Debian's Python is externally managed (PEP 668): a venv, never the system site-packages.
	if ! python3 -m venv "$venv" >/dev/null 2>&1; then
		rm -rf "$venv"
		apt_install python3-venv && python3 -m venv "$venv"
	fi
	if [ -x "$venv/bin/pip" ]; then
		"$venv/bin/pip" install --quiet --disable-pip-version-check \
			"oelint-adv==$OELINT_ADV_VERSION" "oelint-parser==$OELINT_PARSER_VERSION" \
			"oelint-data==$OELINT_DATA_VERSION" || rm -rf "$venv"
	fi
fi
if [ ! -x "$oelint" ]; then
	fail "could not install oelint-adv $OELINT_ADV_VERSION into $venv"
else
	"$oelint" --version
	mapfile -t lint_files < <(find "$LAYER" -type f \( -name '*.bb' -o -name '*.bbappend' \
		-o -name '*.inc' -o -name '*.bbclass' -o -path '*/conf/layer.conf' \) | sort)
	# oelint-adv lints .bb, .bbappend, .inc, .bbclass and layer.conf; it skips other .conf files
	# (the distro conf), which step d checks.
	#
	# Suppressed rules, each because it cannot apply offline or to this layer:
	#  oelint.vars.homepageping             pings HOMEPAGE over the network: CI checks offline,
	#                                       and HOMEPAGE is a placeholder until the project has
	#                                       a public page;
	#  oelint.var.suggestedvar.BUGTRACKER   the project has no public issue tracker address to
	#                                       give yet;
	#  oelint.var.suggestedvar.CVE_PRODUCT  the recipes build the project's own software, which
	#                                       has no product name in the CVE database;
	#  oelint.var.bbclassextend             nothing here makes sense for the build host or an
	#                                       SDK (an in-car service, its data partition, an image,
	#                                       a bundle).
	# Single findings are suppressed inline in the recipe concerned, each with its reason
	# (`# nooelint:` lines). yocto/oelint-constants.json declares the layer's own variables
	# (and RAUC_SLOT_rootfs, meta-rauc's per-slot variable) as known.
	if "$oelint" --quiet --release scarthgap --mode all \
		--extra-layer rauc clang-layer openembedded-layer \
		--constantmods "+$REPO/yocto/oelint-constants.json" \
		--suppress oelint.vars.homepageping \
		--suppress oelint.var.suggestedvar.BUGTRACKER \
		--suppress oelint.var.suggestedvar.CVE_PRODUCT \
		--suppress oelint.var.bbclassextend \
		"${lint_files[@]}" >"$WORK/oelint.out" 2>&1 && [ ! -s "$WORK/oelint.out" ]; then
		pass "oelint-adv: ${#lint_files[@]} files, no findings"
	else
		sed "s#$REPO/##" "$WORK/oelint.out" >&2
		fail "oelint-adv findings (above)"
	fi
fi

# ---------------------------------------------------------------------------------------------
step "c. crate lists against Cargo.lock"
if python3 yocto/scripts/crates-from-lock.py --check; then
	pass "crates-from-lock --check"
else
	fail "the crate lists do not match Cargo.lock (run: python3 yocto/scripts/crates-from-lock.py --write)"
fi
# Self-test: lists with a crate dropped and a checksum changed must fail, saying so.
mkdir -p "$WORK/inc"
python3 - "$LAYER/recipes-alpr/alpr" "$WORK/inc" <<'PY'
import re, sys
from pathlib import Path
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
main = (src / "alpr-crates.inc").read_text()
first = re.search(r"^    crate://\S+ \\\n", main, re.M).group(0)
(dst / "alpr-crates.inc").write_text(main.replace(first, "", 1))
nested = (src / "crsqlite-crates.inc").read_text()
m = re.search(r'(sha256sum\] = ")([0-9a-f])', nested)
flipped = "0" if m.group(2) != "0" else "1"
(dst / "crsqlite-crates.inc").write_text(nested[: m.start(2)] + flipped + nested[m.end(2) :])
PY
if python3 yocto/scripts/crates-from-lock.py --check --recipe-dir "$WORK/inc" >/dev/null 2>"$WORK/crates.err"; then
	fail "self-test: crates-from-lock --check passed tampered lists"
elif grep -q "missing" "$WORK/crates.err" && grep -q "wrong checksum" "$WORK/crates.err"; then
	pass "self-test: crates-from-lock --check reports a missing crate and a wrong checksum"
else
	cat "$WORK/crates.err" >&2
	fail "self-test: crates-from-lock --check failed, but did not say what differs"
fi
# The list of cr-sqlite's nested build's crates, against the pinned tarball when one is at hand
# (the Rust build leaves it in target/crsqlite/; CRSQLITE_TARBALL names another).
tarball=${CRSQLITE_TARBALL:-target/crsqlite/vlcn.io-crsqlite-0.16.3.tgz}
if [ -f "$tarball" ]; then
	if python3 yocto/scripts/crates-from-lock.py --verify-crsqlite-list "$tarball"; then
		pass "yocto/scripts/crsqlite-0.16.3-crates.txt is what $tarball gives"
	else
		fail "yocto/scripts/crsqlite-0.16.3-crates.txt is not what $tarball gives"
	fi
else
	echo "skip: no cr-sqlite tarball at $tarball to compare yocto/scripts/crsqlite-0.16.3-crates.txt with"
fi

# ---------------------------------------------------------------------------------------------
step "d. layer consistency and scripts"
if python3 yocto/scripts/layer-consistency.py; then
	pass "layer-consistency"
else
	fail "layer-consistency (FAIL lines above)"
fi

# The scripts the layer installs on the target run under /bin/sh (busybox or dash there).
mapfile -t scripts < <(grep -rlE '^#!/bin/sh' "$LAYER" | sort)
for s in "${scripts[@]}"; do
	if sh -n "$s" 2>"$WORK/sh.err"; then
		pass "sh -n $s"
	else
		fail "sh -n $s: $(cat "$WORK/sh.err")"
	fi
done
command -v shellcheck >/dev/null || apt_install shellcheck || true
if command -v shellcheck >/dev/null; then
	if shellcheck -s sh "${scripts[@]}" && shellcheck yocto/check.sh; then
		pass "shellcheck: ${#scripts[@]} target scripts (as POSIX sh) and check.sh"
	else
		fail "shellcheck findings (above)"
	fi
else
	echo "skip: shellcheck not available"
fi

# alpr-poweroff-after-ignition (alpr.service's ExecStopPost) against a fake systemctl: powers
# off after a clean exit with no job queued for the unit (alpr stopped by itself: ignition
# off), and only then.
files=$LAYER/recipes-alpr/alpr/files
fake=$WORK/fake
mkdir -p "$fake/bin"
cat >"$fake/bin/systemctl" <<FAKE
#!/bin/sh
if [ "\$1" = list-jobs ]; then cat "$fake/jobs"; exit 0; fi
echo "\$*" >>"$fake/systemctl.log"
FAKE
chmod 0755 "$fake/bin/systemctl"
poweroff_case() { # poweroff_case WANT(yes|no) JOBS SERVICE_RESULT EXIT_CODE EXIT_STATUS
	local want=$1 jobs=$2 got=no
	printf '%s' "$jobs" >"$fake/jobs"
	rm -f "$fake/systemctl.log"
	PATH=$fake/bin:$PATH SERVICE_RESULT=$3 EXIT_CODE=$4 EXIT_STATUS=$5 \
		sh "$files/alpr-poweroff-after-ignition" alpr.service >/dev/null 2>&1
	grep -q '^poweroff' "$fake/systemctl.log" 2>/dev/null && got=yes
	if [ "$got" = "$want" ]; then
		pass "alpr-poweroff-after-ignition: power off=$want for $3/$4/$5, jobs: '${jobs:-none}'"
	else
		fail "alpr-poweroff-after-ignition: power off=$got, expected $want for $3/$4/$5, jobs: '${jobs:-none}'"
	fi
}
poweroff_case yes "" success exited 0
poweroff_case yes "7 other.service start running" success exited 0
poweroff_case no "12 alpr.service stop running" success exited 0
poweroff_case no "12 alpr.service restart running" success exited 0
poweroff_case no "" exit-code exited 1
poweroff_case no "" signal killed 9
poweroff_case no "" watchdog killed 6

# alpr-gpio-export (alpr.service's ExecStartPre) against a fake sysfs: exports the configured
# line; does nothing with the image's alpr.toml (no ignition line).
mkdir -p "$fake/gpio"
printf '[lifecycle.ignition]\npath = "%s/gpio/gpio17/value"\n' "$fake" >"$fake/ignition.toml"
ALPR_CONFIG=$fake/ignition.toml ALPR_SYSFS_GPIO=$fake/gpio sh "$files/alpr-gpio-export" >/dev/null 2>&1
if [ "$(cat "$fake/gpio/export" 2>/dev/null)" = 17 ]; then
	pass "alpr-gpio-export: exports the configured sysfs GPIO line"
else
	fail "alpr-gpio-export did not export line 17"
fi
rm -f "$fake/gpio/export"
ALPR_CONFIG=$files/alpr.toml ALPR_SYSFS_GPIO=$fake/gpio sh "$files/alpr-gpio-export" >/dev/null 2>&1
if [ ! -e "$fake/gpio/export" ]; then
	pass "alpr-gpio-export: leaves GPIO alone with the image's alpr.toml"
else
	fail "alpr-gpio-export exported a line with the image's alpr.toml"
fi

# ---------------------------------------------------------------------------------------------
echo
if [ "${#failed[@]}" -gt 0 ]; then
	echo "failed:" >&2
	for f in "${failed[@]}"; do echo "  - $f" >&2; done
fi
echo "yocto checks: $passed passed, ${#failed[@]} failed"
[ "${#failed[@]}" = 0 ]
