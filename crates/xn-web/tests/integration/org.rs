//! Administering units, persons and posts, and importing sheets, through the pages.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::on_both_engines;
use crate::support::{TestApp, upload_form};

on_both_engines!(
    the_system_admin_builds_a_unit_a_person_and_a_post,
    |app: TestApp| async move {
        app.login_as("sysadmin").await;
        let tree = app.get("/org/units").await;
        let office_id = tree
            .body
            .split("<a href=\"/org/units/")
            .find(|s| s.contains(">东川市人民政府办公室<"))
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();

        let res = app
            .post_form(
                "/org/units/new",
                &[
                    ("name", "法制科"),
                    ("short_name", ""),
                    ("kind", "section"),
                    ("parent_id", &office_id),
                    ("issuer_code", ""),
                    ("sort_order", "95"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let unit_page = app.get(res.location()).await;
        assert!(unit_page.body.contains("法制科") && unit_page.body.contains("市政府办公室"));
        let unit_id = res.location().rsplit('/').next().unwrap().to_owned();

        // The same name under the same parent is refused with a Chinese message.
        let dup = app
            .post_form(
                "/org/units/new",
                &[
                    ("name", "法制科"),
                    ("kind", "section"),
                    ("parent_id", &office_id),
                ],
            )
            .await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(dup.body.contains("已有同名单位"));
        // A bad issuer code names the rule.
        let bad = app
            .post_form(
                "/org/units/new",
                &[
                    ("name", "外事科"),
                    ("kind", "section"),
                    ("parent_id", &office_id),
                    ("issuer_code", "WSK"),
                ],
            )
            .await;
        assert!(bad.body.contains("机关代字只能由汉字组成"));

        let person = app
            .post_form(
                "/org/persons/new",
                &[
                    ("name", "孙立"),
                    ("login", "sunli"),
                    ("phone", "13900001111"),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(person.status, StatusCode::OK);
        assert!(person.body.contains("初始口令："));
        let person_id = app.person_id("sunli").await;
        let positions = app.get(&format!("/org/persons/{person_id}")).await;
        let secretary = positions
            .body
            .split("<option value=\"")
            .find(|s| s.contains(">秘书<"))
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let post = app
            .post_form(
                &format!("/org/persons/{person_id}/posts"),
                &[
                    ("person_id", "0"),
                    ("unit_id", &unit_id),
                    ("position_id", &secretary),
                    ("title", ""),
                ],
            )
            .await;
        assert!(
            post.body.contains("已增加身份：法制科 · 秘书"),
            "{}",
            post.body
        );
        assert!(
            app.get(&format!("/org/units/{unit_id}"))
                .await
                .body
                .contains("孙立")
        );

        // Moving a unit under its own child is refused.
        let office_child = app
            .post_form(
                &format!("/org/units/{office_id}/edit"),
                &[
                    ("name", "东川市人民政府办公室"),
                    ("short_name", "市政府办公室"),
                    ("kind", "office"),
                    ("parent_id", &unit_id),
                    ("issuer_code", "东政办"),
                ],
            )
            .await;
        assert_eq!(office_child.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(office_child.body.contains("下级单位之下"));
        assert_eq!(app.events_of("org.unit_created").await, 1);
        assert_eq!(app.events_of("org.person_created").await, 1);
    }
);

on_both_engines!(
    the_security_admin_grants_roles_but_never_two_admin_duties_in_one_post,
    |app: TestApp| async move {
        let id = app.person_id("mishu").await;
        app.login_as("secadmin").await;
        let page = app.get(&format!("/org/persons/{id}")).await;
        let post_id = page
            .body
            .split("/org/posts/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let role = |name: &str| {
            page.body
                .split("name=\"role_ids\" value=\"")
                .find(|s| s.contains(&format!("> {name}<")))
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        };
        let (staff, sys, aud) = (role("工作人员"), role("系统管理员"), role("安全审计员"));
        let mixed = app
            .post_form(
                &format!("/org/posts/{post_id}/access"),
                &[
                    ("role_ids", &sys),
                    ("role_ids", &aud),
                    ("clearance", "secret"),
                ],
            )
            .await;
        assert_eq!(mixed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(mixed.body.contains("三员分立"));
        // Nor an administrator's duty with business work in one post.
        let working_admin = app
            .post_form(
                &format!("/org/posts/{post_id}/access"),
                &[
                    ("role_ids", &staff),
                    ("role_ids", &sys),
                    ("clearance", "confidential"),
                ],
            )
            .await;
        assert_eq!(working_admin.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            working_admin.body.contains("不能同时办理业务"),
            "{}",
            working_admin.body
        );
        let ok = app
            .post_form(
                &format!("/org/posts/{post_id}/access"),
                &[("role_ids", &sys), ("clearance", "confidential")],
            )
            .await;
        assert!(ok.body.contains("已保存授权：系统管理员"), "{}", ok.body);
        assert!(ok.body.contains("涉密等级：机密"));
        // The system admin may not grant roles: that is the security admin's duty.
        app.login_as("sysadmin").await;
        let denied = app
            .post_form(
                &format!("/org/posts/{post_id}/access"),
                &[("role_ids", &staff), ("clearance", "public")],
            )
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
    }
);

on_both_engines!(
    a_staff_member_cannot_administer_the_organisation,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let res = app
            .post_form("/org/units/new", &[("name", "擅建科"), ("kind", "section")])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(res.body.contains("没有“管理单位、人员和身份”权限"));
        assert_eq!(app.get("/admin/events").await.status, StatusCode::FORBIDDEN);
    }
);

fn multipart(csrf: &str, filename: &str, bytes: &[u8]) -> Request<Body> {
    upload_form(
        &format!("/org/import?_csrf={csrf}"),
        Some((filename, bytes)),
    )
}

on_both_engines!(
    an_import_with_one_bad_row_imports_nothing_and_names_the_row,
    |app: TestApp| async move {
        app.login_as("sysadmin").await;
        let csrf = app.csrf().await;
        let (units, persons) = (app.count("units").await, app.count("persons").await);
        let csv = "单位全称,单位简称,单位类型,上级单位,机关代字,排序\n\
               东川市应急管理局,市应急局,部门,东川市人民政府,东应急,70\n\
               东川市应急管理局办公室,,科室,东川市应急管理局,,1\n\
               东川市林业局,市林业局,公司,东川市人民政府,,80\n";
        let res = app
            .send(multipart(&csrf, "units.csv", csv.as_bytes()))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body.contains("<td data-label=\"行号\">4</td>")
                && res.body.contains("单位类型“公司”无法识别"),
            "{}",
            res.body
        );
        assert_eq!(
            (app.count("units").await, app.count("persons").await),
            (units, persons),
            "nothing half-imported"
        );

        let good = csv.replace(",公司,", ",部门,");
        let res = app
            .send(multipart(&csrf, "units.csv", good.as_bytes()))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("已导入 3 个单位"));
        assert_eq!(app.count("units").await, units + 3);
    }
);

on_both_engines!(
    an_xlsx_with_units_and_people_imports_both_with_initial_passwords,
    |app: TestApp| async move {
        use xn_render::xlsx::{Sheet, workbook};
        app.login_as("sysadmin").await;
        let csrf = app.csrf().await;
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let book = workbook(&[
            Sheet {
                name: "单位".into(),
                header: s(&xn_service::import::UNIT_COLUMNS),
                rows: vec![s(&[
                    "东川市数据局",
                    "市数据局",
                    "部门",
                    "东川市人民政府",
                    "东数",
                    "90",
                ])],
            },
            Sheet {
                name: "人员".into(),
                header: s(&xn_service::import::PERSON_COLUMNS),
                rows: vec![
                    s(&[
                        "钱多多",
                        "qianduoduo",
                        "13800000001",
                        "东川市数据局",
                        "主任",
                        "",
                    ]),
                    s(&["李四", "lisi", "", "市数据局", "秘书", "秘书（兼）"]),
                ],
            },
        ])
        .unwrap();
        let res = app.send(multipart(&csrf, "org.xlsx", &book)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("已导入 1 个单位、2 名人员、2 个身份"));
        assert!(res.body.contains("qianduoduo"));
        // A login already taken names its row.
        let again = app.send(multipart(&csrf, "org.xlsx", &book)).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("登录名“lisi”已被使用"));
    }
);

on_both_engines!(
    the_unit_tree_exports_to_a_real_xlsx,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let res = app.get("/org/units.xlsx").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.content_type().contains("spreadsheetml"));
    }
);

on_both_engines!(
    areas_not_built_yet_say_so_plainly,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        // 办文 is built: its page lists the office's documents.
        let res = app.get("/documents").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("拟稿") && !res.body.contains("本模块尚未建成"));
        // So is 督查: its page is the supervision list.
        let res = app.get("/supervision").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("督查督办") && !res.body.contains("本模块尚未建成"));
        let res = app.get("/meetings").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("<h1>办会</h1>") && !res.body.contains("本模块尚未建成"));
        let res = app.get("/efficiency").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("<h1>积压事项</h1>") && !res.body.contains("本模块尚未建成"));
        let res = app.get("/management").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("<h1>管理</h1>") && !res.body.contains("本模块尚未建成"));
        let res = app.get("/affairs").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("<h1>服务事项</h1>") && !res.body.contains("本模块尚未建成"));
        let res = app.get("/information").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("<h1>政务信息</h1>") && !res.body.contains("本模块尚未建成"));
        let res = app.get("/study").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("<h1>学习</h1>") && !res.body.contains("本模块尚未建成"));
        let res = app.get("/research").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("<h1>调研</h1>") && !res.body.contains("本模块尚未建成"));
        let res = app.get("/service").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("本模块尚未建成"));
        assert_eq!(app.get("/no-such-area").await.status, StatusCode::NOT_FOUND);
    }
);

on_both_engines!(
    the_auditor_reads_the_trail_of_sign_ins,
    |app: TestApp| async move {
        app.sign_in("mishu", "Wrong#2026x").await;
        app.login_as("auditor").await;
        let res = app.get("/admin/events?kind=auth.").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("登录失败") && res.body.contains("wrong_password"));
    }
);

on_both_engines!(
    a_malformed_address_gets_a_chinese_page_or_a_problem,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let page = app.get("/org/units/not-a-number").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(page.content_type().starts_with("text/html"));
        assert!(page.body.contains("请求的地址或参数格式不正确"));
        let api = app.get("/api/v1/units/not-a-number").await;
        assert_eq!(api.content_type(), "application/problem+json");
        assert_eq!(api.json()["code"], "request.invalid");
        let missing = app.get("/org/units/999999").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains("单位不存在"));
    }
);
