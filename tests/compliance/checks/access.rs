//! Logins: the acknowledgement of prohibited uses, the idle lock, training, NCIC certification
//! and sworn status, passwords and lockout.

use alpr_appliance::policy::Permission;
use alpr_appliance::store::{LoginError, NewMember};
use alpr_tests::agency::{PASSWORD, member};
use chrono::{Duration, Utc};

use super::{Fx, err_text, lacks, read_days, refused_naming};

/// The login audit record's detail for a member who acknowledged the policy's prohibited uses.
fn acknowledged(fx: &Fx) -> String {
    format!(
        "acknowledged the {} prohibited uses of the {} policy",
        fx.policy.prohibited_uses.items.len(),
        fx.policy.agency.id
    )
}

/// The prohibited uses are asked at every login and nothing is reachable before they are
/// acknowledged; the list holds an item naming each of `must_name`.
pub fn prohibited_uses_acknowledged_at_login(policy_id: &str, must_name: &[&str]) {
    let mut fx = Fx::new(policy_id);
    let items = fx.policy.prohibited_uses.items.clone();
    for needle in must_name {
        assert!(
            items
                .iter()
                .any(|i| i.to_lowercase().contains(&needle.to_lowercase())),
            "no prohibited use names {needle:?}: {items:#?}"
        );
    }
    let failed = fx.audited("login-failed", Some("ofc"));
    // The password is right but the uses are not acknowledged: no session, so no hot-list view
    // (every data call takes a session, which only an acknowledged login gives).
    let err = fx.store.login("ofc", PASSWORD, false, Utc::now());
    assert!(matches!(err, Err(LoginError::NotAcknowledged)), "{err:?}");
    assert!(err_text(err, "unacknowledged login").contains("prohibited uses"));
    assert_eq!(fx.audited("login-failed", Some("ofc")), failed + 1);
    let (_, detail, _) = fx.last_audit("login-failed", "ofc");
    assert_eq!(detail, "prohibited uses not acknowledged");

    let ofc = fx.login("ofc");
    fx.store
        .record_access(
            &ofc,
            Permission::HotlistView,
            "hotlist.list",
            "hotlist",
            "",
            "",
        )
        .expect("hot lists shown once acknowledged");
    fx.store.hotlist_summaries().expect("hot lists");
    let (object, detail, _) = fx.last_audit("login", "ofc");
    assert_eq!(object, "ofc");
    assert!(detail.ends_with(&acknowledged(&fx)), "{detail}");
    assert_eq!(fx.audited("hotlist.list", Some("ofc")), 1);

    // The next login asks again: an earlier acknowledgement does not carry over.
    let again = fx.store.login("ofc", PASSWORD, false, Utc::now());
    assert!(
        matches!(again, Err(LoginError::NotAcknowledged)),
        "{again:?}"
    );
    assert_eq!(fx.audited("login-failed", Some("ofc")), failed + 2);
}

/// The first item acknowledged names the official-use rule in the policy's words, and no login
/// is given before it is acknowledged.
pub fn official_use_is_first_acknowledged_item(policy_id: &str, phrase: &str) {
    let mut fx = Fx::new(policy_id);
    let first = fx.policy.prohibited_uses.items[0].to_lowercase();
    assert!(
        first.contains(&phrase.to_lowercase()),
        "the first item {first:?} does not name {phrase:?}"
    );
    for id in ["ofc", "det", "admin"] {
        let r = fx.store.login(id, PASSWORD, false, Utc::now());
        assert!(matches!(r, Err(LoginError::NotAcknowledged)), "{id}: {r:?}");
    }
    fx.login("ofc");
    let (_, detail, _) = fx.last_audit("login", "ofc");
    assert!(detail.ends_with(&acknowledged(&fx)), "{detail}");
}

