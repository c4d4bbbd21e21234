//! Imports of the care register from .csv/.xlsx: institutions, beds, residents, and
//! assessment results (including legacy MZ/T 039-2013 levels). These files are small (a
//! county's institutions and beds), so each row goes through the same checks as the forms;
//! a bad row is reported with its row number and field and the rest goes on. Re-importing a
//! file adds nothing twice.

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::institution::InstitutionKind;

use crate::audit::{Actor, AuditAppend};
use crate::import::{read_sheet, RowError, Sheet};
use crate::institutions::InstitutionInput;
use crate::{now, with_pool, Result, Store, StoreError};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CareFile {
    Institutions,
    Beds,
    Residents,
    Assessments,
}

impl CareFile {
    pub const ALL: [CareFile; 4] = [
        CareFile::Institutions,
        CareFile::Beds,
        CareFile::Residents,
        CareFile::Assessments,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CareFile::Institutions => "institutions",
            CareFile::Beds => "beds",
            CareFile::Residents => "residents",
            CareFile::Assessments => "assessments",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CareFile::Institutions => "养老机构",
            CareFile::Beds => "床位",
            CareFile::Residents => "入住老人",
            CareFile::Assessments => "能力评估结果",
        }
    }

    pub fn parse(s: &str) -> Option<CareFile> {
        CareFile::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The columns: (key, header, required).
    pub fn columns(self) -> &'static [(&'static str, &'static str, bool)] {
        match self {
            CareFile::Institutions => &[
                ("code", "机构编号", true),
                ("name", "机构名称", true),
                ("credit_code", "统一社会信用代码", true),
                ("kind", "机构性质", true),
                ("division", "区划代码", true),
                ("address", "地址", false),
                ("filed_on", "备案日期", false),
                ("medical_care", "医养结合", false),
                ("longitude", "经度", false),
                ("latitude", "纬度", false),
                ("fire_safety", "消防审验", false),
                ("licence_no", "许可证号", false),
                ("licence_until", "证照有效期至", false),
            ],
            CareFile::Beds => &[
                ("institution", "机构编号", true),
                ("building", "楼栋", true),
                ("room", "房间", true),
                ("number", "床号", true),
                ("nursing", "护理型", false),
                ("dementia_unit", "失智照护单元", false),
                ("opened_on", "投用日期", false),
            ],
            CareFile::Residents => &[
                ("institution", "机构编号", true),
                ("id_number", "身份证号", true),
                ("building", "楼栋", true),
                ("room", "房间", true),
                ("number", "床号", true),
                ("admitted_on", "入住日期", true),
            ],
            CareFile::Assessments => &[
                ("id_number", "身份证号", true),
                ("standard", "评估标准", true),
                ("level", "评估等级", true),
                ("assessed_on", "评估日期", true),
                ("valid_until", "有效期至", false),
            ],
        }
    }
}

/// The outcome of a care-register import.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CareImportSummary {
    pub total_rows: usize,
    pub imported: usize,
    /// Rows already in the register (a re-import).
    pub unchanged: usize,
    pub errors: Vec<RowError>,
}

fn yes(s: &str) -> Option<bool> {
    match s.trim() {
        "" | "否" | "0" | "N" | "n" | "no" | "false" => Some(false),
        "是" | "1" | "Y" | "y" | "yes" | "true" | "√" => Some(true),
        _ => None,
    }
}

struct Row<'a> {
    no: i64,
    cells: &'a [String],
    index: &'a [(&'static str, &'static str, Option<usize>)],
}

