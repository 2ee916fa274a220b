//! The rules of official documents: each rule shows its named error, and a correct document of
//! every kind passes.

use xn_domain::documents::rules::{RuleInput, check, check_signoff};
use xn_domain::documents::{DocKind, Recipient, Relation};

fn unit(name: &str) -> Recipient {
    Recipient {
        unit_id: None,
        name: name.into(),
    }
}

fn good(kind: DocKind) -> RuleInput {
    RuleInput {
        kind: Some(kind),
        title: format!(
            "东川市人民政府办公室关于做好冬季安全生产工作的{}",
            kind.label()
        ),
        body: "为切实做好工作，现将有关事项通知如下。".into(),
        issuers: vec![unit("东川市人民政府办公室")],
        issuer_code: Some("东政办发".into()),
        lead_code: Some("东政办".into()),
        signers: vec!["周志远".into()],
        main_recipients: vec![(unit("东川市人民政府"), Relation::Higher)],
        copy_recipients: vec![],
        signature: "东川市人民政府办公室".into(),
        seal: kind != DocKind::Minutes,
    }
}

fn codes(doc: &RuleInput) -> Vec<&'static str> {
    check(doc).into_iter().map(|v| v.code).collect()
}

#[test]
fn a_correct_document_of_every_kind_passes() {
    for kind in DocKind::ALL {
        assert_eq!(codes(&good(kind)), Vec::<&str>::new(), "{}", kind.label());
    }
}

#[test]
fn an_upward_document_names_its_signer() {
    for kind in [DocKind::Request, DocKind::Report] {
        let mut d = good(kind);
        d.signers.clear();
        assert_eq!(codes(&d), vec!["doc.upward_signer"]);
        let v = check(&d);
        assert_eq!(v[0].element, "签发人");
    }
    // A downward notice needs none.
    let mut d = good(DocKind::Notice);
    d.signers.clear();
    assert!(codes(&d).is_empty());
}

#[test]
fn a_request_has_exactly_one_main_recipient() {
    let mut d = good(DocKind::Request);
    d.main_recipients
        .push((unit("东川市发展和改革委员会"), Relation::Other));
    assert_eq!(codes(&d), vec!["doc.request_one_recipient"]);
    d.main_recipients.clear();
    assert!(codes(&d).contains(&"doc.request_one_recipient"));
}

#[test]
fn a_request_is_not_copied_to_lower_units() {
    let mut d = good(DocKind::Request);
    d.copy_recipients
        .push((unit("清河县人民政府"), Relation::Lower));
    let v = check(&d);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].code, "doc.request_no_lower");
    assert!(v[0].message.contains("清河县人民政府"));
    // A copy to a unit of the same level is allowed.
    d.copy_recipients = vec![(unit("东川市财政局"), Relation::Other)];
    assert!(codes(&d).is_empty());
}

#[test]
fn minutes_carry_no_seal() {
    let mut d = good(DocKind::Minutes);
    d.seal = true;
    assert_eq!(codes(&d), vec!["doc.minutes_no_seal"]);
}

#[test]
fn a_joint_document_signs_every_issuer_and_uses_the_lead_number() {
    let mut d = good(DocKind::Notice);
    d.issuers.push(unit("东川市财政局"));
    assert_eq!(codes(&d), vec!["doc.joint_signature"]);
    d.signature = "东川市人民政府办公室　东川市财政局".into();
    assert!(codes(&d).is_empty());
    d.issuer_code = Some("东财发".into());
    assert_eq!(codes(&d), vec!["doc.joint_lead_number"]);
}

#[test]
fn a_title_names_its_kind() {
    let mut d = good(DocKind::Notice);
    d.title = "关于做好冬季安全生产工作".into();
    assert_eq!(codes(&d), vec!["doc.title_kind"]);
}

#[test]
fn a_sign_off_records_an_opinion_and_a_refusal_its_reasons() {
    assert!(check_signoff("同意", "同意印发").is_ok());
    assert!(check_signoff("不同意", "请补充经费来源后再报").is_ok());
    assert_eq!(
        check_signoff("同意", "  ").map_err(|v| v.code),
        Err("doc.signoff_opinion")
    );
    assert_eq!(
        check_signoff("不同意", "").map_err(|v| v.code),
        Err("doc.signoff_reason")
    );
    assert_eq!(
        check_signoff("阅", "好").map_err(|v| v.code),
        Err("doc.signoff_decision")
    );
}

#[test]
fn a_case_started_on_an_earlier_process_may_still_be_circled() {
    assert!(check_signoff("圈阅", "").is_ok());
}
