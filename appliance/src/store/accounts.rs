//! Members and their logins: Argon2id password hashes, roles from the policy, training and NCIC
//! certification dates, lockout after failed logins, the idle lock, and the acknowledgement of
//! prohibited uses at every login. Every login, failed or not, goes into the audit trail.

use std::cell::Cell;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::audit::{AuditEntry, append};
use super::{Context, ROLES, Store, StoreError, StoreResult, ms, now_ms};
use crate::policy::{Permission, Policy};

/// A member as an administrator enters them.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    pub id: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub password: String,
    /// When the member's department-approved ALPR training runs out.
    pub training_expires: Option<DateTime<Utc>>,
    /// When the member's NCIC certification runs out.
    pub ncic_expires: Option<DateTime<Utc>>,
    pub sworn: bool,
}

/// A member as stored (without the password hash).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Member {
    pub id: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub training_expires: Option<DateTime<Utc>>,
    pub ncic_expires: Option<DateTime<Utc>>,
    pub sworn: bool,
    pub active: bool,
}

/// Why a login was refused. Wrong names and wrong passwords read the same.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("unknown member or wrong password")]
    BadCredentials,
    #[error("{0} is locked after repeated failed logins until {1}")]
    Locked(String, DateTime<Utc>),
    #[error(
        "{0} has no current ALPR training on record (expired or never recorded: {1}); no access without it"
    )]
    Training(String, String),
    #[error(
        "{0} has no current NCIC certification on record ({1}); this policy gives access only to NCIC-certified members"
    )]
    NcicCertification(String, String),
    #[error(
        "{0} is not recorded as a sworn officer; this policy gives access only to sworn officers"
    )]
    NotSworn(String),
    #[error("{0} is no longer an active member")]
    Inactive(String),
    #[error("the prohibited uses must be acknowledged at every login")]
    NotAcknowledged,
    #[error("the screen locked after {0} minutes without use: log in again")]
    IdleLocked(u32),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A logged-in member. Everything that reaches stored data takes one.
#[derive(Debug, Clone)]
pub struct Session {
    user: String,
    display_name: String,
    roles: Vec<String>,
    login_id: Uuid,
    policy: Arc<Policy>,
    last_activity: Cell<DateTime<Utc>>,
}

impl Session {
    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// The login this session came from (the audit record's object id).
    pub fn login_id(&self) -> Uuid {
        self.login_id
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.policy.grants(&self.roles, permission)
    }

    /// A touch of the screen at `now`: refused once the policy's idle time has passed since the
    /// last one (the screen then asks for the password again).
    /// Whether the idle lock has fallen at `now`, without counting the question as activity (a
    /// screen asks it on a timer).
    pub fn idle_check(&self, now: DateTime<Utc>) -> Result<(), LoginError> {
        let limit = self.policy.access.idle_lock_minutes;
        if now - self.last_activity.get() > Duration::minutes(i64::from(limit)) {
            return Err(LoginError::IdleLocked(limit));
        }
        Ok(())
    }

    pub fn touch(&self, now: DateTime<Utc>) -> Result<(), LoginError> {
        let limit = self.policy.access.idle_lock_minutes;
        if now - self.last_activity.get() > Duration::minutes(i64::from(limit)) {
            return Err(LoginError::IdleLocked(limit));
        }
        self.last_activity.set(now.max(self.last_activity.get()));
        Ok(())
    }
}

