//! What travels between a car and headquarters: batches of `crsql_changes`, as plain versioned
//! data in one place, encoded compactly (postcard) and compressed (zstd with its frame checksum),
//! and checked on arrival before anything touches the database.

use serde::{Deserialize, Serialize};

use crate::changes::{Change, SqlValue};

/// Bumped on any change to the types below; a peer speaking another version is refused.
pub const PROTOCOL_VERSION: u16 = 1;

/// The most bytes a batch may take on the wire.
pub const MAX_COMPRESSED_BYTES: usize = 4 << 20;
/// The most bytes a batch may unpack to (a zip bomb stops here).
pub const MAX_DECODED_BYTES: usize = 32 << 20;

/// A column value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// One change; the table and site are indexes into the batch's lists, which is most of what
/// makes this smaller than the rows themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireChange {
    pub table: u16,
    pub pk: Vec<u8>,
    pub cid: String,
    pub val: WireValue,
    pub col_version: i64,
    pub db_version: i64,
    pub site: u16,
    pub cl: i64,
    pub seq: i64,
}

/// Whole `db_version`s of the sender after `after` up to `through`, as filtered by the direction
/// rules. `through` may be past the last change carried: versions the rules held back still count
/// as received, so the watermark moves on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeBatch {
    pub version: u16,
    /// The stream it belongs to (`priority` for hits and dispositions, `bulk` for the rest);
    /// each has its own watermark, so hits go ahead of a backlog of reads.
    pub stream: String,
    /// The sender's cr-sqlite site id.
    pub from_site: Vec<u8>,
    pub after: i64,
    pub through: i64,
    pub tables: Vec<String>,
    pub sites: Vec<Vec<u8>>,
    pub changes: Vec<WireChange>,
    /// Set when the batch carries part of one version too large for a batch: the receiver keeps
    /// the parts aside and merges the version only with its last part.
    pub part: Option<Part>,
}

/// A change's place within its version. `seq` alone is not enough: changes merged from other
/// stores in one transaction keep the seqs they had where they were made.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cursor {
    pub seq: i64,
    pub table: String,
    pub pk: Vec<u8>,
    pub cid: String,
}

/// Part of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub version: i64,
    /// The version's changes after this one (from its first when `None`).
    pub after: Option<Cursor>,
    /// The last change this part covers, sent or held back by the direction rules (so a part of
    /// held-back changes still moves on). `None` only for a last part that covers nothing new.
    pub end: Option<Cursor>,
    /// This part completes the version (and the batch may go on with whole versions after it).
    pub last: bool,
}

/// Why a batch was refused on arrival; nothing was applied.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WireError {
    #[error("batch of {0} bytes is over the limit of {MAX_COMPRESSED_BYTES}")]
    TooLarge(usize),
    #[error("batch unpacks to more than {MAX_DECODED_BYTES} bytes")]
    TooLargeDecoded,
    #[error("batch is not valid zstd data (cut short or damaged): {0}")]
    Compression(String),
    #[error("batch does not decode: {0}")]
    Malformed(String),
    #[error("batch speaks protocol version {0}; this side speaks {PROTOCOL_VERSION}")]
    Version(u16),
    #[error("batch is inconsistent: {0}")]
    Inconsistent(String),
}

impl From<&SqlValue> for WireValue {
    fn from(v: &SqlValue) -> Self {
        match v {
            SqlValue::Null => WireValue::Null,
            SqlValue::Integer(i) => WireValue::Integer(*i),
            SqlValue::Real(f) => WireValue::Real(*f),
            SqlValue::Text(t) => WireValue::Text(t.clone()),
            SqlValue::Blob(b) => WireValue::Blob(b.clone()),
        }
    }
}

impl From<WireValue> for SqlValue {
    fn from(v: WireValue) -> Self {
        match v {
            WireValue::Null => SqlValue::Null,
            WireValue::Integer(i) => SqlValue::Integer(i),
            WireValue::Real(f) => SqlValue::Real(f),
            WireValue::Text(t) => SqlValue::Text(t),
            WireValue::Blob(b) => SqlValue::Blob(b),
        }
    }
}

fn index_of(list: &mut Vec<Vec<u8>>, item: &[u8]) -> u16 {
    match list.iter().position(|x| x == item) {
        Some(i) => i as u16,
        None => {
            list.push(item.to_vec());
            (list.len() - 1) as u16
        }
    }
}

