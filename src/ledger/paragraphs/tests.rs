use super::*;
use crate::ledger::{read_ledger, HeaderVocabulary, LedgerError, NoticeYear};
use crate::offices::OfficeRegistry;

fn read(text: &str) -> Result<Ledger, LedgerError> {
    let (doc, _) = crate::input::text::read_text(text.as_bytes()).unwrap();
    let vocabulary = HeaderVocabulary::builtin();
    let registry = OfficeRegistry::unregistered(None);
    let year = Some(NoticeYear { year: 2023, from: "title" });
    read_ledger(&doc, &[], &LedgerContext { vocabulary: &vocabulary, registry: &registry, year })
}

fn raws(refs: &[crate::offices::OfficeRef]) -> Vec<&str> {
    refs.iter().map(|r| r.raw.as_str()).collect()
}

fn kinds(l: &Ledger) -> Vec<&str> {
    l.diagnostics.iter().map(|d| d.kind.as_str()).collect()
}

#[test]
fn numbered_paragraphs_with_labelled_lines() {
    let l = read(concat!(
        "为做好今年工作，制定分工方案如下。\n\n",
        "一、主要预期目标\n\n",
        "1.努力实现地区生产总值增长6.2%左右。\n\n",
        "牵头单位：区发改局\n\n",
        "责任单位：立山经济开发区，各街道、区直各部门\n\n",
        "2.规模上工业增加值增长5%左右。\n\n",
        "牵头单位：区工信局 完成时限：12月底前\n\n",
        "二、重点工作\n\n",
        "3.推进项目建设。\n\n",
        "责任领导：张三、李 四\n\n",
        "责任单位：区住建局\n\n",
    ))
    .unwrap();
    assert_eq!(l.tasks.len(), 3);
    let t = &l.tasks[0];
    assert_eq!(
        (t.seq, t.text.as_str(), t.section.as_deref()),
        (Some(1), "努力实现地区生产总值增长6.2%左右。", Some("一"))
    );
    assert_eq!(raws(&t.lead_offices), ["区发改局"]);
    assert_eq!(
        raws(&t.support_offices),
        ["立山经济开发区", "各街道", "区直各部门"],
        "责任单位 beside 牵头单位 supports"
    );
    let t = &l.tasks[1];
    assert_eq!(t.deadline.as_ref().and_then(|d| d.by.as_deref()), Some("2023-12-31"), "two labels on one line");
    let t = &l.tasks[2];
    assert_eq!(t.leaders, ["张三", "李四"]);
    assert_eq!(raws(&t.lead_offices), ["区住建局"], "a lone 责任单位 leads");
    assert_eq!(t.section.as_deref(), Some("二"));
    let sections: Vec<_> = l.sections.iter().map(|s| (s.path.as_str(), s.title.as_str())).collect();
    assert_eq!(sections, [("一", "主要预期目标"), ("二", "重点工作")]);
    assert!(kinds(&l).contains(&"paragraph-ledger"));
}

#[test]
fn closing_clauses_in_every_bracket() {
    let l = read(concat!(
        "（一）全面实施清单管理。动态调整清单。（市政府办公室牵头，市级各有关部门及各县市区政府按职责分工负责）\n\n",
        "（二）推进数据共享。（牵头单位：市数据局；责任单位：市发改委、市财政局）\n\n",
        "（三）优化审批流程。〔牵头单位：区政府办公室，责任单位：区政府有关部门、各街道（功能区）〕\n\n",
        "（四）建设老鹳庙产业园。［责任单位：老街办、区招商服务中心］\n\n",
        "（五）完善应急预案。（市应急局负责，2023年6月底前完成）\n\n",
    ))
    .unwrap();
    assert_eq!(l.tasks.len(), 5);
    let t = &l.tasks[0];
    assert_eq!(t.text, "全面实施清单管理。动态调整清单。", "the clause leaves the text");
    assert_eq!(raws(&t.lead_offices), ["市政府办公室"]);
    assert_eq!(raws(&t.support_offices), ["市级各有关部门", "各县市区政府"]);
    assert_eq!(t.support_offices[0].marker.as_deref(), Some("按职责分工负责"));
    assert_eq!(raws(&l.tasks[1].support_offices), ["市发改委", "市财政局"]);
    assert_eq!(raws(&l.tasks[2].lead_offices), ["区政府办公室"]);
    assert_eq!(raws(&l.tasks[2].support_offices), ["区政府有关部门", "各街道（功能区）"]);
    assert_eq!(raws(&l.tasks[3].lead_offices), ["老街办", "区招商服务中心"]);
    let t = &l.tasks[4];
    assert_eq!(raws(&t.lead_offices), ["市应急局"]);
    assert_eq!(t.deadline.as_ref().and_then(|d| d.by.as_deref()), Some("2023-06-30"));
}

