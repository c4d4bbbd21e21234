//! Reading an .xlsx upload with bounded memory. A workbook is a zip of XML: a 1.5 KB file can
//! claim a cell in the sheet's far corner (calamine's whole-range reader then allocates for
//! every cell up to it: 512 GiB, and the process aborts) or unpack to gigabytes. So, before
//! anything is parsed, every part is unpacked into a counter (nothing kept) and refused past
//! its cap, whatever sizes the zip declares; then the sheet is streamed cell by cell with caps
//! on rows, columns, cells and text. Whatever is refused is refused with a Chinese message
//! naming the cap, and the process never holds more than the caps allow.

use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{Data, DataRef, Reader, Xlsx};

use crate::import::Sheet;
use crate::{Result, StoreError};

/// What one .xlsx may hold. Province-scale registers come as CSV (no unpacking, streamed).
#[derive(Debug, Clone, Copy)]
pub struct XlsxCaps {
    /// Parts in the zip.
    pub entries: usize,
    /// What any one part unpacks to (measured, not declared).
    pub part_bytes: u64,
    /// What all parts unpack to together.
    pub total_bytes: u64,
    /// The shared-strings part, which the reader keeps in memory whole.
    pub shared_strings_bytes: u64,
    /// Excel's own row limit.
    pub rows: u32,
    pub columns: u32,
    pub cells: u64,
    /// Text of all cells kept.
    pub text_bytes: u64,
}

impl Default for XlsxCaps {
    fn default() -> Self {
        XlsxCaps {
            entries: 2_000,
            part_bytes: 512 << 20,
            total_bytes: 768 << 20,
            shared_strings_bytes: 64 << 20,
            rows: 1_048_576,
            columns: 200,
            cells: 4_000_000,
            text_bytes: 128 << 20,
        }
    }
}

fn too_big(what: String) -> StoreError {
    StoreError::File(format!(
        "Excel 文件超出导入限制：{what}。请删去多余的行、列和工作表，或另存为 CSV（UTF-8）后再导入"
    ))
}

/// Unpacks every part into a counter and refuses the file past any cap.
fn measure(path: &Path, caps: &XlsxCaps) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| StoreError::File(format!("无法读取 {}：{e}", path.display())))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| StoreError::File(format!("无法打开 Excel 文件（不是有效的 .xlsx）：{e}")))?;
    if zip.len() > caps.entries {
        return Err(too_big(format!(
            "文件包含 {} 个部件，超过 {} 个",
            zip.len(),
            caps.entries
        )));
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| StoreError::File(format!("无法打开 Excel 文件：{e}")))?;
        let name = part.name().to_string();
        let cap = if name.ends_with("sharedStrings.xml") {
            caps.shared_strings_bytes
        } else {
            caps.part_bytes
        };
        let mut n = 0u64;
        loop {
            let got = part
                .read(&mut buf)
                .map_err(|e| StoreError::File(format!("Excel 文件已损坏（{name}）：{e}")))?;
            if got == 0 {
                break;
            }
            n += got as u64;
            total += got as u64;
            if n > cap {
                return Err(too_big(format!("部件 {name} 解压后超过 {} MB", cap >> 20)));
            }
            if total > caps.total_bytes {
                return Err(too_big(format!("解压后共超过 {} MB", caps.total_bytes >> 20)));
            }
        }
    }
    Ok(())
}

