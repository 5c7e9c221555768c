//! One NMEA sentence into the fields the fix needs.
//!
//! The `nmea` crate parses what it can; where it rejects sentences real receivers send, the
//! fallback below reads the fields itself. The gaps, seen across receivers' logs (nmea 0.8.0):
//! GGA with an empty fix-quality field; GLL with status `N`; GSA with an empty VDOP or with the
//! NMEA 4.1 system-id field; ZDA with a `+00` zone; GNS with a mode field of more than two
//! characters (one per constellation, the crate's issue #108); and any sentence over 102 characters.

use chrono::NaiveTime;
use nmea::ParseResult;
use nmea::sentences::FixType;
use nmea::sentences::gsa::GsaMode2;
use nmea::sentences::rmc::RmcStatusOfFix;

/// A two-digit-year date as RMC sends it; the epoch assembler decides the century.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ShortDate {
    pub day: u32,
    pub month: u32,
    pub yy: u32,
}

/// What each sentence type contributes to a fix.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sentence {
    Gga {
        time: Option<NaiveTime>,
        lat: Option<f64>,
        lon: Option<f64>,
        /// 0 = no fix; absent when the receiver leaves the field empty.
        quality: Option<u8>,
        sats: Option<u32>,
        hdop: Option<f64>,
        alt_m: Option<f64>,
    },
    Rmc {
        time: Option<NaiveTime>,
        date: Option<ShortDate>,
        valid: bool,
        lat: Option<f64>,
        lon: Option<f64>,
        speed_knots: Option<f64>,
        track_deg: Option<f64>,
    },
    Gsa {
        /// 1 = no fix, 2 = 2D, 3 = 3D.
        mode: Option<u8>,
        prns: Vec<u32>,
        hdop: Option<f64>,
    },
    Vtg {
        track_deg: Option<f64>,
        speed_knots: Option<f64>,
    },
    Gns {
        time: Option<NaiveTime>,
        lat: Option<f64>,
        lon: Option<f64>,
        /// Any constellation with a fix.
        valid: bool,
        sats: Option<u32>,
        hdop: Option<f64>,
        alt_m: Option<f64>,
    },
    Gll {
        time: Option<NaiveTime>,
        lat: Option<f64>,
        lon: Option<f64>,
        valid: bool,
    },
    Zda {
        time: Option<NaiveTime>,
        /// Day, month, four-digit year.
        date: Option<(u32, u32, i32)>,
    },
    /// Satellites in view; carries nothing the fix uses.
    Gsv,
    /// A well-formed sentence of a type the fix does not use (`$PUBX`, `$GPTXT`, ...).
    Ignored,
}

/// Why a sentence was rejected; `kind` is for counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reject {
    pub kind: &'static str,
    pub detail: String,
}

fn reject(kind: &'static str, detail: impl Into<String>) -> Reject {
    Reject {
        kind,
        detail: detail.into(),
    }
}

/// Parses one sentence (`$...*hh`, without line ending).
pub(crate) fn parse(line: &str) -> Result<Sentence, Reject> {
    let body = line
        .strip_prefix('$')
        .or_else(|| line.strip_prefix('!'))
        .ok_or_else(|| reject("not-a-sentence", "does not start with $"))?;
    // The checksum is optional in NMEA 0183 for most sentences, and some receivers leave it
    // out; gpsd takes such sentences, so they are taken here too, as long as they have every
    // field (a sentence cut short in transmission is not).
    let body = match body.rsplit_once('*') {
        Some((body, checksum)) => {
            let expected = u8::from_str_radix(checksum.trim(), 16).map_err(|_| {
                reject(
                    "bad-checksum",
                    format!("checksum field {checksum:?} is not hex"),
                )
            })?;
            let actual = body.bytes().fold(0u8, |a, b| a ^ b);
            if actual != expected {
                return Err(reject(
                    "bad-checksum",
                    format!("checksum {expected:02X}, computed {actual:02X}"),
                ));
            }
            body
        }
        None => body,
    };
    let mut fields = body.split(',');
    let address = fields.next().unwrap_or("");
    if address.starts_with('P') {
        return Ok(Sentence::Ignored);
    }
    if address.len() != 5
        || !address
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(reject("bad-address", format!("address field {address:?}")));
    }
    let kind = &address[2..];
    if !matches!(
        kind,
        "GGA" | "RMC" | "GSA" | "GSV" | "VTG" | "GNS" | "GLL" | "ZDA"
    ) {
        return Ok(Sentence::Ignored);
    }
    let field_count = body.split(',').count() - 1;
    let needed = min_fields(kind);
    if field_count < needed {
        return Err(reject(
            "too-short",
            format!("{address} has {field_count} fields, needs {needed}"),
        ));
    }
    // GNS always goes to the fallback: the crate drops multi-constellation mode fields.
    if kind != "GNS"
        && let Some(s) = nmea::parse_str(line).ok().and_then(from_crate)
    {
        return Ok(s);
    }
    let f: Vec<&str> = fields.collect();
    fallback(kind, &f).map_err(|detail| reject("bad-field", format!("{address}: {detail}")))
}

