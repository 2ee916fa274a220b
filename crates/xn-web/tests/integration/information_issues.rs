//! 刊物分发: an issue of a periodical goes at 印发 to the units of the system chosen (of those
//! the office may ask), each told and signing for it once; a unit not chosen cannot sign; a
//! unit outside those the office may ask is refused with nothing published; the 简报's 发 line
//! names the units when the periodical has no wording of its own.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::information::{accept, adopt, new_issue, people, periodical, send};
use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn get(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.api("GET", path, token, None).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    res.json()
}

on_both_engines!(
    an_issue_goes_to_the_units_chosen_each_told_and_signing_for_it_once,
    |app: TestApp| async move {
        let p = people(&app, "qinghe").await;
        let shimen = app.token_for("shimen.mishu", &SCOPES).await;
        let qinghe_office = app.unit_id("清河县人民政府办公室").await;
        let liulin_office = app.unit_id("柳林县人民政府办公室").await;
        let per = periodical(&app, &p).await;
        let issue = new_issue(&app, &p, per).await["id"].as_i64().unwrap();
        let (_, r, _) = send(&app, &p, "qinghe", "清河县推进高标准农田建设", json!({})).await;
        accept(&app, &p, r).await;
        assert_eq!(
            adopt(&app, &p, r, json!({"level": "periodical", "issue": issue})).await,
            StatusCode::OK
        );
        let publish = format!("/api/v1/information/periodicals/{issue}/publish");
        let units = get(&app, "/api/v1/information/commissions/units", &p.section).await;
        let offered: Vec<i64> = units
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert!(offered.contains(&qinghe_office) && offered.contains(&liulin_office));
        assert!(!offered.contains(&p.city_office));

        // The office itself is not a unit it sends to: refused, nothing published.
        let res = app
            .api(
                "POST",
                &publish,
                &p.section,
                Some(json!({"units": [qinghe_office, p.city_office]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let path = format!("/api/v1/information/periodicals/{issue}");
        assert_eq!(get(&app, &path, &p.section).await["published"], false);
        assert_eq!(app.count("information_issue_recipients").await, 0);
        // Only the section publishes.
        let res = app
            .api(
                "POST",
                &publish,
                &p.mishu,
                Some(json!({"units": [qinghe_office]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        // To 清河 and 柳林: each told, the section sees both unsigned.
        let res = app
            .api(
                "POST",
                &publish,
                &p.section,
                Some(json!({"units": [liulin_office, qinghe_office, qinghe_office]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let told = app
            .scalar(&format!(
                "select count(*) from notifications where kind = 'information.issue_issued' \
                 and subject = 'information_issue:{issue}'"
            ))
            .await;
        assert!(told >= 2, "{told}");
        let v = get(&app, &path, &p.section).await;
        let recipients = v["recipients"].as_array().unwrap();
        assert_eq!(recipients.len(), 2, "{v}");
        assert!(recipients.iter().all(|r| r["received"].is_null()), "{v}");
        assert_eq!(v["may_receive"], false);

        // 清河's 秘书 signs for it, once; it sees its own line only.
        let mine = get(&app, &path, &p.mishu).await;
        assert_eq!(mine["may_receive"], true, "{mine}");
        let receive = format!("/api/v1/information/periodicals/{issue}/receive");
        let res = app.api("POST", &receive, &p.mishu, None).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let res = app.api("POST", &receive, &p.mishu, None).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let mine = get(&app, &path, &p.mishu).await;
        assert_eq!(mine["may_receive"], false);
        assert_eq!(mine["recipients"].as_array().unwrap().len(), 1, "{mine}");
        assert!(mine["recipients"][0]["received"].is_string(), "{mine}");
        let received = get(&app, "/api/v1/information/periodicals/received", &p.mishu).await;
        assert_eq!(received[0]["issue_id"], issue, "{received}");
        assert!(received[0]["received"].is_string(), "{received}");

        // 石门 was not chosen: nothing to sign, nothing received.
        let res = app.api("POST", &receive, &shimen, None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let received = get(&app, "/api/v1/information/periodicals/received", &shimen).await;
        assert!(received.as_array().unwrap().is_empty(), "{received}");

        // 柳林 signs on the page: its information page lists the issue 未签收, then 已签收.
        app.login_as("liulin.mishu").await;
        let page = app.get("/information").await;
        assert!(
            page.body.contains("收到的刊物") && page.body.contains("未签收"),
            "{}",
            page.body
        );
        let res = app
            .post_form(&format!("/information/periodicals/{issue}/receive"), &[])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get(res.location()).await;
        assert!(page.body.contains("已签收本期刊物"), "{}", page.body);
        let v = get(&app, &path, &p.section).await;
        assert!(
            v["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["received"].is_string()),
            "{v}"
        );

        // A periodical without wording of its own: the 发 line names the units.
        let res = app
            .api(
                "POST",
                "/api/v1/information/periodicals",
                &p.section,
                Some(json!({"name": "东川政务专报"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let own = res.json()["id"].as_i64().unwrap();
        let second = new_issue(&app, &p, own).await["id"].as_i64().unwrap();
        let (_, r, _) = send(&app, &p, "qinghe", "清河县冬季安全生产检查", json!({})).await;
        accept(&app, &p, r).await;
        assert_eq!(
            adopt(&app, &p, r, json!({"level": "periodical", "issue": second})).await,
            StatusCode::OK
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/information/periodicals/{second}/publish"),
                &p.section,
                Some(json!({"units": [qinghe_office]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let pdf = app
            .api_raw(
                &format!("/api/v1/information/periodicals/{second}/pdf"),
                &p.mishu,
            )
            .await;
        let text: String = xn_render::gbt9704::measure(&pdf)
            .unwrap()
            .iter()
            .flat_map(|pg| pg.lines.iter().map(|l| l.text.clone()))
            .collect::<String>()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(text.contains("发：清河县人民政府办公室"), "{text}");
    }
);