impl ChangeBatch {
    /// A batch of `changes` (whole versions after `after` through `through`) from `from_site`.
    pub fn new(
        stream: &str,
        from_site: &[u8],
        after: i64,
        through: i64,
        changes: &[Change],
    ) -> Self {
        let mut tables: Vec<Vec<u8>> = Vec::new();
        let mut sites: Vec<Vec<u8>> = Vec::new();
        let changes = changes
            .iter()
            .map(|c| WireChange {
                table: index_of(&mut tables, c.table.as_bytes()),
                pk: c.pk.clone(),
                cid: c.cid.clone(),
                val: WireValue::from(&c.val),
                col_version: c.col_version,
                db_version: c.db_version,
                site: index_of(&mut sites, &c.site_id),
                cl: c.cl,
                seq: c.seq,
            })
            .collect();
        ChangeBatch {
            version: PROTOCOL_VERSION,
            stream: stream.to_string(),
            from_site: from_site.to_vec(),
            after,
            through,
            tables: tables
                .into_iter()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .collect(),
            sites,
            changes,
            part: None,
        }
    }

    /// The changes as `crsql_changes` rows again.
    pub fn into_changes(self) -> Vec<Change> {
        let tables = self.tables;
        let sites = self.sites;
        self.changes
            .into_iter()
            .map(|c| Change {
                table: tables.get(c.table as usize).cloned().unwrap_or_default(),
                pk: c.pk,
                cid: c.cid,
                val: c.val.into(),
                col_version: c.col_version,
                db_version: c.db_version,
                site_id: sites.get(c.site as usize).cloned().unwrap_or_default(),
                cl: c.cl,
                seq: c.seq,
            })
            .collect()
    }

