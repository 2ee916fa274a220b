//! 印制, seals and 归档: the check at 印制 refuses a document that breaks GB/T 9704 by naming
//! the violation and writes nothing; a sealed document needs its issuer's seal image, which the
//! security administrator uploads and which is stored encrypted; 核发 dispatches exactly the
//! sealed PDF; a dispatched document is filed with its 档号 and exported as a package whose
//! manifest's SM3 checksums match the files.

use std::io::Read;

use axum::http::StatusCode;
use serde_json::{Value, json};
use sm3::Digest;

use crate::documents::{Tokens, notice, tokens};
use crate::on_both_engines;
use crate::support::TestApp;

const OFFICE: &str = "东川市人民政府办公室";

/// A round red seal, 200 px square, transparent outside the ring.
pub(crate) fn seal_png() -> Vec<u8> {
    let n = 200u32;
    let mut data = Vec::new();
    for y in 0..n {
        for x in 0..n {
            let (dx, dy) = (x as f32 - 99.5, y as f32 - 99.5);
            let r = (dx * dx + dy * dy).sqrt();
            let ink = (90.0..99.0).contains(&r) || r < 20.0;
            data.extend_from_slice(&[220, 0, 0, if ink { 255 } else { 0 }]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, n, n);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&data).unwrap();
    }
    out
}

/// The security administrator uploads the city office's seal; returns the PNG.
pub(crate) async fn upload_seal(app: &TestApp) -> Vec<u8> {
    let token = app.token_for("secadmin", &["security.admin"]).await;
    let office = app.unit_id(OFFICE).await;
    let png = seal_png();
    let res = app
        .api_bytes(
            "POST",
            &format!("/api/v1/seals/{office}"),
            &token,
            png.clone(),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    png
}

/// Drafts and submits a document, then takes it through 核稿, 签发, 复核 and 登记: it waits
/// at 印制. Returns (document id, case id).
async fn to_print(app: &TestApp, t: &Tokens, draft: Value) -> (i64, i64) {
    let res = app
        .api("POST", "/api/v1/documents", &t.mishu, Some(draft))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let doc = res.json()["id"].as_i64().unwrap();
    let signer = app.post_of("zhuren").await;
    let res = app
        .api(
            "POST",
            &format!("/api/v1/documents/{doc}/submit"),
            &t.mishu,
            Some(json!({"signoff_post": signer})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let case = res.json()["case_id"].as_i64().unwrap();
    app.complete_ok(&t.kezhang, case, "同意", "核稿无误", json!({}))
        .await;
    app.complete_ok(&t.zhuren, case, "同意", "同意印发", json!({}))
        .await;
    app.complete_ok(&t.wenshu, case, "复核无误", "", json!({}))
        .await;
    app.complete_ok(&t.wenshu, case, "登记编号", "", json!({}))
        .await;
    (doc, case)
}

fn sm3_hex(bytes: &[u8]) -> String {
    hex::encode(sm3::Sm3::digest(bytes))
}

on_both_engines!(
    a_document_that_breaks_the_standard_is_refused_at_printing_and_nothing_is_written,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        // A web address longer than a line is not broken inside (no break inside a run of
        // Latin letters): it is pushed to the next line, and the line before it is left with
        // 5 characters where the grid asks for 28.
        let mut draft = notice(&[qinghe]);
        draft["seal"] = json!(false);
        draft["body"] = json!(
            "请登录https://www.dongchuan.gov.cn/zwgk/zfxxgkml/tzgg/2026/anquanshengchan/dongjianquanshengchangongzuotongzhi/index.html查看全文。"
        );
        let (doc, case) = to_print(&app, &t, draft).await;
        let events_before = app.events_of("documents.printed").await;

        let res = app
            .complete(&t.wenshu, case, "印制完成", "", json!({}))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.headers["content-type"], "application/problem+json",
            "{}",
            res.body
        );
        let problem = res.json();
        assert_eq!(problem["code"], "documents.nonconforming");
        let violations = problem["violations"].as_array().unwrap();
        assert!(
            violations
                .iter()
                .any(|v| v["rule"] == "grid.chars" && v["element"] == "正文" && v["page"] == 1),
            "{problem}"
        );
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("印制前版式检查未通过"), "{detail}");
        assert!(detail.contains("【正文】每行应排28个字"), "{detail}");

        // The case page says the same in Chinese, on the page the clerk acted from.
        app.login_as("wenshu").await;
        let clerk_post = app.post_of("wenshu").await;
        let task_no = app
            .scalar(&format!(
                "select task_no from tasks where case_id = {case} and state = 'open'
                 and post_id = {clerk_post}"
            ))
            .await
            .to_string();
        let version = app
            .scalar(&format!("select version from cases where id = {case}"))
            .await
            .to_string();
        let page = app
            .post_form(
                &format!("/cases/{case}/act"),
                &[
                    ("kind", "complete"),
                    ("version", &version),
                    ("task", &task_no),
                    ("decision", "印制完成"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.body.contains("id=\"act-error\""), "{}", page.body);
        assert!(page.body.contains("印制前版式检查未通过"), "{}", page.body);
        assert!(
            page.body.contains("【正文】每行应排28个字"),
            "{}",
            page.body
        );

        // Nothing written: no final file, no event, the document and the task as they were.
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from document_finals where document_id = {doc}"
            ))
            .await,
            0
        );
        assert_eq!(app.events_of("documents.printed").await, events_before);
        assert_eq!(
            app.text(&format!("select status from documents where id = {doc}"))
                .await,
            "numbered"
        );
        assert!(app.task_of(&t.wenshu, case).await.is_some());
        // 核发 cannot be reached around it: the case still waits at 印制.
        let step = app
            .text(&format!(
                "select step_id from tasks where case_id = {case} and state = 'open' limit 1"
            ))
            .await;
        assert_eq!(step, "print");
    }
);

