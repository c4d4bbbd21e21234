-- A dashboard reads one indicator of one month for a division's children (a range of division
-- codes): this index answers it without reading the month's other indicators (a province keeps
-- about 55,000 values a month).
-- Keep in step with the other backend's 0032_indicator_values_children.sql.

CREATE INDEX indicator_values_children ON indicator_values (month, indicator, division);