/// The screen locks after the policy's idle minutes and stays locked until the password is
/// entered again.
pub fn idle_session_locks(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let idle = fx.policy.access.idle_lock_minutes;
    let read = read_days("IDLE01", 1, 0, 1);
    fx.insert(std::slice::from_ref(&read));
    // The store's clock is the real one; the session's idle clock is driven through `touch` (the
    // screen's touches) and the login's `now`.
    let t0 = Utc::now();
    let ofc = fx
        .store
        .login("ofc", PASSWORD, true, t0)
        .expect("ofc logs in");
    ofc.touch(t0 + Duration::minutes(9))
        .expect("9 minutes after login the screen is open");
    let seen = fx
        .store
        .view_read(&ofc, read.read.id)
        .expect("viewing a read works");
    assert_eq!(seen.plate, "IDLE01");
    let t1 = t0 + Duration::minutes(9) + Duration::minutes(i64::from(idle));
    ofc.touch(t1)
        .expect("exactly the idle time after the last touch is not yet locked");
    let t2 = t1 + Duration::minutes(i64::from(idle)) + Duration::seconds(1);
    for t in [t2, t2 + Duration::seconds(1), t2 + Duration::minutes(30)] {
        match ofc.touch(t) {
            Err(LoginError::IdleLocked(m)) => assert_eq!(m, idle),
            other => panic!("a touch at {t} after {idle} idle minutes: {other:?}"),
        }
    }
    assert!(
        err_text(ofc.touch(t2), "locked").contains("log in again"),
        "the lock asks for the password"
    );
    let again = fx
        .store
        .login("ofc", PASSWORD, true, t2)
        .expect("the password again");
    again
        .touch(t2 + Duration::seconds(5))
        .expect("open again after the password");
}

/// Members whose roles reach data need current training; a technician without training still
/// gets diagnostics.
pub fn untrained_member_refused(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    assert!(fx.policy.access.training_required);
    let admin = fx.admin.clone();
    let never = NewMember {
        training_expires: None,
        ..member("op2", &["operator"])
    };
    let lapsed = NewMember {
        training_expires: Some(Utc::now() - Duration::days(1)),
        ..member("op3", &["operator"])
    };
    let tech2 = NewMember {
        training_expires: None,
        ncic_expires: None,
        sworn: false,
        ..member("tech2", &["technician"])
    };
    for m in [&never, &lapsed, &tech2] {
        fx.store.add_member(Some(&admin), m).expect("member added");
    }
    for (id, shown) in [("op2", "none on record"), ("op3", "expired")] {
        let r = fx.store.login(id, PASSWORD, true, Utc::now());
        assert!(
            matches!(&r, Err(LoginError::Training(who, _)) if who == id),
            "{id}: {r:?}"
        );
        let text = err_text(r, id);
        assert!(text.contains("training") && text.contains(shown), "{text}");
        let (_, detail, _) = fx.last_audit("login-failed", id);
        assert_eq!(detail, "training not current");
        assert_eq!(fx.audited("login", Some(id)), 0);
    }
    let op = fx.login("ofc");
    assert!(op.may(Permission::Patrol));
    let tech = fx.login("tech2");
    fx.store
        .require(&tech, Permission::Diagnostics)
        .expect("diagnostics without ALPR training");
    lacks(fx.store.open_hits(&tech), &tech, Permission::Patrol);
}

/// Only sworn members with current NCIC certification (and training) reach data; a technician
/// who is neither still gets diagnostics.
pub fn only_sworn_ncic_certified_members(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let a = &fx.policy.access;
    assert!(a.sworn_required && a.ncic_certification_required && a.training_required);
    let admin = fx.admin.clone();
    let members = [
        NewMember {
            sworn: false,
            ..member("civ1", &["operator"])
        },
        NewMember {
            ncic_expires: None,
            ..member("ncic1", &["operator"])
        },
        NewMember {
            ncic_expires: Some(Utc::now() - Duration::days(1)),
            ..member("ncic2", &["investigator"])
        },
        NewMember {
            sworn: false,
            ncic_expires: None,
            training_expires: None,
            ..member("tech2", &["technician"])
        },
        member("op9", &["operator"]),
    ];
    for m in &members {
        fx.store.add_member(Some(&admin), m).expect("member added");
    }
    let civ = fx.store.login("civ1", PASSWORD, true, Utc::now());
    assert!(
        matches!(&civ, Err(LoginError::NotSworn(id)) if id == "civ1"),
        "{civ:?}"
    );
    assert!(err_text(civ, "civ1").contains("sworn"));
    for (id, shown) in [("ncic1", "none on record"), ("ncic2", "expired")] {
        let r = fx.store.login(id, PASSWORD, true, Utc::now());
        assert!(
            matches!(&r, Err(LoginError::NcicCertification(who, _)) if who == id),
            "{id}: {r:?}"
        );
        let text = err_text(r, id);
        assert!(text.contains("NCIC") && text.contains(shown), "{text}");
    }
    for (id, why) in [
        ("civ1", "not sworn"),
        ("ncic1", "NCIC certification not current"),
        ("ncic2", "NCIC certification not current"),
    ] {
        assert_eq!(fx.last_audit("login-failed", id).1, why);
        assert_eq!(fx.audited("login", Some(id)), 0);
    }
    let op = fx.login("op9");
    assert!(op.may(Permission::Patrol));
    let tech = fx.login("tech2");
    fx.store
        .require(&tech, Permission::Diagnostics)
        .expect("diagnostics without being sworn");
}

