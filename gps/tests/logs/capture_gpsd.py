#!/usr/bin/env python3
"""Record gpsd's own reading of each NMEA test log (the reference for the
Rust parser).

    python3 capture_gpsd.py                 # every *.nmea next to this script
    python3 capture_gpsd.py noisy.nmea ...  # just these
    python3 capture_gpsd.py --out DIR ...   # write the .gpsd.jsonl files to DIR
    python3 capture_gpsd.py --sky ...       # also keep SKY objects (not the default)
    python3 capture_gpsd.py --trace DIR ... # also write DIR/<log>.trace.txt

Needs gpsd and gpsfake (Debian packages gpsd, gpsd-clients; made with 3.22).
Python 3 standard library only.

For each log it starts gpsfake on a free loopback port in one-pass pipe mode
(`gpsfake -1 -p -P PORT -c CYCLE -r '?WATCH={"enable":true,"json":true}'`):
gpsfake starts a private gpsd (-N -b, on that port, with a private control
socket), adds a client that sends the WATCH, waits 1.4 s for the watch to take
effect, then feeds the log to gpsd through a pty, one lexer packet at a time,
and prints every JSON object the client receives.  Using gpsfake's own client
(rather than connecting a second one) avoids the race in which gpsfake starts
writing the log before an outside client is watching.  The script waits for
gpsfake to exit (it exits when the log is done); it kills it after a timeout.

The TPV objects are written, in order, one per line, to <log>.gpsd.jsonl, with
the keys that depend on the run removed:
  device  - the pty path gpsfake happened to get,
  ept     - gpsd's own estimate of the time error (not from the sentences).
Nothing else varied between runs: two runs, runs with CYCLE 0 and 0.1, and
feeding the raw log bytes to gpsd through a pty without gpsfake all gave
byte-identical files (see GPSD_BEHAVIOUR.md).
Each object is re-serialised compactly in gpsd's key order, with gpsd's
spelling of every number kept (e.g. "lat":41.661000000).
"""

import argparse
import decimal
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DROP_KEYS = ("device", "ept")
CYCLE = "0.02"  # seconds between packets fed to gpsd
TIMEOUT = 300


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _encode(o):
    """JSON text of o, keeping key order and gpsd's spelling of numbers
    (floats are parsed as decimal.Decimal and printed back as they were)."""
    if isinstance(o, dict):
        return "{" + ",".join(json.dumps(k) + ":" + _encode(v)
                              for k, v in o.items()) + "}"
    if isinstance(o, list):
        return "[" + ",".join(_encode(v) for v in o) + "]"
    if isinstance(o, decimal.Decimal):
        return str(o)
    return json.dumps(o)


def run_gpsfake(log, cycle=CYCLE, timeout=TIMEOUT, debug=None):
    """Feed one log through gpsfake/gpsd.  Returns (JSON lines, stderr text);
    with debug=N gpsd runs with -D N and its log is in the stderr text."""
    port = free_port()
    env = dict(os.environ)
    # gpsfake puts its control socket in $TMPDIR; use a private one.
    tmpdir = tempfile.mkdtemp(prefix="gpsfake-")
    env["TMPDIR"] = tmpdir
    cmd = ["gpsfake", "-1", "-q", "-p", "-P", str(port), "-c", cycle,
           "-r", '?WATCH={"enable":true,"json":true}']
    if debug is not None:
        cmd += ["-D", str(debug)]
    cmd.append(log)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 15)
        out, err = proc.communicate()
        raise SystemExit("gpsfake timed out on %s" % log)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    if proc.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace"))
        raise SystemExit("gpsfake failed on %s (rc %d)" % (log, proc.returncode))
    lines = []
    for raw in out.decode("utf-8", "replace").splitlines():
        raw = raw.strip()
        if raw.startswith("{"):
            lines.append(raw)
    return lines, err.decode("utf-8", "replace")


def trace(err):
    """From gpsd's -D 6 log: each packet gpsd read, with the objects it sent
    to the client right after it (the TPVs without the run-dependent keys)."""
    out = []
    for line in err.splitlines():
        if line.startswith("gpsd:IO: <= GPS: "):
            out.append("<= " + line[len("gpsd:IO: <= GPS: "):])
        elif line.startswith("gpsd:CLIENT: => client(0): "):
            payload = line[len("gpsd:CLIENT: => client(0): "):]
            for part in payload.split("\\x0d\\x0a"):
                if not part.startswith("{"):
                    continue
                try:
                    obj = json.loads(part, parse_float=decimal.Decimal)
                except ValueError:
                    out.append("   !! unparsed: " + part[:80])
                    continue
                cls = obj.get("class")
                if cls == "TPV":
                    for k in DROP_KEYS:
                        obj.pop(k, None)
                    out.append("   => " + _encode(obj))
                elif cls in ("SKY", "DEVICE"):
                    out.append("   => %s" % cls)
        elif line.startswith(("gpsd:PROG: NMEA0183:", "gpsd:WARN:",
                              "gpsd:ERROR:", "gpsd:PROG: UBX",
                              "gpsd:PROG: switch", "gpsd:INFO: UBX",
                              "gpsd:PROG: Changed mask")):
            if not any(x in line for x in ("DBUS", "GSV: ", "GSA: mask",
                                           "GSA sets mode")):
                out.append("   -- " + line)
    return out


def tpvs(lines, keep=("TPV",)):
    result = []
    for raw in lines:
        obj = json.loads(raw, parse_float=decimal.Decimal)
        if obj.get("class") not in keep:
            continue
        for k in DROP_KEYS:
            obj.pop(k, None)
        result.append(_encode(obj))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("logs", nargs="*")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--sky", action="store_true",
                    help="keep SKY objects as well as TPV")
    ap.add_argument("--cycle", default=CYCLE)
    ap.add_argument("--trace", metavar="DIR",
                    help="run gpsd with -D 6 and write DIR/<log>.trace.txt: "
                    "each packet gpsd read and the TPVs it sent after it")
    args = ap.parse_args()
    logs = args.logs or sorted(glob.glob(os.path.join(HERE, "*.nmea")))
    keep = ("TPV", "SKY") if args.sky else ("TPV",)
    os.makedirs(args.out, exist_ok=True)
    if args.trace:
        os.makedirs(args.trace, exist_ok=True)
    for log in logs:
        if not os.path.exists(log):
            log = os.path.join(HERE, log)
        lines, err = run_gpsfake(log, cycle=args.cycle,
                                 debug=6 if args.trace else None)
        objs = tpvs(lines, keep)
        name = os.path.basename(log)
        if name.endswith(".nmea"):
            name = name[:-5]
        path = os.path.join(args.out, name + ".gpsd.jsonl")
        with open(path, "w") as f:
            for o in objs:
                f.write(o + "\n")
        if args.trace:
            tpath = os.path.join(args.trace, name + ".trace.txt")
            with open(tpath, "w") as f:
                f.write("\n".join(trace(err)) + "\n")
        print("%-22s %4d objects -> %s" % (os.path.basename(log), len(objs),
                                           path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
