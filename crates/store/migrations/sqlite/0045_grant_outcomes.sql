-- A one-off grant's group can be settled three ways besides signing, each kept in
-- `returned_grants` with who, when and why: 退回 (returned by its reviewer or approver: it leaves
-- its table and can be granted again once corrected), 撤回 (withdrawn by the clerk who prepared
-- it, before anyone signs: the same) and 驳回 (rejected outright: it stays in its table as
-- `rejected`, paying nothing, so that the bed, period or person is not proposed again).
-- Keep in step with the other backend's 0045_grant_outcomes.sql.

ALTER TABLE returned_grants ADD COLUMN outcome TEXT NOT NULL DEFAULT 'returned';
