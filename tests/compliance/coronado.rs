//! Coronado Police Department (CA), Policy Manual 426 (seed 001).

use crate::checks::{
    self, Who, access, audit, hits, hotlists, oversight, release, retention, roles, search,
    transfer,
};

const ID: &str = "coronado";

fn policy() -> alpr_appliance::policy::Policy {
    checks::policy(ID)
}

#[test]
fn coronado_426_2_no_access_without_login() {
    roles::no_access_without_login(ID);
}

#[test]
fn coronado_426_3_only_administrator_manages_access_and_retention() {
    // 426.3: "ALPR data retention and access, shall be managed by the Support Services Division
    // Commander".
    assert_eq!(
        policy().agency.administrator_title,
        "Support Services Division Commander"
    );
    roles::only_administrator_manages_access_and_retention(ID);
}

#[test]
fn coronado_426_3_1_c_audit_trail_tamper_evident() {
    audit::audit_trail_tamper_evident(ID, Who::Aud);
}

#[test]
fn coronado_426_3_1_d_access_record_has_time_query_user_purpose() {
    search::access_record_has_time_query_user_purpose(ID);
}

#[test]
fn coronado_426_3_1_d_search_records_outlive_reads() {
    search::search_records_outlive_reads(ID, 400);
}

#[test]
fn coronado_426_5_prohibited_uses_acknowledged_at_login() {
    access::prohibited_uses_acknowledged_at_login(
        ID,
        &["official law enforcement business", "unauthorized purpose"],
    );
}

#[test]
fn coronado_426_5_idle_session_locks_after_ten_minutes() {
    access::idle_session_locks(ID);
}

#[test]
fn coronado_426_5_a_official_use_is_first_acknowledged_item() {
    // 426.5(a): "An ALPR shall only be used for official law enforcement business."
    access::official_use_is_first_acknowledged_item(ID, "official law enforcement business");
}

#[test]
fn coronado_426_5_c_partial_plate_entry_matches_after_approval() {
    hotlists::partial_plate_entry_matches_after_approval(ID, None);
}

#[test]
fn coronado_426_5_d_untrained_member_refused() {
    assert!(policy().access.training_required);
    access::untrained_member_refused(ID);
}

#[test]
fn coronado_426_5_e_role_permissions_match_policy() {
    roles::role_permissions_match_policy(ID);
}

#[test]
fn coronado_426_5_e_technician_sees_no_plate_data() {
    roles::technician_sees_no_plate_data(ID);
}

#[test]
fn coronado_426_5_f_hit_checklist_ends_with_clets_confirmation() {
    // 426.5(f): "If practicable, ... verify an ALPR response through the California Law
    // Enforcement Telecommunications System (CLETS)".
    assert_eq!(policy().alerts.confirm_through, "CLETS");
    hits::checklist_ends_with_confirmation(ID, "CLETS");
}

#[test]
fn coronado_426_6_reads_transfer_to_headquarters() {
    transfer::reads_transfer_to_headquarters(ID);
}

#[test]
fn coronado_426_6_reads_kept_at_least_one_year() {
    // 426.6: "stored for a minimum of one year (Government Code § 34090.6)".
    assert!(policy().retention.min_days >= 365);
    retention::reads_kept_at_least_min_days(ID);
}

#[test]
fn coronado_426_6_purge_after_one_year() {
    let p = policy();
    assert!(p.retention.max_days >= p.retention.min_days);
    retention::purge_after_max_days(ID, false);
}

#[test]
fn coronado_426_6_held_reads_survive_purge() {
    retention::held_reads_survive_purge(
        ID,
        &["evidence", "discovery-request", "lawful-order"],
        "warrant",
        400,
    );
}

#[test]
fn coronado_426_6_held_reads_export_as_evidence() {
    retention::held_reads_export_as_evidence(ID, "evidence", 2);
}

#[test]
fn coronado_426_7_a_every_access_audited_by_name_and_time() {
    audit::every_access_audited_by_name_and_time(ID);
}

#[test]
fn coronado_426_7_a_passwords_argon2id_min_twelve() {
    access::passwords_argon2id_min_length(ID);
}

#[test]
fn coronado_426_7_a_lockout_after_five_failures() {
    access::lockout_after_failures(ID);
}

#[test]
fn coronado_426_7_b_search_refused_without_reason() {
    search::search_refused_without_reason(ID, None);
}

#[test]
fn coronado_426_7_c_monthly_audit_samples_searches() {
    oversight::monthly_audit_samples_searches(ID, Who::Aud, &[Who::Ofc], false);
}

#[test]
fn coronado_426_8_release_only_to_law_enforcement_or_prosecutors() {
    // 426.8: others "processed as provided in the Records Maintenance and Release Policy (Civil
    // Code § 1798.90.55)".
    release::release_only_to(
        ID,
        &["law-enforcement", "prosecutorial"],
        &["other"],
        "Records Maintenance and Release Policy (Civil Code § 1798.90.55)",
    );
}

#[test]
fn coronado_426_8_a_release_request_needs_agency_requester_purpose() {
    release::release_request_needs_fields(ID, &["agency", "requester", "purpose"]);
}

#[test]
fn coronado_426_8_b_release_fulfilled_only_after_approval() {
    release::release_fulfilled_only_after_approval(ID, true);
}

#[test]
fn coronado_426_8_c_release_requests_kept_on_file() {
    release::release_requests_kept_on_file(ID, 800);
}
