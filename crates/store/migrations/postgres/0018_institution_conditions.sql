-- What the construction subsidy's conditions need to know about an institution
-- (会府发〔2021〕7号 第二十一条; 赣府厅发〔2022〕3号 第六章第三节): whether it is run on a
-- membership basis (实行会员制, excluded), and whether a 医养结合 institution has passed the
-- county health commission's acceptance (经县卫健委验收合格).
-- Keep in step with the other backend's 0018_institution_conditions.sql.

ALTER TABLE institutions ADD COLUMN membership BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE institutions ADD COLUMN health_accepted BOOLEAN NOT NULL DEFAULT FALSE;
