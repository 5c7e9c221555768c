//! An agency's store under one of the seed policies, with a member of each role logged in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alpr_appliance::policy::Policy;
use alpr_appliance::store::{NewMember, Session, Store};
use chrono::{Duration, Utc};

/// The password every fixture member has.
pub const PASSWORD: &str = "correct horse battery staple";

/// A store under `policy` with an administrator (`admin`), an investigator (`det`), an operator
/// (`ofc`), an auditor (`aud`) and a technician (`tech`), each trained, NCIC-certified and
/// sworn, and each logged in.
#[derive(Debug)]
pub struct Agency {
    pub dir: PathBuf,
    pub store: Store,
    pub policy: Arc<Policy>,
    pub admin: Session,
    pub det: Session,
    pub ofc: Session,
    pub aud: Session,
    pub tech: Session,
}

/// A fully qualified member with `roles`.
pub fn member(id: &str, roles: &[&str]) -> NewMember {
    NewMember {
        id: id.into(),
        display_name: format!("Member {id}"),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        password: PASSWORD.into(),
        training_expires: Some(Utc::now() + Duration::days(365)),
        ncic_expires: Some(Utc::now() + Duration::days(365)),
        sworn: true,
    }
}

impl Agency {
    /// Opens a store for `car` in `dir` under the embedded policy `policy_id`.
    pub fn new(dir: &Path, policy_id: &str, car: &str) -> Self {
        let policy = Arc::new(Policy::load(policy_id).expect("policy loads"));
        let dir = dir.join(car);
        let mut store = Store::open(&dir, car).expect("store opens");
        store.use_policy(policy.clone()).expect("policy recorded");
        store
            .add_member(None, &member("admin", &["administrator"]))
            .expect("first administrator");
        let admin = store
            .login("admin", PASSWORD, true, Utc::now())
            .expect("admin logs in");
        for (id, role) in [
            ("det", "investigator"),
            ("ofc", "operator"),
            ("aud", "auditor"),
            ("tech", "technician"),
            ("admin2", "administrator"),
        ] {
            store
                .add_member(Some(&admin), &member(id, &[role]))
                .expect("member added");
        }
        let login = |store: &mut Store, id: &str| {
            store
                .login(id, PASSWORD, true, Utc::now())
                .unwrap_or_else(|e| panic!("{id} logs in: {e}"))
        };
        let det = login(&mut store, "det");
        let ofc = login(&mut store, "ofc");
        let aud = login(&mut store, "aud");
        let tech = login(&mut store, "tech");
        Agency {
            dir,
            store,
            policy,
            admin,
            det,
            ofc,
            aud,
            tech,
        }
    }

    /// Logs in another member.
    pub fn login(&mut self, id: &str) -> Session {
        self.store
            .login(id, PASSWORD, true, Utc::now())
            .unwrap_or_else(|e| panic!("{id} logs in: {e}"))
    }

    /// How many audit records have `action` (and, when given, were made by `user`).
    pub fn audited(&self, action: &str, user: Option<&str>) -> i64 {
        self.store
            .connection()
            .query_row(
                "SELECT count(*) FROM audit_events WHERE action = ?1 AND (?2 IS NULL OR user_id = ?2)",
                rusqlite::params![action, user],
                |r| r.get(0),
            )
            .expect("counting audit records")
    }
}
