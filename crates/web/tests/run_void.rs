//! 驳回 and 撤回 through the run's page on every backend: the reviewer rejects a run with a
//! reason after confirming month, area, people and amount; the month is computed again in full;
//! the clerk withdraws their own new run before anyone signs. Neither leaves a line held.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_store::benefits::RunStatus;
use yiyang_store::Store;

async fn new_draft(store: &Store, clerk: &mut Client, not: &[i64]) -> i64 {
    let csrf = clerk.csrf.clone();
    let r = clerk
        .post_form("/benefits", &[("_csrf", &csrf), ("month", "2026-10"), ("pack", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    wait_for_draft(store, "360733", not).await
}

#[tokio::test]
async fn a_run_is_rejected_by_its_reviewer_or_withdrawn_by_its_clerk_and_the_month_computed_again() {
    for (b, store, router) in apps(60).await {
        let mut clerk = Client::login(&router, "huichang").await;
        let first = new_draft(&store, &mut clerk, &[]).await;
        let run = store.benefit_run(first).await.unwrap();
        assert!(run.lines > 0, "{b}");
        let page = clerk.get(&format!("/benefits/runs/{first}")).await.text();
        assert!(
            page.contains("撤回本批次") && !page.contains("驳回本批次"),
            "{b}: the clerk withdraws, not rejects"
        );

        let mut reviewer = Client::login(&router, "shenhe").await;
        let page = reviewer.get(&format!("/benefits/runs/{first}")).await.text();
        assert!(page.contains("驳回本批次") && !page.contains("撤回本批次"), "{b}");
        assert!(
            page.contains("会昌县") && !page.contains("2026-10 360733"),
            "{b}: the area by name"
        );
        let (csrf, seen) = (reviewer.csrf.clone(), digest_of(&page));
        let uri = format!("/benefits/runs/{first}/reject");
        let unconfirmed = reviewer
            .post_form(&uri, &[("_csrf", &csrf), ("digest", &seen), ("note", "名单未核对")])
            .await;
        assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let done = reviewer
            .post_form(
                &uri,
                &[
                    ("_csrf", &csrf),
                    ("digest", &seen),
                    ("note", "名单未经乡镇核对"),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{b}: {}", done.text());
        let page = clerk.get(&format!("/benefits/runs/{first}")).await.text();
        assert!(
            page.contains("已驳回，不予发放") && page.contains("id=\"run-void\""),
            "{b}"
        );
        assert!(page.contains("驳回：名单未经乡镇核对"), "{b}");
        assert!(!page.contains("撤回本批次"), "{b}: nothing more to do with it");
        let export = clerk.get(&format!("/benefits/runs/{first}/export.xlsx")).await;
        assert!(export.status.is_client_error(), "{b}: {}", export.status);

        // The month computes again in full.
        let second = new_draft(&store, &mut clerk, &[first]).await;
        let again = store.benefit_run(second).await.unwrap();
        assert_eq!(
            (again.lines, again.total_fen, again.skipped),
            (run.lines, run.total_fen, 0),
            "{b}"
        );
        let page = clerk.get(&format!("/benefits/runs/{second}")).await.text();
        let (csrf, seen) = (clerk.csrf.clone(), digest_of(&page));
        let done = clerk
            .post_form(
                &format!("/benefits/runs/{second}/withdraw"),
                &[
                    ("_csrf", &csrf),
                    ("digest", &seen),
                    ("note", "漏录一名特困人员"),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{b}: {}", done.text());
        assert_eq!(
            store.benefit_run(second).await.unwrap().status,
            RunStatus::Withdrawn,
            "{b}"
        );
        // The reviewer cannot withdraw someone else's run (the role has no such function).
        let third = new_draft(&store, &mut clerk, &[first, second]).await;
        let page = reviewer.get(&format!("/benefits/runs/{third}")).await.text();
        let (csrf, seen) = (reviewer.csrf.clone(), digest_of(&page));
        let r = reviewer
            .post_form(
                &format!("/benefits/runs/{third}/withdraw"),
                &[("_csrf", &csrf), ("digest", &seen), ("note", "x"), ("confirm", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(store.benefit_run(third).await.unwrap().status, RunStatus::Draft, "{b}");
    }
}
