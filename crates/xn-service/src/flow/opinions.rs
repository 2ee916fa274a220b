//! 常用意见: each person's own opinions to pick from when acting on a step. The person picks one
//! into the opinion box and edits it there; the list is theirs (kept per person, whichever post
//! they act in), saved whole from the 常用意见 page or one at a time from the box.
//!
//! Holds the list's rules (how many, how long, no blanks or repeats) and the default set; the
//! SQL is in `xn_store::opinions`.

use xn_domain::org::Permission;

use crate::{Actor, Result, ServiceError, Services, require};

/// What a person who never saved a list is offered: the opinions an office writes most.
pub const DEFAULT_OPINIONS: &[&str] = &[
    "同意。",
    "拟同意，请领导审示。",
    "请按领导批示办理。",
    "请相关科室研究提出意见。",
    "已阅。",
    "已按要求办结。",
    "请修改后重新报送。",
];

/// The most opinions a person keeps.
pub const MAX_OPINIONS: usize = 30;

/// The longest opinion kept, in characters.
pub const MAX_OPINION_CHARS: usize = 200;

/// The list as it will be stored: trimmed, blanks dropped, repeats kept once; refused when too
/// long or too many.
pub fn clean_opinions(texts: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in texts {
        let t = t.trim();
        if t.is_empty() || out.iter().any(|o| o == t) {
            continue;
        }
        if t.chars().count() > MAX_OPINION_CHARS {
            return Err(ServiceError::invalid(
                "opinions",
                format!("每条常用意见不超过 {MAX_OPINION_CHARS} 字"),
            ));
        }
        out.push(t.to_owned());
    }
    if out.len() > MAX_OPINIONS {
        return Err(ServiceError::invalid(
            "opinions",
            format!("常用意见最多 {MAX_OPINIONS} 条"),
        ));
    }
    Ok(out)
}

impl Services {
    /// The actor's 常用意见, in their order; the default set when they never saved one.
    pub async fn common_opinions(&self, actor: &Actor) -> Result<Vec<String>> {
        require(actor, Permission::FlowWork)?;
        let own = xn_store::opinions::common_opinions(self.db(), actor.person_id).await?;
        Ok(if own.is_empty() {
            DEFAULT_OPINIONS.iter().map(|s| (*s).to_owned()).collect()
        } else {
            own
        })
    }

    /// Saves the actor's 常用意见 as given (cleaned); an empty list goes back to the default set.
    /// Answers the list now offered.
    pub async fn save_common_opinions(
        &self,
        actor: &Actor,
        texts: &[String],
    ) -> Result<Vec<String>> {
        require(actor, Permission::FlowWork)?;
        let list = clean_opinions(texts)?;
        let mut tx = self.db().begin().await?;
        xn_store::opinions::replace_common_opinions(&mut tx, actor.person_id, &list).await?;
        tx.commit().await?;
        self.common_opinions(actor).await
    }

    /// Adds one opinion to the end of the actor's list (from the opinion box: 存为常用意见); one
    /// already kept stays where it is.
    pub async fn add_common_opinion(&self, actor: &Actor, text: &str) -> Result<Vec<String>> {
        if text.trim().is_empty() {
            return Err(ServiceError::invalid("opinion", "请先在意见框中填写意见"));
        }
        let mut list = self.common_opinions(actor).await?;
        list.push(text.to_owned());
        self.save_common_opinions(actor, &list).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_list_is_trimmed_without_blanks_or_repeats() {
        let got = clean_opinions(&[
            " 同意。 ".into(),
            String::new(),
            "同意。".into(),
            "已阅。".into(),
        ]);
        assert_eq!(
            got.ok(),
            Some(vec!["同意。".to_owned(), "已阅。".to_owned()])
        );
    }

    #[test]
    fn too_long_an_opinion_or_too_many_are_refused() {
        assert!(clean_opinions(&["长".repeat(MAX_OPINION_CHARS + 1)]).is_err());
        let many: Vec<String> = (0..=MAX_OPINIONS).map(|i| format!("意见{i}")).collect();
        assert!(clean_opinions(&many).is_err());
    }
}