    /// postcard, then zstd with a checksum over the frame.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let raw = postcard::to_stdvec(self).map_err(|e| WireError::Malformed(e.to_string()))?;
        let mut out = Vec::with_capacity(raw.len() / 4);
        let mut enc = zstd::stream::Encoder::new(&mut out, 3)
            .map_err(|e| WireError::Compression(e.to_string()))?;
        enc.include_checksum(true)
            .map_err(|e| WireError::Compression(e.to_string()))?;
        std::io::copy(&mut raw.as_slice(), &mut enc)
            .map_err(|e| WireError::Compression(e.to_string()))?;
        enc.finish()
            .map_err(|e| WireError::Compression(e.to_string()))?;
        Ok(out)
    }

    /// Decodes and checks a batch as it arrived: size limits, compression, the protocol version,
    /// and that every change is inside the batch's range and names a table and site it lists.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        use std::io::Read as _;
        if bytes.len() > MAX_COMPRESSED_BYTES {
            return Err(WireError::TooLarge(bytes.len()));
        }
        let dec =
            zstd::stream::Decoder::new(bytes).map_err(|e| WireError::Compression(e.to_string()))?;
        let mut raw = Vec::new();
        dec.take(MAX_DECODED_BYTES as u64 + 1)
            .read_to_end(&mut raw)
            .map_err(|e| WireError::Compression(e.to_string()))?;
        if raw.len() > MAX_DECODED_BYTES {
            return Err(WireError::TooLargeDecoded);
        }
        let batch: ChangeBatch =
            postcard::from_bytes(&raw).map_err(|e| WireError::Malformed(e.to_string()))?;
        batch.check()?;
        Ok(batch)
    }

    fn check(&self) -> Result<(), WireError> {
        let bad = |m: String| Err(WireError::Inconsistent(m));
        if self.version != PROTOCOL_VERSION {
            return Err(WireError::Version(self.version));
        }
        if self.from_site.len() != 16 {
            return bad(format!("sender site id of {} bytes", self.from_site.len()));
        }
        if self.after < 0 || self.through < self.after {
            return bad(format!(
                "range {}..{} runs backwards",
                self.after, self.through
            ));
        }
        if let Some(s) = self.sites.iter().find(|s| s.len() != 16) {
            return bad(format!("a site id of {} bytes", s.len()));
        }
        if let Some(p) = &self.part {
            if p.version <= self.after {
                return bad(format!(
                    "part of version {} after {}",
                    p.version, self.after
                ));
            }
            if !p.last {
                if self.through != self.after {
                    return bad("an unfinished part cannot move the watermark".into());
                }
                match (&p.after, &p.end) {
                    (_, None) => return bad("an unfinished part covers nothing".into()),
                    (Some(a), Some(e)) if e <= a => {
                        return bad("an unfinished part ends before it starts".into());
                    }
                    _ => {}
                }
            }
            let key = |c: &WireChange| Cursor {
                seq: c.seq,
                table: self
                    .tables
                    .get(c.table as usize)
                    .cloned()
                    .unwrap_or_default(),
                pk: c.pk.clone(),
                cid: c.cid.clone(),
            };
            if let Some(c) = self.changes.iter().find(|c| {
                let in_version = c.db_version == p.version;
                (in_version && p.after.as_ref().is_some_and(|a| key(c) <= *a))
                    || (!p.last && (!in_version || p.end.as_ref().is_some_and(|e| key(c) > *e)))
            }) {
                return bad(format!(
                    "a change at version {} seq {} outside the part",
                    c.db_version, c.seq
                ));
            }
        }
        for (i, c) in self.changes.iter().enumerate() {
            let in_part = self
                .part
                .as_ref()
                .is_some_and(|p| c.db_version == p.version);
            if !in_part && (c.db_version <= self.after || c.db_version > self.through) {
                return bad(format!(
                    "change {i} is at version {}, outside {}..={}",
                    c.db_version,
                    self.after + 1,
                    self.through
                ));
            }
            if c.table as usize >= self.tables.len() || c.site as usize >= self.sites.len() {
                return bad(format!(
                    "change {i} names a table or site the batch does not list"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(v: i64, seq: i64) -> Change {
        Change {
            table: "reads".into(),
            pk: vec![1, 2, 3],
            cid: "plate".into(),
            val: SqlValue::Text("ABC123".into()),
            col_version: 1,
            db_version: v,
            site_id: vec![7; 16],
            cl: 1,
            seq,
        }
    }

    #[test]
    fn a_batch_round_trips() {
        let changes = vec![change(3, 0), change(3, 1), change(4, 0)];
        let b = ChangeBatch::new("bulk", &[9; 16], 2, 5, &changes);
        let bytes = b.encode().expect("encode");
        let back = ChangeBatch::decode(&bytes).expect("decode");
        assert_eq!(back, b);
        assert_eq!(back.into_changes(), changes);
    }

    #[test]
    fn damaged_cut_or_foreign_batches_are_refused() {
        let b = ChangeBatch::new("bulk", &[9; 16], 2, 5, &[change(3, 0)]);
        let bytes = b.encode().expect("encode");
        let cut = &bytes[..bytes.len() - 3];
        assert!(matches!(
            ChangeBatch::decode(cut),
            Err(WireError::Compression(_) | WireError::Malformed(_))
        ));
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x40;
        assert!(
            ChangeBatch::decode(&flipped).is_err(),
            "the frame checksum catches it"
        );
        assert!(matches!(
            ChangeBatch::decode(b"not zstd at all"),
            Err(WireError::Compression(_))
        ));
        let mut old = b.clone();
        old.version = 0;
        assert_eq!(
            ChangeBatch::decode(&old.encode().expect("encode")),
            Err(WireError::Version(0))
        );
        let outside = ChangeBatch::new("bulk", &[9; 16], 3, 5, &[change(3, 0)]);
        assert!(matches!(
            ChangeBatch::decode(&outside.encode().expect("encode")),
            Err(WireError::Inconsistent(_))
        ));
        assert!(matches!(
            ChangeBatch::decode(&vec![0u8; MAX_COMPRESSED_BYTES + 1]),
            Err(WireError::TooLarge(_))
        ));
    }

    #[test]
    fn a_zip_bomb_stops_at_the_limit() {
        let mut huge = ChangeBatch::new("bulk", &[9; 16], 2, 5, &[change(3, 0)]);
        huge.changes[0].val = WireValue::Blob(vec![0; MAX_DECODED_BYTES + 10]);
        let bytes = huge.encode().expect("encode");
        assert!(bytes.len() < MAX_COMPRESSED_BYTES, "zeros compress well");
        assert_eq!(ChangeBatch::decode(&bytes), Err(WireError::TooLargeDecoded));
    }
}