/// Fields after the address a sentence needs to be read at all: gpsd's minimums (a sentence with
/// fewer was cut short).
fn min_fields(kind: &str) -> usize {
    match kind {
        "GGA" | "GNS" => 12,
        "GSA" => 16,
        "RMC" => 7,
        "GLL" => 6,
        "VTG" => 4,
        "ZDA" => 3,
        _ => 0,
    }
}

fn from_crate(p: ParseResult) -> Option<Sentence> {
    Some(match p {
        ParseResult::GGA(d) => Sentence::Gga {
            time: d.fix_time,
            lat: d.latitude,
            lon: d.longitude,
            quality: d.fix_type.map(|t| match t {
                FixType::Invalid => 0,
                FixType::Gps => 1,
                FixType::DGps => 2,
                FixType::Pps => 3,
                FixType::Rtk => 4,
                FixType::FloatRtk => 5,
                FixType::Estimated => 6,
                FixType::Manual => 7,
                FixType::Simulation => 8,
            }),
            sats: d.fix_satellites,
            hdop: d.hdop.map(decimal),
            alt_m: d.altitude.map(decimal),
        },
        ParseResult::RMC(d) => Sentence::Rmc {
            time: d.fix_time,
            date: d.fix_date.map(|date| {
                use chrono::Datelike;
                ShortDate {
                    day: date.day(),
                    month: date.month(),
                    yy: date.year().rem_euclid(100) as u32,
                }
            }),
            valid: d.status_of_fix != RmcStatusOfFix::Invalid,
            lat: d.lat,
            lon: d.lon,
            speed_knots: d.speed_over_ground.map(decimal),
            track_deg: d.true_course.map(decimal),
        },
        ParseResult::GSA(d) => Sentence::Gsa {
            mode: Some(match d.mode2 {
                GsaMode2::NoFix => 1,
                GsaMode2::Fix2D => 2,
                GsaMode2::Fix3D => 3,
            }),
            prns: d.fix_sats_prn.iter().copied().collect(),
            hdop: d.hdop.map(decimal),
        },
        ParseResult::VTG(d) => Sentence::Vtg {
            track_deg: d.true_course.map(decimal),
            speed_knots: d.speed_over_ground.map(decimal),
        },
        ParseResult::GLL(d) => Sentence::Gll {
            time: d.fix_time,
            lat: d.latitude,
            lon: d.longitude,
            valid: d.valid,
        },
        ParseResult::ZDA(d) => Sentence::Zda {
            time: d.utc_time,
            date: match (d.day, d.month, d.year) {
                (Some(day), Some(month), Some(year)) => {
                    Some((u32::from(day), u32::from(month), i32::from(year)))
                }
                _ => None,
            },
        },
        ParseResult::GSV(_) => Sentence::Gsv,
        _ => return None,
    })
}

/// The crate keeps altitude, DOP, speed and course as `f32`; widening one as it is gives
/// `545.4000244…`. Its shortest decimal form is what the receiver sent.
pub(crate) fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

