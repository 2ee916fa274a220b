//! Pages of the organisation: the unit tree, a unit, persons, a person with posts, the sheet
//! import and the exports.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_domain::org::{Clearance, Permission, UnitKind};
use xn_service::import::{ImportReport, PERSON_COLUMNS, UNIT_COLUMNS};
use xn_service::org::{
    PersonInput, PersonView, PositionView, PostInput, PostView, RoleView, UnitInput, UnitView,
};
use xn_service::{Actor, ServiceError};

use super::Layout;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm, Upload};
use crate::respond::xlsx_response;

#[derive(Template, WebTemplate)]
#[template(path = "units.html")]
struct UnitsPage {
    l: Layout,
    units: Vec<UnitView>,
    q: String,
    can_admin: bool,
}

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: i64,
}

async fn list_units(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(f): Query<Filter>,
) -> Result<Response, PageError> {
    let l = Layout::new(&state, &actor, "/org").await?;
    let mut units = state.services.unit_tree(&actor).await?;
    let q = f.q.trim().to_owned();
    if !q.is_empty() {
        units.retain(|u| {
            u.name.contains(&q)
                || u.short_name.contains(&q)
                || u.issuer_code.as_deref().is_some_and(|c| c.contains(&q))
        });
        for u in &mut units {
            u.depth = 0;
        }
    }
    Ok(UnitsPage {
        l,
        units,
        q,
        can_admin: actor.has(Permission::OrgAdmin),
    }
    .into_response())
}

async fn export_units(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let units = state.services.unit_tree(&actor).await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| units.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let rows = units
        .iter()
        .map(|u| {
            vec![
                u.name.clone(),
                u.short_name.clone(),
                u.kind_label.clone(),
                name_of(u.parent_id),
                u.issuer_code.clone().unwrap_or_default(),
                u.sort_order.to_string(),
            ]
        })
        .collect();
    let sheet = xn_render::xlsx::Sheet {
        name: "单位".into(),
        header: UNIT_COLUMNS.map(str::to_owned).to_vec(),
        rows,
    };
    xlsx_response("组织机构.xlsx", &[sheet])
}

#[derive(Template, WebTemplate)]
#[template(path = "unit.html")]
struct UnitPage {
    l: Layout,
    unit: UnitView,
    ancestors: Vec<UnitView>,
    children: Vec<UnitView>,
    posts: Vec<PostView>,
    can_admin: bool,
}

async fn show_unit(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::new(&state, &actor, "/org").await?;
    let (unit, ancestors, children, posts) =
        state
            .services
            .unit_detail(&actor, id)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound(_) => ServiceError::NotFound("单位"),
                other => other,
            })?;
    Ok(UnitPage {
        l,
        unit,
        ancestors,
        children,
        posts,
        can_admin: actor.has(Permission::OrgAdmin),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "unit_form.html")]
struct UnitForm {
    l: Layout,
    heading: String,
    action: String,
    error: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    parents: Vec<UnitView>,
    name: String,
    short_name: String,
    kind: String,
    parent_id: i64,
    issuer_code: String,
    sort_order: i64,
}

async fn unit_form(
    state: &AppState,
    actor: &Actor,
    heading: &str,
    action: String,
    input: &UnitInput,
    error: Option<String>,
    exclude: Option<i64>,
) -> Result<Response, PageError> {
    if !actor.has(Permission::OrgAdmin) {
        return Err(
            ServiceError::Forbidden("当前身份没有“管理单位、人员和身份”权限".to_owned()).into(),
        );
    }
    let l = Layout::new(state, actor, "/org").await?;
    let mut parents = state.services.unit_tree(actor).await?;
    if let Some(ex) = exclude {
        parents.retain(|u| u.id != ex);
    }
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        UnitForm {
            l,
            heading: heading.to_owned(),
            action,
            error,
            kinds: UnitKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            parents,
            name: input.name.clone(),
            short_name: input.short_name.clone(),
            kind: input.kind.clone(),
            parent_id: input.parent_id.unwrap_or(0),
            issuer_code: input.issuer_code.clone(),
            sort_order: input.sort_order.unwrap_or(0),
        },
    )
        .into_response())
}

