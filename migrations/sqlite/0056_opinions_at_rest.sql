-- Opinions at rest. From this migration on, the opinion written on a task (意见, 批示, 退回理由,
-- the decision on an extension) is stored sealed (SM4 with an HMAC-SM3 at its task's place:
-- `case:<id>:task:<no>:opinion`) in the task's row, in the case's engine state and in the
-- action's event row, and a document's 签发意见 at `document:<id>:signed_off_opinion`
-- (`xn_service::at_rest`). Nothing in the schema changes: the columns stay text. The start
-- that applies this migration seals, in one transaction, every opinion an earlier build kept
-- in plain (tasks, states, 签发意见); event rows written before it keep theirs as written,
-- since the audit chain forbids rewriting them.
select 1;
