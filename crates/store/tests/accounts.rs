//! Accounts on every backend: passwords authenticate, sessions expire on logout.

mod common;

use common::stores;
use yiyang_store::testing::actor;
use yiyang_store::StoreError;

#[tokio::test]
async fn accounts_authenticate_and_sessions_expire_on_logout() {
    use yiyang_domain::role::Role;
    use yiyang_store::users::NewUser;
    for (b, s) in stores().await {
        let nu = NewUser {
            username: "zhang",
            display_name: "张",
            password: "long enough pw 2026",
            role: Role::CivilAffairs,
            scope: "360733",
            institution_id: None,
        };
        s.create_user(&nu, &actor("tester")).await.unwrap();
        assert!(
            s.authenticate("zhang", "wrong password").await.unwrap().is_none(),
            "{b}"
        );
        assert!(
            s.authenticate("nobody", "long enough pw 2026").await.unwrap().is_none(),
            "{b}"
        );
        let u = s
            .authenticate(" Zhang", "long enough pw 2026")
            .await
            .unwrap()
            .expect("valid login, whatever the case of the name");
        // One identity whatever the case: "Zhang" cannot be created beside "zhang".
        assert!(
            matches!(
                s.create_user(
                    &NewUser {
                        username: "ZHANG",
                        ..nu
                    },
                    &actor("tester")
                )
                .await,
                Err(StoreError::Invalid(_))
            ),
            "{b}"
        );
        for weak in ["12345678", "        ", "", "password123"] {
            assert!(
                matches!(
                    s.create_user(
                        &NewUser {
                            username: "li",
                            password: weak,
                            ..nu
                        },
                        &actor("tester")
                    )
                    .await,
                    Err(StoreError::Invalid(_))
                ),
                "{b}: {weak:?}"
            );
        }
        let token = s.create_session(&u).await.unwrap();
        let sess = s.session(&token).await.unwrap().unwrap();
        assert_eq!(sess.scope, "360733");
        s.set_session_scope(&token, "360733100").await.unwrap();
        assert_eq!(s.session(&token).await.unwrap().unwrap().scope, "360733100");
        s.delete_session(&token).await.unwrap();
        assert!(s.session(&token).await.unwrap().is_none(), "{b}");
        // A session left unused past the idle limit ends.
        let token = s.create_session(&u).await.unwrap();
        assert!(s.session(&token).await.unwrap().is_some(), "{b}");
        let stale =
            (chrono::Utc::now() - chrono::Duration::minutes(yiyang_store::users::IDLE_MINUTES + 1)).to_rfc3339();
        let sql = match b {
            "sqlite" => format!("UPDATE sessions SET last_seen_at = '{stale}'"),
            _ => format!("UPDATE sessions SET last_seen_at = '{stale}'::timestamptz"),
        };
        s.execute_raw_for_tests(&sql).await.unwrap();
        assert!(s.session(&token).await.unwrap().is_none(), "{b}: idle session ended");
        let bad = NewUser { scope: "999999", ..nu };
        assert!(matches!(
            s.create_user(&NewUser { username: "x", ..bad }, &actor("tester")).await,
            Err(StoreError::Invalid(_))
        ));
    }
}
