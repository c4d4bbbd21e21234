//! The CLI acts as a named account, with the same permissions and scope as on the web: a
//! township approver cannot export a county's run from a shell any more than from a browser.
//! Operations that touch no personal data (serving, migrating, verifying the audit chain,
//! loading divisions, benchmarks on files) run as the operating-system user.

use yiyang_domain::role::{Permission, Role};
use yiyang_store::audit::Actor;
use yiyang_store::users::User;
use yiyang_store::Store;

/// `--user NAME` (or `YIYANG_USER`) and the password in `YIYANG_PASSWORD` (or `--password`).
#[derive(clap::Args, Clone, Debug)]
pub struct AccountArg {
    /// The account acting; its role and division scope are checked as on the web.
    #[arg(long, env = "YIYANG_USER")]
    pub user: String,
    /// Its password; prefer the YIYANG_PASSWORD environment variable.
    #[arg(long, env = "YIYANG_PASSWORD", hide_env_values = true)]
    pub password: String,
}

/// A signed-in account: who it is and how its actions are audited.
pub struct SignedIn {
    pub user: User,
    pub actor: Actor,
}

impl SignedIn {
    /// `requested` if it lies inside the account's scope (the account's own when empty); the
    /// same refusal as the web's for anything else.
    pub fn scope(&self, requested: &str) -> Result<String, String> {
        let requested = requested.trim();
        if requested.is_empty() {
            return Ok(self.user.scope.clone());
        }
        if requested.starts_with(&self.user.scope) {
            Ok(requested.to_string())
        } else {
            Err(format!("区划“{requested}”不在账号 {} 的管辖范围内", self.user.username))
        }
    }
}

pub fn actor_for(user: &User) -> Actor {
    let host = whoami::fallible::hostname().unwrap_or_else(|_| "localhost".into());
    Actor {
        name: user.username.clone(),
        channel: "cli",
        source: format!("{}@{host}", whoami::username()),
        scope: user.scope.clone(),
    }
}

impl AccountArg {
    /// Signs in and checks that the role may do `perm`.
    pub async fn sign_in(&self, store: &Store, perm: Permission) -> Result<SignedIn, String> {
        let user = store
            .authenticate(&self.user, &self.password)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "用户名或密码不正确".to_string())?;
        if !user.role.may(perm) {
            return Err(format!("{}（{}）无权执行此操作", user.username, user.role.label()));
        }
        let actor = actor_for(&user);
        store
            .audit(&actor.entry("login", "user", user.id, serde_json::json!({})))
            .await
            .map_err(|e| e.to_string())?;
        Ok(SignedIn { user, actor })
    }
}

/// Whether the database has an administrator yet (the first one is created without one).
pub async fn has_admin(store: &Store) -> Result<bool, String> {
    Ok(store
        .list_users()
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .any(|u| u.role == Role::Admin && u.active))
}
