//! Clinton Police Department (UT), Policy Manual 426 (seed 002).

use crate::checks::{
    self, Who, access, audit, hits, hotlists, oversight, release, retention, roles, search,
    transfer,
};

const ID: &str = "clinton";

fn policy() -> alpr_appliance::policy::Policy {
    checks::policy(ID)
}

#[test]
fn clinton_426_2_prohibited_uses_acknowledged_at_login() {
    // 426.2: "shall not use or allow others to use the equipment or database records for any
    // unauthorized purpose".
    access::prohibited_uses_acknowledged_at_login(
        ID,
        &[
            "official and legitimate law enforcement business",
            "unauthorized purpose",
        ],
    );
}

#[test]
fn clinton_426_2_idle_session_locks_after_ten_minutes() {
    access::idle_session_locks(ID);
}

#[test]
fn clinton_426_2_a_official_use_is_first_acknowledged_item() {
    // 426.2(a): "An ALPR shall only be used for official and legitimate law enforcement business".
    access::official_use_is_first_acknowledged_item(
        ID,
        "official and legitimate law enforcement business",
    );
}

#[test]
fn clinton_426_2_c_partial_plate_entry_matches_after_approval() {
    hotlists::partial_plate_entry_matches_after_approval(ID, None);
}

#[test]
fn clinton_426_2_d_untrained_member_refused() {
    // 426.2(d): "No member ... shall operate ALPR equipment or access ALPR data without first
    // completing department-approved training."
    assert!(policy().access.training_required);
    access::untrained_member_refused(ID);
}

#[test]
fn clinton_426_2_e_hit_checklist_ends_with_ncic_ucjis_confirmation() {
    // 426.2(e): "If practicable, ... verify an ALPR response through the appropriate law
    // enforcement database" (the file names NCIC / UCJIS).
    assert_eq!(policy().alerts.confirm_through, "NCIC / UCJIS");
    hits::checklist_ends_with_confirmation(ID, "NCIC / UCJIS");
}

#[test]
fn clinton_426_2_f_role_permissions_match_policy() {
    roles::role_permissions_match_policy(ID);
}

#[test]
fn clinton_426_2_f_technician_sees_no_plate_data() {
    roles::technician_sees_no_plate_data(ID);
}

#[test]
fn clinton_426_3_no_access_without_login() {
    roles::no_access_without_login(ID);
}

#[test]
fn clinton_426_3_reads_transfer_to_headquarters() {
    transfer::reads_transfer_to_headquarters(ID);
}

#[test]
fn clinton_426_3_purge_is_unrecoverable() {
    // 426.3: "purged in an unrecoverable manner"; a 300-day read.
    retention::purge_is_unrecoverable(ID, 300);
}

#[test]
fn clinton_426_3_purge_after_nine_months() {
    // 426.3: "In no event shall this data be maintained longer than nine months": 270 days.
    assert_eq!(policy().retention.max_days, 270);
    assert_eq!(policy().retention.min_days, 0);
    retention::purge_after_max_days(ID, true);
}

#[test]
fn clinton_426_3_purge_runs_every_day() {
    assert_eq!(policy().retention.purge_interval_hours, 24);
    retention::purge_runs_by_itself(ID);
}

#[test]
fn clinton_426_3_held_reads_survive_purge() {
    // 426.3: "... unless it is subject to a warrant, preservation request, or disclosure order".
    retention::held_reads_survive_purge(
        ID,
        &["warrant", "preservation-request", "disclosure-order"],
        "investigation",
        300,
    );
}

#[test]
fn clinton_426_3_held_reads_export_as_evidence() {
    // 426.3: "Data that will not be purged should be downloaded ... and booked into evidence".
    retention::held_reads_export_as_evidence(ID, "warrant", 2);
}

#[test]
fn clinton_426_4_audit_trail_tamper_evident() {
    audit::audit_trail_tamper_evident(ID, Who::Aud);
}

#[test]
fn clinton_426_4_a_every_access_audited_by_name_and_time() {
    audit::every_access_audited_by_name_and_time(ID);
}

#[test]
fn clinton_426_4_a_passwords_argon2id_min_twelve() {
    access::passwords_argon2id_min_length(ID);
}

#[test]
fn clinton_426_4_a_lockout_after_five_failures() {
    access::lockout_after_failures(ID);
}

#[test]
fn clinton_426_4_b_search_refused_without_case_number_or_reason() {
    search::search_refused_without_case_number_or_reason(ID, "25-00123");
}

#[test]
fn clinton_426_4_c_search_needs_crime_type_and_incident_number() {
    // 426.4(c): "the crime type and incident numbers associated with each search shall be
    // recorded".
    let p = policy();
    assert!(p.search.crime_type_required && p.search.case_number_required);
    search::search_needs_crime_type_and_incident_number(ID);
}

#[test]
fn clinton_426_4_c_search_records_kept_five_years() {
    // 426.4(c): "... recorded and preserved for at least five years"; 300-day reads.
    assert!(policy().search.record_retention_years >= 5);
    search::search_records_outlive_reads(ID, 300);
}

#[test]
fn clinton_426_4_c_annual_report_counts_searches() {
    oversight::annual_report_counts_searches(ID);
}

#[test]
fn clinton_426_4_d_monthly_audit_samples_searches() {
    oversight::monthly_audit_samples_searches(ID, Who::Aud, &[Who::Ofc, Who::Tech], false);
}

#[test]
fn clinton_426_6_release_only_to_law_enforcement_or_prosecutors() {
    // 426.6: "shared only with other law enforcement or prosecutorial agencies"; others "will be
    // processed as provided in the Records Maintenance and Release Policy".
    release::release_only_to(
        ID,
        &["law-enforcement", "prosecutorial"],
        &["other"],
        "Records Maintenance and Release Policy",
    );
}

#[test]
fn clinton_426_6_a_release_request_needs_agency_requester_purpose() {
    // 426.6(a): the name of the agency, the name of the person requesting, the intended purpose.
    release::release_request_needs_fields(ID, &["agency", "requester", "purpose"]);
}

#[test]
fn clinton_426_6_b_release_fulfilled_only_after_approval() {
    // The request carries only what 426.6(a) requires (agency, requester, purpose).
    release::release_fulfilled_only_after_approval(ID, true);
}

#[test]
fn clinton_426_6_c_release_requests_kept_on_file() {
    release::release_requests_kept_on_file(ID, 400);
}