#[derive(Deserialize)]
struct NewUnitQuery {
    #[serde(default, deserialize_with = "xn_service::org::empty_as_none")]
    parent_id: Option<i64>,
}

async fn new_unit(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<NewUnitQuery>,
) -> Result<Response, PageError> {
    let input = UnitInput {
        parent_id: q.parent_id,
        kind: "section".into(),
        name: String::new(),
        short_name: String::new(),
        issuer_code: String::new(),
        sort_order: None,
    };
    unit_form(
        &state,
        &actor,
        "新建单位",
        "/org/units/new".into(),
        &input,
        None,
        None,
    )
    .await
}

async fn create_unit(
    State(state): State<AppState>,
    PageForm(actor, input): PageForm<UnitInput>,
) -> Result<Response, PageError> {
    match state
        .services
        .create_unit(&actor, &input, state.clock.now())
        .await
    {
        Ok(u) => Ok(Redirect::to(&format!("/org/units/{}", u.id)).into_response()),
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Conflict { .. }
            | ServiceError::Constraint { .. }),
        ) => {
            unit_form(
                &state,
                &actor,
                "新建单位",
                "/org/units/new".into(),
                &input,
                Some(e.to_string()),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_unit(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (u, ..) = state.services.unit_detail(&actor, id).await?;
    let input = UnitInput {
        parent_id: u.parent_id,
        kind: u.kind,
        name: u.name,
        short_name: u.short_name,
        issuer_code: u.issuer_code.unwrap_or_default(),
        sort_order: Some(u.sort_order),
    };
    unit_form(
        &state,
        &actor,
        "修改单位",
        format!("/org/units/{id}/edit"),
        &input,
        None,
        Some(id),
    )
    .await
}

async fn update_unit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, input): PageForm<UnitInput>,
) -> Result<Response, PageError> {
    match state
        .services
        .update_unit(&actor, id, &input, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/org/units/{id}")).into_response()),
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Conflict { .. }
            | ServiceError::Constraint { .. }),
        ) => {
            unit_form(
                &state,
                &actor,
                "修改单位",
                format!("/org/units/{id}/edit"),
                &input,
                Some(e.to_string()),
                Some(id),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "persons.html")]
struct PersonsPage {
    l: Layout,
    persons: Vec<PersonView>,
    q: String,
    after: i64,
    next: Option<i64>,
    can_admin: bool,
}

const PAGE_SIZE: i64 = 50;

