//! An unnamed Kentucky agency, ALPR policy of June 2022 (seed 004). Sections are those of the
//! policy's part IV; `ii` is its part II.

use crate::checks::{
    self, Who, access, audit, hits, hotlists, oversight, release, retention, roles, search,
};

const ID: &str = "kentucky";

fn policy() -> alpr_appliance::policy::Policy {
    checks::policy(ID)
}

#[test]
fn kentucky_ii_no_access_without_login() {
    roles::no_access_without_login(ID);
}

#[test]
fn kentucky_a_untrained_member_refused() {
    // A: "No member of this department shall operate ALPR equipment or access ALPR data without
    // first completing departmentally approved training."
    assert!(policy().access.training_required);
    access::untrained_member_refused(ID);
}

#[test]
fn kentucky_a_role_permissions_match_policy() {
    roles::role_permissions_match_policy(ID);
}

#[test]
fn kentucky_a_technician_sees_no_plate_data() {
    roles::technician_sees_no_plate_data(ID);
}

#[test]
fn kentucky_b_every_user_has_an_individual_login() {
    roles::every_user_has_an_individual_login(ID);
}

#[test]
fn kentucky_c_prohibited_uses_acknowledged_at_login() {
    // C, E, M.1-M.5, N.3, P.2, each named by its section in the file.
    access::prohibited_uses_acknowledged_at_login(
        ID,
        &[
            "(C)", "(E)", "(M.1)", "(M.2)", "(M.3)", "(M.4)", "(M.5)", "(N.3)", "(P.2)",
        ],
    );
}

#[test]
fn kentucky_c_idle_session_locks_after_ten_minutes() {
    access::idle_session_locks(ID);
}

#[test]
fn kentucky_d_audit_trail_tamper_evident() {
    // D: "The ALPR administrator will monitor the security of the system's information".
    audit::audit_trail_tamper_evident(ID, Who::Admin);
}

#[test]
fn kentucky_e_official_use_is_first_acknowledged_item() {
    // E: "An ALPR shall only be used for official law enforcement business."
    access::official_use_is_first_acknowledged_item(ID, "official law enforcement business");
}

#[test]
fn kentucky_g_partial_plate_and_vehicle_description_entry() {
    // G: "Partial license plates and unique vehicle descriptions reported during major crimes
    // should be entered".
    hotlists::partial_plate_entry_matches_after_approval(
        ID,
        Some(hotlists::Vehicle {
            make: "FORD",
            model: "F-150",
            color: "BLUE",
            description: "blue Ford F-150, ladder rack",
        }),
    );
}

#[test]
fn kentucky_h_1_hit_checklist_confirms_via_mdt_or_dispatch() {
    // H.1: "An ALPR alert will be verified through an inquiry via MDT or dispatch."
    hits::checklist_confirms_via_mdt_or_dispatch(ID);
}

#[test]
fn kentucky_h_2_no_stop_disposition_before_validation() {
    hits::no_enforcement_before_validation(ID);
}

#[test]
fn kentucky_i_alert_reminds_follow_only_until_validated() {
    // I: "an alert alone should not be a basis for police action other than following the vehicle
    // of interest"; H.2: "reasonable suspicion and/or probable cause".
    hits::alert_carries_reminder(
        ID,
        &[
            "other than following the vehicle of interest",
            "validated",
            "reasonable suspicion and/or probable cause",
        ],
    );
}

#[test]
fn kentucky_i_1_confirmation_or_exigency_recorded_before_stop() {
    hits::confirmation_or_exigency_before_stop(ID);
}

#[test]
fn kentucky_i_2_visual_checks_required_before_stop() {
    hits::visual_checks_required_before_stop(ID);
}

#[test]
fn kentucky_i_2_bolo_hit_needs_reasonable_basis_step() {
    hits::bolo_hit_needs_reasonable_basis_step(ID);
}

#[test]
fn kentucky_i_3_stops_cleared_with_disposition() {
    hits::stops_cleared_with_disposition(ID);
}

#[test]
fn kentucky_i_4_general_list_older_than_a_day_warns() {
    // I.4: "automatically downloaded into the ALPR system a minimum of once daily".
    assert_eq!(policy().hotlists.max_age_hours, 24);
    hotlists::general_list_older_than_max_age_warns(ID);
}