impl Row<'_> {
    fn get(&self, key: &str) -> &str {
        self.index
            .iter()
            .find(|(k, _, _)| *k == key)
            .and_then(|(_, _, i)| *i)
            .and_then(|i| self.cells.get(i))
            .map_or("", |s| s.trim())
    }

    fn err(&self, key: &str, message: impl Into<String>) -> RowError {
        let header = self.index.iter().find(|(k, _, _)| *k == key).map_or(key, |(_, h, _)| h);
        let value = if key == "id_number" {
            yiyang_domain::id_number::mask(self.get(key))
        } else {
            self.get(key).to_string()
        };
        RowError {
            row_no: self.no,
            field: header.to_string(),
            value,
            message: message.into(),
            original: crate::import::original_row(self.cells),
        }
    }

    fn date(&self, key: &str) -> Result<Option<NaiveDate>, RowError> {
        match self.get(key) {
            "" => Ok(None),
            s => yiyang_domain::dates::parse_date(s)
                .map(Some)
                .map_err(|e| self.err(key, e.to_string())),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, RowError> {
        yes(self.get(key)).ok_or_else(|| self.err(key, "应填“是”或“否”"))
    }
}

/// Maps the file's headers to the columns; a missing required column refuses the file.
fn column_index(kind: CareFile, sheet: &Sheet) -> Result<Vec<(&'static str, &'static str, Option<usize>)>> {
    let norm = |s: &str| {
        s.trim()
            .trim_start_matches('\u{feff}')
            .trim_start_matches('*')
            .replace(['（', '）', '(', ')'], "")
            .replace("必填", "")
    };
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (key, header, required) in kind.columns() {
        let at = sheet.headers.iter().position(|h| {
            let h = norm(h);
            h == *header || (*key == "id_number" && (h == "身份证号码" || h == "公民身份号码"))
        });
        if at.is_none() && *required {
            missing.push(*header);
        }
        out.push((*key, *header, at));
    }
    if !missing.is_empty() {
        return Err(StoreError::File(format!(
            "{}文件缺少必需的列：{}（应有的列：{}）",
            kind.label(),
            missing.join("、"),
            kind.columns().iter().map(|c| c.1).collect::<Vec<_>>().join("、")
        )));
    }
    Ok(out)
}

/// One answer for an ID number that is unknown and one registered outside the importer's scope.
const NOT_REGISTERED: &str = "老年人信息库中没有此人，请先导入老年人信息";

impl Store {
    /// Imports a file of `kind` as a recorded import job (kind = the file kind's code): the
    /// job history and the downloadable report of rejected rows are the same as for the
    /// older-people import. Rows outside `scope` are refused. A file that cannot be read at
    /// all ends the job as failed, with the reason.
    pub async fn import_care(
        &self,
        path: &Path,
        file_name: &str,
        kind: CareFile,
        scope: &str,
        actor: &Actor,
    ) -> Result<(i64, CareImportSummary)> {
        use sha2::{Digest, Sha256};
        let bytes = std::fs::read(path).map_err(|e| StoreError::File(format!("无法读取文件：{e}")))?;
        let job = self
            .start_job(
                kind.code(),
                file_name,
                &hex::encode(Sha256::digest(&bytes)),
                actor,
                scope,
            )
            .await?;
        let sheet = match read_sheet(path) {
            Ok(s) => s,
            Err(e) => {
                self.finish_job_failed(job, &e.to_string()).await?;
                return Err(e);
            }
        };
        self.set_job_total(job, sheet.rows.len() as i64).await?;
        let summary = match self.import_care_sheet(&sheet, kind, scope, actor).await {
            Ok(s) => s,
            Err(e) => {
                self.finish_job_failed(job, &e.to_string()).await?;
                return Err(e);
            }
        };
        let rejected = summary
            .errors
            .iter()
            .map(|e| e.row_no)
            .collect::<std::collections::BTreeSet<_>>()
            .len() as i64;
        self.finish_job(
            job,
            &summary.errors,
            summary.imported as i64,
            0,
            summary.unchanged as i64,
            rejected,
            actor,
        )
        .await?;
        Ok((job, summary))
    }

    pub async fn import_care_sheet(
        &self,
        sheet: &Sheet,
        kind: CareFile,
        scope: &str,
        actor: &Actor,
    ) -> Result<CareImportSummary> {
        let index = column_index(kind, sheet)?;
        let mut summary = CareImportSummary {
            total_rows: sheet.rows.len(),
            ..Default::default()
        };
        for (no, cells) in &sheet.rows {
            let row = Row {
                no: *no,
                cells,
                index: &index,
            };
            let outcome = match kind {
                CareFile::Institutions => self.import_institution_row(&row, scope, actor).await?,
                CareFile::Beds => self.import_bed_row(&row, scope, actor).await?,
                CareFile::Residents => self.import_resident_row(&row, scope, actor).await?,
                CareFile::Assessments => self.import_assessment_row(&row, scope, actor).await?,
            };
            match outcome {
                Ok(true) => summary.imported += 1,
                Ok(false) => summary.unchanged += 1,
                Err(mut e) => summary.errors.append(&mut e),
            }
        }
        Ok(summary)
    }

    /// The institution with platform code `code` inside `scope`.
    async fn institution_by_code(&self, code: &str, scope: &str) -> Result<Option<i64>> {
        let (lo, hi) = crate::scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM institutions WHERE code = $1 AND division >= $2 AND division < $3")
            .bind(code).bind(&lo).bind(&hi).fetch_optional(pool).await?))
    }

    async fn import_institution_row(
        &self,
        row: &Row<'_>,
        scope: &str,
        actor: &Actor,
    ) -> Result<Result<bool, Vec<RowError>>> {
        let code = row.get("code");
        if self.institution_by_code(code, scope).await?.is_some() {
            return Ok(Ok(false));
        }
        let kind = row.get("kind");
        let kind = InstitutionKind::ALL
            .iter()
            .find(|k| k.code() == kind || k.label() == kind)
            .map_or(kind.to_string(), |k| k.code().to_string());
        let medical_care = match row.flag("medical_care") {
            Ok(b) => b,
            Err(e) => return Ok(Err(vec![e])),
        };
        let input = InstitutionInput {
            code: code.into(),
            name: row.get("name").into(),
            credit_code: row.get("credit_code").into(),
            kind,
            division: row.get("division").into(),
            address: row.get("address").into(),
            filed_on: row.get("filed_on").into(),
            medical_care,
            clinic: String::new(),
            longitude: row.get("longitude").into(),
            latitude: row.get("latitude").into(),
            credit_commitment: false,
            fire_safety: row.get("fire_safety").into(),
            licence_no: row.get("licence_no").into(),
            licence_until: row.get("licence_until").into(),
        };
        match self.create_institution(&input, scope, actor).await {
            Ok(_) => Ok(Ok(true)),
            Err(StoreError::Invalid(errors)) => {
                Ok(Err(errors.into_iter().map(|e| row.err(&e.field, e.message)).collect()))
            }
            Err(e) => Err(e),
        }
    }

    async fn import_bed_row(&self, row: &Row<'_>, scope: &str, actor: &Actor) -> Result<Result<bool, Vec<RowError>>> {
        let Some(inst) = self.institution_by_code(row.get("institution"), scope).await? else {
            return Ok(Err(vec![row.err("institution", "机构编号不存在或不在您的管辖范围内")]));
        };
        let (building, room, number) = (row.get("building"), row.get("room"), row.get("number"));
        let mut errors = Vec::new();
        for (key, v) in [("building", building), ("room", room), ("number", number)] {
            if v.is_empty() {
                errors.push(row.err(key, "不能为空"));
            }
        }
        let nursing = row.flag("nursing").map_err(|e| errors.push(e)).unwrap_or(false);
        let dementia = row.flag("dementia_unit").map_err(|e| errors.push(e)).unwrap_or(false);
        let opened_on = row.date("opened_on").map_err(|e| errors.push(e)).unwrap_or(None);
        if opened_on.is_some_and(|d| d > self.clock.today()) {
            errors.push(row.err("opened_on", "投用日期不能晚于今天"));
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let entry = actor.entry(
            "import_bed",
            "institution",
            inst,
            serde_json::json!({"building": building, "room": room, "number": number}),
        );
        // The bed and its audit entry commit together.
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "INSERT INTO beds (institution_id, building, room, number, nursing, dementia_unit, status, updated_at, opened_on) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'vacant', $7, $8) ON CONFLICT (institution_id, building, room, number) DO NOTHING")
                .bind(inst).bind(building).bind(room).bind(number).bind(nursing).bind(dementia).bind(now()).bind(opened_on)
                .execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                (*tx).append_audit(&self.audit_keys(), &entry).await?;
            }
            tx.commit().await?;
            n
        });
        Ok(Ok(n == 1))
    }

    async fn import_resident_row(
        &self,
        row: &Row<'_>,
        scope: &str,
        actor: &Actor,
    ) -> Result<Result<bool, Vec<RowError>>> {
        let Some(inst) = self.institution_by_code(row.get("institution"), scope).await? else {
            return Ok(Err(vec![row.err("institution", "机构编号不存在或不在您的管辖范围内")]));
        };
        let on = match row.date("admitted_on") {
            Ok(Some(d)) => d,
            Ok(None) => return Ok(Err(vec![row.err("admitted_on", "请填写入住日期")])),
            Err(e) => return Ok(Err(vec![e])),
        };
        let number = row.get("id_number").to_ascii_uppercase();
        if let Err(e) = yiyang_domain::IdNumber::parse(&number) {
            return Ok(Err(vec![row.err("id_number", e.to_string())]));
        }
        let Some(person) = self.person_id_by_number_in(&number, scope).await? else {
            return Ok(Err(vec![row.err("id_number", NOT_REGISTERED)]));
        };
        let bed: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM beds WHERE institution_id = $1 AND building = $2 AND room = $3 AND number = $4")
            .bind(inst).bind(row.get("building")).bind(row.get("room")).bind(row.get("number")).fetch_optional(pool).await?);
        let Some(bed) = bed else {
            return Ok(Err(vec![row.err("number", "该机构没有此床位，请先导入床位")]));
        };
        let already: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM residents WHERE person_id = $1 AND institution_id = $2 AND admitted_on = $3")
            .bind(person).bind(inst).bind(on).fetch_one(pool).await?);
        if already > 0 {
            return Ok(Ok(false));
        }
        // Someone admitted long ago is checked against an assessment valid then or now.
        let today = self.clock.today();
        let check_on = if self.valid_assessment(person, on).await?.is_some() {
            on
        } else {
            today
        };
        match self
            .admit_checked(inst, person, bed, on, check_on, "批量导入", actor)
            .await
        {
            Ok(_) => Ok(Ok(true)),
            Err(StoreError::Refused(m)) => Ok(Err(vec![row.err("id_number", m)])),
            Err(StoreError::Invalid(errors)) => {
                Ok(Err(errors.into_iter().map(|e| row.err(&e.field, e.message)).collect()))
            }
            Err(e) => Err(e),
        }
    }

    async fn import_assessment_row(
        &self,
        row: &Row<'_>,
        scope: &str,
        actor: &Actor,
    ) -> Result<Result<bool, Vec<RowError>>> {
        let number = row.get("id_number").to_ascii_uppercase();
        let Some(person) = self.person_id_by_number_in(&number, scope).await? else {
            return Ok(Err(vec![row.err("id_number", NOT_REGISTERED)]));
        };
        let mut errors = Vec::new();
        let standard = match row.get("standard").replace(' ', "").as_str() {
            s if s.contains("42195") => "GB/T 42195-2022",
            s if s.contains("039") => "MZ/T 039-2013",
            _ => {
                errors.push(row.err("standard", "应为 GB/T 42195-2022 或 MZ/T 039-2013"));
                ""
            }
        };
        // GB/T 42195: 0-4; MZ/T 039: 0-3 (能力完好 … 重度失能).
        let max = if standard.starts_with("MZ/T") { 3 } else { 4 };
        let level = match row.get("level").trim_end_matches('级').parse::<i64>() {
            Ok(l) if (0..=max).contains(&l) => l,
            _ => {
                errors.push(row.err("level", format!("评估等级应为 0-{max} 的整数")));
                0
            }
        };
        let on = match row.date("assessed_on") {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.push(row.err("assessed_on", "请填写评估日期"));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let until = row.date("valid_until").map_err(|e| errors.push(e)).ok().flatten();
        let (Some(on), true) = (on, errors.is_empty()) else {
            return Ok(Err(errors));
        };
        let until = match until {
            Some(u) => u,
            None => on + chrono::Months::new(self.assessment_validity_months(scope).await?),
        };
        if until < on {
            return Ok(Err(vec![row.err("valid_until", "有效期不能早于评估日期")]));
        }
        let exists: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM assessments WHERE person_id = $1 AND standard = $2 AND assessed_on = $3")
            .bind(person).bind(standard).bind(on).fetch_one(pool).await?);
        if exists > 0 {
            return Ok(Ok(false));
        }
        let entry = actor.entry(
            "import_assessment",
            "person",
            person,
            serde_json::json!({"standard": standard, "level": level, "assessed_on": on.to_string()}),
        );
        // The assessment and its audit entry commit together.
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO assessments (person_id, standard, final_level, assessed_on, valid_until, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(person).bind(standard).bind(level).bind(on).bind(until).bind(now())
                .execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &entry).await?;
            tx.commit().await?;
        });
        Ok(Ok(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_missing_a_required_column_is_refused_naming_it() {
        let sheet = Sheet {
            headers: vec!["机构编号".into(), "楼栋".into(), "房间".into()],
            rows: vec![],
        };
        let e = column_index(CareFile::Beds, &sheet).unwrap_err().to_string();
        assert!(e.contains("床号"), "{e}");
        let ok = Sheet {
            headers: vec!["*机构编号（必填）".into(), "楼栋".into(), "房间".into(), "床号".into()],
            rows: vec![],
        };
        let idx = column_index(CareFile::Beds, &ok).unwrap();
        assert_eq!(idx[0].2, Some(0));
        assert_eq!(idx[4].2, None);
    }

    #[test]
    fn yes_and_no_are_read_the_ways_people_write_them() {
        assert_eq!(yes("是"), Some(true));
        assert_eq!(yes(""), Some(false));
        assert_eq!(yes("否"), Some(false));
        assert_eq!(yes("也许"), None);
    }
}
