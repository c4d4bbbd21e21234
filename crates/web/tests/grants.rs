//! Grants outside the monthly run go through 经办 → 审核 → 审批 → 拨付 by three different
//! people, and are exported for payment once.

mod common;

use axum::http::StatusCode;
use common::care::institution;
use common::*;

/// Opens the group's page as a signer would, then signs what it shows: the digest of the page
/// and the tick that repeats payee, items and amount.
async fn sign_group(c: &mut Client, kind: &str, owner: i64, to: &str) -> StatusCode {
    let page = c.get(&format!("/grants/{kind}/{owner}")).await.text();
    let digest = digest_on(&page).unwrap_or_default();
    let csrf = c.csrf.clone();
    let owner = owner.to_string();
    c.post_form(
        "/grants/sign",
        &[
            ("_csrf", &csrf),
            ("kind", kind),
            ("owner", &owner),
            ("to", to),
            ("digest", &digest),
            ("confirm", "1"),
        ],
    )
    .await
    .status
}

#[tokio::test]
async fn one_off_grants_are_reviewed_approved_and_exported_by_three_people() {
    for (b, store, router) in apps(10).await {
        // The construction subsidy goes to the private home (a public one gets none); the
        // staff awards to the central home's interns.
        let private = institution(&store, "JG3607332001").await;
        let inst = institution(&store, "JG3607331001").await;
        let site = store
            .facilities_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.code == "SS3607331012001")
            .unwrap()
            .id;
        // 经办: the clerk grants a construction subsidy, a site's subsidies and staff awards.
        let mut clerk = Client::login(&router, "huichang").await;
        let csrf = clerk.csrf.clone();
        for url in [
            format!("/institutions/{private}/construction-subsidy"),
            format!("/facilities/{site}/subsidies"),
            format!("/institutions/{inst}/awards"),
        ] {
            let r = clerk.post_form(&url, &[("_csrf", &csrf)]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {url}: {}", r.text());
        }
        let groups = store.grant_groups("360733").await.unwrap();
        assert_eq!(groups.len(), 3, "{b}: {groups:?}");
        assert!(
            groups
                .iter()
                .all(|g| g.status == "prepared" && g.prepared_by == "huichang"),
            "{b}"
        );
        let page = clerk.get("/grants").await.text();
        assert!(
            page.contains("待审核") && !page.contains("审核通过"),
            "{b}: the clerk signs nothing"
        );
        // The clerk may not review; approving before review is refused.
        assert_eq!(
            sign_group(&mut clerk, "construction", private, "reviewed").await,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let mut reviewer = Client::login(&router, "shenhe").await;
        // The reviewer's home page says what waits.
        let home = reviewer.get("/").await.text();
        assert!(
            home.contains("<span class=\"num\">3</span><span>待审核的一次性补助</span>"),
            "{b}: {home}"
        );
        assert!(reviewer.get("/grants").await.text().contains("核对并审核"), "{b}");
        assert_eq!(
            sign_group(&mut reviewer, "construction", private, "approved").await,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        // A group opens on its items; a signature needs the tick and the page's digest.
        let page = reviewer.get(&format!("/grants/construction/{private}")).await.text();
        assert!(
            page.contains("id=\"grant-items\"") && page.contains(" 床<") && page.contains("已核对"),
            "{b}"
        );
        let (csrf, owner) = (reviewer.csrf.clone(), private.to_string());
        let form = |digest: &'static str, confirm: &'static str| {
            [
                ("kind", "construction"),
                ("to", "reviewed"),
                ("digest", digest),
                ("confirm", confirm),
            ]
        };
        for (digest, confirm, want) in [
            ("stale", "1", StatusCode::CONFLICT),
            ("stale", "", StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let mut pairs = vec![("_csrf", csrf.as_str()), ("owner", owner.as_str())];
            pairs.extend(form(digest, confirm));
            assert_eq!(
                reviewer.post_form("/grants/sign", &pairs).await.status,
                want,
                "{b}: {digest} {confirm}"
            );
        }
        for (kind, owner) in [("construction", private), ("facility", site), ("staff", inst)] {
            assert_eq!(
                sign_group(&mut reviewer, kind, owner, "reviewed").await,
                StatusCode::SEE_OTHER,
                "{b}: {kind}"
            );
        }
        // Reviewed once: a second review finds nothing waiting.
        assert_eq!(
            sign_group(&mut reviewer, "facility", site, "reviewed").await,
            StatusCode::CONFLICT,
            "{b}"
        );
        let mut approver = Client::login(&router, "shenpi").await;
        let home = approver.get("/").await.text();
        assert!(
            home.contains("<span class=\"num\">3</span><span>待审批的一次性补助</span>"),
            "{b}"
        );
        let ac = approver.csrf.clone();
        for (kind, owner) in [("construction", private), ("facility", site), ("staff", inst)] {
            assert_eq!(
                sign_group(&mut approver, kind, owner, "approved").await,
                StatusCode::SEE_OTHER,
                "{b}: {kind}"
            );
        }
        let total: i64 = store
            .grant_groups("360733")
            .await
            .unwrap()
            .iter()
            .map(|g| g.amount_fen)
            .sum();
        assert!(
            approver.get("/grants").await.text().contains("id=\"grants-export\""),
            "{b}"
        );
        // The reviewer may not export; the approver exports once.
        // Exporting changes state: a GET does nothing, a POST without the token is refused.
        assert_eq!(
            approver.get("/grants/export.xlsx").await.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{b}"
        );
        assert_eq!(
            approver
                .post_form("/grants/export.xlsx", &[("_csrf", "forged")])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        reviewer.get("/grants").await;
        let rc = reviewer.csrf.clone();
        assert_eq!(
            reviewer
                .post_form("/grants/export.xlsx", &[("_csrf", &rc)])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let x = approver.post_form("/grants/export.xlsx", &[("_csrf", &ac)]).await;
        assert_eq!(x.status, StatusCode::OK, "{b}");
        assert!(x.body.starts_with(b"PK"), "{b}");
        let groups = store.grant_groups("360733").await.unwrap();
        assert!(groups.iter().all(|g| g.status == "exported"), "{b}");
        assert_eq!(groups.iter().map(|g| g.amount_fen).sum::<i64>(), total, "{b}");
        assert_eq!(
            approver
                .post_form("/grants/export.xlsx", &[("_csrf", &ac)])
                .await
                .status,
            StatusCode::CONFLICT,
            "{b}: nothing left"
        );
        // Scope: a township clerk sees none of it and cannot sign it.
        let mut town = Client::login(&router, "wenwuba").await;
        assert!(!town.get("/grants").await.text().contains("门岭村"), "{b}");
        // Inspectors see no grants.
        let mut inspector = Client::login(&router, "jiancha").await;
        assert_eq!(inspector.get("/grants").await.status, StatusCode::FORBIDDEN, "{b}");
        let audit = store
            .audit_entries(Some(("grant", &format!("construction:{private}"))), 10, 0)
            .await
            .unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert!(
            actions.contains(&"reviewed") && actions.contains(&"approved"),
            "{b}: {actions:?}"
        );
    }
}

#[tokio::test]
async fn a_grant_group_is_returned_to_the_clerk_with_a_reason_and_granted_again() {
    for (b, store, router) in apps(10).await {
        let private = institution(&store, "JG3607332001").await;
        let grant = format!("/institutions/{private}/construction-subsidy");
        let mut clerk = Client::login(&router, "huichang").await;
        let csrf = clerk.csrf.clone();
        assert_eq!(
            clerk.post_form(&grant, &[("_csrf", &csrf)]).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let before = store.grant_groups("360733").await.unwrap();
        let fen: i64 = before.iter().map(|g| g.amount_fen).sum();

        let mut reviewer = Client::login(&router, "shenhe").await;
        let uri = format!("/grants/construction/{private}");
        let page = reviewer.get(&uri).await.text();
        assert!(page.contains("退回经办人"), "{b}");
        let digest = digest_of(&page);
        let (csrf, owner) = (reviewer.csrf.clone(), private.to_string());
        let form = |note: &'static str| vec![("kind", "construction"), ("from", "prepared"), ("note", note)];
        let mut bare = vec![
            ("_csrf", csrf.as_str()),
            ("owner", owner.as_str()),
            ("digest", digest.as_str()),
        ];
        bare.extend(form(""));
        assert_eq!(
            reviewer.post_form("/grants/return", &bare).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        let mut with = vec![
            ("_csrf", csrf.as_str()),
            ("owner", owner.as_str()),
            ("digest", digest.as_str()),
        ];
        with.extend(form("床位未通过消防验收，请核实后重新核定"));
        let r = reviewer.post_form("/grants/return", &with).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // The grants left the list; the group's page keeps what was returned and why.
        assert!(store.grant_groups("360733").await.unwrap().is_empty(), "{b}");
        let page = clerk.get(&uri).await.text();
        assert!(
            page.contains("id=\"grant-returned\"") && page.contains("床位未通过消防验收"),
            "{b}"
        );
        // The clerk grants them again, and they wait for review as before.
        let csrf = csrf_of(&mut clerk).await;
        assert_eq!(
            clerk.post_form(&grant, &[("_csrf", &csrf)]).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let again = store.grant_groups("360733").await.unwrap();
        assert_eq!(
            (
                again.iter().map(|g| g.amount_fen).sum::<i64>(),
                again.iter().all(|g| g.status == "prepared")
            ),
            (fen, true),
            "{b}"
        );
        let audit = store
            .audit_entries(Some(("grant", &format!("construction:{private}"))), 10, 0)
            .await
            .unwrap();
        assert!(audit.iter().any(|a| a.action == "return" && a.actor == "shenhe"), "{b}");
    }
}

#[tokio::test]
async fn a_clerk_withdraws_a_grant_group_and_a_reviewer_rejects_it_outright() {
    for (b, store, router) in apps(10).await {
        let private = institution(&store, "JG3607332001").await;
        let grant = format!("/institutions/{private}/construction-subsidy");
        let uri = format!("/grants/construction/{private}");
        let mut clerk = Client::login(&router, "huichang").await;
        let csrf = clerk.csrf.clone();
        assert_eq!(
            clerk.post_form(&grant, &[("_csrf", &csrf)]).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let fen: i64 = store
            .grant_groups("360733")
            .await
            .unwrap()
            .iter()
            .map(|g| g.amount_fen)
            .sum();
        assert!(fen > 0, "{b}");
        let owner = private.to_string();

        // 撤回: the clerk takes back their own grants before anyone signs, with a reason.
        let page = clerk.get(&uri).await.text();
        assert!(page.contains("id=\"grant-withdraw\""), "{b}");
        let digest = digest_of(&page);
        let csrf = clerk.csrf.clone();
        let withdraw = |note: &'static str| {
            vec![
                ("_csrf", csrf.clone()),
                ("kind", "construction".into()),
                ("owner", owner.clone()),
                ("from", "prepared".into()),
                ("digest", digest.clone()),
                ("how", "withdraw".into()),
                ("note", note.into()),
            ]
        };
        let pairs = |v: &[(&'static str, String)]| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        let form = pairs(&withdraw(""));
        let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            clerk.post_form("/grants/return", &refs).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        let form = pairs(&withdraw("床位数填错，撤回更正"));
        let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = clerk.post_form("/grants/return", &refs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert!(store.grant_groups("360733").await.unwrap().is_empty(), "{b}");
        let page = clerk.get(&uri).await.text();
        assert!(page.contains("撤回") && page.contains("床位数填错"), "{b}");
        // Someone else's grants are not the clerk's to withdraw, nor a reviewer's own.
        let csrf = csrf_of(&mut clerk).await;
        assert_eq!(
            clerk.post_form(&grant, &[("_csrf", &csrf)]).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );

        // 驳回: the reviewer refuses them outright; they stay, pay nothing and are not proposed again.
        let mut reviewer = Client::login(&router, "shenhe").await;
        let page = reviewer.get(&uri).await.text();
        assert!(
            page.contains("id=\"grant-reject-button\"") && !page.contains("id=\"grant-withdraw\""),
            "{b}"
        );
        let digest = digest_of(&page);
        let csrf = reviewer.csrf.clone();
        let r = reviewer
            .post_form(
                "/grants/return",
                &[
                    ("_csrf", csrf.as_str()),
                    ("kind", "construction"),
                    ("owner", owner.as_str()),
                    ("from", "prepared"),
                    ("digest", digest.as_str()),
                    ("how", "reject"),
                    ("note", "非护理型床位，不符合补助条件"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let groups = store.grant_groups("360733").await.unwrap();
        assert_eq!(
            groups
                .iter()
                .map(|g| (g.status.as_str(), g.amount_fen))
                .collect::<Vec<_>>(),
            [("rejected", fen)],
            "{b}"
        );
        let page = reviewer.get(&uri).await.text();
        assert!(
            page.contains("已驳回，不予补助") && page.contains("非护理型床位"),
            "{b}"
        );
        assert!(!page.contains("id=\"grant-sign\""), "{b}: nothing waits to be signed");
        // Granting again proposes none of the rejected beds.
        let csrf = csrf_of(&mut clerk).await;
        clerk.post_form(&grant, &[("_csrf", &csrf)]).await;
        let groups = store.grant_groups("360733").await.unwrap();
        assert!(groups.iter().all(|g| g.status == "rejected"), "{b}: {groups:?}");
        // Nothing rejected is exported for payment.
        let mut approver = Client::login(&router, "shenpi").await;
        let csrf = csrf_of(&mut approver).await;
        let r = approver.post_form("/grants/export.xlsx", &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}: an empty payment list is refused");
        let audit = store
            .audit_entries(Some(("grant", &format!("construction:{private}"))), 10, 0)
            .await
            .unwrap();
        let actions: Vec<(&str, &str)> = audit.iter().map(|a| (a.action.as_str(), a.actor.as_str())).collect();
        assert!(
            actions.contains(&("withdraw", "huichang")) && actions.contains(&("reject", "shenhe")),
            "{b}: {actions:?}"
        );
    }
}

async fn csrf_of(c: &mut Client) -> String {
    c.get("/grants").await;
    c.csrf.clone()
}