on_both_engines!(
    a_sealed_document_is_printed_with_its_issuer_seal_dispatched_and_archived,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let (doc, case) = to_print(&app, &t, notice(&[qinghe])).await;
        // An attachment (added by the clerk who holds 印制) travels into the archive package.
        let res = app
            .api_bytes(
                "POST",
                &format!("/api/v1/documents/{doc}/attachments?name=排查表.txt"),
                &t.wenshu,
                "单位\t隐患数\n".as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // No seal image yet: 印制 is refused by name, nothing written.
        let res = app
            .complete(&t.wenshu, case, "印制完成", "", json!({}))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "documents.no_seal");
        assert!(res.body.contains("尚未上传印章图像"), "{}", res.body);
        assert_eq!(app.scalar("select count(*) from document_finals").await, 0);

        // Only the security administrator uploads seals, and only PNG by content.
        let office = app.unit_id(OFFICE).await;
        let res = app
            .api_bytes(
                "POST",
                &format!("/api/v1/seals/{office}"),
                &t.mishu,
                seal_png(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let admin = app.token_for("secadmin", &["security.admin"]).await;
        let res = app
            .api_bytes(
                "POST",
                &format!("/api/v1/seals/{office}"),
                &admin,
                b"%PDF-1.7 not an image".to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let png = upload_seal(&app).await;

        // Stored encrypted: the stored bytes are not the PNG and do not contain it.
        let stored = xn_store::documents::current_seal(app.services().db(), office)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(stored.ciphertext, png);
        assert!(!stored.ciphertext.starts_with(b"\x89PNG"));
        assert!(
            !stored
                .ciphertext
                .windows(32)
                .any(|w| png.windows(32).next() == Some(w))
        );
        assert_eq!(stored.plain_sm3, sm3_hex(&png));
        let list = app.api("GET", "/api/v1/seals", &admin, None).await.json();
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["unit_id"] == office)
            .unwrap()
            .clone();
        assert_eq!(row["has_seal"], true, "{list}");
        let preview = app
            .api_raw(&format!("/api/v1/seals/{office}/preview"), &admin)
            .await;
        assert!(preview.starts_with(b"%PDF"));

        // 印制 now renders, checks and stores the sealed PDF; 核发 dispatches exactly it.
        app.complete_ok(&t.wenshu, case, "印制完成", "", json!({}))
            .await;
        assert_eq!(app.events_of("documents.printed").await, 1);
        app.complete_ok(&t.wenshu, case, "核发", "", json!({}))
            .await;
        let pdf = app
            .api_raw(&format!("/api/v1/documents/{doc}/pdf"), &t.mishu)
            .await;
        assert!(pdf.starts_with(b"%PDF"));
        let stored_hash = app
            .text(&format!(
                "select hash from document_finals where document_id = {doc}"
            ))
            .await;
        assert_eq!(sm3_hex(&pdf), stored_hash, "the page serves the final PDF");
        let pages = xn_render::gbt9704::measure(&pdf).unwrap();
        assert_eq!(
            pages.iter().map(|p| p.images.len()).sum::<usize>(),
            1,
            "the seal image is on the dispatched PDF"
        );
        assert!(xn_render::gbt9704::check(&pdf).is_empty());
        // The recipient reads the same bytes.
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await
            .json();
        let incoming = view["exchanges"][0]["incoming_document_id"]
            .as_i64()
            .unwrap();
        let clerk = app
            .token_for(
                &app.login_in("清河县人民政府办公室", "秘书股", "clerk")
                    .await,
                &["org.read", "flow.work"],
            )
            .await;
        let received = app
            .api_raw(&format!("/api/v1/documents/{incoming}/pdf"), &clerk)
            .await;
        assert_eq!(sm3_hex(&received), stored_hash);

        // 归档: only the registry files it; the 档号 is 全宗号-年度-保管期限-件号. The page
        // offers it to the registry only.
        app.login_as("mishu").await;
        let page = app.get(&format!("/documents/{doc}")).await.body;
        assert!(!page.contains("id=\"archive-submit\""), "{page}");
        app.login_as("wenshu").await;
        let page = app.get(&format!("/documents/{doc}")).await.body;
        assert!(page.contains("id=\"archive-submit\""), "{page}");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/archive"),
                &t.mishu,
                Some(json!({"retention": "Y"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(
            res.body.contains("归档由文电（秘书）部门办理"),
            "{}",
            res.body
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/archive"),
                &t.wenshu,
                Some(json!({"retention": "永久"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let item = res.json();
        let archive_no = format!("X{office:03}-2026-Y-0001");
        assert_eq!(item["archive_no"], archive_no.as_str(), "{item}");
        assert_eq!(item["retention_label"], "永久");
        assert_eq!(item["doc_number"], "东政办发〔2026〕1号");
        assert_eq!(item["author"], OFFICE);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/archive"),
                &t.wenshu,
                Some(json!({"retention": "D10"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        // The package: every file listed in the manifest with its SM3, and nothing else.
        let zip_bytes = app
            .api_raw(
                &format!("/api/v1/documents/{doc}/archive/package"),
                &t.wenshu,
            )
            .await;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
        let mut files: std::collections::BTreeMap<String, Vec<u8>> =
            std::collections::BTreeMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).unwrap();
            files.insert(f.name().unwrap().into_owned(), buf);
        }
        let prefix = format!("{archive_no}/");
        let names: Vec<&str> = files
            .keys()
            .map(|k| k.strip_prefix(&prefix).unwrap())
            .collect();
        assert_eq!(
            names,
            vec![
                "发文稿纸.pdf",
                "归档清单.json",
                "正式文件.pdf",
                "签发稿.pdf",
                "附件/01-排查表.txt",
            ]
        );
        assert_eq!(files[&format!("{prefix}正式文件.pdf")], pdf);
        let manifest: Value =
            serde_json::from_slice(&files[&format!("{prefix}归档清单.json")]).unwrap();
        assert_eq!(manifest["档号"], archive_no.as_str());
        assert_eq!(manifest["metadata"]["文号"], "东政办发〔2026〕1号");
        assert_eq!(manifest["metadata"]["日期"], "20261126");
        assert_eq!(manifest["checksum_algorithm"], "SM3");
        let listed = manifest["files"].as_array().unwrap();
        assert_eq!(listed.len(), 4, "{manifest}");
        for f in listed {
            let path = f["path"].as_str().unwrap();
            let bytes = &files[&format!("{prefix}{path}")];
            assert_eq!(f["sm3"], sm3_hex(bytes).as_str(), "{path}");
            assert_eq!(f["size"], bytes.len(), "{path}");
        }
        let draft = &files[&format!("{prefix}签发稿.pdf")];
        assert!(draft.starts_with(b"%PDF"));
        let draft_pages = xn_render::gbt9704::measure(draft).unwrap();
        assert_eq!(
            draft_pages.iter().map(|p| p.images.len()).sum::<usize>(),
            0,
            "the signed draft carries no seal"
        );

        // The year's export holds the same item.
        let year = app.api_raw("/api/v1/archive/2026/package", &t.wenshu).await;
        let zip = zip::ZipArchive::new(std::io::Cursor::new(year)).unwrap();
        assert!(
            zip.file_names()
                .any(|n| n.unwrap() == format!("{archive_no}/归档清单.json")),
        );
    }
);

/// Takes a document waiting at 印制 through 印制 and 核发.
async fn print_and_dispatch(app: &TestApp, t: &Tokens, case: i64) {
    app.complete_ok(&t.wenshu, case, "印制完成", "", json!({}))
        .await;
    app.complete_ok(&t.wenshu, case, "核发", "", json!({}))
        .await;
}

async fn archive(app: &TestApp, t: &Tokens, doc: i64, retention: &str) -> crate::support::Res {
    app.api(
        "POST",
        &format!("/api/v1/documents/{doc}/archive"),
        &t.wenshu,
        Some(json!({ "retention": retention })),
    )
    .await
}

on_both_engines!(
    item_numbers_are_gapless_per_fonds_year_and_retention,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        upload_seal(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let office = app.unit_id(OFFICE).await;
        // The system administrator sets the 全宗号 the archive assigned; others may not.
        let sysadmin = app.token_for("sysadmin", &["org.admin"]).await;
        let res = app
            .api(
                "PUT",
                &format!("/api/v1/units/{office}/fonds"),
                &t.wenshu,
                Some(json!({"fonds_code": "Z109"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "PUT",
                &format!("/api/v1/units/{office}/fonds"),
                &sysadmin,
                Some(json!({"fonds_code": "z-109"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .api(
                "PUT",
                &format!("/api/v1/units/{office}/fonds"),
                &sysadmin,
                Some(json!({"fonds_code": "z109"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);

        let mut docs = Vec::new();
        for _ in 0..3 {
            let (doc, case) = to_print(&app, &t, notice(&[qinghe])).await;
            docs.push((doc, case));
        }
        // Not dispatched yet: not filed.
        let res = archive(&app, &t, docs[0].0, "Y").await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "archive.not_closed");
        for (_, case) in &docs {
            print_and_dispatch(&app, &t, *case).await;
        }
        let res = archive(&app, &t, docs[0].0, "Y").await;
        assert_eq!(res.json()["archive_no"], "Z109-2026-Y-0001", "{}", res.body);
        // A refused filing takes no number.
        let res = archive(&app, &t, docs[1].0, "长期").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = archive(&app, &t, docs[1].0, "D10").await;
        assert_eq!(
            res.json()["archive_no"],
            "Z109-2026-D10-0001",
            "{}",
            res.body
        );
        let res = archive(&app, &t, docs[2].0, "Y").await;
        assert_eq!(res.json()["archive_no"], "Z109-2026-Y-0002", "{}", res.body);
        assert_eq!(app.events_of("documents.archived").await, 3);

        // The seal page is the security administrator's alone.
        app.login_as("mishu").await;
        assert_eq!(app.get("/admin/seals").await.status, StatusCode::FORBIDDEN);
        app.login_as("secadmin").await;
        let page = app.get("/admin/seals").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(OFFICE) && page.body.contains("已上传"));
        // The document page offers the package once filed.
        app.login_as("wenshu").await;
        let page = app.get(&format!("/documents/{}", docs[0].0)).await;
        assert!(page.body.contains("Z109-2026-Y-0001"), "{}", page.body);
        assert!(page.body.contains("download-archive"));
    }
);

on_both_engines!(
    a_document_without_a_seal_is_printed_without_any_seal_image,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let mut draft = notice(&[qinghe]);
        draft["seal"] = json!(false);
        let (doc, case) = to_print(&app, &t, draft).await;
        // No seal image was ever uploaded: a document marked 不加盖印章 passes 印制.
        print_and_dispatch(&app, &t, case).await;
        let pdf = app
            .api_raw(&format!("/api/v1/documents/{doc}/pdf"), &t.mishu)
            .await;
        let pages = xn_render::gbt9704::measure(&pdf).unwrap();
        assert_eq!(pages.iter().map(|p| p.images.len()).sum::<usize>(), 0);
        assert!(xn_render::gbt9704::check(&pdf).is_empty());
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from document_finals where document_id = {doc} and seal_id is null"
            ))
            .await,
            1
        );
    }
);
