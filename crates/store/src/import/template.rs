//! The older-people import template (导入模板) a clerk downloads: the columns the import reads,
//! the ID-number columns formatted as text (so that Excel keeps all 18 digits), a sheet of
//! instructions with the category names, and a sheet of the division codes of the clerk's
//! scope by name.

use rust_xlsxwriter::{Format, Workbook};
use yiyang_domain::person::CategoryCatalogue;

use crate::{Result, StoreError};

/// The template's columns: (field key, header as written in the template).
pub const TEMPLATE_COLUMNS: &[(&str, &str)] = &[
    ("name", "*姓名（必填）"),
    ("id_number", "*身份证号（必填）"),
    ("hukou_division", "*区划代码（必填）"),
    ("hukou_type", "户籍性质（城镇/农村，新登记必填）"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("phone", "联系电话"),
    ("address", "居住地址"),
    ("residence_division", "居住地区划代码"),
    ("categories", "人员类别"),
    ("categories_effective", "类别生效日期"),
    ("death_date", "死亡日期"),
    ("death_source", "死亡信息来源"),
    ("contact_name", "紧急联系人"),
    ("contact_relation", "与本人关系"),
    ("contact_phone", "紧急联系人电话"),
    ("note", "备注"),
];

/// The template workbook; `divisions` are (code, full name) of the clerk's scope.
pub fn people_template_xlsx(catalogue: &CategoryCatalogue, divisions: &[(String, String)]) -> Result<Vec<u8>> {
    let x = |e: rust_xlsxwriter::XlsxError| StoreError::File(format!("生成模板失败：{e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name("老年人信息").map_err(x)?;
    for (c, (key, header)) in TEMPLATE_COLUMNS.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *header, &bold).map_err(x)?;
        // Codes, numbers and dates are text: Excel would turn an ID number into 1.1E+17.
        let is_text = matches!(
            *key,
            "id_number" | "hukou_division" | "residence_division" | "phone" | "contact_phone"
        );
        ws.set_column_width(c, if is_text { 22 } else { 14 }).map_err(x)?;
        if is_text {
            ws.set_column_format(c, &text).map_err(x)?;
        }
    }
    let help = wb.add_worksheet();
    help.set_name("填写说明").map_err(x)?;
    let lines = [
        "第一行为表头，请勿修改；带 * 的列必须填写。从第二行起每行一人。".to_string(),
        "身份证号、区划代码、电话列已设为文本格式：请直接粘贴，不要转成数字。".to_string(),
        "区划代码：县、乡镇、村级均可，见“区划代码”表。".to_string(),
        "户籍性质：城镇 或 农村（新登记的人员必填；只更新已登记人员时可不填）。".to_string(),
        "性别、出生日期可不填：由身份证号得出；填写时须与身份证号一致。".to_string(),
        "日期写作 2026-03-20。类别生效日期为类别认定的审批日期，不填为导入当天。".to_string(),
        "人员类别：多个类别用顿号或逗号分隔，可用名称：".to_string(),
        catalogue
            .categories
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        "（也可写 五保户、低保户、孤寡老人 等常用叫法。）".to_string(),
        "死亡信息来源：公安户籍注销、殡葬火化信息、卫健死亡医学证明、家属报告、民政核查、养老机构报告。".to_string(),
        "按身份证号更新：同一文件重复导入不会产生重复记录；表中留空的列不会覆盖已有信息。".to_string(),
    ];
    help.set_column_width(0, 100).map_err(x)?;
    for (i, l) in lines.iter().enumerate() {
        help.write_string(i as u32, 0, l).map_err(x)?;
    }
    let codes = wb.add_worksheet();
    codes.set_name("区划代码").map_err(x)?;
    codes.write_string_with_format(0, 0, "区划代码", &bold).map_err(x)?;
    codes.write_string_with_format(0, 1, "名称", &bold).map_err(x)?;
    codes.set_column_width(0, 16).map_err(x)?;
    codes.set_column_width(1, 48).map_err(x)?;
    for (i, (code, name)) in divisions.iter().enumerate() {
        codes.write_string(i as u32 + 1, 0, code).map_err(x)?;
        codes.write_string(i as u32 + 1, 1, name).map_err(x)?;
    }
    wb.save_to_buffer().map_err(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{header_key, ColumnMap, HEADER_VARIANTS};

    #[test]
    fn every_template_column_is_read_back_by_the_import_and_none_is_missing() {
        for (key, header) in TEMPLATE_COLUMNS {
            assert_eq!(header_key(header), Some(*key), "{header}");
        }
        for (key, _) in HEADER_VARIANTS {
            assert!(
                TEMPLATE_COLUMNS.iter().any(|(k, _)| k == key),
                "the template lacks {key}"
            );
        }
        let headers: Vec<String> = TEMPLATE_COLUMNS.iter().map(|(_, h)| h.to_string()).collect();
        let map = ColumnMap::from_headers(&headers).unwrap();
        assert!(map.ignored.is_empty(), "{:?}", map.ignored);
        let bytes = people_template_xlsx(&CategoryCatalogue::default(), &[("360733".into(), "会昌县".into())]).unwrap();
        assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip");
    }
}
