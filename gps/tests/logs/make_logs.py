#!/usr/bin/env python3
"""Generate the NMEA test logs of the gps crate.

Deterministic (no randomness, no clock): running it twice gives identical
bytes.  Python 3 standard library only.

    python3 make_logs.py            # writes the logs next to this script
    python3 make_logs.py OUTDIR     # writes them into OUTDIR

Every log starts with '#' comment lines (LF-terminated; gpsfake and gpsd skip
them) that say what the log is; the sentences use CRLF line endings as
receivers send them.
The vehicle drives a plausible street route around lat 41.68, lon -91.58
(Iowa City) at 11-19 m/s, turning corners of 45 or 90 degrees.

The reference reading of each log by gpsd 3.22 is in <name>.gpsd.jsonl,
made by capture_gpsd.py; what gpsd does is described in GPSD_BEHAVIOUR.md.
"""

import datetime as dt
import math
import os
import struct
import sys

KNOTS_PER_MPS = 3600.0 / 1852.0
GEOID_SEP = -32.4  # geoid separation around Iowa City, metres


# --------------------------------------------------------------------------
# NMEA formatting
# --------------------------------------------------------------------------

def checksum(body):
    c = 0
    for ch in body.encode("ascii"):
        c ^= ch
    return c


def sentence(body):
    """'GPGGA,...' -> b'$GPGGA,...*hh\\r\\n'"""
    return ("$%s*%02X\r\n" % (body, checksum(body))).encode("ascii")


def bad_sentence(body):
    """A sentence whose checksum is wrong (off by one in the low bit)."""
    return ("$%s*%02X\r\n" % (body, checksum(body) ^ 0x01)).encode("ascii")


def fmt_time(t, decimals):
    s = t.strftime("%H%M%S")
    if decimals:
        frac = t.microsecond / 1e6
        s += ("%.*f" % (decimals, frac))[1:]
    return s


def fmt_date(t):
    return t.strftime("%d%m%y")


