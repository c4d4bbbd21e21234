//! The division picker's two questions (`static/app.js` turns every `data-division-picker`
//! field into cascading lists and a name search): the children of a division, and the
//! divisions whose name contains some text — both only inside the user's current scope. A
//! division outside it answers exactly like one that does not exist: an empty list.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use yiyang_domain::DivisionCode;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

/// At most this many answers to a name search.
const SEARCH_LIMIT: usize = 20;
/// Longer search text is cut to this many characters (no division name is longer).
const SEARCH_MAX_CHARS: usize = 30;

#[derive(Serialize, Debug, PartialEq)]
pub struct DivisionOption {
    pub code: String,
    pub name: String,
    /// The names from the user's scope down ("文武坝镇 富坑村"); empty for a list of children.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
}

#[derive(Deserialize)]
pub struct ChildrenQuery {
    #[serde(default)]
    pub parent: String,
}

/// `GET /divisions/children?parent=CODE`: the direct children of a division in the scope
/// (of the scope itself when `parent` is empty), sorted by code.
pub async fn children(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ChildrenQuery>,
) -> Result<Json<Vec<DivisionOption>>, AppError> {
    let scope = DivisionCode::from_canonical(user.scope());
    let parent = if q.parent.is_empty() {
        scope.clone()
    } else {
        match DivisionCode::parse(&q.parent) {
            Ok(c) if scope.contains(&c) => c,
            _ => return Ok(Json(Vec::new())),
        }
    };
    Ok(Json(
        state
            .store
            .reference()
            .children(parent.as_str())
            .into_iter()
            .map(|(code, name)| DivisionOption {
                code,
                name,
                path: String::new(),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
}

/// `GET /divisions/search?q=名称`: divisions below the scope whose name contains the text,
/// the higher levels first, each with its path from the scope down.
pub async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Vec<DivisionOption>>, AppError> {
    let text: String = q.q.trim().chars().take(SEARCH_MAX_CHARS).collect();
    if text.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let r = state.store.reference();
    let scope = user.scope();
    let mut found: Vec<(&String, &String)> = r
        .divisions
        .iter()
        .filter(|(code, name)| code.len() > scope.len() && code.starts_with(scope) && name.contains(&text))
        .collect();
    found.sort_by(|a, b| (a.0.len(), a.0).cmp(&(b.0.len(), b.0)));
    let scope_path = r.division_path(scope);
    Ok(Json(
        found
            .into_iter()
            .take(SEARCH_LIMIT)
            .map(|(code, name)| {
                let full = r.division_path(code);
                DivisionOption {
                    code: code.clone(),
                    name: name.clone(),
                    path: full
                        .strip_prefix(&scope_path)
                        .map(str::trim)
                        .unwrap_or(&full)
                        .to_string(),
                }
            })
            .collect(),
    ))
}
