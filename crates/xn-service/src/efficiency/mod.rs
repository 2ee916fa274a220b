//! 效能: the efficiency monitor (行政效能电子监察). It reads every area through the area
//! registry and changes nothing: an area whose work runs on the flow engine appears here by its
//! registration alone (its kinds of item, its label).
//!
//! The front door is [`Efficiency`] (`services.efficiency()`); `backlog.rs` is the one backlog
//! across every queue, `figures.rs` the figures per period (computed from the facts, stored
//! when a period ends, recomputed on demand), `ranking.rs` the rankings and one unit's
//! figures with what they were counted from, `leader.rs` the leader's picture. Who sees what is [`MonitorScope`]: a government's leaders, its office's
//! 主任 and 副主任 and its supervising section (督查科) see the government's whole tree (the city
//! every county, a county itself); a section's chief sees the section's people; anyone else sees
//! their own posts' steps.

mod alert_scan;
mod alerts;
mod backlog;
mod bulletin;
mod figures;
mod leader;
mod ranking;

pub use alert_scan::ScanReport;
pub use alerts::{
    ALERT_PAGE_SIZE, AlertCount, AlertList, AlertQuery, AlertSetting, AlertSettingInput, AlertView,
    Rule as AlertRule,
};
pub use backlog::{Backlog, BacklogItem, BacklogQuery, PAGE_SIZE};
pub(crate) use figures::RunningCache;
pub use figures::{Difference, Recomputed};
pub use leader::{Leader, UnitTile};
pub use ranking::{
    CountedStep, FiguresView, PeriodQuery, RankGroup, RankRow, Ranking, UnitFigures, WeightView,
    rules_in_words,
};

use xn_store::efficiency as store;

use crate::{Actor, Result, ServiceError, Services};

/// The efficiency monitor.
pub struct Efficiency<'a> {
    svc: &'a Services,
}

impl Services {
    /// The efficiency monitor (效能).
    pub fn efficiency(&self) -> Efficiency<'_> {
        Efficiency { svc: self }
    }
}

/// What part of the organisation a viewer's monitor covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorScope {
    /// Every unit under `root` (a government, a bureau): its leaders, its office's leaders and
    /// its supervising section.
    Tree {
        /// The unit at the top.
        root: i64,
    },
    /// The people of one section: its chief and deputy chief.
    Section {
        /// The section.
        unit: i64,
    },
    /// The viewer's own posts.
    Own,
}

impl MonitorScope {
    /// The unit the scope's units hang from, if it covers units.
    pub fn root(&self) -> Option<i64> {
        match self {
            MonitorScope::Tree { root } => Some(*root),
            MonitorScope::Section { unit } => Some(*unit),
            MonitorScope::Own => None,
        }
    }
}

impl Efficiency<'_> {
    /// The viewer's scope, from the acting post's unit and position.
    pub async fn scope(&self, actor: &Actor) -> Result<MonitorScope> {
        crate::require(actor, xn_domain::org::Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let s = store::standing(self.svc.db(), post.id).await?;
        let leader = matches!(s.position.as_str(), "leader");
        let office_leader = matches!(s.position.as_str(), "director" | "deputy_director");
        Ok(match s.unit_kind.as_str() {
            "government" | "bureau" if leader => MonitorScope::Tree { root: s.unit_id },
            "office" if office_leader || leader => match (s.parent_kind.as_deref(), s.parent_id) {
                (Some("government"), Some(gov)) => MonitorScope::Tree { root: gov },
                _ => MonitorScope::Tree { root: s.unit_id },
            },
            "section" if s.supervision_section != 0 => {
                // A supervising section watches its office's government.
                match (s.parent_kind.as_deref(), s.grandparent_id) {
                    (Some("office"), Some(gov)) => MonitorScope::Tree { root: gov },
                    _ => MonitorScope::Section { unit: s.unit_id },
                }
            }
            "section"
                if matches!(
                    s.position.as_str(),
                    "section_chief" | "deputy_section_chief" | "director" | "deputy_director"
                ) =>
            {
                MonitorScope::Section { unit: s.unit_id }
            }
            _ => MonitorScope::Own,
        })
    }

    /// Whether the viewer's monitor covers a unit: a leader's tree, a chief's section. The
    /// monitor's rows link to their items, so whoever the monitor shows a unit's backlog may
    /// open that unit's cases (within their clearance, checked before).
    pub async fn covers(&self, actor: &Actor, unit: i64) -> Result<bool> {
        if actor.post.is_none() {
            return Ok(false);
        }
        let Some(root) = self.scope(actor).await?.root() else {
            return Ok(false);
        };
        Ok(store::subtree_units(self.svc.db(), root)
            .await?
            .iter()
            .any(|u| u.0 == unit))
    }

    /// The units a scope covers, as (id, name indented by depth), in tree order.
    pub(crate) async fn scope_units(&self, scope: &MonitorScope) -> Result<Vec<(i64, String)>> {
        let Some(root) = scope.root() else {
            return Ok(Vec::new());
        };
        let rows = store::subtree_units(self.svc.db(), root).await?;
        let mut out = Vec::with_capacity(rows.len());
        // Depth-first from the root, children in their sort order (rows come sorted).
        let mut stack = vec![(root, 0usize)];
        while let Some((id, depth)) = stack.pop() {
            if let Some((_, _, name, _)) = rows.iter().find(|r| r.0 == id) {
                out.push((id, format!("{}{name}", "　".repeat(depth))));
            }
            let children: Vec<i64> = rows
                .iter()
                .filter(|r| r.1 == Some(id))
                .map(|r| r.0)
                .collect();
            for c in children.into_iter().rev() {
                stack.push((c, depth + 1));
            }
        }
        Ok(out)
    }
}
