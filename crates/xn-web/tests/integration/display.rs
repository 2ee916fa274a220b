//! What every page shows alike: instants in Beijing time through the one helper
//! (`pages::time`), and a menu of the areas that are built, with the rest behind 更多.

use std::path::Path;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use crate::documents::notice;
use crate::on_both_engines;
use crate::support::TestApp;

/// Ways a template could turn an instant into text without the `beijing` filter: chrono's own
/// formatting and conversions, which print the UTC date, and per-page wrappers that each
/// formatted time their own way before there was one helper.
const RAW_FORMATTING: [&str; 11] = [
    ".format(",
    "to_rfc3339",
    "to_rfc2822",
    "timestamp",
    "date_naive",
    "naive_utc",
    "naive_local",
    "with_timezone",
    ".date()",
    "self.when(",
    "self.when_opt(",
];

/// The one template still formatting through a per-page wrapper, and the exact line part:
/// `seals.html` belongs to the admin pages (`pages/admin.rs`), whose `when_opt` calls
/// `beijing_time`; it moves to the filter with the next change to that module.
const KNOWN_WRAPPER: (&str, &str) = ("seals.html", "{{ self.when_opt(s.uploaded_at) }}");

#[test]
fn every_template_formats_instants_through_the_one_helper() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut templates = 0;
    let mut through_the_helper = 0;
    let mut raw = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("html") {
            continue;
        }
        templates += 1;
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        through_the_helper += text.matches("|beijing").count();
        for (no, line) in text.lines().enumerate() {
            let line = if file == KNOWN_WRAPPER.0 {
                line.replace(KNOWN_WRAPPER.1, "")
            } else {
                line.to_owned()
            };
            for p in RAW_FORMATTING {
                if line.contains(p) {
                    raw.push(format!("{file}:{}: `{p}`", no + 1));
                }
            }
        }
    }
    assert!(templates >= 40, "only {templates} templates under {dir:?}");
    assert!(
        through_the_helper >= 15,
        "only {through_the_helper} uses of |beijing"
    );
    assert!(
        raw.is_empty(),
        "instants formatted without the beijing filter:\n{}",
        raw.join("\n")
    );
}

on_both_engines!(
    a_document_drafted_just_after_beijing_midnight_is_listed_on_the_beijing_date,
    |app: TestApp| async move {
        // 2026-12-04 17:30 UTC is 01:30 on 5 December in Beijing.
        let target: DateTime<Utc> = "2026-12-04T17:30:00Z".parse().unwrap();
        app.clock.advance(target - app.clock.now());
        let token = app.token_for("mishu", &["org.read", "flow.work"]).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let res = app
            .api("POST", "/api/v1/documents", &token, Some(notice(&[qinghe])))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();

        app.login_as("mishu").await;
        let list = app.get("/documents").await;
        assert_eq!(list.status, StatusCode::OK);
        let row = row_of(&list.body, &format!("/documents/{doc}\""));
        assert!(row.contains("2026-12-05 01:30"), "{row}");
        assert!(!row.contains("2026-12-04"), "{row}");
        assert!(!list.body.contains(" UTC") && !list.body.contains("+00:00"));

        // 综合查询 lists the same document on the same day.
        let found = app
            .get("/documents/search?q=%E5%86%AC%E5%AD%A3%E5%AE%89%E5%85%A8")
            .await;
        assert_eq!(found.status, StatusCode::OK);
        let hit = row_of(&found.body, &format!("/documents/{doc}\""));
        assert!(hit.contains("2026-12-05 01:30"), "{hit}");
        assert!(!hit.contains("2026-12-04"), "{hit}");
    }
);

/// The line of a page holding `marker`, from the row or item that starts on it to its end.
fn row_of(html: &str, marker: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not on the page:\n{html}"));
    let start = html[..at].rfind(['\n']).map_or(0, |i| i + 1);
    let end = html[at..]
        .find("</tr>")
        .or_else(|| html[at..].find("</li>"))
        .map_or(html.len(), |i| at + i);
    html[start..end].to_owned()
}

