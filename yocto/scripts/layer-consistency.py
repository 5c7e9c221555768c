#!/usr/bin/env python3
"""Checks of meta-alpr that neither bitbake's parser nor oelint-adv make, run by yocto/check.sh.

Each check prints `ok: ...` or `FAIL: ...`; the exit status is 1 if any failed.

  - every file:// in a recipe's SRC_URI exists beside it (files/), as do_fetch would need;
  - conf files (layer.conf, the distro conf: oelint-adv lints neither the distro conf nor
    any other conf file) are plain bitbake assignments;
  - the partitions that system.conf (RAUC slots), crypttab and the data-partition units name
    exist in wic/alpr-ab.wks, and the crypttab volume is the one the units use;
  - RAUC's compatible string is the same in system.conf and the bundle recipe;
  - /etc/alpr/alpr.toml parses, uses only keys alpr knows (appliance/alpr.example.toml),
    carries nothing identifying and no unconfirmed ignition line, keeps alpr's limits, and
    its data_dir is the data partition's mount point.

Python 3 standard library only (tomllib from 3.11 on; older Pythons skip the TOML parse).
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

LAYER = Path(__file__).resolve().parent.parent / "meta-alpr"
ALPR_FILES = LAYER / "recipes-alpr" / "alpr" / "files"
DATA_FILES = LAYER / "recipes-core" / "alpr-data" / "files"
WKS = LAYER / "wic" / "alpr-ab.wks"

failures: list[str] = []


def ok(msg: str) -> None:
    print(f"ok: {msg}")


def fail(msg: str) -> None:
    failures.append(msg)
    print(f"FAIL: {msg}")


def rel(p: Path) -> str:
    return str(p.relative_to(LAYER.parent.parent))


def joined_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined, comments dropped."""
    out: list[str] = []
    buf = ""
    for raw in text.splitlines():
        if not buf and raw.lstrip().startswith("#"):
            continue
        if raw.endswith("\\"):
            buf += raw[:-1] + " "
            continue
        out.append(buf + raw)
        buf = ""
    if buf:
        out.append(buf)
    return out


def recipe_var(path: Path, name: str) -> str | None:
    for line in joined_lines(path.read_text()):
        m = re.match(rf'^{re.escape(name)}\s*(\?\?=|\?=|=|:=)\s*"(.*)"\s*$', line)
        if m:
            return m.group(2)
    return None


def check_src_uri_files() -> None:
    recipes = sorted(LAYER.rglob("*.bb")) + sorted(LAYER.rglob("*.bbappend"))
    for recipe in recipes:
        text = "\n".join(
            l for l in joined_lines(recipe.read_text()) if re.match(r"^SRC_URI\b[^\[]*=", l)
        )
        names = re.findall(r"file://([^\s;\"]+)", text)
        missing = []
        for name in names:
            candidates = [recipe.parent / "files" / name, recipe.parent / name]
            if not any(c.exists() for c in candidates):
                missing.append(name)
        if missing:
            fail(f"{rel(recipe)}: SRC_URI names files that are not beside it: {', '.join(missing)}")
        elif names:
            ok(f"{rel(recipe)}: its {len(names)} file:// sources exist")


ASSIGN = re.compile(
    r'^(export\s+)?[A-Za-z0-9_][A-Za-z0-9_\-\.\{\}\$/]*(:[A-Za-z0-9_\-\.\{\}\$]+)*(\[[A-Za-z0-9_\-\.]+\])?'
    r'\s*(=|\?=|\?\?=|:=|\+=|=\+|\.=|=\.)\s*"[^"]*"\s*$'
)


def check_conf_syntax() -> None:
    for conf in sorted((LAYER / "conf").rglob("*.conf")):
        bad = []
        for line in joined_lines(conf.read_text()):
            s = line.strip()
            if not s:
                continue
            if re.match(r"^(require|include)\s+\S+$", s):
                continue
            if not ASSIGN.match(s):
                bad.append(s)
        trailing = [i for i, l in enumerate(conf.read_text().splitlines(), 1) if l != l.rstrip()]
        if bad:
            fail(f"{rel(conf)}: not a bitbake assignment: {bad[0]!r}")
        elif trailing:
            fail(f"{rel(conf)}: trailing whitespace on line(s) {trailing}")
        else:
            ok(f"{rel(conf)}: plain assignments")


