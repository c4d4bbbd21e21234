-- A bed's 投用日期: the day it was put into use. The construction subsidy pays 新建 beds, those in
-- use since the pack took effect (issue 12); beds registered before this column have none.
ALTER TABLE beds ADD COLUMN opened_on DATE;
