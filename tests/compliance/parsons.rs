//! Parsons Police Department (KS assumed), Policies 427 (seed 003).

use crate::checks::{
    self, Who, access, audit, hits, hotlists, oversight, release, retention, roles, search,
    transfer,
};

const ID: &str = "parsons";

fn policy() -> alpr_appliance::policy::Policy {
    checks::policy(ID)
}

#[test]
fn parsons_427_2_no_access_without_login() {
    roles::no_access_without_login(ID);
}

#[test]
fn parsons_427_3_only_administrator_manages_access_and_retention() {
    // 427.3: "... shall be managed by the Administration Division Commander".
    assert_eq!(
        policy().agency.administrator_title,
        "Administration Division Commander"
    );
    roles::only_administrator_manages_access_and_retention(ID);
}

#[test]
fn parsons_427_4_prohibited_uses_acknowledged_at_login() {
    access::prohibited_uses_acknowledged_at_login(
        ID,
        &["official law enforcement business", "unauthorized purpose"],
    );
}

#[test]
fn parsons_427_4_idle_session_locks_after_ten_minutes() {
    access::idle_session_locks(ID);
}

#[test]
fn parsons_427_4_a_official_use_is_first_acknowledged_item() {
    // 427.4(a): "An ALPR shall only be used for official law enforcement business."
    access::official_use_is_first_acknowledged_item(ID, "official law enforcement business");
}

#[test]
fn parsons_427_4_c_partial_plate_entry_matches_after_approval() {
    hotlists::partial_plate_entry_matches_after_approval(ID, None);
}

#[test]
fn parsons_427_4_d_untrained_member_refused() {
    assert!(policy().access.training_required);
    access::untrained_member_refused(ID);
}

#[test]
fn parsons_427_4_e_role_permissions_match_policy() {
    roles::role_permissions_match_policy(ID);
}

#[test]
fn parsons_427_4_e_technician_sees_no_plate_data() {
    roles::technician_sees_no_plate_data(ID);
}

#[test]
fn parsons_427_4_f_hit_checklist_ends_with_ncic_confirmation() {
    assert_eq!(policy().alerts.confirm_through, "NCIC");
    hits::checklist_ends_with_confirmation(ID, "NCIC");
}

#[test]
fn parsons_427_5_reads_transfer_to_headquarters() {
    transfer::reads_transfer_to_headquarters(ID);
}

#[test]
fn parsons_427_5_destroyed_after_30_days() {
    // 427.5: "All stored ALPR data is maintained ... for 30 days and is then destroyed".
    assert_eq!(policy().retention.max_days, 30);
    retention::purge_after_max_days(ID, false);
    // `alpr run` purges a 31-day read at start with no member logged in.
    retention::purge_runs_by_itself(ID);
}

#[test]
fn parsons_427_5_destroyed_reads_unrecoverable() {
    retention::purge_is_unrecoverable(ID, 31);
}

#[test]
fn parsons_427_5_investigation_hold_keeps_read() {
    // 427.5: "... unless a specific file has been retained as part of an ongoing police department
    // investigation".
    retention::investigation_hold_keeps_read(ID, "25-0777");
}

#[test]
fn parsons_427_5_evidence_holds_survive_purge() {
    // The investigation hold is listed first: it is the one released.
    retention::held_reads_survive_purge(
        ID,
        &[
            "investigation",
            "evidence",
            "discovery-request",
            "lawful-order",
        ],
        "warrant",
        60,
    );
}

#[test]
fn parsons_427_5_held_reads_export_as_evidence() {
    retention::held_reads_export_as_evidence(ID, "evidence", 2);
}

#[test]
fn parsons_427_6_audit_trail_tamper_evident() {
    audit::audit_trail_tamper_evident(ID, Who::Aud);
}

#[test]
fn parsons_427_6_a_every_access_audited_by_name_and_time() {
    audit::every_access_audited_by_name_and_time(ID);
}

#[test]
fn parsons_427_6_a_passwords_argon2id_min_twelve() {
    access::passwords_argon2id_min_length(ID);
}

#[test]
fn parsons_427_6_a_lockout_after_five_failures() {
    access::lockout_after_failures(ID);
}

#[test]
fn parsons_427_6_a_search_records_outlive_reads() {
    search::search_records_outlive_reads(ID, 60);
}

#[test]
fn parsons_427_6_b_search_refused_without_reason() {
    search::search_refused_without_reason(ID, None);
}

#[test]
fn parsons_427_6_b_monthly_audit_samples_searches() {
    oversight::monthly_audit_samples_searches(ID, Who::Aud, &[Who::Ofc], false);
}

#[test]
fn parsons_427_7_release_only_to_law_enforcement_or_prosecutors() {
    release::release_only_to(
        ID,
        &["law-enforcement", "prosecutorial"],
        &["other"],
        "Records Maintenance and Release Policy",
    );
}

#[test]
fn parsons_427_7_a_release_request_needs_agency_requester_purpose() {
    release::release_request_needs_fields(ID, &["agency", "requester", "purpose"]);
}

#[test]
fn parsons_427_7_b_release_fulfilled_only_after_approval() {
    release::release_fulfilled_only_after_approval(ID, true);
}

#[test]
fn parsons_427_7_c_release_requests_kept_on_file() {
    release::release_requests_kept_on_file(ID, 400);
}