def wks_partnames() -> set[str]:
    names = set()
    for line in WKS.read_text().splitlines():
        if line.strip().startswith("part"):
            m = re.search(r"--part-name[= ](\S+)", line)
            if m:
                names.add(m.group(1))
    return names


def unit_values(path: Path, key: str) -> list[str]:
    return [
        m.group(1).strip()
        for m in re.finditer(rf"^{re.escape(key)}=(.*)$", path.read_text(), re.M)
    ]


def check_partitions() -> None:
    parts = wks_partnames()
    if not parts:
        fail(f"{rel(WKS)}: no --part-name found")
        return

    system_conf = LAYER / "recipes-core" / "rauc" / "files" / "system.conf"
    cp = configparser.ConfigParser(interpolation=None)
    cp.read_string(system_conf.read_text())
    slots = [s for s in cp.sections() if s.startswith("slot.")]
    if len(slots) != 2:
        fail(f"{rel(system_conf)}: expected two slots (A and B), found {slots}")
    for slot in slots:
        dev = cp[slot].get("device", "")
        m = re.fullmatch(r"/dev/disk/by-partlabel/(\S+)", dev)
        if not m or m.group(1) not in parts:
            fail(f"{rel(system_conf)}: [{slot}] device {dev} is not a partition of {WKS.name}")
        else:
            ok(f"{rel(system_conf)}: [{slot}] is partition {m.group(1)}")

    bundle = LAYER / "recipes-core" / "bundles" / "alpr-bundle.bb"
    compatible = cp.get("system", "compatible", fallback=None)
    bundle_compatible = recipe_var(bundle, "RAUC_BUNDLE_COMPATIBLE")
    if compatible and compatible == bundle_compatible:
        ok(f"RAUC compatible is {compatible!r} in system.conf and the bundle")
    else:
        fail(f"RAUC compatible differs: system.conf {compatible!r}, bundle {bundle_compatible!r}")

    crypttab = DATA_FILES / "crypttab"
    entries = [
        l.split() for l in crypttab.read_text().splitlines() if l.strip() and not l.startswith("#")
    ]
    if len(entries) != 1 or len(entries[0]) != 4:
        fail(f"{rel(crypttab)}: expected one four-field entry, found {entries}")
        return
    volume, device, key, options = entries[0]
    m = re.fullmatch(r"/dev/disk/by-partlabel/(\S+)", device)
    if not m or m.group(1) not in parts:
        fail(f"{rel(crypttab)}: device {device} is not a partition of {WKS.name}")
        return
    partlabel = m.group(1)
    ok(f"{rel(crypttab)}: volume {volume} on partition {partlabel}")
    opts = options.split(",")
    for needed in ("luks", "tpm2-device=auto", "headless=true"):
        if needed not in opts:
            fail(f"{rel(crypttab)}: option {needed} missing")

    mount = DATA_FILES / "var-lib-alpr.mount"
    init_unit = DATA_FILES / "alpr-data-init.service"
    init_script = DATA_FILES / "alpr-data-init"
    expectations = [
        (unit_values(mount, "What") == [f"/dev/mapper/{volume}"], f"{mount.name} What="),
        (
            f"systemd-cryptsetup@{volume}.service" in " ".join(unit_values(mount, "Requires")),
            f"{mount.name} Requires=",
        ),
        (
            f"systemd-cryptsetup@{volume}.service" in " ".join(unit_values(init_unit, "Before")),
            f"{init_unit.name} Before=",
        ),
        (
            f"RequiredBy=systemd-cryptsetup@{volume}.service" in init_unit.read_text(),
            f"{init_unit.name} RequiredBy=",
        ),
        (
            f"dev-disk-by\\x2dpartlabel-{partlabel.replace('-', chr(92) + 'x2d')}.device"
            in " ".join(unit_values(init_unit, "BindsTo")),
            f"{init_unit.name} BindsTo=",
        ),
        (f"DEV={device}" in init_script.read_text(), f"{init_script.name} DEV="),
    ]
    for good, what in expectations:
        if good:
            ok(f"{what} matches crypttab ({volume} on {partlabel})")
        else:
            fail(f"{what} does not match crypttab ({volume} on {partlabel})")


