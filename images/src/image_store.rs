//! Plate crops and context images as files named by their sha256.
//!
//! Rows that sync carry only the hash; the bytes live here, written once, so the same image
//! received twice is stored once and a file can always be checked against its name.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The encodings the appliance keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    /// Recognises an image by its first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else {
            None
        }
    }

    /// The format for an extension as rows keep it (`jpg`, `png`).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "jpg" | "jpeg" => Some(ImageFormat::Jpeg),
            "png" => Some(ImageFormat::Png),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
        }
    }
}

/// A stored image: what a row keeps to find and verify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub sha256: String,
    pub format: ImageFormat,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageStoreError {
    #[error("not a JPEG or PNG image ({0} bytes, starting {1})")]
    UnknownFormat(usize, String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A directory of images named `<sha256[..2]>/<sha256>.<ext>`.
#[derive(Debug, Clone)]
pub struct ImageStore {
    root: PathBuf,
}

impl ImageStore {
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, ImageStoreError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|source| ImageStoreError::Io {
            path: root.clone(),
            source,
        })?;
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where an image with this hash and format lives.
    pub fn path_of(&self, sha256: &str, format: ImageFormat) -> PathBuf {
        let shard = sha256.get(..2).unwrap_or("00");
        self.root
            .join(shard)
            .join(format!("{sha256}.{}", format.extension()))
    }

    /// Stores `bytes` (durably: written, synced, then renamed into place) unless already present.
    pub fn put(&self, bytes: &[u8]) -> Result<ImageRef, ImageStoreError> {
        let format = ImageFormat::sniff(bytes).ok_or_else(|| {
            let head: String = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
            ImageStoreError::UnknownFormat(bytes.len(), head)
        })?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha256, format);
        let image = ImageRef {
            sha256,
            format,
            bytes: bytes.len() as u64,
        };
        if path.exists() {
            return Ok(image);
        }
        let dir = path.parent().unwrap_or(&self.root);
        let io = |source| ImageStoreError::Io {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(dir).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        tmp.write_all(bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&path).map_err(|e| io(e.error))?;
        Ok(image)
    }

    /// Destroys an image: its bytes overwritten with zeros and synced before the file is removed,
    /// so a retention purge leaves nothing in the file's blocks. False when it was not there.
    pub fn shred(&self, sha256: &str, format: ImageFormat) -> Result<bool, ImageStoreError> {
        let path = self.path_of(sha256, format);
        let io = |source| ImageStoreError::Io {
            path: path.clone(),
            source,
        };
        let mut file = match fs::OpenOptions::new().write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io(e)),
        };
        let len = file.metadata().map_err(io)?.len();
        let zeros = vec![0u8; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            file.write_all(&zeros[..n]).map_err(io)?;
            left -= n as u64;
        }
        file.sync_all().map_err(io)?;
        drop(file);
        fs::remove_file(&path).map_err(io)?;
        Ok(true)
    }

    /// Reads an image back, checking it still matches its hash.
    pub fn get(&self, image: &ImageRef) -> Result<Vec<u8>, ImageStoreError> {
        let path = self.path_of(&image.sha256, image.format);
        let bytes = fs::read(&path).map_err(|source| ImageStoreError::Io {
            path: path.clone(),
            source,
        })?;
        if hex::encode(Sha256::digest(&bytes)) != image.sha256 {
            return Err(ImageStoreError::Io {
                path,
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "content does not match its sha256",
                ),
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_image_is_stored_once_by_hash_and_read_back_verified() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ImageStore::open(dir.path().join("img")).expect("open");
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let a = store.put(&jpeg).expect("put");
        let b = store.put(&jpeg).expect("put again");
        assert_eq!(a, b);
        assert_eq!(a.format, ImageFormat::Jpeg);
        assert_eq!(store.get(&a).expect("get"), jpeg);
        fs::write(store.path_of(&a.sha256, a.format), b"\xFF\xD8\xFFtampered").expect("tamper");
        assert!(
            store.get(&a).is_err(),
            "a changed file no longer matches its name"
        );
    }

    #[test]
    fn unknown_formats_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ImageStore::open(dir.path()).expect("open");
        let err = store.put(b"GIF89a...").expect_err("gif refused");
        assert!(err.to_string().contains("47494638"), "{err}");
    }
}
