-- The county pays, so a month's run walks one county's people in id order (its resumable
-- cursor). Codes below a county (township, village) begin with the county's six digits, so this
-- index is exactly (county, id): each county's run reads its own people and no one else's,
-- where walking the whole register once per county would read a province a hundred times.
-- Keep in step with the other backend's 0046_persons_county.sql.

CREATE INDEX persons_county ON persons (substr(hukou_division, 1, 6), id);
