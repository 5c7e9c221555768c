#!/usr/bin/env python3
"""Generate (or check) the Yocto crate lists of the alpr recipe from Cargo.lock files.

OE-core's cargo class fetches every crate a build needs with bitbake's crate:// fetcher, before
compile, so that do_compile runs without network. The list is what `bitbake -c update_crates`
would write: one `crate://crates.io/NAME/VERSION` line per registry package of a Cargo.lock, and
its sha256 (the lock's `checksum`). Two files are generated, both under
yocto/meta-alpr/recipes-alpr/alpr/:

  alpr-crates.inc      every registry package of the workspace's Cargo.lock, exactly;
  crsqlite-crates.inc  the packages of cr-sqlite's own Rust build (sync/build.rs runs a nested
                       `cargo build` in rs/bundle_static of the pinned npm tarball, which reads
                       the same vendored crates) that alpr-crates.inc does not already list.
                       Their list is kept in yocto/scripts/crsqlite-0.16.3-crates.txt
                       (NAME VERSION SHA256 lines, from package/rs/bundle_static/Cargo.lock in
                       vlcn.io-crsqlite-0.16.3.tgz), since the tarball is not in the tree.

Usage (paths are found from this script's location, so it works in any clone):

  crates-from-lock.py                 print alpr-crates.inc
  crates-from-lock.py --crsqlite      print crsqlite-crates.inc
  crates-from-lock.py --write         rewrite both files in place
  crates-from-lock.py --check         exit 1, saying what differs, unless both files are exactly
                                      what the locks give (missing, extra, wrong checksum, or any
                                      other difference from the generated text)
  crates-from-lock.py --verify-crsqlite-list TARBALL
                                      exit 1 unless crsqlite-0.16.3-crates.txt is what the lock in
                                      TARBALL (checked against cr-sqlite's pinned sha256) gives
  crates-from-lock.py --update-crsqlite-list TARBALL
                                      rewrite crsqlite-0.16.3-crates.txt from TARBALL

Workspace members (no `source`) are skipped. Git dependencies and alternative registries are not
supported and make the script fail rather than write an incomplete list.

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import tarfile
from pathlib import Path

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parent.parent
RECIPE_DIR = REPO_ROOT / "yocto" / "meta-alpr" / "recipes-alpr" / "alpr"
MAIN_LOCK = REPO_ROOT / "Cargo.lock"
MAIN_INC = RECIPE_DIR / "alpr-crates.inc"
CRSQLITE_LIST = SCRIPT_DIR / "crsqlite-0.16.3-crates.txt"
CRSQLITE_INC = RECIPE_DIR / "crsqlite-crates.inc"
CRSQLITE_LOCK_IN_TARBALL = "package/rs/bundle_static/Cargo.lock"
# The pin of sync/build.rs and sync/crsqlite/build.sh (TARBALL_SHA256).
CRSQLITE_TARBALL_SHA256 = "e16e462763ebe38c30a466e53b979dc2464de1e2ebc0e2255c04266ca232a012"

# bitbake's crate fetcher syntax: crate://<registry>/<name>/<version>.
CRATE_URL_PREFIX = "crate://crates.io/"


class LockError(Exception):
    pass


def parse_lock_text(text: str, origin: str) -> list[dict[str, str]]:
    """The [[package]] tables of a Cargo.lock, as dicts of their string fields.

    A small line parser rather than tomllib (3.11+) so that any Python 3 runs it: Cargo writes
    these files in one fixed layout (`key = "value"` lines under `[[package]]` headers).
    """
    packages: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    kv = re.compile(r'^([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"\s*$')
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            if line == "[[package]]":
                current = {"_line": str(lineno)}
                packages.append(current)
            else:
                if line == "[metadata]":
                    raise LockError(
                        f"{origin}: a version 1 lock file keeps checksums under [metadata]; "
                        "regenerate it with a current cargo"
                    )
                current = None
            continue
        if current is None:
            continue
        m = kv.match(line)
        if m:
            current[m.group(1)] = m.group(2)
    for p in packages:
        if "name" not in p or "version" not in p:
            raise LockError(f"{origin}:{p['_line']}: [[package]] without name or version")
    return packages


def registry_crates(packages: list[dict[str, str]], origin: str) -> dict[tuple[str, str], str]:
    """(name, version) -> sha256 of every registry package; workspace/path packages skipped."""
    crates: dict[tuple[str, str], str] = {}
    registries: set[str] = set()
    problems: list[str] = []
    for p in packages:
        source = p.get("source")
        if source is None:
            continue  # a workspace member or path dependency: built from the source tree
        where = f"{origin}:{p['_line']}: {p['name']} {p['version']}"
        if source.startswith("git+"):
            problems.append(f"{where}: git dependency ({source}) is not supported")
            continue
        if not (source.startswith("registry+") or source.startswith("sparse+")):
            problems.append(f"{where}: unknown source {source}")
            continue
        registries.add(source)
        checksum = p.get("checksum")
        if not checksum or not re.fullmatch(r"[0-9a-f]{64}", checksum):
            problems.append(f"{where}: no sha256 checksum in the lock")
            continue
        key = (p["name"], p["version"])
        if key in crates and crates[key] != checksum:
            problems.append(f"{where}: listed twice with different checksums")
        crates[key] = checksum
    if len(registries) > 1:
        problems.append(
            f"{origin}: packages from more than one registry ({', '.join(sorted(registries))}); "
            "only the default crate registry is supported"
        )
    if problems:
        raise LockError("\n".join(problems))
    return crates


def version_key(version: str) -> tuple:
    parts = re.split(r"[.+-]", version)
    return tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in parts)


def sort_key(item: tuple[str, str]) -> tuple:
    return (item[0], version_key(item[1]), item[1])


def render(crates: dict[tuple[str, str], str], header: list[str]) -> str:
    out = io.StringIO()
    for line in header:
        out.write(f"# {line}\n" if line else "#\n")
    keys = sorted(crates, key=sort_key)
    out.write("\n")
    if keys:
        out.write('SRC_URI += "\\\n')
        for name, version in keys:
            out.write(f"    {CRATE_URL_PREFIX}{name}/{version} \\\n")
        out.write('"\n\n')
        for name, version in keys:
            out.write(f'SRC_URI[{name}-{version}.sha256sum] = "{crates[(name, version)]}"\n')
    return out.getvalue()


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def read_lock(path: Path) -> dict[tuple[str, str], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise LockError(f"reading {path}: {e}") from e
    return registry_crates(parse_lock_text(text, rel(path)), rel(path))


def main_inc(lock: Path) -> tuple[str, dict[tuple[str, str], str]]:
    crates = read_lock(lock)
    header = [
        f"Generated by yocto/scripts/crates-from-lock.py from {rel(lock)}: do not edit.",
        "Regenerate after any Cargo.lock change:",
        "  python3 yocto/scripts/crates-from-lock.py --write",
        f"{len(crates)} crates.",
    ]
    return render(crates, header), crates


def read_crsqlite_list(path: Path = CRSQLITE_LIST) -> dict[tuple[str, str], str]:
    crates: dict[tuple[str, str], str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise LockError(f"reading {path}: {e}") from e
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{64}", parts[2]):
            raise LockError(f"{rel(path)}:{lineno}: expected NAME VERSION SHA256")
        crates[(parts[0], parts[1])] = parts[2]
    return crates


def render_crsqlite_list(crates: dict[tuple[str, str], str]) -> str:
    out = io.StringIO()
    out.write(
        "# The registry crates of cr-sqlite 0.16.3's nested Rust build: NAME VERSION SHA256, from\n"
        f"# {CRSQLITE_LOCK_IN_TARBALL} in vlcn.io-crsqlite-0.16.3.tgz (sha256\n"
        f"# {CRSQLITE_TARBALL_SHA256}).\n"
        "# Generated: python3 yocto/scripts/crates-from-lock.py --update-crsqlite-list TARBALL\n"
    )
    for name, version in sorted(crates, key=sort_key):
        out.write(f"{name} {version} {crates[(name, version)]}\n")
    return out.getvalue()


def crates_in_tarball(tarball: Path) -> dict[tuple[str, str], str]:
    try:
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    except OSError as e:
        raise LockError(f"reading {tarball}: {e}") from e
    if digest != CRSQLITE_TARBALL_SHA256:
        raise LockError(f"{tarball}: sha256 {digest}, expected {CRSQLITE_TARBALL_SHA256}")
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            member = tar.extractfile(CRSQLITE_LOCK_IN_TARBALL)
            if member is None:
                raise LockError(f"{tarball}: no {CRSQLITE_LOCK_IN_TARBALL}")
            text = member.read().decode("utf-8")
    except (KeyError, tarfile.TarError) as e:
        raise LockError(f"{tarball}: {e}") from e
    origin = f"{tarball}:{CRSQLITE_LOCK_IN_TARBALL}"
    return registry_crates(parse_lock_text(text, origin), origin)


def crsqlite_inc(main_crates: dict[tuple[str, str], str]) -> tuple[str, dict[tuple[str, str], str]]:
    nested = read_crsqlite_list()
    conflicts = [
        f"{n} {v}: {rel(CRSQLITE_LIST)} has {c}, Cargo.lock has {main_crates[(n, v)]}"
        for (n, v), c in nested.items()
        if (n, v) in main_crates and main_crates[(n, v)] != c
    ]
    if conflicts:
        raise LockError("the two lists disagree on a checksum:\n" + "\n".join(conflicts))
    only_nested = {k: c for k, c in nested.items() if k not in main_crates}
    header = [
        f"Generated by yocto/scripts/crates-from-lock.py from {rel(CRSQLITE_LIST)}",
        "(cr-sqlite 0.16.3's rs/bundle_static/Cargo.lock): do not edit.",
        "The crates of cr-sqlite's nested cargo build that alpr-crates.inc does not already list",
        "(a crate listed in both would be fetched twice). Regenerate together with",
        "alpr-crates.inc:  python3 yocto/scripts/crates-from-lock.py --write",
        f"{len(only_nested)} of the nested build's {len(nested)} crates.",
    ]
    return render(only_nested, header), only_nested


def parse_inc(text: str) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    """The crate:// entries and SRC_URI[NAME-VERSION.sha256sum] values of an .inc file."""
    urls = [
        (m.group(1), m.group(2))
        for m in re.finditer(r"crate://[^/\s]+/([^/\s]+)/([^\s\\\"]+)", text)
    ]
    sums: dict[str, str] = {}
    for m in re.finditer(r'^SRC_URI\[([^\]]+)\.sha256sum\]\s*=\s*"([^"]*)"', text, re.M):
        sums[m.group(1)] = m.group(2)
    by_key: dict[tuple[str, str], str] = {}
    for name, version in urls:
        by_key[(name, version)] = sums.get(f"{name}-{version}", "")
    return urls, by_key


