use std::io;
use std::path::PathBuf;

/// What went wrong with the agency PKI or a TLS configuration, naming the file or PEM involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{} already exists; refusing to replace the agency CA (every car's certificate chains to it)", path.display())]
    CaExists { path: PathBuf },

    #[error("{what}: not valid PEM: {reason}")]
    Pem { what: String, reason: String },

    #[error("{what}: {reason}")]
    Certificate { what: String, reason: String },

    #[error("{what}: {reason}")]
    Key { what: String, reason: String },

    #[error("{what}: {reason}")]
    Crl { what: String, reason: String },

    #[error("invalid {what} {value:?}: {reason}")]
    InvalidName {
        what: &'static str,
        value: String,
        reason: &'static str,
    },

    #[error("invalid {what}: {reason}")]
    InvalidValidity { what: String, reason: String },

    #[error("revoked serial {serial_hex:?}: {reason}")]
    InvalidSerial { serial_hex: String, reason: String },

    #[error("generating {what}: {source}")]
    Generate {
        what: String,
        #[source]
        source: rcgen::Error,
    },

    #[error("building the {what}: {source}")]
    Rustls {
        what: &'static str,
        #[source]
        source: rustls::Error,
    },

    #[error("building the client-certificate verifier: {source}")]
    Verifier {
        #[source]
        source: rustls::server::VerifierBuilderError,
    },
}

impl TlsError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn certificate(what: impl Into<String>, reason: impl ToString) -> Self {
        Self::Certificate {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn key(what: impl Into<String>, reason: impl ToString) -> Self {
        Self::Key {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn crl(what: impl Into<String>, reason: impl ToString) -> Self {
        Self::Crl {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn generate(what: impl Into<String>, source: rcgen::Error) -> Self {
        Self::Generate {
            what: what.into(),
            source,
        }
    }
}