def _dm(value, degdigits, decimals):
    total = round(abs(value) * 60.0, decimals)  # minutes, rounded once
    deg = int(total // 60)
    minutes = total - deg * 60
    width = 3 + decimals  # "mm." + decimals
    return "%0*d%0*.*f" % (degdigits, deg, width, decimals, minutes)


def fmt_lat(lat, decimals):
    return "%s,%s" % (_dm(lat, 2, decimals), "N" if lat >= 0 else "S")


def fmt_lon(lon, decimals):
    return "%s,%s" % (_dm(lon, 3, decimals), "E" if lon >= 0 else "W")


# --------------------------------------------------------------------------
# The drive
# --------------------------------------------------------------------------

def m_per_deg(lat):
    p = math.radians(lat)
    mlat = (111132.92 - 559.82 * math.cos(2 * p) + 1.175 * math.cos(4 * p))
    mlon = (111412.84 * math.cos(p) - 93.5 * math.cos(3 * p))
    return mlat, mlon


class Car:
    """Integrates a street drive at 1 Hz.

    legs: list of (seconds, turn) where turn is the signed heading change in
    degrees applied evenly over the leg (0 = straight).
    """

    def __init__(self, lat, lon, heading, alt, legs, phase=0.0):
        self.lat = lat
        self.lon = lon
        self.heading = heading
        self.alt = alt
        self.legs = legs
        self.phase = phase
        self.t = 0

    def _turn_rate(self, t):
        acc = 0
        for secs, turn in self.legs:
            if t < acc + secs:
                return turn / secs
            acc += secs
        return 0.0

    def speed(self, t=None):
        t = self.t if t is None else t
        return 15.0 + 4.0 * math.sin(2 * math.pi * (t + self.phase) / 47.0)

    def altitude(self, t=None):
        t = self.t if t is None else t
        return self.alt + 6.0 * math.sin(2 * math.pi * (t + self.phase) / 90.0)

    def climb(self):
        return self.altitude(self.t + 1) - self.altitude(self.t)

    def state(self):
        return dict(lat=self.lat, lon=self.lon, track=self.heading % 360.0,
                    speed=self.speed(), alt=self.altitude(),
                    climb=self.climb())

    def step(self):
        """Advance one second."""
        v = self.speed()
        rate = self._turn_rate(self.t)
        h = math.radians(self.heading + rate / 2.0)  # mid-step heading
        mlat, mlon = m_per_deg(self.lat)
        self.lat += v * math.cos(h) / mlat
        self.lon += v * math.sin(h) / mlon
        self.heading = (self.heading + rate) % 360.0
        self.t += 1


# --------------------------------------------------------------------------
# Satellites (a fixed sky that turns slowly)
# --------------------------------------------------------------------------

# (prn, elevation, azimuth, snr) at t = 0
GPS_SKY = [(2, 67, 310, 44), (5, 42, 62, 41), (7, 18, 145, 33),
           (10, 29, 280, 38), (13, 55, 190, 45), (15, 12, 40, 29),
           (18, 38, 228, 40), (20, 8, 330, 0), (23, 74, 105, 47),
           (24, 22, 254, 35), (29, 5, 18, 0)]
GLO_SKY = [(65, 35, 120, 39), (66, 61, 210, 43), (72, 20, 300, 34),
           (74, 47, 25, 40), (75, 11, 80, 0), (81, 28, 170, 36),
           (82, 52, 260, 42), (88, 9, 350, 0)]
GAL_SKY = [(3, 44, 150, 38), (8, 25, 70, 33), (13, 63, 280, 41),
           (26, 15, 220, 0), (31, 33, 10, 35)]
BDS_SKY = [(11, 38, 110, 34), (12, 22, 40, 30), (27, 50, 200, 36),
           (28, 14, 300, 0)]


def sky_at(sky, t, snr=True):
    out = []
    for prn, el, az, s in sky:
        az2 = (az + t // 20) % 360
        s2 = "" if (s == 0 or not snr) else "%02d" % (s + (t // 7 + prn) % 3 - 1)
        out.append((prn, el, az2, s2))
    return out


def used_prns(sky, n):
    return [prn for prn, _el, _az, s in sky if s != 0][:n]


def gsv(talker, sats, per_msg=4, fmt_prn="%02d"):
    """The GSV sentences for a list of (prn, el, az, snr-string)."""
    if not sats:
        return [sentence("%sGSV,1,1,00" % talker)]
    n = (len(sats) + per_msg - 1) // per_msg
    out = []
    for i in range(n):
        chunk = sats[i * per_msg:(i + 1) * per_msg]
        fields = ["%sGSV" % talker, str(n), str(i + 1), "%02d" % len(sats)]
        for prn, el, az, s in chunk:
            fields += [fmt_prn % prn, "%02d" % el, "%03d" % az, s]
        out.append(sentence(",".join(fields)))
    return out


def gsa(talker, mode, prns, pdop, hdop, vdop, sysid=None, dopfmt="%.2f"):
    ids = ["%02d" % p for p in prns[:12]]
    ids += [""] * (12 - len(ids))
    fields = ["%sGSA" % talker, "A", str(mode)] + ids
    for d in (pdop, hdop, vdop):
        fields.append("" if d is None else dopfmt % d)
    if sysid is not None:
        fields.append(str(sysid))
    return sentence(",".join(fields))


# --------------------------------------------------------------------------
# Sentence builders (u-blox M8 style unless said otherwise)
# --------------------------------------------------------------------------

def rmc(talker, t, st, dec=2, pdec=5, date=True, mode="A", sdec=3, cdec=2,
        magvar=None):
    """A valid-fix RMC.  mode=None leaves out the NMEA 2.3 mode field."""
    fields = ["%sRMC" % talker, fmt_time(t, dec), "A",
              fmt_lat(st["lat"], pdec), fmt_lon(st["lon"], pdec),
              "%.*f" % (sdec, st["speed"] * KNOTS_PER_MPS),
              "%.*f" % (cdec, st["track"]),
              fmt_date(t) if date is True else (date or "")]
    fields += magvar if magvar else ["", ""]
    if mode is not None:
        fields.append(mode)
    return sentence(",".join(fields))


def rmc_void(talker, t=None, dec=2, date=True, mode="N"):
    """RMC with status V and no position (what u-blox sends without a fix).
    t=None: the time is not known either; date=False: time known, date not."""
    tm = fmt_time(t, dec) if t is not None else ""
    dd = fmt_date(t) if (t is not None and date) else ""
    fields = ["%sRMC" % talker, tm, "V", "", "", "", "", "", "", dd, "", ""]
    if mode is not None:
        fields.append(mode)
    return sentence(",".join(fields))


def gga(talker, t, st, nsat, hdop, dec=2, pdec=5, quality=1, alt=True,
        hdopfmt="%.2f", tail=("", "")):
    if alt:
        altf = ["%.1f" % st["alt"], "M", "%.1f" % GEOID_SEP, "M"]
    else:
        altf = ["", "", "", ""]
    fields = (["%sGGA" % talker, fmt_time(t, dec),
               fmt_lat(st["lat"], pdec), fmt_lon(st["lon"], pdec),
               str(quality), "%02d" % nsat, hdopfmt % hdop] + altf + list(tail))
    return sentence(",".join(fields))


def gga_void(talker, t=None, dec=2):
    tm = fmt_time(t, dec) if t is not None else ""
    return sentence("%sGGA,%s,,,,,0,00,99.99,,,,,," % (talker, tm))


def vtg(talker, st):
    return sentence("%sVTG,%.2f,T,,M,%.3f,N,%.3f,K,A" % (
        talker, st["track"], st["speed"] * KNOTS_PER_MPS, st["speed"] * 3.6))


def vtg_void(talker):
    return sentence("%sVTG,,,,,,,,,N" % talker)


def gll(talker, t, st, dec=2, pdec=5):
    return sentence("%sGLL,%s,%s,%s,A,A" % (
        talker, fmt_lat(st["lat"], pdec), fmt_lon(st["lon"], pdec),
        fmt_time(t, dec)))


def gll_void(talker, t=None, dec=2):
    tm = fmt_time(t, dec) if t is not None else ""
    return sentence("%sGLL,,,,,%s,V,N" % (talker, tm))


def zda(talker, t, dec=2, year=None):
    return sentence("%sZDA,%s,%02d,%02d,%04d,00,00" % (
        talker, fmt_time(t, dec), t.day, t.month,
        t.year if year is None else year))


def pubx00(t, st, nav="G3"):
    """u-blox proprietary position sentence $PUBX,00."""
    return sentence("PUBX,00,%s,%s,%s,%.3f,%s,2.1,3.4,%.3f,%.2f,%.3f,,0.87,"
                    "1.20,0.90,12,0,0" % (
                        fmt_time(t, 2), fmt_lat(st["lat"], 5),
                        fmt_lon(st["lon"], 5), st["alt"] - GEOID_SEP, nav,
                        st["speed"] * 3.6, st["track"],
                        round(-st["climb"], 3) + 0.0))


def ubx(cls, mid, payload):
    """A UBX binary frame with a correct Fletcher checksum."""
    body = struct.pack("<BBH", cls, mid, len(payload)) + payload
    a = b = 0
    for x in body:
        a = (a + x) & 0xFF
        b = (b + a) & 0xFF
    return b"\xb5\x62" + body + bytes([a, b])


# --------------------------------------------------------------------------
# The logs
# --------------------------------------------------------------------------

def header(lines):
    """'#' comment lines.  These end in a bare LF: gpsd's packet lexer only
    takes '#' up to LF as a comment when no CR comes before the LF (a CR ends
    the comment as garbage, and the lexer then rescans the line byte by byte,
    so a '$' in it would start a sentence).  No '$' appears in them either."""
    for line in lines:
        assert "$" not in line, line
    return b"".join(("# %s\n" % line).encode("ascii") for line in lines)


def epochs(start, n):
    return [start + dt.timedelta(seconds=i) for i in range(n)]


def gp_only():
    """Old GPS-only puck (SiRF-era style) at 4800 baud: GGA, GSA, 3 GSV, RMC
    per second; whole-second times with no decimals; 4-decimal minutes;
    NMEA 2.0 RMC (no mode field) with magnetic variation; no VTG."""
    out = [header([
        "gp_only.nmea: GPS-only receiver, 4800 baud, NMEA 2.0 style.",
        "Per epoch: GPGGA, GPGSA, GPGSV x3, GPRMC. Times hhmmss (no decimals).",
        "60 epochs, 2026-03-14 15:20:00 .. 15:20:59 UTC, 3D fix throughout.",
        "Generated by make_logs.py."])]
    car = Car(41.6610, -91.5302, 90.0, 205.0,
              [(20, 0), (8, 90), (20, 0), (6, -90), (30, 0)])
    t0 = dt.datetime(2026, 3, 14, 15, 20, 0)
    for i, t in enumerate(epochs(t0, 60)):
        st = car.state()
        sky = sky_at(GPS_SKY, i)
        used = used_prns(GPS_SKY, 8)
        out.append(gga("GP", t, st, len(used), 1.0, dec=0, pdec=4,
                       hdopfmt="%.1f", tail=("", "0000")))
        out.append(gsa("GP", 3, used, 1.8, 1.0, 1.5, dopfmt="%.1f"))
        out += gsv("GP", sky)
        out.append(rmc("GP", t, st, dec=0, pdec=4, mode=None, sdec=1, cdec=1,
                       magvar=["1.2", "W"]))
        car.step()
    return b"".join(out)


def ublox_epoch(t, st, i, sysid=False, gsv_all=True, zda_on=True,
                gll_on=True):
    gps_used = used_prns(GPS_SKY, 7)
    glo_used = used_prns(GLO_SKY, 5)
    out = [rmc("GN", t, st), vtg("GN", st),
           gga("GN", t, st, len(gps_used) + len(glo_used), 0.78),
           gsa("GN", 3, gps_used, 1.32, 0.78, 1.06, 1 if sysid else None),
           gsa("GN", 3, glo_used, 1.32, 0.78, 1.06, 2 if sysid else None)]
    if gsv_all:
        out += gsv("GP", sky_at(GPS_SKY, i))
        out += gsv("GL", sky_at(GLO_SKY, i))
        out += gsv("GA", sky_at(GAL_SKY, i))
        out += gsv("GB", sky_at(BDS_SKY, i))
    if gll_on:
        out.append(gll("GN", t, st))
    if zda_on:
        out.append(zda("GN", t))
    return out


def gn_multi():
    out = [header([
        "gn_multi.nmea: u-blox M8 style multi-constellation receiver.",
        "Per epoch: GNRMC, GNVTG, GNGGA, GNGSA (GPS), GNGSA (GLONASS),",
        "GPGSV x3, GLGSV x2, GAGSV x2, GBGSV x1, GNGLL, GNZDA.",
        "Epochs 0-29 use NMEA 4.0 GSA (no system id); epochs 30-59 add the",
        "NMEA 4.1 system-id field after VDOP (1 = GPS, 2 = GLONASS).",
        "60 epochs, 2026-03-14 16:05:00.00 .. 16:05:59.00 UTC, 3D fix.",
        "Generated by make_logs.py."])]
    car = Car(41.6702, -91.5560, 0.0, 212.0,
              [(15, 0), (7, 90), (25, 0), (7, 90), (40, 0)], phase=11)
    t0 = dt.datetime(2026, 3, 14, 16, 5, 0)
    for i, t in enumerate(epochs(t0, 60)):
        out += ublox_epoch(t, car.state(), i, sysid=(i >= 30))
        car.step()
    return b"".join(out)


def no_fix_start():
    """u-blox 6 style GPS-only receiver after a cold start."""
    out = [header([
        "no_fix_start.nmea: cold start of a u-blox 6 style GPS receiver.",
        "Per epoch: GPRMC, GPVTG, GPGGA, GPGSA, GPGSV..., GPGLL.",
        "Epochs 0-4: no fix, time and date unknown (all fields empty).",
        "Epochs 5-9: no fix, time known, date not (RMC date field empty).",
        "Epochs 10-15: no fix, time and date known.",
        "Epochs 16-21: 2D fix (GSA mode 2, GGA quality 1, no altitude).",
        "Epochs 22-59: 3D fix.",
        "Time: 2026-03-14 07:41:00.00 .. 07:41:59.00 UTC (epoch i = +i s).",
        "Generated by make_logs.py."])]
    car = Car(41.6755, -91.5905, 180.0, 220.0,
              [(30, 0), (8, -90), (40, 0)], phase=3)
    t0 = dt.datetime(2026, 3, 14, 7, 41, 0)
    for i, t in enumerate(epochs(t0, 60)):
        st = car.state()
        if i < 16:
            tt = t if i >= 5 else None
            out.append(rmc_void("GP", tt, date=(i >= 10)))
            out.append(vtg_void("GP"))
            out.append(gga_void("GP", tt))
            out.append(gsa("GP", 1, [], 99.99, 99.99, 99.99))
            if i < 3:
                out += gsv("GP", [])
            else:
                # satellites appearing, most without a signal yet
                sky = sky_at(GPS_SKY, i)[: min(11, i)]
                sky = [(p, e, a, s if k < (i - 3) // 2 else "")
                       for k, (p, e, a, s) in enumerate(sky)]
                out += gsv("GP", sky)
            out.append(gll_void("GP", tt))
        else:
            two_d = i < 22
            used = used_prns(GPS_SKY, 3 if two_d else 7)
            sky = sky_at(GPS_SKY, i)
            out.append(rmc("GP", t, st))
            out.append(vtg("GP", st))
            if two_d:
                out.append(gga("GP", t, st, len(used), 4.12, alt=False))
                out.append(gsa("GP", 2, used, 4.35, 4.12, 1.39))
            else:
                out.append(gga("GP", t, st, len(used), 1.05))
                out.append(gsa("GP", 3, used, 1.87, 1.05, 1.55))
            out += gsv("GP", sky)
            out.append(gll("GP", t, st))
        car.step()
    return b"".join(out)


def tunnel():
    out = [header([
        "tunnel.nmea: u-blox M8 style drive through a tunnel.",
        "Per epoch: GNRMC, GNVTG, GNGGA, GNGSA x2, GPGSV.., GLGSV.., GNGLL.",
        "Epochs 0-24: 3D fix. Epochs 25-44 (20 s): fix lost in the tunnel;",
        "the receiver keeps time and date but sends RMC status V, GGA quality",
        "0 and empty position fields (as u-blox units do), GSA mode 1.",
        "Epochs 45-69: 3D fix again (the car moved on ~300 m meanwhile).",
        "Time: 2026-03-14 17:30:00.00 .. 17:31:09.00 UTC.",
        "Generated by make_logs.py."])]
    car = Car(41.6870, -91.5480, 270.0, 200.0,
              [(10, 0), (7, -90), (60, 0)], phase=20)
    t0 = dt.datetime(2026, 3, 14, 17, 30, 0)
    for i, t in enumerate(epochs(t0, 70)):
        st = car.state()
        if 25 <= i < 45:
            out.append(rmc_void("GN", t))
            out.append(vtg_void("GN"))
            out.append(gga_void("GN", t))
            out.append(gsa("GN", 1, [], 99.99, 99.99, 99.99))
            out.append(gsa("GN", 1, [], 99.99, 99.99, 99.99))
            faint = [(p, e, a, "") for p, e, a, _ in sky_at(GPS_SKY, i)[:5]]
            out += gsv("GP", faint if i < 30 else [])
            out += gsv("GL", [])
            out.append(gll_void("GN", t))
        else:
            out += ublox_epoch(t, st, i, gsv_all=False, zda_on=False,
                               gll_on=False)
            out += gsv("GP", sky_at(GPS_SKY, i))
            out += gsv("GL", sky_at(GLO_SKY, i))
            out.append(gll("GN", t, st))
        car.step()
    return b"".join(out)


def midnight():
    out = [header([
        "midnight.nmea: two recordings crossing midnight UTC.",
        "Part 1 (epochs 0-40): u-blox M8 style, RMC first: GNRMC, GNVTG,",
        "GNGGA, GNGSA x2, GNGLL; 2026-03-14 23:59:40.00 .. 2026-03-15",
        "00:00:20.00. The RMC date changes 140326 -> 150326 at 00:00:00.",
        "Part 2 (epochs 41-81): an older GPS receiver, GGA first: GPGGA,",
        "GPGSA, GPRMC; 2026-03-15 23:59:40.00 .. 2026-03-16 00:00:20.00, so",
        "the 00:00:00 GPGGA comes before the GPRMC carrying the new date 160326.",
        "Generated by make_logs.py."])]
    car = Car(41.6640, -91.5710, 45.0, 210.0,
              [(12, 45), (30, 0)], phase=5)
    t0 = dt.datetime(2026, 3, 14, 23, 59, 40)
    for i, t in enumerate(epochs(t0, 41)):
        out += ublox_epoch(t, car.state(), i, gsv_all=False, zda_on=False)
        car.step()
    car = Car(41.6930, -91.6020, 180.0, 230.0,
              [(10, 0), (8, 90), (30, 0)], phase=30)
    t0 = dt.datetime(2026, 3, 15, 23, 59, 40)
    used = used_prns(GPS_SKY, 8)
    for i, t in enumerate(epochs(t0, 41)):
        st = car.state()
        out.append(gga("GP", t, st, len(used), 0.9, pdec=4, hdopfmt="%.1f"))
        out.append(gsa("GP", 3, used, 1.6, 0.9, 1.3, dopfmt="%.1f"))
        out.append(rmc("GP", t, st, pdec=4, sdec=2, cdec=2))
        car.step()
    return b"".join(out)


def week_rollover():
    real0 = dt.datetime(2026, 3, 14, 10, 0, 0)
    shift = dt.timedelta(days=7168)  # 1024 weeks
    out = [header([
        "week_rollover.nmea: receiver with the GPS week-number rollover bug.",
        "True time 2026-03-14 10:00:00 .. 10:00:59 UTC; the receiver reports",
        "the date 1024 weeks (7168 days) early: 2006-07-29 (RMC 290706).",
        "Time of day is unaffected. Per epoch: GPRMC, GPGGA (times hhmmss.sss);",
        "epochs 40-59 add a GPZDA with the (wrong) four-digit year 2006.",
        "Generated by make_logs.py."])]
    car = Car(41.6580, -91.5350, 0.0, 208.0,
              [(25, 0), (8, 90), (40, 0)], phase=17)
    used = used_prns(GPS_SKY, 6)
    for i, real in enumerate(epochs(real0, 60)):
        st = car.state()
        t = real - shift
        out.append(rmc("GP", t, st, dec=3, pdec=4, sdec=2, cdec=2))
        out.append(gga("GP", t, st, len(used), 1.2, dec=3, pdec=4,
                       hdopfmt="%.1f"))
        if i >= 40:
            out.append(zda("GP", t, dec=3))
        car.step()
    return b"".join(out)


def two_digit_year():
    out = [header([
        "two_digit_year.nmea: New Year at midnight UTC.",
        "Per epoch: GPRMC, GPGGA. 2025-12-31 23:59:20.00 .. 2026-01-01",
        "00:00:40.00 UTC; the RMC date goes 311225 -> 010126 at 00:00:00.",
        "Generated by make_logs.py."])]
    car = Car(41.6800, -91.5150, 135.0, 215.0,
              [(20, 0), (8, 45), (60, 0)], phase=40)
    used = used_prns(GPS_SKY, 8)
    t0 = dt.datetime(2025, 12, 31, 23, 59, 20)
    for i, t in enumerate(epochs(t0, 81)):
        st = car.state()
        out.append(rmc("GP", t, st))
        out.append(gga("GP", t, st, len(used), 0.95))
        car.step()
    return b"".join(out)


def noisy(garbage=True):
    """A u-blox M8 log with garbage of many kinds mixed in.
    garbage=False gives the same log without any of it (for comparisons)."""
    out = [header([
        "noisy.nmea: u-blox M8 style log with garbage mixed in (binary file).",
        "Per epoch: GNRMC, GNVTG, GNGGA, GNGSA x2, GPGSV x3, GNGLL.",
        "60 epochs, 2026-03-14 12:00:00.00 .. 12:00:59.00 UTC, 3D fix.",
        "Garbage: UBX frames (B5 62) between sentences; wrong checksums;",
        "truncated sentences (cut mid-field, no checksum) ending the line or",
        "followed at once by a new sentence; PUBX,00 and PUBX,04 sentences;",
        "an over-long (>102 byte) RMC; empty lines; NUL bytes. The epoch of",
        "each is listed in make_logs.py noisy().",
        "Generated by make_logs.py."])]
    # Epoch -> garbage (all in the RMC/GGA/GLL slots unless said):
    #   every 5th epoch (0, 5, ..): UBX-NAV-CLOCK frame after the VTG
    #   epochs 2, 7, 12, ..: UBX-MON-HW frame before the GSVs
    #   3, 9: PUBX,04 (time of day and date) after the GLL
    #   3, 9, 50-59: PUBX,00 (position, 111-112 bytes long) after the GLL
    #   4, 14, ..: 8 NUL bytes before the GSVs;  3, 9, 15, ..: empty lines
    #   7: RMC with a wrong checksum          27: GGA with a wrong checksum
    #   12: RMC cut in the longitude, line ends (no checksum)
    #   17: RMC cut after the latitude, the full RMC follows at once
    #   22: RMC over 102 bytes (zero-padded numbers), correct checksum
    #   32: GGA cut in the latitude, line ends (no checksum)
    #   37: two NUL bytes inside the GGA
    #   42: GGA cut after the time, the full GGA follows at once
    #   47: GLL cut after the longitude, binary junk, line ends
    #   55: UBX frame with a wrong checksum after the GLL
    car = Car(41.6720, -91.5790, 90.0, 206.0,
              [(18, 0), (8, 90), (22, 0), (8, -90), (30, 0)], phase=8)
    t0 = dt.datetime(2026, 3, 14, 12, 0, 0)
    gps_used = used_prns(GPS_SKY, 7)
    glo_used = used_prns(GLO_SKY, 5)
    g = garbage
    for i, t in enumerate(epochs(t0, 60)):
        st = car.state()
        tow_ms = int((t - dt.datetime(2026, 3, 8)).total_seconds()) * 1000
        s_rmc = rmc("GN", t, st)
        s_vtg = vtg("GN", st)
        s_gga = gga("GN", t, st, 12, 0.78)
        s_gsa1 = gsa("GN", 3, gps_used, 1.32, 0.78, 1.06)
        s_gsa2 = gsa("GN", 3, glo_used, 1.32, 0.78, 1.06)
        s_gsv = gsv("GP", sky_at(GPS_SKY, i))
        s_gll = gll("GN", t, st)
        ep = []
        # --- RMC slot
        if g and i == 7:
            body = s_rmc.decode()[1:].split("*")[0]
            ep.append(bad_sentence(body))
        elif g and i == 12:
            ep.append(s_rmc[:36] + b"\r\n")
        elif g and i == 17:
            ep.append(s_rmc[:29] + s_rmc)
        elif g and i == 22:
            body = s_rmc.decode()[1:].split("*")[0]
            f = body.split(",")
            f[3] = f[3] + "0000000000000"
            f[5] = f[5] + "0000000000000"
            f[7] = f[7] + "0000000000"
            long_rmc = sentence(",".join(f))
            assert len(long_rmc) > 102, len(long_rmc)
            ep.append(long_rmc)
        else:
            ep.append(s_rmc)
        # --- VTG slot
        ep.append(s_vtg)
        if g and i % 5 == 0:
            # UBX-NAV-CLOCK (01 22): iTOW, clkB, clkD, tAcc, fAcc
            ep.append(ubx(0x01, 0x22, struct.pack(
                "<IiiII", tow_ms, 123456 + i, -32 - i, 25, 300)))
        # --- GGA slot
        if g and i == 27:
            body = s_gga.decode()[1:].split("*")[0]
            ep.append(bad_sentence(body))
        elif g and i == 32:
            ep.append(s_gga[:24] + b"\r\n")
        elif g and i == 37:
            ep.append(s_gga[:30] + b"\x00\x00" + s_gga[30:])
        elif g and i == 42:
            ep.append(s_gga[:17] + s_gga)
        else:
            ep.append(s_gga)
        # --- GSA / GSV slot
        ep.append(s_gsa1)
        if g and i % 6 == 3:
            ep.append(b"\r\n\r\n")  # empty lines
        ep.append(s_gsa2)
        if g and i % 10 == 4:
            ep.append(b"\x00" * 8)  # a run of NULs between sentences
        if g and i % 5 == 2:
            # UBX-MON-HW (0A 09), 60-byte payload of plausible junk
            ep.append(ubx(0x0A, 0x09, bytes((j * 7 + i) & 0xFF
                                            for j in range(60))))
        ep += s_gsv
        # --- GLL slot
        if g and i == 47:
            # GLL cut after the longitude (no time, status, checksum), then
            # binary junk (not a UBX/SiRF/... sync) on the same line
            ep.append(s_gll[:34] + b"\xfe\x80\xff\x7f\r\n")
        else:
            ep.append(s_gll)
        # --- proprietary sentences
        if g and i in (3, 9):
            # UTC time of week and GPS week (week 2409 began 2026-03-08)
            tow = (t - dt.datetime(2026, 3, 8)).total_seconds()
            ep.append(sentence("PUBX,04,%s,%s,%.2f,2409,18,1234567,"
                               "-2660.664,43," % (fmt_time(t, 2), fmt_date(t),
                                                  tow)))
        if g and (i >= 50 or i in (3, 9)):
            ep.append(pubx00(t, st))
        if g and i == 55:
            f = bytearray(ubx(0x01, 0x22, struct.pack(
                "<IiiII", tow_ms, 1, 2, 3, 4)))
            f[-1] ^= 0x55
            ep.append(bytes(f))
        out += ep
        car.step()
    return b"".join(out)


LOGS = {
    "gp_only.nmea": gp_only,
    "gn_multi.nmea": gn_multi,
    "no_fix_start.nmea": no_fix_start,
    "tunnel.nmea": tunnel,
    "midnight.nmea": midnight,
    "week_rollover.nmea": week_rollover,
    "two_digit_year.nmea": two_digit_year,
    "noisy.nmea": noisy,
}


def main(argv):
    outdir = argv[1] if len(argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, fn in LOGS.items():
        data = fn()
        assert len(data) < 100 * 1024, (name, len(data))
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        print("%-20s %6d bytes" % (name, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
