-- A private institution the county has contracted to house rural 特困人员 ("一院两制",
-- 并政办发〔2020〕53号 第（四）条): their support is paid to it (issue 12).
ALTER TABLE institutions ADD COLUMN tekun_contract BOOLEAN NOT NULL DEFAULT FALSE;
