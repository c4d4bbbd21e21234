//! The party complained about states its side (情况说明, issue 15): a provider on its own page,
//! an institution on its complaints list; once, while the complaint awaits the county's answer;
//! the county reads it on the complaint, the complainant does not; a complaint about anyone
//! else is not found — through the real router, on both backends.

mod common;

use axum::http::StatusCode;
use common::*;

/// The complaints a page offers a statement form for.
fn explainable(html: &str) -> Vec<i64> {
    html.split("id=\"explain-")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

fn provider_id(html: &str) -> i64 {
    html.split("/services/providers/")
        .skip(1)
        .find_map(|s| s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .expect("a link to the provider")
}

#[tokio::test]
async fn a_provider_states_its_side_once_and_the_county_reads_it() {
    for (b, store, router) in apps(5).await {
        let mut w = Client::login(&router, "fuwu").await;
        let provider = provider_id(&w.get("/services/providers").await.text());
        let page = w.get(&format!("/services/providers/{provider}")).await.text();
        // The demo's complaint about a missed bath awaits the answer.
        let ids = explainable(&page);
        assert_eq!(ids.len(), 1, "{b}: {ids:?}");
        let id = ids[0];
        let url = format!("/supervision/complaints/{id}/explain");
        let csrf = w.csrf.clone();

        // Too short: refused, the field named, what was typed kept and the form open.
        let r = w.post_form(&url, &[("_csrf", &csrf), ("statement", "已处理")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let t = r.text();
        assert!(
            t.contains("data-field=\"statement\"") && t.contains("请写明情况说明（至少 5 个字）"),
            "{b}"
        );
        assert!(t.contains(">已处理</textarea>"), "{b}");

        // Others cannot write it: the county's clerk may not; an institution's staff find no
        // such complaint (not theirs), exactly as for an unknown one.
        let mut clerk = Client::login(&router, "huichang").await;
        let ccsrf = clerk.csrf.clone();
        let r = clerk
            .post_form(&url, &[("_csrf", &ccsrf), ("statement", "县里代写的说明文字")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let mut home = Client::login(&router, "jigou").await;
        let hcsrf = home.csrf.clone();
        let r = home
            .post_form(&url, &[("_csrf", &hcsrf), ("statement", "别家机构写的说明文字")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
        let unknown = home
            .post_form(
                "/supervision/complaints/999999/explain",
                &[("_csrf", &hcsrf), ("statement", "别家机构写的说明文字")],
            )
            .await;
        assert_eq!(unknown.status, r.status, "{b}");

        let said = "当天助浴员因交通事故受伤未能上门，未及时通知家属，已致歉并于次日补做";
        let r = w.post_form(&url, &[("_csrf", &csrf), ("statement", said)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(r.location(), format!("/services/providers/{provider}"), "{b}");
        let page = w.get(&format!("/services/providers/{provider}")).await.text();
        assert!(page.contains(&format!("情况说明：{said}")), "{b}");
        assert!(explainable(&page).is_empty(), "{b}: once");
        let again = w
            .post_form(&url, &[("_csrf", &csrf), ("statement", "再改一次说明的内容")])
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{b}");

        // The county reads it on the complaint before answering.
        let detail = clerk.get(&format!("/supervision/complaints/{id}")).await.text();
        let facts = detail
            .split("id=\"complaint-statement\"")
            .nth(1)
            .expect("the statement's place");
        assert!(facts.split("</dd>").next().unwrap().contains(said), "{b}");

        // The complainant reads the county's answer — on the order, and by the receipt code on
        // the public page — never the provider's statement.
        let order = store
            .complaints_about_provider(provider, 20)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.id == id)
            .and_then(|c| c.order_id)
            .expect("the complaint's order");
        let theirs = store.complaints_on_order(order).await.unwrap();
        let c = theirs.iter().find(|c| c.id == id).expect("on the order");
        assert_eq!(c.statement, None, "{b}");
        let mut public = Client::new(&router);
        let status = public.get(&format!("/gongkai/tousu/chaxun?code={}", c.code)).await;
        assert_eq!(status.status, StatusCode::OK, "{b}");
        assert!(status.text().contains("已受理") && !status.text().contains(said), "{b}");
    }
}

#[tokio::test]
async fn an_institution_states_its_side_until_the_county_answers() {
    for (b, store, router) in apps(5).await {
        let mut clerk = Client::login(&router, "huichang").await;
        let ccsrf = clerk.csrf.clone();
        // A phone complaint about the home jigou works for, answered at once.
        let home_id = store
            .institutions_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.code == "JG3607331001")
            .expect("jigou's home")
            .id
            .to_string();
        let r = clerk
            .post_form(
                "/supervision/complaints",
                &[
                    ("_csrf", &ccsrf),
                    ("institution_id", &home_id),
                    ("category", "food"),
                    ("channel", "phone"),
                    ("content", "晚饭连续三天是剩菜热了再吃"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let answered = r.location().rsplit('/').next().unwrap().to_string();

        let mut home = Client::login(&router, "jigou").await;
        let hcsrf = home.csrf.clone();
        let before = explainable(&home.get("/supervision/complaints").await.text());
        assert!(
            before.len() >= 2,
            "{b}: the demo's waiting complaint and the new one: {before:?}"
        );
        let r = clerk
            .post_form(
                &format!("/supervision/complaints/{answered}/answer"),
                &[
                    ("_csrf", &ccsrf),
                    ("finding", "not_upheld"),
                    ("reply", "经抽查留样，未发现剩菜再用"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());

        // Answered: too late for a statement, and the form is gone.
        let url = |id: &str| format!("/supervision/complaints/{id}/explain");
        let late = home
            .post_form(
                &url(&answered),
                &[("_csrf", &hcsrf), ("statement", "食堂每餐现做，有留样记录")],
            )
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{b}");
        assert!(late.text().contains("已答复"), "{b}");
        let waiting: Vec<i64> = explainable(&home.get("/supervision/complaints").await.text());
        assert!(!waiting.contains(&answered.parse().unwrap()), "{b}");
        assert_eq!(waiting.len(), before.len() - 1, "{b}");

        // The waiting one: stated, back on the list, shown there and to the county.
        let id = waiting[0].to_string();
        let said = "已调整夜班排班，夜间增加一名护理员，呼叫十分钟内到房间";
        let r = home
            .post_form(&url(&id), &[("_csrf", &hcsrf), ("statement", said)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(r.location(), "/supervision/complaints", "{b}");
        assert!(home.get("/supervision/complaints").await.text().contains(said), "{b}");
        let detail = clerk.get(&format!("/supervision/complaints/{id}")).await.text();
        assert!(detail.contains(said), "{b}");

        // A provider's staff find no such complaint.
        let mut w = Client::login(&router, "fuwu").await;
        let wcsrf = w.csrf.clone();
        let r = w
            .post_form(&url(&id), &[("_csrf", &wcsrf), ("statement", "服务商写的说明文字")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
    }
}
