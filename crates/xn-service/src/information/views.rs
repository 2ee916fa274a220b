//! What the pages and the API show: the items a unit sent and the items its office received,
//! and an item's page — its text, where it went and how each office dealt with it (签收, 筛选,
//! its versions, its adoptions), an urgent event's reports in order.

use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::information::{InfoKind, Level, ReceiptState, ReportKind};
use xn_domain::org::{Clearance, Permission};
use xn_store::information::{self as store, ItemRow, ReceiptRow};

use super::{Information, beijing_text};
use crate::{Actor, Result, ServiceError, from_ms, require};

/// An item in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemLine {
    /// The item.
    pub item_id: i64,
    /// The receipt (in the received list).
    pub receipt_id: Option<i64>,
    /// The case to act on.
    pub case_id: Option<i64>,
    /// Title (「（涉密事项）」 above the reader's clearance).
    pub title: String,
    /// Withheld for 密级.
    pub withheld: bool,
    /// 信息类别.
    pub kind: String,
    /// 快报 / 书面报告 / 续报.
    pub report: String,
    /// The submitting unit.
    pub unit: String,
    /// Where it stands.
    pub state: String,
    /// Late (urgent), in minutes.
    pub late_minutes: i64,
    /// When, Beijing time.
    pub at: String,
}

/// A version of an item at an office.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = information::VersionView)]
pub struct VersionView {
    /// 1: as sent.
    pub version: i64,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Who wrote it.
    pub editor: String,
    /// When, Beijing time.
    pub at: String,
}

/// An adoption.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdoptionView {
    /// Level code.
    pub level: String,
    /// Its name.
    pub label: String,
    /// The issue, for 本级刊物采用.
    pub issue_id: Option<i64>,
    /// Its place in the issue.
    pub position: Option<i64>,
    /// The note.
    pub note: String,
    /// The leader who gave a 批示.
    pub leader: String,
    /// When, Beijing time.
    pub at: String,
}

/// An item at one receiving office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceiptView {
    /// Id.
    pub id: i64,
    /// The office or outside body.
    pub office: String,
    /// Its case.
    pub case_id: Option<i64>,
    /// State code.
    pub state_code: String,
    /// Its name.
    pub state: String,
    /// The reason of a return or a decline.
    pub reason: String,
    /// Received, Beijing time.
    pub received: String,
    /// Versions, the original first (the receiving section's reader only).
    pub versions: Vec<VersionView>,
    /// Adoptions.
    pub adoptions: Vec<AdoptionView>,
    /// The 督办 items opened from a 批示 on it: (item, title, state).
    pub supervision: Vec<(i64, String, String)>,
}

/// A file of an item: an attachment or a picture.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = information::FileLine)]
pub struct FileLine {
    /// The case it is read through (`/api/v1/cases/{case_id}/attachments/{id}`).
    pub case_id: i64,
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// A picture (image/*).
    pub picture: bool,
}

/// An item's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InformationView {
    /// Id.
    pub id: i64,
    /// The unit's case.
    pub case_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// 信息类别.
    pub kind: String,
    /// Kind code.
    pub kind_code: String,
    /// 密级.
    pub classification: String,
    /// The report of an urgent event.
    pub report: String,
    /// The event's time, Beijing.
    pub event_at: Option<String>,
    /// Late, in minutes.
    pub late_minutes: i64,
    /// The 快报 this follows.
    pub first_item_id: Option<i64>,
    /// The event is closed.
    pub event_closed: bool,
    /// The submitting unit.
    pub unit: String,
    /// Author.
    pub author: String,
    /// 签发中 / 修改中 / 已报送.
    pub state: String,
    /// Left the unit, Beijing time.
    pub sent: Option<String>,
    /// Where it went.
    pub receipts: Vec<ReceiptView>,
    /// The reports that follow this 快报.
    pub followups: Vec<ItemLine>,
    /// The receipt the reader's office holds (its section acts on it).
    pub my_receipt: Option<i64>,
    /// Attachments and pictures, through the case the reader takes part in.
    pub files: Vec<FileLine>,
    /// The 约稿 it answers: (commission, topic).
    pub commission: Option<(i64, String)>,
    /// For the receiving office's supervising section, when a 批示 was recorded on it: the
    /// receipt's case, from which a 督办 item is drafted (`/supervision/new?case=`).
    pub supervise_case: Option<i64>,
}