/// Reads the fields the fix needs where the crate would not.
fn fallback(kind: &str, f: &[&str]) -> Result<Sentence, String> {
    let get = |i: usize| f.get(i).copied().unwrap_or("");
    Ok(match kind {
        "GGA" => Sentence::Gga {
            time: time(get(0))?,
            lat: coord(get(1), get(2), 90.0)?,
            lon: coord(get(3), get(4), 180.0)?,
            quality: opt_num::<u8>(get(5), "fix quality")?,
            sats: opt_num::<u32>(get(6), "satellites")?,
            hdop: opt_num::<f64>(get(7), "HDOP")?,
            alt_m: opt_num::<f64>(get(8), "altitude")?,
        },
        "RMC" => Sentence::Rmc {
            time: time(get(0))?,
            valid: get(1) == "A",
            lat: coord(get(2), get(3), 90.0)?,
            lon: coord(get(4), get(5), 180.0)?,
            speed_knots: opt_num::<f64>(get(6), "speed")?,
            track_deg: opt_num::<f64>(get(7), "track")?,
            date: short_date(get(8))?,
        },
        "GSA" => Sentence::Gsa {
            mode: opt_num::<u8>(get(1), "fix mode")?,
            prns: (2..14).filter_map(|i| get(i).parse().ok()).collect(),
            hdop: opt_num::<f64>(get(15), "HDOP")?,
        },
        "VTG" => Sentence::Vtg {
            track_deg: opt_num::<f64>(get(0), "track")?,
            speed_knots: opt_num::<f64>(get(4), "speed")?,
        },
        // $xxGNS,time,lat,N,lon,W,modes,sats,hdop,alt,sep,age,station[,navstatus]
        "GNS" => Sentence::Gns {
            time: time(get(0))?,
            lat: coord(get(1), get(2), 90.0)?,
            lon: coord(get(3), get(4), 180.0)?,
            valid: get(5).chars().any(|c| !matches!(c, 'N' | 'V')) && !get(5).is_empty(),
            sats: opt_num::<u32>(get(6), "satellites")?,
            hdop: opt_num::<f64>(get(7), "HDOP")?,
            alt_m: opt_num::<f64>(get(8), "altitude")?,
        },
        // $xxGLL,lat,N,lon,W,time,status[,mode]; status N is "not valid" in NMEA 4.1.
        "GLL" => Sentence::Gll {
            lat: coord(get(0), get(1), 90.0)?,
            lon: coord(get(2), get(3), 180.0)?,
            time: time(get(4))?,
            valid: get(5) == "A" && get(6) != "N",
        },
        // $xxZDA,time,dd,mm,yyyy,zone_h,zone_m; the zone may carry a sign.
        "ZDA" => Sentence::Zda {
            time: time(get(0))?,
            date: match (
                opt_num::<u32>(get(1), "day")?,
                opt_num::<u32>(get(2), "month")?,
                opt_num::<i32>(get(3), "year")?,
            ) {
                (Some(d), Some(m), Some(y)) => Some((d, m, y)),
                _ => None,
            },
        },
        "GSV" => Sentence::Gsv,
        _ => Sentence::Ignored,
    })
}

fn opt_num<T: std::str::FromStr>(s: &str, what: &str) -> Result<Option<T>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("{what} {s:?} is not a number"))
}

fn time(s: &str) -> Result<Option<NaiveTime>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || format!("time {s:?} is not hhmmss[.sss]");
    if s.len() < 6 || !s.as_bytes()[..6].iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let h: u32 = s[0..2].parse().map_err(|_| bad())?;
    let m: u32 = s[2..4].parse().map_err(|_| bad())?;
    let secs: f64 = s[4..].parse().map_err(|_| bad())?;
    let whole = secs.trunc() as u32;
    let nanos = ((secs - secs.trunc()) * 1e9).round() as u32;
    NaiveTime::from_hms_nano_opt(h, m, whole, nanos.min(999_999_999))
        .map(Some)
        .ok_or_else(bad)
}

