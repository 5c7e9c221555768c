//! Coralville Police Department (IA), Policy Manual 427 (seed 000).

use crate::checks::{
    self, Who, access, audit, camera, hits, hotlists, oversight, release, retention, roles, search,
    transfer,
};

const ID: &str = "coralville";

fn policy() -> alpr_appliance::policy::Policy {
    checks::policy(ID)
}

#[test]
fn coralville_427_2_cameras_keep_plate_reads_only() {
    // 427.2: "installed and operated solely for the purpose of capturing and analyzing license
    // plate information".
    camera::cameras_keep_plate_reads_only(ID);
}

#[test]
fn coralville_427_2_no_access_without_login() {
    roles::no_access_without_login(ID);
}

#[test]
fn coralville_427_3_only_administrator_manages_access_and_retention() {
    // 427.3: "All ALPR data retention and access shall be managed by the Investigations Division
    // Commander".
    assert_eq!(
        policy().agency.administrator_title,
        "Investigations Division Commander"
    );
    roles::only_administrator_manages_access_and_retention(ID);
}

#[test]
fn coralville_427_4_idle_session_locks_after_ten_minutes() {
    access::idle_session_locks(ID);
}

#[test]
fn coralville_427_4_a_official_use_is_first_acknowledged_item() {
    // 427.4(a): "An ALPR shall only be used for official law enforcement business."
    access::official_use_is_first_acknowledged_item(ID, "official law enforcement business");
}

#[test]
fn coralville_427_4_c_partial_plate_entry_matches_after_approval() {
    hotlists::partial_plate_entry_matches_after_approval(ID, None);
}

#[test]
fn coralville_427_4_d_untrained_member_refused() {
    // 427.4(d): no member operates ALPR equipment or accesses ALPR data without training.
    assert!(policy().access.training_required);
    access::untrained_member_refused(ID);
}

#[test]
fn coralville_427_4_e_role_permissions_match_policy() {
    roles::role_permissions_match_policy(ID);
}

#[test]
fn coralville_427_4_e_technician_sees_no_plate_data() {
    roles::technician_sees_no_plate_data(ID);
}

#[test]
fn coralville_427_4_f_alert_says_alert_is_not_reasonable_suspicion() {
    // 427.4(f): "An ALPR alert is not reasonable suspicion in and of itself."
    hits::alert_carries_reminder(
        ID,
        &["An ALPR alert is not reasonable suspicion in and of itself"],
    );
}

#[test]
fn coralville_427_4_g_ncic_hit_needs_ncic_confirmation_before_stop() {
    // 427.4(g): "must be confirmed through NCIC, and the officer needs to verify the license
    // plate on the vehicle before conducting a traffic stop".
    assert_eq!(policy().alerts.confirm_through, "NCIC");
    hits::ncic_hit_needs_ncic_confirmation_before_stop(ID);
}

#[test]
fn coralville_427_4_h_search_needs_case_number_and_detailed_reason() {
    // 427.4(h): "All searches must include a valid case number or call for service number and a
    // detailed reason in the Reason field."
    let p = policy();
    assert!(p.search.case_number_required && p.search.reason_required);
    assert_eq!(p.search.reason_min_chars, 20);
    search::search_refused_without_case_number_or_reason(ID, "CFS-25-0042");
}

#[test]
fn coralville_427_4_i_only_sworn_ncic_certified_members_access() {
    // 427.4(i): "Only sworn officers who are certified to access NCIC information and have been
    // trained ... shall be granted access to the system."
    access::only_sworn_ncic_certified_members(ID);
}

#[test]
fn coralville_427_4_1_prohibited_uses_acknowledged_at_login() {
    // 427.4.1 (a)-(e).
    access::prohibited_uses_acknowledged_at_login(
        ID,
        &[
            "private property",
            "harass",
            "personal use",
            "immigration",
            "protected characteristic",
            "race",
            "First Amendment",
        ],
    );
}

#[test]
fn coralville_427_4_1_e_search_has_no_protected_characteristic_field() {
    search::search_has_no_protected_characteristic_field();
}

#[test]
fn coralville_427_5_reads_transfer_to_headquarters() {
    transfer::reads_transfer_to_headquarters(ID);
}

#[test]
fn coralville_427_5_purge_after_schedule_period() {
    // 427.5 leaves the period to the city's records retention schedule: the file's value is a
    // placeholder the agency sets; the test follows whatever it is.
    assert!(policy().retention.max_days >= 1);
    retention::purge_after_max_days(ID, false);
}

#[test]
fn coralville_427_5_held_reads_survive_purge() {
    // 427.5: "evidence in a criminal or civil action or is subject to a discovery request or
    // other lawful action to produce records".
    retention::held_reads_survive_purge(
        ID,
        &["evidence", "discovery-request", "lawful-order"],
        "warrant",
        45,
    );
}

#[test]
fn coralville_427_5_held_reads_export_as_evidence() {
    retention::held_reads_export_as_evidence(ID, "evidence", 2);
}

#[test]
fn coralville_427_6_audit_trail_tamper_evident() {
    audit::audit_trail_tamper_evident(ID, Who::Aud);
}

#[test]
fn coralville_427_6_a_every_access_audited_by_name_and_time() {
    audit::every_access_audited_by_name_and_time(ID);
}

#[test]
fn coralville_427_6_a_passwords_argon2id_min_twelve() {
    access::passwords_argon2id_min_length(ID);
}

#[test]
fn coralville_427_6_a_lockout_after_five_failures() {
    access::lockout_after_failures(ID);
}

#[test]
fn coralville_427_6_a_search_records_outlive_reads() {
    search::search_records_outlive_reads(ID, 45);
}

#[test]
fn coralville_427_6_c_monthly_audit_samples_searches() {
    // 427.6(c): "audits should be conducted on a regular basis by agency administrators".
    oversight::monthly_audit_samples_searches(ID, Who::Admin, &[Who::Ofc, Who::Det], false);
}

#[test]
fn coralville_427_7_release_only_to_law_enforcement_or_prosecutors() {
    release::release_only_to(
        ID,
        &["law-enforcement", "prosecutorial"],
        &["other"],
        "Records Maintenance and Release Policy",
    );
}

#[test]
fn coralville_427_7_a_release_request_needs_call_for_service_number() {
    // 427.7(a) 1-4: agency, requester, purpose, "a call for service number or an incident report
    // number".
    release::release_request_needs_fields(ID, &["agency", "requester", "purpose", "case_number"]);
}

#[test]
fn coralville_427_7_b_release_fulfilled_only_after_approval() {
    release::release_fulfilled_only_after_approval(ID, true);
}

#[test]
fn coralville_427_7_c_release_requests_kept_on_file() {
    release::release_requests_kept_on_file(ID, 400);
}

#[test]
fn coralville_427_8_annual_report_to_city_council() {
    // 427.8: "The Chief of Police shall provide an annual report to the City Council".
    oversight::annual_report_to_council(ID);
}
