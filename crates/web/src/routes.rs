//! The page routes, in one list: the router is built from it and [`crate::api::router`], and
//! so is the list of paths the access tests walk ([`crate::route_paths`]). A new page's route
//! goes here, next to the others of its capability. Also the static files the pages load.

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post, MethodRouter};

use crate::{api, pages, security, AppState};

const APP_CSS: &str = include_str!("../static/app.css");
/// The page scripts, served as one file: small enhancements, and the division picker.
const APP_JS: &str = concat!(
    include_str!("../static/app.js"),
    include_str!("../static/division-picker.js")
);
/// ECharts 6 (Apache-2.0, `static/vendor/ECHARTS-LICENSE`), served by the app: deployments
/// have no outside network.
const ECHARTS_JS: &str = include_str!("../static/vendor/echarts.min.js");

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_JS,
    )
}

async fn echarts() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ECHARTS_JS,
    )
}

/// Every page route: (path, its handlers). The router is built from this list and
/// [`api::router`], and so is the list of paths the access tests walk ([`route_paths`]), so a
/// new route is tested for CSRF, scope and 5xx the day it is added.
pub(crate) fn page_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/", get(pages::home)),
        ("/login", get(pages::login_form).post(pages::login)),
        ("/logout", post(pages::logout)),
        ("/scope", post(pages::switch_scope)),
        ("/divisions/children", get(pages::divisions::children)),
        ("/divisions/search", get(pages::divisions::search)),
        ("/people", get(pages::people::list)),
        ("/people/export.xlsx", get(pages::people::export)),
        ("/people/new", get(pages::people::new_form).post(pages::people::create)),
        (
            "/people/deaths",
            get(pages::people::deaths::index)
                .post(pages::people::deaths::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        ("/people/deaths/{id}", get(pages::people::deaths::file)),
        (
            "/people/accounts",
            get(pages::people::accounts::index)
                .post(pages::people::accounts::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        (
            "/people/life-checks",
            get(pages::people::life_checks::index)
                .post(pages::people::life_checks::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        ("/people/deaths/rows/{id}", post(pages::people::deaths::decide)),
        ("/people/{id}", get(pages::people::detail)),
        ("/people/{id}/account", post(pages::people::set_account)),
        ("/people/{id}/life-check", post(pages::people::record_life_check)),
        (
            "/people/{id}/edit",
            get(pages::people::edit_form).post(pages::people::update),
        ),
        (
            "/imports",
            get(pages::imports::index)
                .post(pages::imports::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        ("/imports/template.xlsx", get(pages::imports::template)),
        ("/imports/{id}", get(pages::imports::job)),
        ("/imports/{id}/status", get(pages::imports::status)),
        ("/imports/{id}/report.xlsx", get(pages::imports::report)),
        ("/audit", get(pages::audit::index)),
        ("/benefits", get(pages::benefits::index).post(pages::benefits::compute)),
        ("/benefits/what-if", get(pages::benefits::what_if)),
        ("/benefits/runs/{id}", get(pages::benefits::run)),
        ("/benefits/runs/{id}/review", post(pages::benefits::review)),
        ("/benefits/runs/{id}/approve", post(pages::benefits::approve)),
        ("/benefits/runs/{id}/return", post(pages::benefits::send_back)),
        ("/benefits/runs/{id}/reject", post(pages::benefits::reject)),
        ("/benefits/runs/{id}/withdraw", post(pages::benefits::withdraw)),
        ("/benefits/runs/{id}/export.xlsx", get(pages::benefits::export)),
        ("/benefits/runs/{id}/bank.csv", get(pages::benefits::bank_file)),
        (
            "/benefits/runs/{id}/missing-accounts.csv",
            get(pages::benefits::missing_accounts),
        ),
        ("/people/{id}/benefits", get(pages::benefits::person_month)),
        (
            "/people/{id}/assessments",
            get(pages::assessments::history).post(pages::assessments::form::record),
        ),
        ("/people/{id}/assessments/new", get(pages::assessments::form::new_form)),
        (
            "/people/{id}/assessments/request",
            post(pages::assessments::form::request),
        ),
        ("/assessments/due", get(pages::assessments::due)),
        ("/settings", get(pages::settings::index)),
        ("/settings/assessment-validity", post(pages::settings::validity)),
        ("/settings/grading-thresholds", post(pages::settings::thresholds)),
        ("/settings/supervision", post(pages::settings::supervision)),
        ("/assessments/{id}", get(pages::assessments::form::report)),
        ("/assessments/{id}/confirm", post(pages::assessments::confirm::confirm)),
        ("/assessments/{id}/review", post(pages::assessments::confirm::review)),
        (
            "/institutions",
            get(pages::institutions::index).post(pages::institutions::create),
        ),
        (
            "/institutions/import",
            get(pages::institutions::care_import::form)
                .post(pages::institutions::care_import::upload)
                .layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        ("/institutions/{id}", get(pages::institutions::detail)),
        (
            "/institutions/{id}/operator",
            post(pages::institutions::assign_operator),
        ),
        ("/institutions/{id}/beds", post(pages::institutions::add_beds)),
        ("/institutions/{id}/filing", post(pages::institutions::update_filing)),
        (
            "/institutions/{id}/construction-subsidy",
            post(pages::institutions::grant_construction),
        ),
        (
            "/institutions/{id}/residents",
            get(pages::institutions::care::residents).post(pages::institutions::care::admit),
        ),
        (
            "/institutions/{id}/residents/{resident}",
            get(pages::institutions::bed::resident).post(pages::institutions::care::resident_step),
        ),
        (
            "/institutions/{id}/waitlist",
            get(pages::institutions::care::waitlist).post(pages::institutions::care::apply),
        ),
        (
            "/institutions/{id}/waitlist/offer",
            post(pages::institutions::care::offer),
        ),
        (
            "/institutions/{id}/waitlist/{application}",
            post(pages::institutions::care::decide),
        ),
        (
            "/institutions/{id}/staff",
            get(pages::institutions::care::staff).post(pages::institutions::care::add_staff),
        ),
        (
            "/institutions/{id}/staff/{member}",
            post(pages::institutions::care::staff_record),
        ),
        (
            "/institutions/{id}/awards",
            get(pages::institutions::care::awards).post(pages::institutions::care::grant_awards),
        ),
        (
            "/institutions/{id}/interns",
            post(pages::institutions::care::add_intern),
        ),
        (
            "/institutions/{id}/grading",
            get(pages::institutions::care::grading).post(pages::institutions::care::record_grading),
        ),
        ("/institutions/{id}/beds/{bed}", get(pages::institutions::bed::bed)),
        (
            "/institutions/{id}/beds/{bed}/status",
            post(pages::institutions::bed_status),
        ),
        (
            "/facilities",
            get(pages::facilities::index).post(pages::facilities::create),
        ),
        (
            "/facilities/{id}",
            get(pages::facilities::detail).post(pages::facilities::update),
        ),
        ("/facilities/{id}/subsidies", post(pages::facilities::grant)),
        ("/grants", get(pages::grants::index)),
        ("/grants/sign", post(pages::grants::sign)),
        ("/grants/return", post(pages::grants::send_back)),
        ("/grants/{kind}/{owner}", get(pages::grants::group)),
        ("/grants/export.xlsx", post(pages::grants::export)),
        ("/policy", get(pages::policy::index)),
        (
            "/local-figures",
            get(pages::local_figures::index).post(pages::local_figures::propose),
        ),
        ("/local-figures/{id}/review", post(pages::local_figures::review)),
        ("/local-figures/{id}/approve", post(pages::local_figures::approve)),
        ("/local-figures/{id}/return", post(pages::local_figures::send_back)),
        ("/local-figures/{id}/withdraw", post(pages::local_figures::withdraw)),
        ("/policy/{id}", get(pages::policy::pack)),
        ("/indicators", get(pages::planning::indicators)),
        ("/dashboard", get(pages::planning::dashboard::dashboard)),
        ("/dashboard/refresh", post(pages::planning::dashboard::refresh)),
        ("/reports", get(pages::planning::report::page)),
        (
            "/planning/residential",
            get(pages::planning::residential::list).post(pages::planning::residential::create),
        ),
        ("/planning/residential/{id}", get(pages::planning::residential::detail)),
        (
            "/planning/residential/{id}/steps",
            post(pages::planning::residential::sign),
        ),
        ("/reports/export.xlsx", get(pages::planning::report::xlsx)),
        ("/services", get(pages::services::index)),
        ("/services/work", get(pages::services::orders::work)),
        (
            "/services/providers",
            get(pages::services::registers::providers).post(pages::services::registers::create_provider),
        ),
        ("/services/providers/{id}", get(pages::services::registers::provider)),
        (
            "/services/providers/{id}/catalogue",
            post(pages::services::registers::set_catalogue),
        ),
        (
            "/services/schemes",
            get(pages::services::registers::schemes).post(pages::services::registers::create_scheme),
        ),
        ("/services/links", get(pages::services::registers::links)),
        ("/services/links/direct", post(pages::services::registers::link_direct)),
        ("/services/links/{id}", post(pages::services::registers::decide_link)),
        (
            "/services/beds",
            get(pages::services::beds::index).post(pages::services::beds::open),
        ),
        ("/services/beds/{id}", get(pages::services::beds::show)),
        ("/services/beds/{id}/{step}", post(pages::services::beds::step)),
        ("/services/meals", get(pages::services::meals::index)),
        ("/services/meals/points", post(pages::services::meals::register)),
        ("/services/meals/{id}/{step}", post(pages::services::meals::step)),
        ("/services/orders/{id}", get(pages::services::orders::show)),
        (
            "/services/orders/{id}/provider/{step}",
            post(pages::services::orders::provider_step),
        ),
        (
            "/services/orders/{id}/worker/{step}",
            post(pages::services::orders::worker_step),
        ),
        (
            "/services/orders/{id}/close/{step}",
            post(pages::services::orders::close_step),
        ),
        (
            "/services/book/{id}",
            get(pages::services::orders::book_form).post(pages::services::orders::book),
        ),
        (
            "/services/settlement",
            get(pages::services::settlement::index).post(pages::services::settlement::prepare),
        ),
        ("/services/settlement/{id}", get(pages::services::settlement::show)),
        (
            "/services/settlement/{id}/payment.xlsx",
            get(pages::services::settlement::payment),
        ),
        (
            "/services/settlement/{id}/{step}",
            post(pages::services::settlement::advance),
        ),
        ("/family", get(pages::services::family::home)),
        ("/family/link", post(pages::services::family::request_link)),
        (
            "/family/order/{id}",
            get(pages::services::family::order_new).post(pages::services::family::order_place),
        ),
        ("/sos", get(pages::care::sos::desk)),
        ("/sos/events", get(pages::care::sos::events)),
        ("/sos/calls/{id}", get(pages::care::sos::call)),
        ("/sos/calls/{id}/{step}", post(pages::care::sos::step)),
        (
            "/sos/devices",
            get(pages::care::sos::devices).post(pages::care::sos::register),
        ),
        ("/sos/devices/{id}/{step}", post(pages::care::sos::device_step)),
        ("/sos/duty", post(pages::care::sos::duty)),
        ("/timebank", get(pages::care::timebank::staff)),
        ("/timebank/requests/{id}/{step}", post(pages::care::timebank::decide)),
        ("/timebank/allocate", post(pages::care::timebank::allocate)),
        ("/family/timebank", get(pages::care::timebank::volunteer)),
        ("/family/timebank/extract.json", get(pages::care::timebank::own_extract)),
        ("/family/timebank/{step}", post(pages::care::timebank::volunteer_step)),
        ("/visits", get(pages::care::index)),
        ("/visits/assign", post(pages::care::assign)),
        ("/visits/{id}", get(pages::care::form).post(pages::care::record)),
        ("/visits/follow-ups/{id}/close", post(pages::care::close_follow_up)),
        ("/visits/records/{id}", get(pages::care::visit_record::page)),
        (
            "/visits/records/{id}/photos",
            post(pages::care::visit_record::add_photo).layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        (
            "/visits/records/{id}/photos/{photo}",
            get(pages::care::visit_record::photo),
        ),
        ("/supervision", get(pages::supervision::index)),
        ("/supervision/batches", post(pages::supervision::plan)),
        ("/supervision/batches/{id}", get(pages::supervision::batch)),
        ("/supervision/batches/{id}/publish", post(pages::supervision::publish)),
        ("/supervision/batches/{id}/draw", post(pages::supervision::draw)),
        (
            "/supervision/inspections/{id}",
            get(pages::supervision::inspections::show),
        ),
        (
            "/supervision/inspections/{id}/record",
            post(pages::supervision::inspections::record),
        ),
        (
            "/supervision/inspections/{id}/photos",
            post(pages::supervision::inspections::add_photo).layer(DefaultBodyLimit::max(security::UPLOAD_LIMIT)),
        ),
        (
            "/supervision/inspections/{id}/photos/{photo}",
            get(pages::supervision::inspections::photo),
        ),
        (
            "/supervision/inspections/{id}/confirm",
            post(pages::supervision::inspections::confirm),
        ),
        (
            "/supervision/inspections/{id}/publish",
            post(pages::supervision::inspections::publish),
        ),
        (
            "/supervision/inspections/{id}/respond",
            post(pages::supervision::inspections::respond),
        ),
        ("/supervision/hazards", get(pages::supervision::inspections::hazards)),
        (
            "/supervision/hazards/export.xlsx",
            get(pages::supervision::inspections::hazards_export),
        ),
        (
            "/supervision/hazards/{id}/rectify",
            post(pages::supervision::inspections::rectify),
        ),
        (
            "/supervision/hazards/{id}/verify",
            post(pages::supervision::inspections::verify),
        ),
        ("/supervision/registers", get(pages::supervision::registers::index)),
        (
            "/supervision/registers/items",
            post(pages::supervision::registers::add_item),
        ),
        (
            "/supervision/registers/inspectors",
            post(pages::supervision::registers::add_inspector),
        ),
        ("/supervision/credit", get(pages::supervision::oversight::credit)),
        (
            "/supervision/credit/records",
            post(pages::supervision::oversight::add_record),
        ),
        (
            "/supervision/credit/listings",
            post(pages::supervision::oversight::add_listing),
        ),
        (
            "/supervision/credit/listings/{id}/repair",
            post(pages::supervision::oversight::repair),
        ),
        (
            "/supervision/prepaid",
            get(pages::supervision::oversight::prepaid).post(pages::supervision::oversight::report),
        ),
        (
            "/supervision/complaints",
            get(pages::supervision::complaints::index).post(pages::supervision::complaints::take),
        ),
        (
            "/supervision/complaints/{id}",
            get(pages::supervision::complaints::show),
        ),
        (
            "/supervision/complaints/{id}/answer",
            post(pages::supervision::complaints::answer),
        ),
        (
            "/supervision/complaints/{id}/explain",
            post(pages::supervision::complaints::explain),
        ),
        (
            "/supervision/emergency",
            get(pages::supervision::oversight::emergency).post(pages::supervision::oversight::record_emergency),
        ),
        // 一公开 and complaints from anyone: public, no sign-in.
        ("/gongkai", get(pages::supervision::public::index)),
        (
            "/gongkai/zhuce",
            get(pages::services::family::signup_form).post(pages::services::family::signup),
        ),
        (
            "/gongkai/tousu",
            get(pages::supervision::public::complaint_new).post(pages::supervision::public::complaint_submit),
        ),
        (
            "/gongkai/tousu/chaxun",
            get(pages::supervision::public::complaint_status),
        ),
        (
            "/gongkai/tousu/pingjia",
            post(pages::supervision::public::complaint_rate),
        ),
        ("/gongkai/timebank/key", get(pages::care::timebank::public_key)),
        ("/gongkai/indicators.csv", get(pages::planning::report::open_data)),
        ("/gongkai/batches/{id}", get(pages::supervision::public::batch)),
        (
            "/gongkai/batches/{id}/batch.json",
            get(pages::supervision::public::batch_json),
        ),
        (
            "/gongkai/batches/{id}/draw.json",
            get(pages::supervision::public::draw_json),
        ),
        ("/api/docs", get(api::docs_page)),
        ("/static/app.css", get(css)),
        ("/static/app.js", get(js)),
        ("/static/echarts.min.js", get(echarts)),
    ]
}