/// The menu's entries, in order: (name, href).
fn menu(html: &str) -> Vec<(String, String)> {
    let start = html.find("<nav class=\"areas\"").unwrap();
    let end = start + html[start..].find("</nav>").unwrap();
    html[start..end]
        .split("<a href=\"")
        .skip(1)
        .map(|a| {
            let href = a[..a.find('"').unwrap()].to_owned();
            let name = a[a.find('>').unwrap() + 1..a.find("</a>").unwrap()].to_owned();
            (name, href)
        })
        .collect()
}

on_both_engines!(
    the_menu_shows_the_built_areas_first_and_the_rest_behind_more,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        let names: Vec<String> = menu(&home.body).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            &names[..10],
            [
                "工作台",
                "办文",
                "办会",
                "办事",
                "调研",
                "信息",
                "督查",
                "学习",
                "管理",
                "效能"
            ],
            "{names:?}"
        );
        assert_eq!(names.last().map(String::as_str), Some("更多"), "{names:?}");
        assert!(!names.iter().any(|n| n == "服务"), "服务 in {names:?}");
        for built in ["组织机构", "工作日历"] {
            assert!(names.iter().any(|n| n == built), "{built} in {names:?}");
        }

        // 更多 lists what is coming, each leading to its honest page.
        let more = app.get("/more").await;
        assert_eq!(more.status, StatusCode::OK);
        assert!(menu(&more.body).contains(&("更多".to_owned(), "/more".to_owned())));
        assert!(
            more.body
                .contains("<a href=\"/more\" aria-current=\"page\">更多</a>")
        );
        {
            let (seg, name) = ("service", "服务");
            let link = format!("<a href=\"/{seg}\"><strong>{name}</strong></a>");
            assert!(more.body.contains(&link), "{link}");
            let page = app.get(&format!("/{seg}")).await;
            assert_eq!(page.status, StatusCode::OK, "{seg}");
            assert!(page.body.contains("本模块尚未建成"), "{seg}");
            // The menu says where the page sits: under 更多.
            assert!(
                page.body
                    .contains("<a href=\"/more\" aria-current=\"page\">更多</a>"),
                "{seg}"
            );
        }
        assert!(!more.body.contains("href=\"/documents\"><strong>"));
        assert!(!more.body.contains("href=\"/supervision\"><strong>"));
        assert!(!more.body.contains("href=\"/meetings\"><strong>"));
        assert!(!more.body.contains("href=\"/affairs\"><strong>"));
        assert!(!more.body.contains("href=\"/efficiency\"><strong>"));
        assert!(!more.body.contains("href=\"/management\"><strong>"));
        assert!(!more.body.contains("href=\"/study\"><strong>"));
        assert!(!more.body.contains("href=\"/research\"><strong>"));
    }
);

/// On a phone a list's rows become cards and each cell is a line named by its column
/// (`data-label`); a cell without a name would be a bare value nobody can place. Every body
/// cell of every `table.list` is named, is the card's headline (`class="title"`), or is an
/// action cell named empty on purpose (`data-label=""`).
#[test]
fn every_list_cell_is_named_for_the_phone_card() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut tables = 0;
    let mut unnamed = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("html") {
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("<table class=\"list") {
            let table = &rest[start..];
            let end = table.find("</table>").unwrap_or(table.len());
            let body = &table[..end];
            let body = body.find("</thead>").map_or(body, |h| &body[h..]);
            tables += 1;
            for (at, _) in body.match_indices("<td") {
                let tag = &body[at..at + body[at..].find('>').unwrap_or(0)];
                if !(tag.contains("data-label=") || tag.contains("class=\"title")) {
                    let line = text[..text.len() - rest.len() + start].lines().count()
                        + body[..at].lines().count();
                    unnamed.push(format!("{file}:{line}: {tag}>"));
                }
            }
            rest = &table[end..];
        }
    }
    assert!(tables >= 20, "only {tables} list tables found");
    assert!(
        unnamed.is_empty(),
        "list cells without a column name for the phone card:\n{}",
        unnamed.join("\n")
    );
}
