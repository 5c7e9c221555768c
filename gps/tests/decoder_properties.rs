//! Whatever bytes arrive, the decoder neither panics nor lets noise change a fix.

use alpr_gps::{Fix, NmeaDecoder};
use proptest::prelude::*;

const LOG: &[u8] = include_bytes!("logs/gn_multi.nmea");

fn decode(chunks: &[Vec<u8>]) -> Vec<Fix> {
    let mut d = NmeaDecoder::default();
    let mut out = Vec::new();
    for c in chunks {
        d.push(c, &mut out);
    }
    d.finish(&mut out);
    out
}

/// The log's lines (comments dropped), each with its line ending.
fn sentences() -> Vec<Vec<u8>> {
    LOG.split_inclusive(|b| *b == b'\n')
        .filter(|l| l.first() == Some(&b'$'))
        .map(<[u8]>::to_vec)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(
        prop::collection::vec(any::<u8>(), 0..300), 0..50)) {
        let _ = decode(&chunks);
    }

    /// Noise between sentences (binary frames, junk without a sentence start or a line end) is
    /// skipped and changes no fix.
    #[test]
    fn noise_between_sentences_changes_no_fix(
        noise in prop::collection::vec(
            (any::<prop::sample::Index>(),
             prop::collection::vec(any::<u8>().prop_filter("not a sentence or line start",
                 |b| !matches!(b, b'$' | b'!' | b'#' | b'\r' | b'\n')), 1..120)),
            0..20),
        cut in 1usize..97,
    ) {
        let lines = sentences();
        let clean = decode(&lines);
        let mut noisy: Vec<Vec<u8>> = lines.clone();
        for (at, junk) in &noise {
            let i = at.index(noisy.len());
            noisy.insert(i, junk.clone());
        }
        let bytes: Vec<u8> = noisy.concat();
        let chunks: Vec<Vec<u8>> = bytes.chunks(cut).map(<[u8]>::to_vec).collect();
        prop_assert_eq!(decode(&chunks), clean);
    }
}