async fn list_persons(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(f): Query<Filter>,
) -> Result<Response, PageError> {
    let l = Layout::new(&state, &actor, "/org").await?;
    let mut persons = state
        .services
        .list_persons(&actor, &f.q, f.after, PAGE_SIZE + 1)
        .await?;
    let next = (persons.len() > usize::try_from(PAGE_SIZE).unwrap_or(50)).then(|| {
        persons.truncate(usize::try_from(PAGE_SIZE).unwrap_or(50));
        persons.last().map(|p| p.id).unwrap_or(0)
    });
    Ok(PersonsPage {
        l,
        persons,
        q: f.q,
        after: f.after,
        next,
        can_admin: actor.has(Permission::OrgAdmin),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    person: PersonView,
    posts: Vec<PostView>,
    message: Option<String>,
    can_admin: bool,
    can_secure: bool,
    /// A 三员 account: locked, unlocked and reset only at the console.
    console_only: bool,
    units: Vec<UnitView>,
    positions: Vec<PositionView>,
    roles: Vec<RoleView>,
    clearances: Vec<(&'static str, &'static str)>,
}

async fn person_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    message: Option<String>,
) -> Result<Response, PageError> {
    let l = Layout::new(state, actor, "/org").await?;
    let (person, posts) = state.services.person_detail(actor, id).await?;
    let can_admin = actor.has(Permission::OrgAdmin);
    let (units, positions) = if can_admin {
        (
            state.services.unit_tree(actor).await?,
            state.services.list_positions(actor).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(PersonPage {
        l,
        person,
        posts,
        message,
        can_admin,
        can_secure: actor.has(Permission::SecurityAdmin),
        console_only: actor.has(Permission::SecurityAdmin)
            && state.services.account_is_console_only(actor, id).await?,
        units,
        positions,
        roles: state.services.list_roles(actor).await?,
        clearances: Clearance::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
    }
    .into_response())
}

async fn show_person(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    person_page(&state, &actor, id, None).await
}

#[derive(Template, WebTemplate)]
#[template(path = "person_form.html")]
struct PersonForm {
    l: Layout,
    error: Option<String>,
    name: String,
    login: String,
    phone: String,
}

async fn new_person(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    if !actor.has(Permission::OrgAdmin) {
        return Err(
            ServiceError::Forbidden("当前身份没有“管理单位、人员和身份”权限".to_owned()).into(),
        );
    }
    let l = Layout::new(&state, &actor, "/org").await?;
    Ok(PersonForm {
        l,
        error: None,
        name: String::new(),
        login: String::new(),
        phone: String::new(),
    }
    .into_response())
}

async fn create_person(
    State(state): State<AppState>,
    PageForm(actor, input): PageForm<PersonInput>,
) -> Result<Response, PageError> {
    match state
        .services
        .create_person(&actor, &input, state.clock.now())
        .await
    {
        Ok((p, initial)) => {
            let msg = match initial {
                Some(pw) => format!(
                    "已新建人员 {}。初始口令：{pw}（仅显示这一次，首次登录须修改）。请为其增加身份。",
                    p.name
                ),
                None => format!("已新建人员 {}。请为其增加身份。", p.name),
            };
            person_page(&state, &actor, p.id, Some(msg)).await
        }
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Conflict { .. }
            | ServiceError::Constraint { .. }),
        ) => {
            let l = Layout::new(&state, &actor, "/org").await?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                PersonForm {
                    l,
                    error: Some(e.to_string()),
                    name: input.name,
                    login: input.login,
                    phone: input.phone,
                },
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_post(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, mut input): PageForm<PostInput>,
) -> Result<Response, PageError> {
    input.person_id = id;
    let post = state
        .services
        .create_post(&actor, &input, state.clock.now())
        .await?;
    person_page(
        &state,
        &actor,
        id,
        Some(format!(
            "已增加身份：{} · {}",
            post.unit_name, post.position_name
        )),
    )
    .await
}

#[derive(Deserialize)]
struct EndPost {
    person_id: i64,
}

async fn end_post(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<EndPost>,
) -> Result<Response, PageError> {
    state
        .services
        .end_post(&actor, id, state.clock.now())
        .await?;
    person_page(&state, &actor, f.person_id, Some("身份已撤销。".to_owned())).await
}

#[derive(Deserialize)]
struct AccessForm {
    #[serde(default)]
    role_ids: Vec<i64>,
    clearance: String,
}

async fn set_access(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<AccessForm>,
) -> Result<Response, PageError> {
    let post = state
        .services
        .set_post_access(&actor, id, &f.role_ids, &f.clearance, state.clock.now())
        .await?;
    person_page(
        &state,
        &actor,
        post.person_id,
        Some(format!(
            "已保存授权：{}",
            if post.roles.is_empty() {
                "无角色".to_owned()
            } else {
                post.roles.join("、")
            }
        )),
    )
    .await
}

async fn lock(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state.services.lock(&actor, id, state.clock.now()).await?;
    person_page(
        &state,
        &actor,
        id,
        Some("账号已锁定，其所有会话已结束。".to_owned()),
    )
    .await
}

async fn unlock(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state.services.unlock(&actor, id, state.clock.now()).await?;
    person_page(&state, &actor, id, Some("账号已解锁。".to_owned())).await
}

/// `POST /org/persons/{id}/second-factor/reset`: removes the person's second factor, who
/// then enrols again (安全保密管理员; never an administrator's, which is the console's).
async fn reset_factor(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state
        .services
        .reset_factor(&actor, id, state.clock.now())
        .await?;
    person_page(
        &state,
        &actor,
        id,
        Some("动态口令已重置，本人下次登录后可重新启用。".to_owned()),
    )
    .await
}

#[derive(Deserialize)]
struct ResetApprovalForm {
    #[serde(default)]
    check_code: String,
}

/// Approves the owner's reset request against the check code; no password is shown to anyone
/// here (the owner holds the one-time link).
async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, form): PageForm<ResetApprovalForm>,
) -> Result<Response, PageError> {
    let message = match state
        .services
        .approve_password_reset(&actor, id, &form.check_code, state.clock.now())
        .await
    {
        Ok(()) => "已批准口令重置申请：申请人可在 24 小时内用其本人持有的一次性链接设置新口令。"
            .to_owned(),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Forbidden(_))) => {
            let status = crate::error::status_of(&e);
            let page = person_page(&state, &actor, id, Some(e.to_string())).await?;
            return Ok((status, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    person_page(&state, &actor, id, Some(message)).await
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct ImportPage {
    l: Layout,
    unit_columns: String,
    person_columns: String,
    positions: String,
}

async fn show_import(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    xn_service::require(&actor, Permission::OrgAdmin)?;
    let l = Layout::new(&state, &actor, "/org").await?;
    let positions = state
        .services
        .list_positions(&actor)
        .await?
        .into_iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join("、");
    Ok(ImportPage {
        l,
        unit_columns: UNIT_COLUMNS.join("、"),
        person_columns: PERSON_COLUMNS.join("、"),
        positions,
    }
    .into_response())
}

async fn import_template(CurrentUser(_actor): CurrentUser) -> Result<Response, PageError> {
    let sheets = [
        xn_render::xlsx::Sheet {
            name: "单位".into(),
            header: UNIT_COLUMNS.map(str::to_owned).to_vec(),
            rows: vec![vec![
                "示例县人民政府办公室".into(),
                "示例县政府办".into(),
                "办公厅（室）".into(),
                "东川市人民政府".into(),
                "示政办".into(),
                "10".into(),
            ]],
        },
        xn_render::xlsx::Sheet {
            name: "人员".into(),
            header: PERSON_COLUMNS.map(str::to_owned).to_vec(),
            rows: vec![vec![
                "张三".into(),
                "zhangsan".into(),
                "13900000000".into(),
                "示例县人民政府办公室".into(),
                "秘书".into(),
                String::new(),
            ]],
        },
    ];
    xlsx_response("导入模板.xlsx", &sheets)
}

#[derive(Template, WebTemplate)]
#[template(path = "import_result.html")]
struct ImportResultPage {
    l: Layout,
    report: ImportReport,
}

async fn import(
    State(state): State<AppState>,
    Upload(CurrentUser(actor), file): Upload<CurrentUser>,
) -> Result<Response, PageError> {
    let Some(file) = file else {
        return Err(ServiceError::invalid("file", "请选择要导入的文件").into());
    };
    let name = file.name.as_deref().unwrap_or("upload");
    let report = state
        .services
        .import_sheet(&actor, name, &file.bytes, state.clock.now())
        .await?;
    let l = Layout::new(&state, &actor, "/org").await?;
    Ok(ImportResultPage { l, report }.into_response())
}

/// The organisation pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/org", get(|| async { Redirect::to("/org/units") }))
        .route("/org/units", get(list_units))
        .route("/org/units.xlsx", get(export_units))
        .route("/org/units/new", get(new_unit).post(create_unit))
        .route("/org/units/{id}", get(show_unit))
        .route("/org/units/{id}/edit", get(edit_unit).post(update_unit))
        .route("/org/persons", get(list_persons))
        .route("/org/persons/new", get(new_person).post(create_person))
        .route("/org/persons/{id}", get(show_person))
        .route("/org/persons/{id}/posts", post(create_post))
        .route("/org/persons/{id}/lock", post(lock))
        .route("/org/persons/{id}/unlock", post(unlock))
        .route("/org/persons/{id}/second-factor/reset", post(reset_factor))
        .route("/org/persons/{id}/reset-password", post(reset_password))
        .route("/org/posts/{id}/end", post(end_post))
        .route("/org/posts/{id}/access", post(set_access))
        .route("/org/import", get(show_import).post(import))
        .route("/org/import/template.xlsx", get(import_template))
}