def toml_keys(text: str) -> set[str]:
    """Dotted keys of a TOML file, commented-out `# key = value` lines included."""
    keys: set[str] = set()
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        m = re.match(r"^#?\s*\[([A-Za-z0-9_.]+)\]\s*$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^#?\s*([A-Za-z0-9_]+)\s*=", line)
        if m:
            keys.add(f"{section}.{m.group(1)}" if section else m.group(1))
    return keys


def flat(d: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flat(v, key + "."))
        else:
            out[key] = v
    return out


def check_alpr_toml() -> None:
    """The image's /etc/alpr/alpr.toml against the project's own example and alpr's rules."""
    toml_path = ALPR_FILES / "alpr.toml"
    example = LAYER.parent.parent / "appliance" / "alpr.example.toml"
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:
        print("skip: alpr.toml checks (need Python 3.11+ for tomllib)")
        return
    try:
        conf = flat(tomllib.loads(toml_path.read_text()))
    except tomllib.TOMLDecodeError as e:
        fail(f"{rel(toml_path)}: {e}")
        return
    ok(f"{rel(toml_path)}: parses")

    # alpr refuses unknown keys (serde deny_unknown_fields); the project's example, which its
    # own test loads, names every key, some commented out.
    if example.exists():
        known = toml_keys(example.read_text())
        unknown = sorted(set(conf) - known)
        if unknown:
            fail(f"{rel(toml_path)}: keys alpr does not know (not in {rel(example)}): {unknown}")
        else:
            ok(f"{rel(toml_path)}: every key is one of {rel(example)}'s")
    else:
        print(f"skip: no {example} to compare keys with")

    if "car_id" in conf:
        fail(f"{rel(toml_path)}: car_id in the image (it belongs in alpr.env on the data partition)")
    else:
        ok(f"{rel(toml_path)}: no car_id in the image")
    if any(k.startswith("lifecycle.ignition.") for k in conf):
        fail(f"{rel(toml_path)}: an ignition line is configured in the image (off until confirmed)")
    else:
        ok(f"{rel(toml_path)}: no ignition line until one is confirmed on the unit")
    # alpr's own limits (appliance/src/config.rs, Config::validate).
    limits = {"lifecycle.shutdown_delay_s": (10, 1800), "hotlists.check_interval_s": (1, 3600)}
    for key, (lo, hi) in limits.items():
        v = conf.get(key)
        if v is None or (isinstance(v, int) and lo <= v <= hi):
            ok(f"{rel(toml_path)}: {key} = {v} (alpr allows {lo} to {hi})")
        else:
            fail(f"{rel(toml_path)}: {key} = {v}, alpr allows {lo} to {hi}")

    mount = DATA_FILES / "var-lib-alpr.mount"
    where = unit_values(mount, "Where")
    service = ALPR_FILES / "alpr.service"
    needs = unit_values(service, "RequiresMountsFor")
    if [conf.get("data_dir")] == where and where == needs:
        ok(f"data_dir {conf.get('data_dir')} is the data partition's mount and alpr.service's")
    else:
        fail(
            f"data_dir {conf.get('data_dir')!r}, {mount.name} Where={where}, "
            f"alpr.service RequiresMountsFor={needs}: should be one directory"
        )
    env = unit_values(service, "Environment")
    if f"ALPR_CONFIG=/etc/alpr/{toml_path.name}" in env:
        ok("alpr.service reads /etc/alpr/alpr.toml unless alpr.env says otherwise")
    else:
        fail(f"alpr.service does not set ALPR_CONFIG=/etc/alpr/{toml_path.name}")


def main() -> int:
    check_src_uri_files()
    check_conf_syntax()
    check_partitions()
    check_alpr_toml()
    if failures:
        print(f"layer-consistency: {len(failures)} failed")
        return 1
    print("layer-consistency: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