fn hash_password(password: &str) -> StoreResult<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("hashing the password: {e}")))
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn parse_roles(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

fn when(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.and_then(DateTime::from_timestamp_millis)
}

impl Store {
    /// The store runs under `policy` from now on. The first policy named is recorded; a store
    /// created under one agency's policy refuses another's.
    pub fn use_policy(&mut self, policy: Arc<Policy>) -> StoreResult<()> {
        let recorded: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM local_settings WHERE key = 'policy'",
                [],
                |r| r.get(0),
            )
            .optional()
            .context("reading the recorded policy")?;
        match recorded {
            Some(id) if id != policy.agency.id => {
                return Err(StoreError::Refused(format!(
                    "this store runs under the {id} policy, not {}",
                    policy.agency.id
                )));
            }
            Some(_) => {}
            None => {
                self.conn
                    .execute(
                        "INSERT INTO local_settings (key, value) VALUES ('policy', ?1)",
                        [&policy.agency.id],
                    )
                    .context("recording the policy")?;
            }
        }
        self.policy = Some(policy);
        Ok(())
    }

    /// The policy id recorded in the store, if any.
    pub fn recorded_policy(&self) -> StoreResult<Option<String>> {
        self.conn
            .query_row(
                "SELECT value FROM local_settings WHERE key = 'policy'",
                [],
                |r| r.get(0),
            )
            .optional()
            .context("reading the recorded policy")
    }

    pub(crate) fn policy(&self) -> StoreResult<Arc<Policy>> {
        self.policy.clone().ok_or_else(|| {
            StoreError::Invalid(
                "no policy: the store must be opened under the agency's policy".into(),
            )
        })
    }

    /// Refuses (and records the refusal) unless the session's roles grant `permission`, and
    /// unless the session has been in use within the policy's idle time (the screen's lock).
    pub fn require(&self, session: &Session, permission: Permission) -> StoreResult<()> {
        if let Err(e) = session.touch(Utc::now()) {
            self.audit(&AuditEntry {
                user: session.user(),
                action: "idle-lock",
                object_kind: "member",
                object_id: session.user(),
                detail: permission.name(),
            })?;
            return Err(StoreError::Refused(e.to_string()));
        }
        if session.may(permission) {
            return Ok(());
        }
        self.audit(&AuditEntry {
            user: session.user(),
            action: "refused",
            object_kind: "permission",
            object_id: permission.name(),
            detail: &session.roles().join(","),
        })?;
        Err(StoreError::Refused(format!(
            "{} ({}) may not {}",
            session.user(),
            session.roles().join(", "),
            permission.name()
        )))
    }

    /// Members on record.
    pub fn member_count(&self) -> StoreResult<u64> {
        self.conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
            .context("counting members")
            .map(|n| n.max(0) as u64)
    }

    /// Adds (or updates) a member. `by` is the administrator doing it; the very first member of
    /// a store may be added without one and must then be an administrator.
    pub fn add_member(&mut self, by: Option<&Session>, m: &NewMember) -> StoreResult<()> {
        let policy = self.policy()?;
        let actor = match by {
            Some(s) => {
                self.require(s, Permission::UserManage)?;
                s.user().to_string()
            }
            None if self.member_count()? == 0 => {
                if !m.roles.iter().any(|r| r == "administrator") {
                    return Err(StoreError::Refused(
                        "the first member of a store must be an administrator".into(),
                    ));
                }
                "system:first-administrator".to_string()
            }
            None => {
                return Err(StoreError::Refused(
                    "adding a member needs an administrator's login".into(),
                ));
            }
        };
        if m.id.trim().is_empty()
            || !m
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(StoreError::Invalid(format!(
                "member id {:?}: letters, digits, '.', '_' and '-'",
                m.id
            )));
        }
        if m.roles.is_empty() {
            return Err(StoreError::Invalid(
                "a member needs at least one role".into(),
            ));
        }
        for role in &m.roles {
            if !ROLES.contains(&role.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "role {role:?}: one of {}",
                    ROLES.join(", ")
                )));
            }
        }
        if m.password.chars().count() < policy.access.min_password_length {
            return Err(StoreError::Invalid(format!(
                "the password must have at least {} characters",
                policy.access.min_password_length
            )));
        }
        let hash = hash_password(&m.password)?;
        let tx = self.conn.transaction().context("adding a member")?;
        tx.execute(
            "INSERT INTO users (id, display_name, role, password_hash, training_expires_ms,
                ncic_expires_ms, sworn, active, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)
             ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name,
                role = excluded.role, password_hash = excluded.password_hash,
                training_expires_ms = excluded.training_expires_ms,
                ncic_expires_ms = excluded.ncic_expires_ms, sworn = excluded.sworn, active = 1",
            params![
                m.id,
                m.display_name,
                m.roles.join(","),
                hash,
                m.training_expires.map(ms),
                m.ncic_expires.map(ms),
                m.sworn,
                now_ms(),
            ],
        )
        .context(format!("recording member {}", m.id))?;
        let detail = serde_json::json!({
            "roles": m.roles,
            "training_expires": m.training_expires,
            "ncic_expires": m.ncic_expires,
            "sworn": m.sworn,
        })
        .to_string();
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: &actor,
                action: "member.add",
                object_kind: "member",
                object_id: &m.id,
                detail: &detail,
            },
            Utc::now(),
        )
        .context("auditing the new member")?;
        tx.commit().context("adding a member")?;
        Ok(())
    }

    /// Takes a member's access away (their records stay).
    pub fn deactivate_member(&mut self, by: &Session, id: &str) -> StoreResult<()> {
        self.require(by, Permission::UserManage)?;
        let n = self
            .conn
            .execute("UPDATE users SET active = 0 WHERE id = ?1", [id])
            .context("deactivating a member")?;
        if n == 0 {
            return Err(StoreError::Invalid(format!("no member {id:?}")));
        }
        self.audit(&AuditEntry {
            user: by.user(),
            action: "member.deactivate",
            object_kind: "member",
            object_id: id,
            detail: "",
        })?;
        Ok(())
    }

    /// Members on record (for administrators).
    pub fn members(&self, by: &Session) -> StoreResult<Vec<Member>> {
        self.require(by, Permission::UserManage)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, display_name, role, training_expires_ms, ncic_expires_ms, sworn, active
                 FROM users ORDER BY id",
            )
            .context("listing members")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Member {
                    id: r.get(0)?,
                    display_name: r.get(1)?,
                    roles: parse_roles(&r.get::<_, String>(2)?),
                    training_expires: when(r.get(3)?),
                    ncic_expires: when(r.get(4)?),
                    sworn: r.get(5)?,
                    active: r.get(6)?,
                })
            })
            .context("listing members")?;
        let members = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("listing members")?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "member.list",
            object_kind: "member",
            object_id: "",
            detail: &format!("{} members", members.len()),
        })?;
        Ok(members)
    }

    /// Logs a member in at `now`. Refused, and recorded, when the password is wrong, the account
    /// is locked, training or certification the policy needs is not current, or the prohibited
    /// uses were not acknowledged.
    pub fn login(
        &mut self,
        id: &str,
        password: &str,
        acknowledged_prohibited_uses: bool,
        now: DateTime<Utc>,
    ) -> Result<Session, LoginError> {
        let policy = self.policy()?;
        let fail = |store: &Self, why: &str, err: LoginError| -> Result<Session, LoginError> {
            store.audit(&AuditEntry {
                user: id,
                action: "login-failed",
                object_kind: "member",
                object_id: id,
                detail: why,
            })?;
            Err(err)
        };
        let locked_until: Option<i64> = self
            .conn
            .query_row(
                "SELECT locked_until_ms FROM login_state WHERE user_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .context("reading login state")?
            .flatten();
        if let Some(until) = when(locked_until).filter(|u| *u > now) {
            return fail(self, "locked", LoginError::Locked(id.to_string(), until));
        }
        type Row = (String, String, String, Option<i64>, Option<i64>, bool, bool);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT display_name, role, password_hash, training_expires_ms, ncic_expires_ms,
                    sworn, active FROM users WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()
            .context("looking up the member")?;
        let Some((display_name, roles, hash, training, ncic, sworn, active)) =
            row.filter(|r| password_matches(password, &r.2))
        else {
            self.count_failure(id, now, &policy)?;
            return fail(self, "wrong member or password", LoginError::BadCredentials);
        };
        let _ = hash;
        self.conn
            .execute("DELETE FROM login_state WHERE user_id = ?1", [id])
            .context("clearing failed logins")?;
        if !active {
            return fail(self, "inactive", LoginError::Inactive(id.to_string()));
        }
        let roles = parse_roles(&roles);
        let show = |t: Option<DateTime<Utc>>| {
            t.map(|t| format!("expired {}", t.format("%Y-%m-%d")))
                .unwrap_or_else(|| "none on record".into())
        };
        if policy.touches_data(&roles) {
            let training = when(training);
            if policy.access.training_required && training.is_none_or(|t| t <= now) {
                return fail(
                    self,
                    "training not current",
                    LoginError::Training(id.to_string(), show(training)),
                );
            }
            let ncic = when(ncic);
            if policy.access.ncic_certification_required && ncic.is_none_or(|t| t <= now) {
                return fail(
                    self,
                    "NCIC certification not current",
                    LoginError::NcicCertification(id.to_string(), show(ncic)),
                );
            }
            if policy.access.sworn_required && !sworn {
                return fail(self, "not sworn", LoginError::NotSworn(id.to_string()));
            }
        }
        if !acknowledged_prohibited_uses {
            return fail(
                self,
                "prohibited uses not acknowledged",
                LoginError::NotAcknowledged,
            );
        }
        let login = self.audit(&AuditEntry {
            user: id,
            action: "login",
            object_kind: "member",
            object_id: id,
            detail: &format!(
                "roles {}; acknowledged the {} prohibited uses of the {} policy",
                roles.join(","),
                policy.prohibited_uses.items.len(),
                policy.agency.id
            ),
        })?;
        Ok(Session {
            user: id.to_string(),
            display_name,
            roles,
            login_id: login.id,
            policy,
            last_activity: Cell::new(now),
        })
    }

    fn count_failure(&self, id: &str, now: DateTime<Utc>, policy: &Policy) -> StoreResult<()> {
        let failures: i64 = self
            .conn
            .query_row(
                "INSERT INTO login_state (user_id, failures) VALUES (?1, 1)
                 ON CONFLICT(user_id) DO UPDATE SET failures = failures + 1
                 RETURNING failures",
                [id],
                |r| r.get(0),
            )
            .context("counting a failed login")?;
        if failures >= i64::from(policy.access.lockout_after_failures) {
            let until = now + Duration::minutes(i64::from(policy.access.lockout_minutes));
            self.conn
                .execute(
                    "UPDATE login_state SET failures = 0, locked_until_ms = ?2 WHERE user_id = ?1",
                    params![id, ms(until)],
                )
                .context("locking the account")?;
            self.audit(&AuditEntry {
                user: id,
                action: "lockout",
                object_kind: "member",
                object_id: id,
                detail: &format!("{failures} failed logins; locked until {until}"),
            })?;
        }
        Ok(())
    }

    /// Ends a session (the screen's log-out, or the idle lock).
    pub fn logout(&self, session: &Session, why: &str) -> StoreResult<()> {
        self.audit(&AuditEntry {
            user: session.user(),
            action: "logout",
            object_kind: "member",
            object_id: session.user(),
            detail: why,
        })?;
        Ok(())
    }
}
