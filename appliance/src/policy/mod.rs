//! An agency's ALPR policy as the appliance enforces it: who may do what, what a search needs,
//! how long reads are kept, what a release request needs, what the audits and reports hold.
//!
//! One file per agency lives in `policies/` (embedded here too, so a car needs only the name);
//! the appliance runs under exactly one, recorded in the store when the store is created.

mod permissions;

use std::path::Path;

use serde::Deserialize;

pub use permissions::Permission;

/// Where the image installs policy files (`<id>.toml`).
pub const INSTALLED_DIR: &str = "/etc/alpr/policies";

/// The policies shipped with the program, by id: `policies/<id>.toml`.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "coralville",
        include_str!("../../../policies/coralville.toml"),
    ),
    ("coronado", include_str!("../../../policies/coronado.toml")),
    ("clinton", include_str!("../../../policies/clinton.toml")),
    ("parsons", include_str!("../../../policies/parsons.toml")),
    ("kentucky", include_str!("../../../policies/kentucky.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("no policy {0:?}: give one of {names} or a path to a policy file", names = embedded_names())]
    Unknown(String),
    #[error("reading policy {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("policy {origin}: {message}")]
    Invalid { origin: String, message: String },
}

fn embedded_names() -> String {
    EMBEDDED
        .iter()
        .map(|(id, _)| *id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A whole policy file.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub agency: Agency,
    pub access: Access,
    pub prohibited_uses: ProhibitedUses,
    pub search: SearchRules,
    pub retention: Retention,
    pub hotlists: HotlistRules,
    pub alerts: AlertRules,
    pub release: ReleaseRules,
    pub audit: AuditRules,
    pub report: ReportRules,
    /// Role name to what it may do.
    pub roles: std::collections::BTreeMap<String, RoleGrant>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Short id (`clinton`); recorded in the store.
    pub id: String,
    pub name: String,
    /// Two-letter state.
    pub state: String,
    /// The policy it comes from (`Clinton PD Policy Manual 426`).
    pub source: String,
    /// The title of the member who manages ALPR data and decides release requests.
    pub administrator_title: String,
    /// The title the monthly audit memorandum and the yearly report are addressed to.
    pub chief_title: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// No access to ALPR data without current department-approved training.
    pub training_required: bool,
    /// Only members certified to access NCIC information (Coralville 427.4(i)).
    pub ncic_certification_required: bool,
    /// Only sworn officers (Coralville 427.4(i)).
    pub sworn_required: bool,
    /// Failed logins in a row before the account locks.
    pub lockout_after_failures: u32,
    pub lockout_minutes: u32,
    /// Minutes without a touch before the screen locks and asks for the password again.
    pub idle_lock_minutes: u32,
    pub min_password_length: usize,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProhibitedUses {
    /// Shown at every login; the member acknowledges them before any access.
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRules {
    pub case_number_required: bool,
    pub reason_required: bool,
    /// A "detailed reason" is at least this long.
    pub reason_min_chars: usize,
    pub crime_type_required: bool,
    /// Crime types a search may name (the form's list).
    pub crime_types: Vec<String>,
    /// Search records are kept at least this long, whatever the read retention.
    pub record_retention_years: u32,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Reads (and their images) older than this are purged unless held.
    pub max_days: u32,
    /// Reads are never purged younger than this (a state's minimum).
    pub min_days: u32,
    /// Hours between scheduled purges.
    pub purge_interval_hours: u32,
    /// What may hold a read past its retention.
    pub hold_kinds: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct HotlistRules {
    /// A general list older than this is stale (a warning on screen and in the self-test).
    pub max_age_hours: u32,
    /// Agency entries match only once an administrator approves them.
    pub agency_entry_requires_approval: bool,
    /// The record-keeping fields every agency entry needs.
    pub agency_entry_fields: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRules {
    /// Where a hit is confirmed (`NCIC`, `CLETS`, ...).
    pub confirm_through: String,
    /// Said on every alert.
    pub reminder: String,
    /// The verification steps the officer walks on a hit, in order.
    pub steps: Vec<VerificationStep>,
}

/// One step of a hit's verification checklist.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationStep {
    /// `plate-characters`, `state`, `vehicle`, `dispatch-confirmed`, ...
    pub id: String,
    pub text: String,
    /// A stop, arrest, citation or recovery is refused until the step is confirmed (or excused).
    pub required_before_enforcement: bool,
    /// Outcomes besides `confirmed` that satisfy the step, each only with a note
    /// (`not-practicable` where the policy says "if practicable"; `exigent`).
    #[serde(default)]
    pub excusable: Vec<String>,
    /// Only on hits from these lists (`bolo`); on every hit when left out.
    #[serde(default)]
    pub lists: Option<Vec<String>>,
}

/// What an officer may record for a verification step.
pub const STEP_OUTCOMES: &[&str] = &["confirmed", "mismatch", "not-practicable", "exigent"];

impl AlertRules {
    /// The steps that apply to a hit on `list_id`, in order.
    pub fn steps_for(&self, list_id: &str) -> impl Iterator<Item = &VerificationStep> {
        self.steps.iter().filter(move |s| {
            s.lists
                .as_ref()
                .is_none_or(|l| l.iter().any(|x| x == list_id))
        })
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRules {
    /// Kinds of requesting agency data may be released to (`law-enforcement`, `prosecutorial`).
    pub allowed_recipients: Vec<String>,
    /// Fields a written request needs: `agency`, `requester`, `purpose`, `case_number`.
    pub required_fields: Vec<String>,
    /// Where other requests go instead.
    pub other_requests: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRules {
    /// Detection-browsing searches the monthly audit samples at least.
    pub monthly_sample_size: usize,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRules {
    /// Whom the yearly report goes to (`City Council`).
    pub annual_to: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoleGrant {
    pub permissions: Vec<Permission>,
}

impl Policy {
    /// Loads an embedded policy by id, or a policy file by path.
    pub fn load(name_or_path: &str) -> Result<Self, PolicyError> {
        if let Some((_, text)) = EMBEDDED.iter().find(|(id, _)| *id == name_or_path) {
            return Self::parse(text, &format!("{name_or_path} (embedded)"));
        }
        // A store records its policy's id; an agency's own policy file is found again by it where
        // the image installs policies.
        let installed = Path::new(INSTALLED_DIR).join(format!("{name_or_path}.toml"));
        if !name_or_path.contains('/') && installed.is_file() {
            return Self::load(&installed.display().to_string());
        }
        let path = Path::new(name_or_path);
        if path.extension().is_some_and(|e| e == "toml") || path.exists() {
            let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
                path: name_or_path.to_string(),
                source,
            })?;
            return Self::parse(&text, name_or_path);
        }
        Err(PolicyError::Unknown(name_or_path.to_string()))
    }

    /// Parses and checks a policy's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError::Invalid {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        policy.validate().map_err(|message| PolicyError::Invalid {
            origin: origin.to_string(),
            message,
        })?;
        Ok(policy)
    }

    fn validate(&self) -> Result<(), String> {
        if self.agency.id.is_empty()
            || !self
                .agency
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "agency.id {:?}: lower-case letters, digits and '-'",
                self.agency.id
            ));
        }
        if self.retention.max_days == 0 {
            return Err("retention.max_days: must be at least 1".into());
        }
        if self.retention.min_days > self.retention.max_days {
            return Err(format!(
                "retention.min_days ({}) is more than retention.max_days ({})",
                self.retention.min_days, self.retention.max_days
            ));
        }
        if self.access.lockout_after_failures == 0 {
            return Err("access.lockout_after_failures: must be at least 1".into());
        }
        if self.access.min_password_length < 8 {
            return Err("access.min_password_length: at least 8".into());
        }
        if self.prohibited_uses.items.is_empty() {
            return Err("prohibited_uses.items: the uses a member acknowledges at login".into());
        }
        for field in &self.release.required_fields {
            if !["agency", "requester", "purpose", "case_number"].contains(&field.as_str()) {
                return Err(format!(
                    "release.required_fields: {field:?} is not one of agency, requester, purpose, case_number"
                ));
            }
        }
        for field in &self.hotlists.agency_entry_fields {
            if !["entered_by", "requested_by", "case_number", "synopsis"].contains(&field.as_str())
            {
                return Err(format!(
                    "hotlists.agency_entry_fields: {field:?} is not one of entered_by, requested_by, case_number, synopsis"
                ));
            }
        }
        if self.alerts.steps.is_empty() {
            return Err("alerts.steps: a hit needs a verification checklist".into());
        }
        let mut ids = std::collections::BTreeSet::new();
        for step in &self.alerts.steps {
            if !ids.insert(step.id.as_str()) || step.id == "disposition" || step.id.is_empty() {
                return Err(format!(
                    "alerts.steps: step id {:?} is empty, repeated or reserved",
                    step.id
                ));
            }
            for e in &step.excusable {
                if !STEP_OUTCOMES.contains(&e.as_str()) || e == "confirmed" || e == "mismatch" {
                    return Err(format!(
                        "alerts.steps.{}: {e:?} cannot excuse a step (not-practicable or exigent)",
                        step.id
                    ));
                }
            }
        }
        for role in crate::store::ROLES {
            if !self.roles.contains_key(*role) {
                return Err(format!("roles.{role}: every role needs its permissions"));
            }
        }
        for role in self.roles.keys() {
            if !crate::store::ROLES.contains(&role.as_str()) {
                return Err(format!(
                    "roles.{role}: not a role (one of {})",
                    crate::store::ROLES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Whether `roles` together grant `permission`.
    pub fn grants(&self, roles: &[String], permission: Permission) -> bool {
        roles.iter().any(|r| {
            self.roles
                .get(r)
                .is_some_and(|g| g.permissions.contains(&permission))
        })
    }

    /// Whether a role reaches ALPR data at all (and so needs training and the rest).
    pub fn touches_data(&self, roles: &[String]) -> bool {
        roles.iter().any(|r| {
            self.roles
                .get(r)
                .is_some_and(|g| g.permissions.iter().any(|p| p.is_data_access()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_policy_loads() {
        for (id, _) in EMBEDDED {
            let policy = Policy::load(id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(&policy.agency.id, id);
        }
    }

    #[test]
    fn an_unknown_key_is_named() {
        let (_, text) = EMBEDDED[0];
        let bad = format!("{text}\n[extra]\nx = 1\n");
        let err = Policy::parse(&bad, "bad.toml").expect_err("unknown table");
        assert!(err.to_string().contains("extra"), "{err}");
    }
}
