//! Chinese labels for the codes the audit trail records (actions, record kinds, channels):
//! what the audit page and a person's history show, the code itself only in a tooltip.

/// An audit action (`view_full` → 查看完整信息).
pub fn action(code: &str) -> &'static str {
    match code {
        "create" => "新增",
        "update" => "修改",
        "delete" => "删除",
        "view" => "查看",
        "view_full" => "查看完整信息",
        "view_assessment" => "查看评估报告",
        "list" => "查询列表",
        "import" => "批量导入",
        "search_id" => "按身份证号查询",
        "import_interrupted" => "导入中断",
        "export" => "导出",
        "login" => "登录",
        "assess" => "能力评估",
        "confirm" | "confirmed" => "确认",
        "request" | "request_reassessment" => "申请即时评估",
        "register" => "登记",
        "record" => "记录",
        "compute" | "recompute" => "计算发放",
        "prepare" => "经办",
        "review" => "审核",
        "approve" => "审批",
        "return" | "send_back" => "退回",
        "reject" => "驳回",
        "withdraw" => "撤回",
        "grant" | "grant_subsidies" => "核定补助",
        "grant_staff_awards" => "核定人才补贴",
        "construction_subsidy" => "核定建设补助",
        "add_beds" => "新增床位",
        "sign_step" => "签署四同步环节",
        "bed_status" => "修改床位状态",
        "admit" => "办理入住",
        "leave" => "请假外出",
        "back" => "销假返回",
        "discharge" => "出院",
        "death" => "登记死亡",
        "record_death" => "比对登记死亡",
        "import_deaths" => "导入死亡信息",
        "set_account" => "登记发放账户",
        "life_check" => "资格认证",
        "import_life_signs" => "导入医保结算记录",
        "import_accounts" => "导入发放账户",
        "explain" => "作出说明",
        "confirm_death" => "核实登记死亡",
        "dismiss_death" => "核实不予登记死亡",
        "transfer" | "move" => "调床或转院",
        "add_staff" => "新增工作人员",
        "staff_left" => "工作人员离职",
        "add_certificate" => "新增证书",
        "add_training" => "新增培训",
        "add_intern" => "新增实习生",
        "staff_background" => "背景核查",
        "grading" => "等级评定",
        "assign_operator" => "委托运营",
        "update_filing" => "更新备案信息",
        "waitlist_apply" => "轮候申请",
        "waitlist_offer" => "轮候通知",
        "setting" => "修改设置",
        "demo_figure" => "演示数据",
        "draw" => "随机抽取",
        "publish" => "公开",
        "sample" => "抽样",
        "plan" => "计划",
        "assign" => "分派",
        "answer" | "respond" => "答复",
        "follow_up" => "回访",
        "escalate" => "上报",
        "rectify" => "整改",
        "rate" => "评价",
        "report" => "报告",
        "verify" => "核验",
        "open" => "开通",
        "order" => "下单",
        "reschedule" => "改约",
        "catalogue" => "服务目录",
        "meal" => "助餐",
        "meal_point" => "助餐点",
        "open_family_bed" => "建立家庭养老床位",
        "end_family_bed" => "撤销家庭养老床位",
        "duty_roster" => "值守排班",
        "locate" => "定位",
        "repair" => "维修",
        "visit" => "探访",
        "visit_photo" => "探访照片",
        "photo" => "照片",
        "request_link" => "申请关联家人",
        _ => "其他操作",
    }
}

/// The kind of record an audit line is about (`person` → 老年人).
pub fn entity(code: &str) -> &'static str {
    match code {
        "person" => "老年人",
        "person_list" => "老年人列表",
        "bed" => "床位",
        "benefit_run" => "发放批次",
        "complaint" => "投诉",
        "credit_record" => "信用记录",
        "dishonest_listing" => "失信名单",
        "division" => "区划",
        "facility" => "服务设施",
        "residential_project" => "居住区配建项目",
        "family_bed" => "家庭养老床位",
        "family_link" => "家属关联",
        "grant" => "一次性补助",
        "hazard" => "隐患",
        "import_job" => "导入任务",
        "inspection" => "检查",
        "inspection_batch" => "抽查批次",
        "inspection_item" => "检查事项",
        "inspector" => "检查人员",
        "institution" => "养老机构",
        "local_figure" => "地方标准",
        "prepaid_report" => "预收费报告",
        "provider" => "服务商",
        "purchase_scheme" => "购买服务方案",
        "service_order" => "服务订单",
        "service_statement" => "结算单",
        "service_work" => "服务记录",
        "setting" => "设置",
        "sos_call" => "呼救",
        "sos_device" => "呼救设备",
        "timebank_account" => "时间银行账户",
        "user" => "账号",
        "visit_roster" => "探访名单",
        "assessment" => "能力评估",
        "resident" => "入住记录",
        _ => "记录",
    }
}

/// How the action reached the platform.
pub fn channel(code: &str) -> &'static str {
    match code {
        "web" => "网页",
        "api" => "接口",
        "cli" => "命令行",
        "device" => "设备",
        "phone" => "手机",
        _ => "其他",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_has_a_label() {
        assert_eq!(super::action("view_full"), "查看完整信息");
        assert_eq!(super::entity("person"), "老年人");
        assert_eq!(super::channel("web"), "网页");
        assert_eq!(super::action("no_such_thing"), "其他操作");
    }
}
