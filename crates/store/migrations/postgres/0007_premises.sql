-- Where an institution's premises come from (用房来源: built, bought, rebuilt, rented) and the
-- lease term of rented ones: the one-off construction subsidy pays beds in built or bought
-- premises at one schedule, in rebuilt or long-rented ones at another (会府发〔2021〕7号
-- 第二十一条). Each granted bed records which schedule paid it.
-- Keep in step with ../sqlite/0007_premises.sql.

ALTER TABLE institutions ADD COLUMN premises TEXT;
ALTER TABLE institutions ADD COLUMN lease_years BIGINT;
ALTER TABLE bed_subsidies ADD COLUMN schedule TEXT NOT NULL DEFAULT '新建';
