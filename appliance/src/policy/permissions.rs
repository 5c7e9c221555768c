//! What a role may do. A policy file grants these by name to each role.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// Operate the reader on patrol: live reads and hits on this car's screen, dispositions.
    Patrol,
    /// Search stored reads (always with a case number and reason).
    Search,
    /// See the hot lists and try a plate against them.
    HotlistView,
    /// Load general hot lists.
    HotlistImport,
    /// Enter BOLOs and partial plates.
    HotlistEnter,
    /// Approve agency entries.
    HotlistApprove,
    /// Add members, set roles and training.
    UserManage,
    /// Read the audit trail, verify it, take the monthly sample.
    AuditView,
    /// Run the retention purge by hand.
    Purge,
    /// Place and release legal holds.
    HoldManage,
    /// Export held records as evidence.
    EvidenceExport,
    /// Record a release request from another agency.
    ReleaseRequest,
    /// Approve or deny a release request, and fulfil an approved one.
    ReleaseDecide,
    /// Produce the yearly report.
    Report,
    /// Diagnostics for fleet technicians: no plate data.
    Diagnostics,
}

impl Permission {
    /// Whether the permission reaches stored ALPR data (reads, hits, lists, searches).
    pub fn is_data_access(self) -> bool {
        !matches!(self, Permission::Diagnostics | Permission::UserManage)
    }

    pub fn name(self) -> &'static str {
        match self {
            Permission::Patrol => "patrol",
            Permission::Search => "search",
            Permission::HotlistView => "hotlist-view",
            Permission::HotlistImport => "hotlist-import",
            Permission::HotlistEnter => "hotlist-enter",
            Permission::HotlistApprove => "hotlist-approve",
            Permission::UserManage => "user-manage",
            Permission::AuditView => "audit-view",
            Permission::Purge => "purge",
            Permission::HoldManage => "hold-manage",
            Permission::EvidenceExport => "evidence-export",
            Permission::ReleaseRequest => "release-request",
            Permission::ReleaseDecide => "release-decide",
            Permission::Report => "report",
            Permission::Diagnostics => "diagnostics",
        }
    }
}