fn short_date(s: &str) -> Result<Option<ShortDate>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || format!("date {s:?} is not ddmmyy");
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().map_err(|_| bad());
    Ok(Some(ShortDate {
        day: n(0..2)?,
        month: n(2..4)?,
        yy: n(4..6)?,
    }))
}

/// `ddmm.mmmm` / `dddmm.mmmm` with its hemisphere into signed degrees.
fn coord(value: &str, hemisphere: &str, limit: f64) -> Result<Option<f64>, String> {
    if value.is_empty() || hemisphere.is_empty() {
        return Ok(None);
    }
    let v: f64 = value
        .parse()
        .map_err(|_| format!("coordinate {value:?} is not a number"))?;
    let degrees = (v / 100.0).trunc();
    let minutes = v - degrees * 100.0;
    let d = degrees + minutes / 60.0;
    let d = match hemisphere {
        "N" | "E" => d,
        "S" | "W" => -d,
        other => return Err(format!("hemisphere {other:?}")),
    };
    if d.abs() > limit || minutes >= 60.0 {
        return Err(format!("coordinate {value}{hemisphere} is out of range"));
    }
    Ok(Some(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epoch::frame_sentence;

    #[test]
    fn crate_gaps_are_filled() {
        let gga =
            parse(&frame_sentence("GPGGA,000001,,,,,,00,99.9,,M,,M,,")).expect("empty quality");
        assert!(matches!(gga, Sentence::Gga { quality: None, .. }));
        let gsa = parse(&frame_sentence("GNGSA,A,3,05,12,,,,,,,,,,,1.6,0.9,,1"))
            .expect("system id, empty vdop");
        assert!(
            matches!(gsa, Sentence::Gsa { mode: Some(3), hdop: Some(h), .. } if (h - 0.9).abs() < 1e-9),
            "{gsa:?}"
        );
        let gns = parse(&frame_sentence(
            "GNGNS,120000.00,4140.5840,N,09134.8180,W,AANN,14,0.8,213.4,-31.2,,,V",
        ))
        .expect("four-constellation modes");
        assert!(
            matches!(
                gns,
                Sentence::Gns {
                    valid: true,
                    sats: Some(14),
                    ..
                }
            ),
            "{gns:?}"
        );
        let gll = parse(&frame_sentence(
            "GNGLL,4140.5840,N,09134.8180,W,120000.00,V,N",
        ))
        .expect("status N");
        assert!(matches!(gll, Sentence::Gll { valid: false, .. }));
        let zda = parse(&frame_sentence("GNZDA,120000.00,14,03,2026,+00,00")).expect("signed zone");
        assert!(
            matches!(
                zda,
                Sentence::Zda {
                    date: Some((14, 3, 2026)),
                    ..
                }
            ),
            "{zda:?}"
        );
    }

    #[test]
    fn faults_are_named() {
        let mut bad = frame_sentence("GPGGA,120000,4140.5840,N,09134.8180,W,1,08,0.9,213.4,M,,M,,");
        bad.replace_range(bad.len() - 2.., "00");
        assert_eq!(parse(&bad).map_err(|r| r.kind), Err("bad-checksum"));
        assert_eq!(
            parse("$GPGGA,120000,4140.58").map_err(|r| r.kind),
            Err("too-short")
        );
        let whole = "$GPGGA,120000,4140.5840,N,09134.8180,W,1,08,0.9,213.4,M,-32.4,M,,";
        assert!(
            matches!(
                parse(whole),
                Ok(Sentence::Gga {
                    quality: Some(1),
                    ..
                })
            ),
            "a whole sentence without a checksum is taken, as gpsd takes it"
        );
        assert_eq!(
            parse(&frame_sentence("PUBX,00,120000.00")),
            Ok(Sentence::Ignored)
        );
        assert_eq!(
            parse(&frame_sentence("GPTXT,01,01,02,ANTSTATUS=OK")),
            Ok(Sentence::Ignored)
        );
        let r = parse(&frame_sentence(
            "GPRMC,120000,A,4140.58,N,09134.81,W,x,,140326,,",
        ))
        .expect_err("bad speed");
        assert_eq!(r.kind, "bad-field");
    }
}
