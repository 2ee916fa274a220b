//! Step contracts: the steps and decisions an area's rules act on.
//!
//! An area keys its rules to step ids and decision labels of its process (the 文号 is allocated
//! when `register` completes; a supervision item goes back to its lead unit on `退回重办`). A
//! unit may store its own version of that process, so the area declares what it relies on and
//! every definition of its kind is checked against it before it is stored: a renamed step fails
//! loudly, naming what is missing, instead of silently switching a rule off.

use super::def::{DefError, ProcessDef};

/// What an area's rules need of a process of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepContract {
    /// The steps the rules act on.
    pub steps: &'static [ContractStep],
}

/// One step an area's rules act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractStep {
    /// Its id, e.g. `register`.
    pub id: &'static str,
    /// Its name in Chinese, for the message, e.g. 登记.
    pub name: &'static str,
    /// Whether a person acts at it (a task), rather than the flow passing through it.
    pub human: bool,
    /// The decisions the rules compare with, e.g. 退回重办.
    pub decisions: &'static [&'static str],
}

impl StepContract {
    /// A contract that asks for nothing (generic processes).
    pub const NONE: StepContract = StepContract { steps: &[] };
}

impl ProcessDef {
    /// Checks that the definition keeps every step and decision of `contract`; the error names
    /// each one missing.
    pub fn check_contract(&self, file: &str, contract: &StepContract) -> Result<(), DefError> {
        let mut missing = Vec::new();
        for c in contract.steps {
            match self.step(c.id) {
                None => missing.push(format!("环节「{}」（{}）", c.name, c.id)),
                Some(s) if c.human && !s.kind.is_human() => {
                    missing.push(format!("环节「{}」（{}）须为办理环节", c.name, c.id))
                }
                Some(s) => {
                    let decisions = ProcessDef::decisions(s);
                    for d in c.decisions {
                        if !decisions.iter().any(|x| x == d) {
                            missing.push(format!("环节「{}」的决定「{d}」", c.name));
                        }
                    }
                }
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(DefError {
            file: file.to_owned(),
            step: None,
            problem: format!(
                "本类事项的业务规则依赖的以下内容缺失，不能保存：{}",
                missing.join("；")
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: StepContract = StepContract {
        steps: &[
            ContractStep {
                id: "register",
                name: "登记",
                human: true,
                decisions: &[],
            },
            ContractStep {
                id: "review",
                name: "审核",
                human: true,
                decisions: &["退回"],
            },
        ],
    };

    fn def(register: &str, decisions: &str) -> Result<ProcessDef, DefError> {
        ProcessDef::parse(
            "t.toml",
            &format!(
                "key = \"t\"\nname = \"测试\"\nitem_kind = \"internal\"\n\
                 [[steps]]\nid = \"draft\"\nname = \"拟稿\"\nkind = \"start\"\nnext = \"{register}\"\n\
                 [[steps]]\nid = \"{register}\"\nname = \"登记\"\nkind = \"task\"\nassignee = {{ rule = \"starter\" }}\nnext = \"review\"\n\
                 [[steps]]\nid = \"review\"\nname = \"审核\"\nkind = \"task\"\nassignee = {{ rule = \"starter\" }}\ndecisions = {decisions}\nnext = \"end\"\n\
                 [[steps]]\nid = \"end\"\nname = \"结束\"\nkind = \"end\"\n"
            ),
        )
    }

    #[test]
    fn a_definition_keeping_every_step_meets_its_contract() {
        let d = def("register", "[\"通过\", \"退回\"]").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(d.check_contract("t.toml", &CONTRACT), Ok(()));
        assert_eq!(d.check_contract("t.toml", &StepContract::NONE), Ok(()));
    }

    #[test]
    fn a_renamed_step_and_a_dropped_decision_are_named() {
        let d = def("enrol", "[\"通过\"]").unwrap_or_else(|e| unreachable!("{e}"));
        let e = d
            .check_contract("t.toml", &CONTRACT)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("环节「登记」（register）"), "{e}");
        assert!(e.contains("环节「审核」的决定「退回」"), "{e}");
    }
}