#[test]
fn sub_items_before_one_responsibility_line_are_measures() {
    let l = read(concat!(
        "（一）“一案三制”建设\n\n",
        "1.完善应急预案体系\n\n",
        "（1）加强应急预案管理。\n\n",
        "（2）推进应急预案精编化。\n\n",
        "（3）加强应急预案演练。\n\n",
        "（责任单位：市直各有关单位、各县（市、区）人民政府）\n\n",
        "2.健全应急管理体制\n\n",
        "（责任单位：市应急局）\n\n",
    ))
    .unwrap();
    assert_eq!(l.tasks.len(), 2);
    let t = &l.tasks[0];
    assert_eq!(t.text, "完善应急预案体系");
    assert_eq!(
        t.measures.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["加强应急预案管理。", "推进应急预案精编化。", "加强应急预案演练。"]
    );
    assert_eq!(raws(&t.lead_offices), ["市直各有关单位", "各县（市、区）人民政府"]);
    assert_eq!(raws(&t.measures[1].lead_offices), ["市直各有关单位", "各县（市、区）人民政府"]);
    assert_eq!(l.tasks[1].seq, Some(2));
}

#[test]
fn an_item_without_units_between_tasks_is_kept_with_a_warning() {
    let l =
        read(
            concat!("1.甲任务。\n\n牵头单位：区发改局\n\n", "2.乙任务。\n\n", "3.丙任务。\n\n牵头单位：区财政局\n\n",),
        )
        .unwrap();
    assert_eq!(l.tasks.iter().map(|t| t.seq).collect::<Vec<_>>(), [Some(1), Some(2), Some(3)]);
    assert!(l.tasks[1].lead_offices.is_empty());
    let warning = l.diagnostics.iter().find(|d| d.kind == "task-without-units").unwrap();
    assert_eq!(warning.location.task_seq, Some(2));
}

#[test]
fn the_first_listed_rule_and_leaders_in_headings() {
    let l = read(concat!(
        "一、王纲市长主抓重点工作\n\n",
        "1.支持企业发展。\n\n",
        "责任单位：市经信局、市财政局、市税务局（列第一位者为工作牵头单位或汇总单位，下同）\n\n",
        "2.扩大有效投资。\n\n",
        "责任单位：市发改委、市财政局\n\n",
    ))
    .unwrap();
    let t = &l.tasks[0];
    assert_eq!(raws(&t.lead_offices), ["市经信局"]);
    assert_eq!(raws(&t.support_offices), ["市财政局", "市税务局"], "the note names no unit");
    assert_eq!(raws(&l.tasks[1].lead_offices), ["市发改委"], "下同: the rule holds for the rest");
    assert_eq!(t.leaders, ["王纲"]);
    assert!(kinds(&l).contains(&"first-listed-leads") && kinds(&l).contains(&"leaders-from-section"));
}

#[test]
fn numbered_paragraphs_without_units_are_no_ledger() {
    let err = read("一、总体要求\n\n1.明确任务，压实责任。\n\n2.加强督查。\n\n").unwrap_err();
    assert!(err.to_string().contains("no task ledger found"), "{err}");
}

#[test]
fn closing_groups() {
    assert_eq!(
        closing_group("实施清单管理。（市政府办公室牵头，各部门配合）"),
        Some(("实施清单管理。".into(), "市政府办公室牵头，各部门配合".into(), String::new()))
    );
    assert_eq!(
        closing_group("实施清单管理（市发改委负责）。"),
        Some(("实施清单管理".into(), "市发改委负责".into(), "。".into()))
    );
    assert_eq!(closing_group("没有括号。"), None);
}