#[test]
fn kentucky_i_4_new_list_version_replaces_old() {
    // I.4: "with the most current data overwriting the old data".
    hotlists::new_list_version_replaces_old(ID);
}

#[test]
fn kentucky_i_5_agency_entry_matches_only_after_approval() {
    // I.5: "specific hot lists will be approved by the ALPR administrators or designee before
    // initial entry".
    hotlists::agency_entry_matches_only_after_approval(ID);
}

#[test]
fn kentucky_i_5_entry_update_needs_approval_again() {
    hotlists::entry_update_needs_approval_again(ID);
}

#[test]
fn kentucky_i_6_agency_entry_needs_member_officer_case_and_synopsis() {
    hotlists::agency_entry_needs_member_officer_case_and_synopsis(ID);
}

#[test]
fn kentucky_j_4_alert_shows_entry_instructions() {
    // J.4: e.g. "stop only with probable cause and ID occupants".
    hotlists::alert_shows_entry_instructions(ID, "stop only with probable cause and ID occupants");
}

#[test]
fn kentucky_l_2_operators_cannot_search() {
    search::operators_cannot_search(ID);
}

#[test]
fn kentucky_l_3_investigator_exports_held_reads_as_evidence() {
    // L.3: "the ALPR data will be downloaded from the system and attached to the investigative
    // report as evidence".
    retention::held_reads_export_as_evidence(ID, "evidence", 2);
}

#[test]
fn kentucky_m_3_search_has_no_protected_characteristic_field() {
    search::search_has_no_protected_characteristic_field();
}

#[test]
fn kentucky_n_3_purge_after_thirty_days() {
    // N.3: "The department will retain LPR data for a maximum of 30 days".
    assert_eq!(policy().retention.max_days, 30);
    retention::purge_after_max_days(ID, false);
}

#[test]
fn kentucky_n_3_evidence_and_legal_holds_survive_purge() {
    retention::held_reads_survive_purge(ID, &["evidence", "legal-requirement"], "warrant", 45);
}

#[test]
fn kentucky_o_1_release_only_to_law_enforcement() {
    // O.1: "released to other authorized and verified law enforcement officials and agencies";
    // O.2, O.3: others go to the custodian of records.
    release::release_only_to(
        ID,
        &["law-enforcement"],
        &["prosecutorial", "other"],
        "custodian of records",
    );
}

#[test]
fn kentucky_o_1_release_needs_verified_requester_and_approval() {
    release::release_request_needs_fields(ID, &["agency", "requester", "purpose"]);
    release::release_fulfilled_only_after_approval(ID, true);
}

#[test]
fn kentucky_p_1_every_access_audited_by_name_and_time() {
    audit::every_access_audited_by_name_and_time(ID);
}

#[test]
fn kentucky_p_1_passwords_argon2id_min_twelve() {
    access::passwords_argon2id_min_length(ID);
}

#[test]
fn kentucky_p_1_lockout_after_five_failures() {
    access::lockout_after_failures(ID);
}

#[test]
fn kentucky_p_4_search_records_case_number_and_reason() {
    // P.4: "documented by either the associated agency case number or incident number and/or a
    // reason": the number is optional, the reason (Q.1) is not.
    let p = policy();
    assert!(!p.search.case_number_required && p.search.reason_required);
    search::search_records_case_number_and_reason(ID);
}

#[test]
fn kentucky_q_1_search_refused_without_reason() {
    // Q.1: "the inquiring officer must document a reason for the inquiry".
    search::search_refused_without_reason(ID, Some("25-1234"));
}

#[test]
fn kentucky_q_2_monthly_audit_samples_ten() {
    // Q.2: "shall randomly select at least 10 detection browsing inquiries".
    assert!(policy().audit.monthly_sample_size >= 10);
    oversight::monthly_audit_samples_searches(ID, Who::Aud, &[Who::Ofc, Who::Det], true);
}

#[test]
fn kentucky_q_2_sampled_searches_outlive_reads() {
    oversight::sampled_searches_outlive_reads(ID);
}

#[test]
fn kentucky_q_3_audit_memo_to_chief_lists_data_errors_and_is_kept() {
    // Q.3: "an internal agency memorandum directed to the chief of police".
    assert_eq!(policy().agency.chief_title, "Chief of Police");
    oversight::audit_memo_to_chief_lists_data_errors_and_is_kept(ID);
}