def diff_inc(path: Path, expected_text: str, expected: dict[tuple[str, str], str]) -> list[str]:
    if not path.exists():
        return [f"{rel(path)}: missing (run: python3 yocto/scripts/crates-from-lock.py --write)"]
    text = path.read_text(encoding="utf-8")
    urls, have = parse_inc(text)
    problems: list[str] = []
    dupes = sorted({u for u in urls if urls.count(u) > 1}, key=sort_key)
    for n, v in dupes:
        problems.append(f"{rel(path)}: {n} {v} listed more than once")
    for n, v in sorted(set(expected) - set(have), key=sort_key):
        problems.append(f"{rel(path)}: missing {n} {v}")
    for n, v in sorted(set(have) - set(expected), key=sort_key):
        problems.append(f"{rel(path)}: extra {n} {v} (not in the lock)")
    for key in sorted(set(have) & set(expected), key=sort_key):
        if not have[key]:
            problems.append(f"{rel(path)}: {key[0]} {key[1]} has no SRC_URI[...sha256sum]")
        elif have[key] != expected[key]:
            problems.append(
                f"{rel(path)}: wrong checksum for {key[0]} {key[1]}: "
                f"{have[key]}, the lock says {expected[key]}"
            )
    if not problems and text != expected_text:
        problems.append(
            f"{rel(path)}: same crates and checksums, but the text differs from the generated "
            "file (hand-edited?)"
        )
    return problems


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--crsqlite", action="store_true", help="print crsqlite-crates.inc")
    mode.add_argument("--write", action="store_true", help="rewrite both .inc files")
    mode.add_argument("--check", action="store_true", help="check both .inc files")
    mode.add_argument("--verify-crsqlite-list", metavar="TARBALL", type=Path)
    mode.add_argument("--update-crsqlite-list", metavar="TARBALL", type=Path)
    ap.add_argument("--lock", type=Path, default=MAIN_LOCK, help="the workspace's Cargo.lock")
    ap.add_argument(
        "--recipe-dir",
        type=Path,
        default=RECIPE_DIR,
        help="where the .inc files are (default: the alpr recipe's directory; check.sh's "
        "self-test points it at tampered copies)",
    )
    args = ap.parse_args(argv)
    main_inc_path = args.recipe_dir / MAIN_INC.name
    crsqlite_inc_path = args.recipe_dir / CRSQLITE_INC.name

    try:
        if args.verify_crsqlite_list or args.update_crsqlite_list:
            tarball = args.verify_crsqlite_list or args.update_crsqlite_list
            expected = render_crsqlite_list(crates_in_tarball(tarball))
            if args.update_crsqlite_list:
                CRSQLITE_LIST.write_text(expected, encoding="utf-8")
                print(f"crates-from-lock: wrote {rel(CRSQLITE_LIST)}; now run --write")
                return 0
            have = CRSQLITE_LIST.read_text(encoding="utf-8") if CRSQLITE_LIST.exists() else ""
            if have != expected:
                print(
                    f"crates-from-lock: {rel(CRSQLITE_LIST)} is not what {tarball} gives: "
                    "run --update-crsqlite-list, then --write",
                    file=sys.stderr,
                )
                return 1
            print(f"crates-from-lock: {rel(CRSQLITE_LIST)} matches {tarball}")
            return 0

        main_text, main_crates = main_inc(args.lock)
        nested_text, nested_crates = crsqlite_inc(main_crates)
        if args.check:
            problems = diff_inc(main_inc_path, main_text, main_crates)
            problems += diff_inc(crsqlite_inc_path, nested_text, nested_crates)
            for p in problems:
                print(f"crates-from-lock: {p}", file=sys.stderr)
            if problems:
                print(
                    "crates-from-lock: FAILED; regenerate with: "
                    "python3 yocto/scripts/crates-from-lock.py --write",
                    file=sys.stderr,
                )
                return 1
            print(
                f"crates-from-lock: OK ({len(main_crates)} crates in {rel(main_inc_path)}, "
                f"{len(nested_crates)} more in {rel(crsqlite_inc_path)})"
            )
            return 0
        if args.write:
            for path, text in ((main_inc_path, main_text), (crsqlite_inc_path, nested_text)):
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(path.suffix + ".tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)
                print(f"crates-from-lock: wrote {rel(path)}")
            return 0
        sys.stdout.write(nested_text if args.crsqlite else main_text)
        return 0
    except LockError as e:
        print(f"crates-from-lock: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
