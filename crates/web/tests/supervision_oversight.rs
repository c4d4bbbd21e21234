//! Complaints from anyone (receipt code, the county's answer, the complainant's rating, the
//! throttle per address), and the credit and prepaid-fee pages as the county and an
//! institution see them; through the real router on both backends.

mod common;

use axum::http::StatusCode;
use common::*;

fn receipt(html: &str) -> String {
    let at = html.find("id=\"receipt-code\">").expect("a receipt code") + "id=\"receipt-code\">".len();
    html[at..at + 12].to_string()
}

#[tokio::test]
async fn anyone_complains_with_a_receipt_code_the_county_answers_and_the_complainant_rates() {
    for (b, store, router) in apps(10).await {
        let public = store
            .institutions_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.code == "JG3607331001")
            .unwrap();
        let mut anyone = Client::new(&router);
        let form = anyone.get("/gongkai/tousu").await;
        assert_eq!(form.status, StatusCode::OK, "{b}");
        assert!(form.text().contains("会昌县中心敬老院"));
        let token = anyone.csrf.clone();
        let id = public.id.to_string();
        // Without the form's token: refused.
        let mut stranger = Client::new(&router);
        let r = stranger
            .post_form(
                "/gongkai/tousu",
                &[
                    ("_csrf", "x"),
                    ("institution_id", &id),
                    ("category", "abuse"),
                    ("content", "护理员呵斥老人"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        // Bad input: named, kept.
        let r = anyone
            .post_form(
                "/gongkai/tousu",
                &[
                    ("_csrf", &token),
                    ("institution_id", ""),
                    ("category", "abuse"),
                    ("content", "短"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("请选择被投诉的养老机构") && r.text().contains("至少 5 个字"),
            "{b}"
        );
        let token = anyone.csrf.clone();
        let r = anyone
            .post_form(
                "/gongkai/tousu",
                &[
                    ("_csrf", &token),
                    ("institution_id", &id),
                    ("category", "abuse"),
                    ("content", "护理员对我母亲大声呵斥"),
                    ("complainant", "钟阿姨"),
                    ("phone", "13900000000"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let code = receipt(&r.text());
        let status = anyone.get(&format!("/gongkai/tousu/chaxun?code={code}")).await.text();
        assert!(
            status.contains("已受理") && !status.contains("钟阿姨") && !status.contains("13900000000"),
            "{b}"
        );

        // The institution sees it without the complainant, and cannot open it.
        let mut jigou = Client::login(&router, "jigou").await;
        let list = jigou.get("/supervision/complaints").await.text();
        assert!(
            list.contains("护理员对我母亲大声呵斥") && !list.contains("钟阿姨") && !list.contains("13900000000"),
            "{b}"
        );
        let cid = store.complaint_by_code(&code).await.unwrap().unwrap().id;
        assert_eq!(
            jigou.get(&format!("/supervision/complaints/{cid}")).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );

        // The county opens it (an audited view of the complainant) and answers: upheld, a hazard.
        let mut county = Client::login(&router, "huichang").await;
        let before = store.audit_entries(None, 1, 0).await.unwrap()[0].seq;
        let page = county.get(&format!("/supervision/complaints/{cid}")).await.text();
        assert!(page.contains("钟阿姨") && page.contains("13900000000"), "{b}");
        let viewed = store.audit_entries(None, 5, 0).await.unwrap();
        assert!(
            viewed
                .iter()
                .any(|e| e.seq > before && e.action == "view_full" && e.entity == "complaint"),
            "{b}: the view is audited"
        );
        let csrf = county.csrf.clone();
        let r = county
            .post_form(
                &format!("/supervision/complaints/{cid}/answer"),
                &[
                    ("_csrf", &csrf),
                    ("finding", "upheld"),
                    ("reply", "已查实，涉事护理员停岗培训"),
                    ("hazard_category", "service"),
                    ("responsible", "院长 钟国平"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let hazards = jigou.get("/supervision/hazards").await.text();
        assert!(hazards.contains("投诉查实"), "{b}");
        let credit = county.get("/supervision/credit").await.text();
        assert!(credit.contains("投诉查实"), "{b}");

        // The complainant rates the answer; the complaint is closed.
        let status = anyone.get(&format!("/gongkai/tousu/chaxun?code={code}")).await.text();
        assert!(
            status.contains("已查实，涉事护理员停岗培训") && status.contains("提交评价"),
            "{b}"
        );
        let token = anyone.csrf.clone();
        let r = anyone
            .post_form(
                "/gongkai/tousu/pingjia",
                &[("_csrf", &token), ("code", &code), ("satisfaction", "satisfied")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(r.text().contains("已办结"), "{b}");
        anyone.get("/gongkai/tousu").await;
        let token = anyone.csrf.clone();
        let again = anyone
            .post_form(
                "/gongkai/tousu/pingjia",
                &[("_csrf", &token), ("code", &code), ("satisfaction", "dissatisfied")],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{b}: rated once");
        // A made-up code finds nothing.
        assert!(anyone
            .get("/gongkai/tousu/chaxun?code=ABCDEFGHJKMN")
            .await
            .text()
            .contains("没有找到"));
    }
}

#[tokio::test]
async fn one_address_sending_complaint_after_complaint_is_asked_to_wait() {
    let (b, store, router) = apps(5).await.remove(0);
    let id = store.institutions_in("360733").await.unwrap()[0].id.to_string();
    let mut anyone = Client::new(&router);
    anyone.get("/gongkai/tousu").await;
    let mut waited = false;
    for n in 0..8 {
        let token = anyone.csrf.clone();
        let r = anyone
            .post_form(
                "/gongkai/tousu",
                &[
                    ("_csrf", &token),
                    ("institution_id", &id),
                    ("category", "other"),
                    ("content", &format!("第 {n} 次重复投诉内容")),
                ],
            )
            .await;
        if r.text().contains("提交过于频繁") {
            waited = true;
            break;
        }
    }
    assert!(waited, "{b}: eight complaints in a row from one address were all taken");
}

#[tokio::test]
async fn credit_and_prepaid_pages_show_the_division_its_institutions_and_an_institution_its_own() {
    for (b, store, router) in apps(10).await {
        let mut county = Client::login(&router, "huichang").await;
        let credit = county.get("/supervision/credit").await;
        assert_eq!(credit.status, StatusCode::OK, "{b}");
        let text = credit.text();
        assert!(
            text.contains("会昌县康乐护理院") && text.contains("C 失信风险") && text.contains("备案承诺履约"),
            "{b}"
        );
        let prepaid = county.get("/supervision/prepaid").await.text();
        assert!(
            prepaid.contains("关注名单") && prepaid.contains("超过月费用") && prepaid.contains("会员卡"),
            "{b}"
        );

        let mut jigou = Client::login(&router, "jigou").await;
        let own = jigou.get("/supervision/credit").await.text();
        assert!(
            own.contains("会昌县中心敬老院") && !own.contains("会昌县康乐护理院"),
            "{b}"
        );
        let page = jigou.get("/supervision/prepaid").await.text();
        assert!(!page.contains("会昌县康乐护理院"), "{b}: another institution's report");
        let insts = store.institutions_in("360733").await.unwrap();
        let mine = insts.iter().find(|i| i.code == "JG3607331001").unwrap().id.to_string();
        let other = insts.iter().find(|i| i.code == "JG3607332001").unwrap().id.to_string();
        let month = yiyang_domain::dates::Month::of(chrono::Local::now().date_naive()).to_string();
        let csrf = jigou.csrf.clone();
        let report = |inst: &str| {
            vec![
                ("_csrf", csrf.clone()),
                ("institution_id", inst.to_string()),
                ("month", month.clone()),
                ("deposits", "60000".into()),
                ("prepaid", "0".into()),
                ("card_balance", "0".into()),
                ("cards_sold", "0".into()),
                ("largest_per_person", "6000".into()),
                ("monthly_fee", "1800".into()),
                ("net_assets", "5,000,000".into()),
            ]
        };
        let pairs = report(&mine);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = jigou.post_form("/supervision/prepaid", &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let pairs = report(&other);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            jigou.post_form("/supervision/prepaid", &pairs).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        // The institution does not write credit records.
        let r = jigou
            .post_form(
                "/supervision/credit/records",
                &[
                    ("_csrf", &csrf),
                    ("object", &format!("institution:{mine}")),
                    ("kind", "commitment_kept"),
                    ("recorded_on", "2026-01-01"),
                    ("reason", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn emergency_gaps_show_until_the_institution_drills_and_only_for_its_own() {
    for (b, store, router) in apps(10).await {
        let mut county = Client::login(&router, "huichang").await;
        let page = county.get("/supervision/emergency").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let text = page.text();
        assert!(
            text.contains("公共卫生类演练已逾期") && text.contains("缺少社会安全类应急预案"),
            "{b}"
        );
        let insts = store.institutions_in("360733").await.unwrap();
        let mine = insts.iter().find(|i| i.code == "JG3607331001").unwrap().id.to_string();
        let other = insts.iter().find(|i| i.code == "JG3607332001").unwrap().id.to_string();
        let mut jigou = Client::login(&router, "jigou").await;
        let own = jigou.get("/supervision/emergency").await.text();
        assert!(
            own.contains("公共卫生类演练已逾期") && !own.contains("缺少社会安全类应急预案"),
            "{b}: its own only"
        );
        let csrf = jigou.csrf.clone();
        let today = chrono::Local::now().date_naive().to_string();
        let drill = |inst: &str| {
            vec![
                ("_csrf", csrf.clone()),
                ("institution_id", inst.to_string()),
                ("what", "drill".to_string()),
                ("kind", "public_health".to_string()),
                ("date", today.clone()),
                ("participants", "40".to_string()),
                ("text", "诺如病毒聚集性疫情处置演练".to_string()),
            ]
        };
        let pairs = drill(&other);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            jigou.post_form("/supervision/emergency", &pairs).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        let pairs = drill(&mine);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            jigou.post_form("/supervision/emergency", &pairs).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let own = jigou.get("/supervision/emergency").await.text();
        assert!(!own.contains("公共卫生类演练已逾期") && own.contains("诺如病毒"), "{b}");
        // A drill without its participants is named.
        let mut bad = drill(&mine);
        bad[5].1 = "0".into();
        let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = jigou.post_form("/supervision/emergency", &pairs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("参加人数须为正整数"));
    }
}

#[tokio::test]
async fn the_county_keeps_its_item_list_and_inspector_register_and_the_next_batch_uses_them() {
    for (b, store, router) in apps(10).await {
        let mut county = Client::login(&router, "huichang").await;
        assert_eq!(county.get("/supervision/registers").await.status, StatusCode::OK, "{b}");
        let csrf = county.csrf.clone();
        let r = county
            .post_form(
                "/supervision/registers/items",
                &[
                    ("_csrf", &csrf),
                    ("code", "YB 05"),
                    ("name", ""),
                    ("kind", "general"),
                    ("category", "service"),
                    ("basis", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("事项编号不能含空白") && r.text().contains("请填写事项名称"),
            "{b}"
        );
        let r = county
            .post_form(
                "/supervision/registers/items",
                &[
                    ("_csrf", &csrf),
                    ("code", "YB05"),
                    ("name", "老年人权益保障：入住合同、个人财物管理"),
                    ("kind", "general"),
                    ("category", "service"),
                    ("basis", "《养老机构管理办法》"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let private = store
            .institutions_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.code == "JG3607332001")
            .unwrap();
        let pid = format!("institution:{}", private.id);
        let r = county
            .post_form(
                "/supervision/registers/inspectors",
                &[
                    ("_csrf", &csrf),
                    ("code", "J004"),
                    ("name", "曾志华"),
                    ("unit", "会昌县卫生健康委员会"),
                    ("qualification", "卫生监督执法证"),
                    ("username", "sheng"),
                    ("conflict", &pid),
                    ("reason", "配偶在该院任护士长"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("没有本辖区的这个检查员账号"),
            "{b}: a civil-affairs account is not an inspector's"
        );
        let r = county
            .post_form(
                "/supervision/registers/inspectors",
                &[
                    ("_csrf", &csrf),
                    ("code", "J004"),
                    ("name", "曾志华"),
                    ("unit", "会昌县卫生健康委员会"),
                    ("qualification", "卫生监督执法证"),
                    ("conflict", &pid),
                    ("reason", "配偶在该院任护士长"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let page = county.get("/supervision/registers").await.text();
        assert!(
            page.contains("曾志华") && page.contains("配偶在该院任护士长") && page.contains("老年人权益保障"),
            "{b}"
        );
        // The next batch carries the new inspector and the declared conflict.
        let items: Vec<i64> = store
            .inspection_items("360733")
            .await
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        let plan = yiyang_store::supervision::BatchPlan {
            name: "HC-2027-R".into(),
            title: "专项".into(),
            per_object: "2".into(),
            ratio: "100".into(),
            ratio_risk: "100".into(),
            items,
            ..Default::default()
        };
        let id = store.plan_batch(&plan, "360733", &actor()).await.unwrap();
        let file = store.batch_in_scope(id, "360733").await.unwrap().unwrap().file();
        let object = private.credit_code.clone().unwrap_or(private.code.clone());
        assert!(
            file.conflicts.contains(&("J004".to_string(), object)),
            "{b}: {:?}",
            file.conflicts
        );
        // Institution staff keep no register; an inspector reads it.
        let mut jigou = Client::login(&router, "jigou").await;
        assert_eq!(
            jigou.get("/supervision/registers").await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let mut jiancha = Client::login(&router, "jiancha").await;
        assert_eq!(
            jiancha.get("/supervision/registers").await.status,
            StatusCode::OK,
            "{b}"
        );
        let csrf = jiancha.csrf.clone();
        assert_eq!(
            jiancha
                .post_form("/supervision/registers/items", &[("_csrf", &csrf), ("code", "X")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn the_county_administrator_sets_supervision_parameters_within_their_range() {
    for (b, store, router) in apps(5).await {
        let mut admin = Client::login(&router, "guanli").await;
        let page = admin.get("/settings").await.text();
        assert!(
            page.contains("隐患逾期多少天上报县级") && page.contains("平台默认值"),
            "{b}"
        );
        let csrf = admin.csrf.clone();
        let r = admin
            .post_form(
                "/settings/supervision",
                &[("_csrf", &csrf), ("supervision.county_escalation_days", "500")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("隐患逾期多少天上报县级应为 1–90 的整数"), "{b}");
        let r = admin
            .post_form(
                "/settings/supervision",
                &[
                    ("_csrf", &csrf),
                    ("supervision.county_escalation_days", "10"),
                    ("supervision.complaint_working_days", "15"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            store
                .supervision_setting("supervision.county_escalation_days", "360733")
                .await
                .unwrap(),
            10,
            "{b}"
        );
        assert_eq!(
            store.county_escalation_days("360733100").await.unwrap(),
            10,
            "{b}: a township under the county reads it"
        );
        // Only the division's administrator sets them.
        let mut clerk = Client::login(&router, "huichang").await;
        let csrf = clerk.csrf.clone();
        let r = clerk
            .post_form(
                "/settings/supervision",
                &[("_csrf", &csrf), ("supervision.county_escalation_days", "3")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
    }
}