/// A password shorter than the policy's minimum is refused; one of the minimum length is stored
/// as an Argon2id hash, and its text is nowhere in the database file.
pub fn passwords_argon2id_min_length(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let min = fx.policy.access.min_password_length;
    const SOURCE: &str = "Zq7!Vexl#Pum3-Rad9@Kof4-Tib8";
    assert!(SOURCE.len() > min);
    let long: String = SOURCE.chars().take(min).collect();
    let short: String = SOURCE.chars().rev().take(min - 1).collect();
    let admin = fx.admin.clone();
    let text = refused_naming(
        fx.store.add_member(
            Some(&admin),
            &NewMember {
                password: short.clone(),
                ..member("pw1", &["operator"])
            },
        ),
        &format!("at least {min} characters"),
    );
    assert!(text.contains("password"), "{text}");
    assert_eq!(fx.rows("users WHERE id = 'pw1'"), 0, "nothing stored");
    fx.store
        .add_member(
            Some(&admin),
            &NewMember {
                password: long.clone(),
                ..member("pw1", &["operator"])
            },
        )
        .expect("a password of the minimum length");
    let hash: String = fx
        .store
        .connection()
        .query_row(
            "SELECT password_hash FROM users WHERE id = 'pw1'",
            [],
            |r| r.get(0),
        )
        .expect("hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    fx.store
        .login("pw1", &long, true, Utc::now())
        .expect("logs in with it");
    assert!(matches!(
        fx.store.login("pw1", &short, true, Utc::now()),
        Err(LoginError::BadCredentials)
    ));
    let bytes = fx.db_bytes();
    assert!(!super::holds(&bytes, &long), "the password is in alpr.db");
    assert!(
        !super::holds(&bytes, &short),
        "the refused password is in alpr.db"
    );
    assert!(
        super::holds(&bytes, &hash),
        "the hash is (so the search works)"
    );
}

/// `lockout_after_failures` wrong passwords in a row lock the account for `lockout_minutes`;
/// fewer do not; every failure is recorded.
pub fn lockout_after_failures(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let n = fx.policy.access.lockout_after_failures;
    let minutes = i64::from(fx.policy.access.lockout_minutes);
    let failed = fx.audited("login-failed", Some("ofc"));
    let t = Utc::now();
    for _ in 1..n {
        let r = fx.store.login("ofc", "wrong password!", true, t);
        assert!(matches!(r, Err(LoginError::BadCredentials)), "{r:?}");
    }
    fx.store
        .login("ofc", PASSWORD, true, t)
        .expect("one failure short of the lockout: in");
    for _ in 0..n {
        let r = fx.store.login("ofc", "wrong password!", true, t);
        assert!(matches!(r, Err(LoginError::BadCredentials)), "{r:?}");
    }
    assert_eq!(fx.audited("lockout", Some("ofc")), 1);
    let until = t + Duration::minutes(minutes);
    for at in [t + Duration::minutes(1), until - Duration::seconds(1)] {
        match fx.store.login("ofc", PASSWORD, true, at) {
            Err(LoginError::Locked(id, u)) => {
                assert_eq!(id, "ofc");
                assert_eq!(u.timestamp_millis(), until.timestamp_millis());
            }
            other => panic!("the right password at {at} during the lockout: {other:?}"),
        }
    }
    assert_eq!(fx.last_audit("login-failed", "ofc").1, "locked");
    fx.store
        .login("ofc", PASSWORD, true, until + Duration::seconds(1))
        .expect("after the lockout the right password works");
    assert_eq!(
        fx.audited("login-failed", Some("ofc")),
        failed + i64::from(n - 1) + i64::from(n) + 2,
        "every failure is in the audit trail"
    );
}
