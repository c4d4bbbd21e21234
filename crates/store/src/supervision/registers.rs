//! Keeping the registers a batch is drawn from: the jurisdiction's inspection items and its
//! inspectors with their declared conflicts (回避), each checked once here. Errors name the
//! field.

use yiyang_domain::person::FieldError;
use yiyang_domain::supervision::inspection::{HazardCategory, ItemKind};
use yiyang_domain::supervision::object::ObjectRef;

use super::objects::{join_objects, OBJECT_NAME};
use super::{Inspector, NewItem};
use crate::audit::Actor;
use crate::{scope_range, with_pool, Result, Store, StoreError};

/// An item as typed on the form.
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub category: String,
    pub basis: String,
}

/// An inspector as typed on the form, with the objects they must not inspect.
#[derive(Debug, Clone, Default)]
pub struct InspectorInput {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub qualification: String,
    /// The account that signs as them (an inspector's account in the scope), or empty.
    pub username: String,
    /// (object key as `provider:3`, reason)
    pub conflicts: Vec<(String, String)>,
}

fn required(field: &str, label: &str, v: &str, max: usize, errors: &mut Vec<FieldError>) {
    if v.trim().is_empty() {
        errors.push(FieldError::new(field, format!("请填写{label}")));
    }
    errors.extend(yiyang_domain::text::too_long(field, label, v, max));
}

fn is_token(v: &str) -> bool {
    !v.trim().is_empty() && !v.trim().chars().any(char::is_whitespace)
}

impl Store {
    /// Adds an item to the list of `scope` (a county or province).
    pub async fn create_inspection_item(&self, input: &ItemInput, scope: &str, actor: &Actor) -> Result<i64> {
        let mut errors = Vec::new();
        required("code", "事项编号", &input.code, 20, &mut errors);
        if !input.code.trim().is_empty() && !is_token(&input.code) {
            errors.push(FieldError::new("code", "事项编号不能含空白"));
        }
        required("name", "事项名称", &input.name, 200, &mut errors);
        required(
            "basis",
            "检查依据",
            &input.basis,
            yiyang_domain::text::NOTE_MAX,
            &mut errors,
        );
        let kind = ItemKind::parse(input.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择一般事项或重点事项"));
        }
        let category = HazardCategory::parse(input.category.trim());
        if category.is_none() {
            errors.push(FieldError::new("category", "请选择类别"));
        }
        let taken: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM inspection_items WHERE division = $1 AND code = $2")
            .bind(scope).bind(input.code.trim()).fetch_one(pool).await?);
        if taken > 0 {
            errors.push(FieldError::new(
                "code",
                format!("事项编号 {} 已被使用", input.code.trim()),
            ));
        }
        let (Some(kind), Some(category), true) = (kind, category, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let item = NewItem {
            division: scope,
            code: input.code.trim(),
            name: input.name.trim(),
            kind,
            category,
            basis: input.basis.trim(),
        };
        self.add_inspection_item(&item, actor).await
    }

    /// Adds an inspector of `scope` to the register, with their declared conflicts.
    pub async fn create_inspector(&self, input: &InspectorInput, scope: &str, actor: &Actor) -> Result<i64> {
        let mut errors = Vec::new();
        required("code", "执法证号或编号", &input.code, 30, &mut errors);
        if !input.code.trim().is_empty() && !is_token(&input.code) {
            errors.push(FieldError::new("code", "编号不能含空白（抽取时按编号排序）"));
        }
        required("name", "姓名", &input.name, 50, &mut errors);
        required("unit", "所在单位", &input.unit, 100, &mut errors);
        required("qualification", "执法资格", &input.qualification, 100, &mut errors);
        let taken: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM inspectors WHERE code = $1")
            .bind(input.code.trim()).fetch_one(pool).await?);
        if taken > 0 {
            errors.push(FieldError::new(
                "code",
                format!("编号 {} 已在名录中", input.code.trim()),
            ));
        }
        let username = input.username.trim();
        if !username.is_empty() {
            let (lo, hi) = scope_range(scope);
            let ok: i64 = with_pool!(self, pool => sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE username = $1 AND role = 'inspector' AND active AND scope >= $2 AND scope < $3")
                .bind(username).bind(&lo).bind(&hi).fetch_one(pool).await?);
            if ok == 0 {
                errors.push(FieldError::new("username", "没有本辖区的这个检查员账号"));
            }
        }
        let mut conflicts = Vec::new();
        for (key, reason) in &input.conflicts {
            if key.trim().is_empty() {
                continue;
            }
            let object = match ObjectRef::parse(key) {
                Some(o) => self.supervised_object(o, scope).await?.map(|o| o.object),
                None => None,
            };
            let Some(object) = object else {
                errors.push(FieldError::new("conflicts", "回避的检查对象不在本辖区"));
                continue;
            };
            if conflicts.iter().any(|(o, _)| *o == object) {
                errors.push(FieldError::new("conflicts", "同一检查对象只需填写一次"));
            } else if reason.trim().is_empty() {
            } else if reason.trim().is_empty() {
                errors.push(FieldError::new("conflicts", "请写明回避事由（亲属关系、曾任职等）"));
            } else {
                conflicts.push((object, reason.trim().to_string()));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let x = Inspector {
            id: 0,
            code: input.code.trim().into(),
            name: input.name.trim().into(),
            unit: input.unit.trim().into(),
            division: scope.into(),
            qualification: input.qualification.trim().into(),
            username: Some(username.to_string()).filter(|u| !u.is_empty()),
        };
        let refs: Vec<(ObjectRef, &str)> = conflicts.iter().map(|(o, r)| (*o, r.as_str())).collect();
        self.add_inspector(&x, &refs, actor).await
    }

    /// Declared conflicts of the inspectors of `scope`: (inspector id, object name, reason).
    pub async fn conflicts_in(&self, scope: &str) -> Result<Vec<(i64, String, String)>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT c.inspector_id, {OBJECT_NAME} AS name, c.reason FROM inspector_conflicts c \
             JOIN inspectors x ON x.id = c.inspector_id {} WHERE x.division >= $1 AND x.division < $2 \
             ORDER BY c.inspector_id, name", join_objects("c")))
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }
}
