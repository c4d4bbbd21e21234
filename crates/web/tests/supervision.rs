//! Random inspections through the real router on both backends: the county plans, publishes
//! and draws a batch; the public page carries what anyone needs to redo the draw; two assigned
//! inspectors record and confirm an inspection; the result is published for everyone, with no
//! person's name; and nobody else reaches any of it.

mod common;

use axum::http::StatusCode;
use common::*;
use yiyang_domain::supervision::draw::{Batch, BatchFile, Draw};
use yiyang_domain::supervision::inspection::InspectionStatus;
use yiyang_store::supervision::Viewer;

#[tokio::test]
async fn the_county_plans_publishes_and_draws_and_anyone_can_redo_the_draw() {
    for (b, store, router) in apps(10).await {
        let mut c = Client::login(&router, "huichang").await;
        let page = c.get("/supervision").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.text().contains("会昌县2026年第四季度养老机构双随机抽查"), "{b}");
        let items = store.inspection_items("360733").await.unwrap();
        let csrf = c.csrf.clone();

        // A bad plan names its fields, in Chinese.
        let r = c
            .post_form(
                "/supervision/batches",
                &[
                    ("_csrf", &csrf),
                    ("name", "HC 2027"),
                    ("title", ""),
                    ("per_object", "2"),
                    ("ratio", "300"),
                    ("ratio_risk", "100"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let text = r.text();
        assert!(
            text.contains("批次编号须填写")
                && text.contains("养老机构抽查比例须为 0–100")
                && text.contains("请从本地检查事项清单中选择"),
            "{b}"
        );

        let mut form = vec![
            ("_csrf".to_string(), csrf.clone()),
            ("name".to_string(), "HC-2027-Q1".to_string()),
            ("title".to_string(), "会昌县2027年第一季度双随机抽查".to_string()),
            ("per_object".to_string(), "2".to_string()),
            ("ratio".to_string(), "100".to_string()),
            ("ratio_risk".to_string(), "100".to_string()),
        ];
        form.extend(items.iter().map(|i| ("item".to_string(), i.id.to_string())));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = c.post_form("/supervision/batches", &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let at = r.location();
        let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
        // Not public before its inputs are published.
        let mut anyone = Client::new(&router);
        assert_eq!(
            anyone.get(&format!("/gongkai/batches/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        // No public value before publication.
        let r = c
            .post_form(&format!("{at}/draw"), &[("_csrf", &csrf), ("public_value", "1 2 3")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let r = c.post_form(&format!("{at}/publish"), &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = c
            .post_form(
                &format!("{at}/draw"),
                &[("_csrf", &csrf), ("public_value", "  2027015  03 08\t19 22 30 + 12 ")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let page = c.get(&at).await.text();
        assert!(
            page.contains("已抽取") && page.contains("2027015 03 08 19 22 30 + 12"),
            "{b}"
        );
        // Once only.
        let r = c
            .post_form(&format!("{at}/draw"), &[("_csrf", &csrf), ("public_value", "9")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");

        // Anyone, signed in or not, downloads the inputs and the draw and redoes it.
        let public = anyone.get(&format!("/gongkai/batches/{id}")).await;
        assert_eq!(public.status, StatusCode::OK, "{b}");
        assert!(public.text().contains("yiyang-draw-v1"), "{b}");
        let file: BatchFile =
            serde_json::from_slice(&anyone.get(&format!("/gongkai/batches/{id}/batch.json")).await.body).unwrap();
        let draw: Draw =
            serde_json::from_slice(&anyone.get(&format!("/gongkai/batches/{id}/draw.json")).await.body).unwrap();
        let batch = Batch::parse(&file).unwrap();
        assert_eq!(batch.verify(&draw), Ok(()), "{b}");
        assert!(public.text().contains(&batch.seed()));
        // Every institution drawn at 100 %, two inspectors each, the recused one never where recused.
        assert_eq!(draw.objects.len(), file.objects.len());
        for o in &draw.objects {
            assert!(
                !file
                    .conflicts
                    .iter()
                    .any(|(x, obj)| obj == &o.id && o.inspectors.contains(x)),
                "{b}"
            );
        }
        // Out of the county's scope (another county's staff), the batch is unknown.
        let mut sheng = Client::login(&router, "wenwuba").await;
        assert_eq!(sheng.get(&at).await.status, StatusCode::NOT_FOUND, "{b}");
    }
}

#[tokio::test]
async fn two_inspectors_sign_the_institution_answers_and_the_public_sees_the_result_without_names() {
    for (b, store, router) in apps(10).await {
        let pending = store
            .inspections_visible("360733", &Viewer::Division, None)
            .await
            .unwrap()
            .into_iter()
            .find(|n| n.status() == InspectionStatus::Pending && n.institution_id.is_some())
            .expect("the demo leaves one inspection to do");
        let inspectors = store.inspectors_in("360733").await.unwrap();
        let account = |id: i64| inspectors.iter().find(|x| x.id == id).and_then(|x| x.username.clone());
        let first = account(pending.inspectors[0].0);
        let second = account(pending.inspectors[1].0);
        let at = format!("/supervision/inspections/{}", pending.id);
        // The inspector not assigned to it, and the provider, do not reach it.
        let unassigned = inspectors
            .iter()
            .filter_map(|x| x.username.clone())
            .find(|u| Some(u) != first.as_ref() && Some(u) != second.as_ref());
        let mut other = Client::login(&router, &unassigned.expect("three inspectors, two assigned")).await;
        assert_eq!(other.get(&at).await.status, StatusCode::NOT_FOUND, "{b}");
        // A provider's staff see their own unit's results, not an institution's.
        let mut fuwu = Client::login(&router, "fuwu").await;
        assert_eq!(fuwu.get(&at).await.status, StatusCode::NOT_FOUND, "{b}");
        let (first, second) = (first.expect("every demo inspector has an account"), second.unwrap());
        let mut x1 = Client::login(&router, &first).await;
        let page = x1.get(&at).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.text().contains("保存并签字"), "{b}");
        let items = store.batch_items(pending.batch_id).await.unwrap();
        let csrf = x1.csrf.clone();
        let today = chrono::Local::now().date_naive().to_string();
        let mut form: Vec<(String, String)> = vec![
            ("_csrf".into(), csrf),
            ("inspected_on".into(), today),
            ("responsible".into(), "院长 赖文华".into()),
            ("summary".into(), "食品留样不全".into()),
        ];
        for (k, i) in items.iter().enumerate() {
            form.push((
                format!("outcome_{}", i.id),
                if k == 1 { "serious" } else { "pass" }.into(),
            ));
            form.push((
                format!("note_{}", i.id),
                if k == 1 { "留样不足 48 小时" } else { "" }.into(),
            ));
        }
        // Missing an outcome: named, and the rest of what was typed is kept.
        let short: Vec<(&str, &str)> = form
            .iter()
            .filter(|(k, _)| k != &format!("outcome_{}", items[0].id))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = x1.post_form(&format!("{at}/record"), &short).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains(&format!("「{}」未填写检查结果", items[0].name)) && r.text().contains("院长 赖文华"),
            "{b}"
        );
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = x1.post_form(&format!("{at}/record"), &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // The recorder cannot confirm; the other inspector does.
        let csrf = x1.csrf.clone();
        assert_eq!(
            x1.post_form(&format!("{at}/confirm"), &[("_csrf", &csrf)]).await.status,
            StatusCode::CONFLICT,
            "{b}"
        );
        let mut x2 = Client::login(&router, &second).await;
        assert!(x2.get(&at).await.text().contains("确认签字"));
        let csrf = x2.csrf.clone();
        assert_eq!(
            x2.post_form(&format!("{at}/confirm"), &[("_csrf", &csrf)]).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let page = x2.get(&at).await.text();
        assert!(
            page.contains("留样不足 48 小时") && page.contains("较大问题") && page.contains("李红梅"),
            "{b}"
        );

        // The county publishes; the public page shows the result and no person's name.
        let mut county = Client::login(&router, "huichang").await;
        let csrf = county.csrf.clone();
        county.get(&at).await;
        assert_eq!(
            county
                .post_form(&format!("{at}/publish"), &[("_csrf", &csrf)])
                .await
                .status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let mut anyone = Client::new(&router);
        let public = anyone.get("/gongkai").await;
        assert_eq!(public.status, StatusCode::OK, "{b}");
        let text = public.text();
        assert!(text.contains(&pending.object_name), "{b}");
        for name in ["赖文华", "李红梅", "张建国", "刘德华", "院长"] {
            assert!(!text.contains(name), "{b}: {name} on the public page");
        }
    }
}

#[tokio::test]
async fn an_institution_sees_its_own_results_and_reports_rectification_that_an_inspector_verifies() {
    for (b, store, router) in apps(10).await {
        let today = chrono::Local::now().date_naive();
        // The demo leaves 中心敬老院 (the `jigou` account's) to inspect; two inspectors find a
        // problem there.
        let n = store
            .inspections_visible("360733", &Viewer::Division, None)
            .await
            .unwrap()
            .into_iter()
            .find(|n| n.status() == InspectionStatus::Pending && n.institution_id.is_some())
            .unwrap();
        assert_eq!(n.object_code, "JG3607331001", "{b}: the demo draw changed");
        let mut jigou = Client::login(&router, "jigou").await;
        assert_eq!(
            jigou.get(&format!("/supervision/inspections/{}", n.id)).await.status,
            StatusCode::NOT_FOUND,
            "{b}: seen before it is confirmed"
        );
        let items = store.batch_items(n.batch_id).await.unwrap();
        let input = yiyang_store::supervision::RecordInput {
            inspected_on: today.to_string(),
            summary: String::new(),
            responsible: "院长 钟国平".into(),
            findings: items
                .iter()
                .map(|i| {
                    (
                        i.id,
                        if i.code == "YB04" { "minor" } else { "pass" }.to_string(),
                        if i.code == "YB04" {
                            "洗衣房未分区".to_string()
                        } else {
                            String::new()
                        },
                    )
                })
                .collect(),
        };
        let signer = |name: &str| yiyang_store::audit::Actor {
            name: name.into(),
            channel: "web",
            source: "test".into(),
            scope: "360733".into(),
        };
        store
            .record_inspection(n.id, &input, "360733", n.inspectors[0].0, &signer("one"))
            .await
            .unwrap();
        store
            .confirm_inspection(n.id, "360733", n.inspectors[1].0, &signer("two"))
            .await
            .unwrap();

        // Its own result, answered; its own hazard only.
        let page = jigou.get(&format!("/supervision/inspections/{}", n.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.text().contains("洗衣房未分区"));
        let csrf = jigou.csrf.clone();
        let r = jigou
            .post_form(
                &format!("/supervision/inspections/{}/respond", n.id),
                &[("_csrf", &csrf), ("text", "已安排分区改造")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let hazards = store.hazards_visible("360733", &Viewer::Division, today).await.unwrap();
        let own = hazards.iter().find(|h| h.inspection_id == Some(n.id)).unwrap();
        let other = hazards
            .iter()
            .find(|h| h.institution_id != n.institution_id && h.status == "open")
            .expect("the demo leaves another institution's hazard open");
        let list = jigou.get("/supervision/hazards").await.text();
        assert!(
            list.contains("洗衣房未分区") && !list.contains(&other.description),
            "{b}"
        );
        let r = jigou
            .post_form(
                &format!("/supervision/hazards/{}/rectify", other.id),
                &[("_csrf", &csrf), ("text", "已整改")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}: another institution's hazard");
        let r = jigou
            .post_form(
                &format!("/supervision/hazards/{}/rectify", own.id),
                &[("_csrf", &csrf), ("text", "洗衣房已分为污衣区和洁衣区")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        // An institution cannot verify its own rectification; an inspector does.
        let r = jigou
            .post_form(
                &format!("/supervision/hazards/{}/verify", own.id),
                &[("_csrf", &csrf), ("accept", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let mut x = Client::login(&router, "jiancha").await;
        assert!(x.get("/supervision/hazards").await.text().contains("核验销号"), "{b}");
        let csrf = x.csrf.clone();
        let r = x
            .post_form(
                &format!("/supervision/hazards/{}/verify", own.id),
                &[("_csrf", &csrf), ("accept", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let h = store
            .hazards_visible("360733", &Viewer::Division, today)
            .await
            .unwrap()
            .into_iter()
            .find(|h| h.id == own.id)
            .unwrap();
        assert_eq!(h.status, "closed", "{b}");
    }
}

/// Every cell of the first sheet, as text.
fn cells(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect()
}

#[tokio::test]
async fn the_hazard_list_exports_what_the_user_sees_and_nothing_more() {
    for (b, _store, router) in apps(10).await {
        let mut county = Client::login(&router, "huichang").await;
        let r = county.get("/supervision/hazards/export.xlsx").await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let all = cells(&r.body);
        assert!(all.iter().any(|c| c.contains("电梯定期检验合格证已过期")), "{b}");
        assert!(
            all.iter().any(|c| c == "责任人") && all.iter().any(|c| c == "已核验销号"),
            "{b}"
        );
        // 中心敬老院's staff: its own hazards only (it has none yet).
        let mut jigou = Client::login(&router, "jigou").await;
        let own = cells(&jigou.get("/supervision/hazards/export.xlsx").await.body);
        assert!(
            !own.iter().any(|c| c.contains("电梯")),
            "{b}: another institution's hazard exported"
        );
        // A provider's staff: its own hazard only.
        let mut fuwu = Client::login(&router, "fuwu").await;
        let own = cells(&fuwu.get("/supervision/hazards/export.xlsx").await.body);
        assert!(own.iter().any(|c| c.contains("送餐保温箱")), "{b}: {own:?}");
        assert!(
            !own.iter().any(|c| c.contains("电梯")),
            "{b}: an institution's hazard exported"
        );
    }
}

#[tokio::test]
async fn an_assigned_inspector_adds_photos_kept_with_their_hash_and_only_jpeg_or_png() {
    for (b, store, router) in apps(10).await {
        let n = store
            .inspections_visible("360733", &Viewer::Division, None)
            .await
            .unwrap()
            .into_iter()
            .find(|n| n.status() == InspectionStatus::Pending && n.institution_id.is_some())
            .unwrap();
        let inspectors = store.inspectors_in("360733").await.unwrap();
        let account = inspectors
            .iter()
            .find(|x| x.id == n.inspectors[0].0)
            .unwrap()
            .username
            .clone()
            .unwrap();
        let mut x = Client::login(&router, &account).await;
        x.get(&format!("/supervision/inspections/{}", n.id)).await;
        let at = format!("/supervision/inspections/{}/photos", n.id);
        let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 600]].concat();
        let r = x.send(photo_upload(&at, &x.csrf.clone(), "现场.jpg", &jpeg)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let photos = store.inspection_photos(n.id).await.unwrap();
        assert_eq!(photos.len(), 1);
        use sha2::Digest;
        assert_eq!(photos[0].sha256, hex::encode(sha2::Sha256::digest(&jpeg)), "{b}");
        let page = x.get(&format!("/supervision/inspections/{}", n.id)).await.text();
        assert!(page.contains(&photos[0].sha256), "{b}");
        let img = x.get(&format!("{at}/{}", photos[0].id)).await;
        assert_eq!(img.status, StatusCode::OK);
        assert_eq!(img.headers["content-type"], "image/jpeg");
        assert_eq!(img.body, jpeg);
        // Not an image by its bytes, whatever its name: refused. Without the token: refused.
        assert_eq!(
            x.send(photo_upload(&at, &x.csrf.clone(), "x.jpg", b"<svg onload=alert(1)>"))
                .await
                .status,
            StatusCode::CONFLICT,
            "{b}"
        );
        assert_eq!(
            x.send(photo_upload(&at, "wrong", "y.jpg", &jpeg)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        // The institution sees nothing of an unconfirmed inspection, photos included.
        let mut jigou = Client::login(&router, "jigou").await;
        assert_eq!(
            jigou.get(&format!("{at}/{}", photos[0].id)).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}