/// The text a cell holds, as the import reads it.
fn cell_text(d: &DataRef<'_>) -> String {
    let owned: Data = d.clone().into();
    match owned {
        Data::Empty => String::new(),
        Data::String(s) => s,
        // Integral floats are how Excel holds codes and (mangled) ID numbers.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e20 => format!("{}", f as i128),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => yiyang_domain::dates::from_excel_serial(dt.as_f64().trunc() as i64).to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s,
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The first worksheet: its first used row as headers, then each non-empty row with its
/// row number as Excel shows it.
pub fn read_xlsx(path: &Path, caps: &XlsxCaps) -> Result<Sheet> {
    measure(path, caps)?;
    let file = std::fs::File::open(path).map_err(|e| StoreError::File(format!("无法读取 {}：{e}", path.display())))?;
    let mut wb: Xlsx<_> =
        Xlsx::new(BufReader::new(file)).map_err(|e| StoreError::File(format!("无法打开 Excel 文件：{e}")))?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| StoreError::File("Excel 文件中没有工作表".into()))?;
    let mut cells = wb
        .worksheet_cells_reader(&name)
        .map_err(|e| StoreError::File(format!("无法读取工作表：{e}")))?;
    // Rows arrive in order; a row is a list of (column, text) until the next row starts.
    let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
    let (mut count, mut text) = (0u64, 0u64);
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| StoreError::File(format!("无法读取工作表：{e}")))?
    {
        let (r, c) = cell.get_position();
        let value = cell_text(cell.get_value());
        if value.trim().is_empty() {
            continue;
        }
        if r >= caps.rows {
            return Err(too_big(format!("第 {} 行超过 {} 行", r + 1, caps.rows)));
        }
        if c >= caps.columns {
            return Err(too_big(format!(
                "第 {} 行第 {} 列超过 {} 列",
                r + 1,
                c + 1,
                caps.columns
            )));
        }
        count += 1;
        text += value.len() as u64;
        if count > caps.cells {
            return Err(too_big(format!("非空单元格超过 {} 个", caps.cells)));
        }
        if text > caps.text_bytes {
            return Err(too_big(format!("单元格文字共超过 {} MB", caps.text_bytes >> 20)));
        }
        if rows.last().is_none_or(|(last, _)| *last != r) {
            rows.push((r, Vec::new()));
        }
        let row = &mut rows.last_mut().expect("pushed").1;
        if row.len() <= c as usize {
            row.resize(c as usize + 1, String::new());
        }
        row[c as usize] = value;
    }
    let mut rows = rows.into_iter();
    let headers = rows.next().map(|(_, r)| r).unwrap_or_default();
    let width = headers.len();
    Ok(Sheet {
        headers,
        rows: rows
            .map(|(r, mut cells)| {
                if cells.len() < width {
                    cells.resize(width, String::new());
                }
                (r as i64 + 1, cells)
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_zip(path: &Path, parts: &[(&str, &[u8])]) {
        let f = std::fs::File::create(path).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in parts {
            z.start_file(*name, opts).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }

    fn workbook(sheet_xml: &str) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_vec()),
            ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec()),
            ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec()),
            ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_vec()),
            ("xl/worksheets/sheet1.xml", sheet_xml.as_bytes().to_vec()),
        ]
    }

    fn sheet(rows: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
        )
    }

    fn save(dir: &Path, name: &str, parts: Vec<(&'static str, Vec<u8>)>) -> std::path::PathBuf {
        let p = dir.join(name);
        let refs: Vec<(&str, &[u8])> = parts.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        write_zip(&p, &refs);
        p
    }

    #[test]
    fn a_cell_in_the_far_corner_is_refused_without_allocating_the_range() {
        let dir = tempfile::tempdir().unwrap();
        let xml = sheet(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
        );
        let p = save(dir.path(), "corner.xlsx", workbook(&xml));
        assert!(std::fs::metadata(&p).unwrap().len() < 4096);
        let err = read_xlsx(&p, &XlsxCaps::default()).unwrap_err().to_string();
        assert!(err.contains("超过 200 列"), "{err}");
    }

    #[test]
    fn a_part_that_unpacks_past_its_cap_is_refused_whatever_the_zip_declares() {
        let dir = tempfile::tempdir().unwrap();
        let mut parts = workbook(&sheet(""));
        parts.push(("xl/sharedStrings.xml", vec![b' '; 2 << 20]));
        let p = save(dir.path(), "bomb.xlsx", parts);
        let caps = XlsxCaps {
            shared_strings_bytes: 1 << 20,
            ..Default::default()
        };
        let err = read_xlsx(&p, &caps).unwrap_err().to_string();
        assert!(err.contains("sharedStrings.xml") && err.contains("超过 1 MB"), "{err}");
    }

    #[test]
    fn rows_cells_and_text_over_their_caps_are_refused_with_the_cap_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut rows = String::new();
        for r in 1..=50 {
            rows.push_str(&format!(
                r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>甲{r}</t></is></c><c r="B{r}" t="inlineStr"><is><t>乙{r}</t></is></c></row>"#
            ));
        }
        let p = save(dir.path(), "many.xlsx", workbook(&sheet(&rows)));
        let ok = read_xlsx(&p, &XlsxCaps::default()).unwrap();
        assert_eq!(ok.headers, vec!["甲1", "乙1"]);
        assert_eq!(ok.rows.len(), 49);
        assert_eq!(ok.rows[0], (2, vec!["甲2".to_string(), "乙2".to_string()]));
        let caps = XlsxCaps {
            rows: 10,
            ..Default::default()
        };
        assert!(read_xlsx(&p, &caps).unwrap_err().to_string().contains("超过 10 行"));
        let caps = XlsxCaps {
            cells: 20,
            ..Default::default()
        };
        assert!(read_xlsx(&p, &caps).unwrap_err().to_string().contains("超过 20 个"));
        let caps = XlsxCaps {
            text_bytes: 100,
            ..Default::default()
        };
        assert!(read_xlsx(&p, &caps).unwrap_err().to_string().contains("单元格文字"));
    }

    #[test]
    fn a_file_that_is_not_a_zip_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fake.xlsx");
        std::fs::write(&p, "姓名,身份证号\n").unwrap();
        let err = read_xlsx(&p, &XlsxCaps::default()).unwrap_err().to_string();
        assert!(err.contains("不是有效的 .xlsx"), "{err}");
    }
}
