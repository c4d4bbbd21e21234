//! Beds added to an institution: where they are, what kind, and since when they are in use
//! (投用日期, which decides whether they are 新建 for the construction subsidy). Parsed once
//! from a form or an import row.

use chrono::NaiveDate;

use crate::person::FieldError;

/// The most beds one request adds to a room.
pub const MAX_BEDS_PER_ROOM: u32 = 50;

/// Beds to add to one room, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBeds {
    pub building: String,
    pub room: String,
    pub count: u32,
    pub nursing: bool,
    pub dementia_unit: bool,
    /// The day the beds were put into use; `None` when not known (imports of old registers).
    pub opened_on: Option<NaiveDate>,
}

impl NewBeds {
    /// Checks the fields of a form or row. A blank `opened` is `None`; a day after `today` is
    /// refused, since a bed is registered once it is in use.
    pub fn parse(
        building: &str,
        room: &str,
        count: u32,
        nursing: bool,
        dementia_unit: bool,
        opened: &str,
        today: NaiveDate,
    ) -> Result<NewBeds, Vec<FieldError>> {
        let (building, room) = (building.trim(), room.trim());
        let mut errors = Vec::new();
        if building.is_empty() || room.is_empty() || count == 0 || count > MAX_BEDS_PER_ROOM {
            errors.push(FieldError::new(
                "room",
                format!("请填写楼栋、房间和床位数（1-{MAX_BEDS_PER_ROOM}）"),
            ));
        }
        errors.extend(crate::text::too_long("building", "楼栋", building, 50));
        errors.extend(crate::text::too_long("room", "房间", room, 50));
        let opened_on = match opened.trim() {
            "" => None,
            raw => match crate::dates::parse_date(raw) {
                Ok(d) if d > today => {
                    errors.push(FieldError::new("opened_on", "投用日期不能晚于今天"));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(FieldError::new("opened_on", format!("投用日期：{e}")));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewBeds {
            building: building.to_string(),
            room: room.to_string(),
            count,
            nursing,
            dementia_unit,
            opened_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    #[test]
    fn a_room_and_a_count_are_needed_and_the_day_in_use_is_not_in_the_future() {
        let b = NewBeds::parse(" 1号楼 ", "101", 2, true, false, "2024-05-01", today()).unwrap();
        assert_eq!(
            (b.building.as_str(), b.opened_on),
            ("1号楼", NaiveDate::from_ymd_opt(2024, 5, 1))
        );
        assert_eq!(
            NewBeds::parse("1号楼", "101", 2, true, false, "", today())
                .unwrap()
                .opened_on,
            None
        );
        for (room, count) in [("", 2), ("101", 0), ("101", 51)] {
            let e = NewBeds::parse("1号楼", room, count, true, false, "", today()).unwrap_err();
            assert_eq!(e[0].field, "room");
        }
        let e = NewBeds::parse("1号楼", "101", 2, true, false, "2027-01-01", today()).unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].message.as_str()),
            ("opened_on", "投用日期不能晚于今天")
        );
        let e = NewBeds::parse("1号楼", "101", 2, true, false, "2024-13-01", today()).unwrap_err();
        assert_eq!(e[0].field, "opened_on");
    }
}
