//! The documents oversight asks for, built from the store's figures: the monthly audit
//! memorandum to the chief and the yearly report to the council.

use chrono::Utc;

use crate::documents::{Block, Document};
use crate::policy::Policy;
use crate::store::{AnnualFigures, AuditSample};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The memorandum: each sampled search with its reason, and a line for the auditor's finding.
pub fn audit_memo(policy: &Policy, sample: &AuditSample, auditor: &str) -> Document {
    let mut blocks = vec![
        Block::KeyValues(vec![
            ("To".into(), policy.agency.chief_title.clone()),
            ("From".into(), auditor.to_string()),
            ("Date".into(), Utc::now().format("%Y-%m-%d").to_string()),
            (
                "Subject".into(),
                format!("ALPR detection-browsing audit, {}", sample.month),
            ),
        ]),
        Block::Paragraph(format!(
            "{} searches of stored ALPR detections were made in {}. As the {} policy requires, \
             {} were selected at random (seed {}; the same seed selects the same searches) and \
             each is reviewed below for a case or incident number, a reason, and a legitimate \
             law enforcement purpose. Any data errors found are to be noted so that they can be \
             corrected.",
            sample.population,
            sample.month,
            policy.agency.name,
            sample.picked.len(),
            sample.seed
        )),
    ];
    if sample.picked.len() < policy.audit.monthly_sample_size {
        blocks.push(Block::Paragraph(format!(
            "Fewer searches were made than the {} the policy samples: every search of the month \
             is reviewed.",
            policy.audit.monthly_sample_size
        )));
    }
    blocks.push(Block::Table {
        headers: vec![
            "#".into(),
            "When (UTC)".into(),
            "Member".into(),
            "Case".into(),
            "Crime type".into(),
            "Reason".into(),
            "Results".into(),
        ],
        rows: sample
            .picked
            .iter()
            .enumerate()
            .map(|(i, s)| {
                vec![
                    (i + 1).to_string(),
                    s.at.format("%Y-%m-%d %H:%M").to_string(),
                    s.user_id.clone(),
                    s.case_number.clone(),
                    s.crime_type.clone(),
                    s.reason.clone(),
                    s.result_count.to_string(),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading {
        level: 2,
        text: "Findings".into(),
    });
    for (i, s) in sample.picked.iter().enumerate() {
        blocks.push(Block::Paragraph(format!(
            "{}. {} by {}, case {}: query {}",
            i + 1,
            s.at.format("%Y-%m-%d %H:%M"),
            s.user_id,
            s.case_number,
            s.query
        )));
        blocks.push(Block::SignatureLine(
            "Meets policy (yes/no), data errors found, action needed".into(),
        ));
    }
    blocks.push(Block::SignatureLine(format!(
        "Reviewed by the {}",
        policy.agency.chief_title
    )));
    Document {
        title: format!("{}: ALPR audit memorandum", policy.agency.name),
        subtitle: Some(format!("Detection-browsing inquiries, {}", sample.month)),
        blocks,
    }
}

/// The yearly report: devices, reads, hits, confirmed hits, dispositions, searches, with plots.
pub fn annual_report(policy: &Policy, f: &AnnualFigures) -> Document {
    let monthly = |values: &[u64; 12]| -> Vec<(String, f64)> {
        MONTHS
            .iter()
            .zip(values)
            .map(|(m, v)| (m.to_string(), *v as f64))
            .collect()
    };
    let counts = |map: &std::collections::BTreeMap<String, u64>| -> Vec<Vec<String>> {
        map.iter()
            .map(|(k, v)| vec![k.clone(), v.to_string()])
            .collect()
    };
    let mut blocks = vec![
        Block::KeyValues(vec![
            ("To".into(), policy.report.annual_to.clone()),
            (
                "From".into(),
                // A report to the chief comes from the ALPR administrator; one to the council
                // from the chief.
                if policy.report.annual_to == policy.agency.chief_title {
                    policy.agency.administrator_title.clone()
                } else {
                    policy.agency.chief_title.clone()
                },
            ),
            ("Year".into(), f.year.to_string()),
            ("Prepared".into(), Utc::now().format("%Y-%m-%d").to_string()),
        ]),
        Block::Heading {
            level: 2,
            text: "Summary".into(),
        },
        Block::Table {
            headers: vec!["Measure".into(), "Count".into()],
            rows: vec![
                vec![
                    "ALPR devices (cars) in use".into(),
                    f.devices.len().to_string(),
                ],
                vec!["Cameras seen".into(), f.cameras.len().to_string()],
                vec!["Plates read".into(), f.reads().to_string()],
                vec!["Hot-list matches (hits)".into(), f.hits().to_string()],
                vec!["Hits confirmed".into(), f.confirmed().to_string()],
                vec!["Searches of stored reads".into(), f.searches().to_string()],
                vec![
                    "Reads purged under the retention schedule".into(),
                    f.purged_reads.to_string(),
                ],
            ],
        },
        Block::Paragraph(format!(
            "Reads are kept at most {} days under the {} policy; counts of purged reads are kept \
             without plates so this report covers the whole year.",
            policy.retention.max_days, policy.agency.id
        )),
        Block::BarChart {
            title: "Plates read per month".into(),
            unit: "reads".into(),
            bars: monthly(&f.reads_by_month),
        },
        Block::BarChart {
            title: "Hits per month".into(),
            unit: "hits".into(),
            bars: monthly(&f.hits_by_month),
        },
        Block::BarChart {
            title: "Searches per month".into(),
            unit: "searches".into(),
            bars: monthly(&f.searches_by_month),
        },
        Block::Heading {
            level: 2,
            text: "Searches by crime type".into(),
        },
        Block::Table {
            headers: vec!["Crime type".into(), "Searches".into()],
            rows: counts(&f.searches_by_crime_type),
        },
        Block::Heading {
            level: 2,
            text: "Dispositions of hits".into(),
        },
        Block::Table {
            headers: vec!["Disposition".into(), "Hits".into()],
            rows: counts(&f.dispositions),
        },
        Block::BarChart {
            title: "Dispositions".into(),
            unit: "hits".into(),
            bars: f
                .dispositions
                .iter()
                .map(|(k, v)| (k.clone(), *v as f64))
                .collect(),
        },
        Block::Heading {
            level: 2,
            text: "Successes: action taken on confirmed hits".into(),
        },
        Block::Table {
            headers: vec!["Action".into(), "Hits".into()],
            rows: counts(&f.actions),
        },
        Block::Heading {
            level: 2,
            text: "Requests for ALPR data from other agencies".into(),
        },
        Block::Table {
            headers: vec!["Status".into(), "Requests".into()],
            rows: counts(&f.release_requests),
        },
        Block::Heading {
            level: 2,
            text: "Devices".into(),
        },
        Block::Paragraph(if f.devices.is_empty() {
            "No device recorded a read this year.".into()
        } else {
            f.devices.join(", ")
        }),
    ];
    if !f.cameras.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "Cameras: {}",
            f.cameras.join(", ")
        )));
    }
    Document {
        title: format!("{}: ALPR annual report {}", policy.agency.name, f.year),
        subtitle: Some(format!("To the {}", policy.report.annual_to)),
        blocks,
    }
}