fn item_state(s: &str) -> &'static str {
    match s {
        "signing" => "待签发",
        "revising" => "退回修改中",
        "sent" => "已报送",
        _ => "",
    }
}

fn line_of_item(actor: &Actor, r: &ItemRow) -> Result<ItemLine> {
    let withheld = !actor.may_see(crate::clearance::level(&r.classification)?);
    Ok(ItemLine {
        item_id: r.id,
        receipt_id: None,
        case_id: r.case_id,
        title: if withheld {
            "（涉密事项）".into()
        } else {
            r.title.clone()
        },
        withheld,
        kind: InfoKind::from_code(&r.kind)
            .map_or("", InfoKind::label)
            .into(),
        report: ReportKind::from_code(&r.report_kind)
            .map_or("", ReportKind::label)
            .into(),
        unit: r.unit_name.clone(),
        state: item_state(&r.state).into(),
        late_minutes: r.late_minutes,
        at: beijing_text(from_ms(r.sent_at.unwrap_or(r.created_at))),
    })
}

fn line_of_receipt(actor: &Actor, r: &ReceiptRow) -> Result<ItemLine> {
    let withheld = !actor.may_see(crate::clearance::level(&r.classification)?);
    Ok(ItemLine {
        item_id: r.item_id,
        receipt_id: Some(r.id),
        case_id: r.case_id,
        title: if withheld {
            "（涉密事项）".into()
        } else {
            r.title.clone()
        },
        withheld,
        kind: InfoKind::from_code(&r.kind)
            .map_or("", InfoKind::label)
            .into(),
        report: ReportKind::from_code(&r.report_kind)
            .map_or("", ReportKind::label)
            .into(),
        unit: r.unit_name.clone(),
        state: ReceiptState::from_code(&r.state)
            .map_or("", ReceiptState::label)
            .into(),
        late_minutes: 0,
        at: beijing_text(from_ms(r.received_at)),
    })
}

impl Information<'_> {
    /// The items the actor's unit sent, the latest first.
    pub async fn sent(&self, actor: &Actor) -> Result<Vec<ItemLine>> {
        let opts = self.options(actor).await?;
        store::items_of_units(self.svc.db(), &[opts.unit_id], 200)
            .await?
            .iter()
            .map(|r| line_of_item(actor, r))
            .collect()
    }

    /// The items the office the actor oversees received, the latest first (empty for others).
    pub async fn received(&self, actor: &Actor) -> Result<Vec<ItemLine>> {
        require(actor, Permission::FlowWork)?;
        let Some(office) = self.overseen_office(actor).await? else {
            return Ok(Vec::new());
        };
        store::receipts_of_office(self.svc.db(), office, false, 200)
            .await?
            .iter()
            .map(|r| line_of_receipt(actor, r))
            .collect()
    }

    /// An item's page, for its unit's posts (the author, the signer and the unit's staff) and
    /// the offices it went to (their information section and leaders), within the reader's
    /// clearance; anyone else is answered as for a missing item.
    pub async fn item(&self, actor: &Actor, id: i64) -> Result<InformationView> {
        require(actor, Permission::FlowWork)?;
        let db = self.svc.db();
        let row = store::find_item(db, id)
            .await
            .map_err(ServiceError::missing("信息"))?;
        let level: Clearance = crate::clearance::level(&row.classification)?;
        if !actor.may_see(level) {
            return Err(ServiceError::NotFound("信息"));
        }
        let receipts = store::receipts_of_item(db, id).await?;
        let overseen = self.overseen_office(actor).await?;
        let mut my_receipt = receipts
            .iter()
            .find(|r| r.office_unit_id.is_some() && r.office_unit_id == overseen)
            .map(|r| r.id);
        // The supervising section of a receiving office reads the item once a leader's 批示 on
        // it was recorded there: it may make the 批示 a 督办 item.
        let mut supervise_case = None;
        if my_receipt.is_none()
            && let Some(sv) = self.svc.supervision().section(actor).await?
        {
            for r in receipts
                .iter()
                .filter(|r| r.office_unit_id == Some(sv.office()))
            {
                if store::has_level_db(db, r.id, Level::Instruction.code()).await? {
                    my_receipt = Some(r.id);
                    supervise_case = r.case_id;
                }
            }
        }
        let own_unit = match self.options(actor).await {
            Ok(o) => o.unit_id == row.unit_id,
            Err(_) => false,
        };
        if !own_unit && my_receipt.is_none() {
            return Err(ServiceError::NotFound("信息"));
        }
        let mut views = Vec::new();
        for r in &receipts {
            // An office reads its own receipt; the unit reads where its item stands everywhere.
            if !own_unit && Some(r.id) != my_receipt {
                continue;
            }
            let versions = if Some(r.id) == my_receipt {
                store::versions(db, r.id)
                    .await?
                    .into_iter()
                    .map(|v| VersionView {
                        version: v.version,
                        title: v.title,
                        body: v.body,
                        editor: v.editor,
                        at: beijing_text(from_ms(v.created_at)),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let adoptions = store::adoptions_of(db, r.id)
                .await?
                .into_iter()
                .map(|a| AdoptionView {
                    label: Level::from_code(&a.level).map_or("", Level::label).into(),
                    level: a.level,
                    issue_id: a.issue_id,
                    position: a.position,
                    note: a.note,
                    leader: a.leader,
                    at: beijing_text(from_ms(a.created_at)),
                })
                .collect();
            let supervision = match r.case_id {
                Some(c) => self.svc.supervision().items_from_case(c).await?,
                None => Vec::new(),
            };
            views.push(ReceiptView {
                id: r.id,
                office: r.office_name.clone(),
                case_id: r.case_id,
                state_code: r.state.clone(),
                state: ReceiptState::from_code(&r.state)
                    .map_or("", ReceiptState::label)
                    .into(),
                reason: r.reason.clone(),
                received: beijing_text(from_ms(r.received_at)),
                versions,
                adoptions,
                supervision,
            });
        }
        let followups = store::followups(db, id)
            .await?
            .iter()
            .map(|r| line_of_item(actor, r))
            .collect::<Result<Vec<_>>>()?;
        // The unit reads its files through its own case; an office through its receipt's copy.
        let files_case = if own_unit {
            row.case_id
        } else {
            receipts
                .iter()
                .find(|r| Some(r.id) == my_receipt)
                .and_then(|r| r.case_id)
        };
        let files = match files_case {
            Some(case) => xn_store::flow::case_attachments(db, case)
                .await?
                .into_iter()
                .map(|a| FileLine {
                    case_id: case,
                    id: a.id,
                    picture: a.mime.starts_with("image/"),
                    name: a.name,
                })
                .collect(),
            None => Vec::new(),
        };
        Ok(InformationView {
            files,
            id: row.id,
            case_id: if own_unit { row.case_id } else { None },
            title: row.title.clone(),
            body: row.body.clone(),
            kind: InfoKind::from_code(&row.kind)
                .map_or("", InfoKind::label)
                .into(),
            kind_code: row.kind.clone(),
            classification: level.label().into(),
            report: ReportKind::from_code(&row.report_kind)
                .map_or("", ReportKind::label)
                .into(),
            event_at: row.event_at.map(|e| beijing_text(from_ms(e))),
            late_minutes: row.late_minutes,
            first_item_id: row.first_item_id,
            event_closed: row.event_closed != 0,
            unit: row.unit_name.clone(),
            author: row.author_name.clone(),
            state: item_state(&row.state).into(),
            sent: row.sent_at.map(|s| beijing_text(from_ms(s))),
            receipts: views,
            followups,
            my_receipt,
            commission: xn_store::information_commissions::commission_of_item(db, id).await?,
            supervise_case,
        })
    }
}
