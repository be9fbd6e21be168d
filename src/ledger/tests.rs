use super::*;

#[test]
fn titles_come_from_bold_or_first_sentence() {
    assert_eq!(task_title(Some("实施“工程”。"), "实施“工程”。推进。"), "实施“工程”");
    assert_eq!(task_title(None, "构建体系。实施行动。"), "构建体系");
    assert_eq!(task_title(None, "没有句号"), "没有句号");
}

fn read(doc: &crate::model::Document) -> Result<Ledger, LedgerError> {
    let (grids, _) = crate::tables::stitch_pages(doc).unwrap();
    let vocabulary = HeaderVocabulary::builtin();
    let registry = OfficeRegistry::builtin();
    read_ledger(doc, &grids, &LedgerContext { vocabulary: &vocabulary, registry: &registry, year: None })
}

fn ledger_of(rendition: &str) -> Ledger {
    let (doc, _) = crate::input::text::read_text(rendition.as_bytes()).unwrap();
    read(&doc).unwrap()
}

fn kinds(l: &Ledger) -> Vec<&str> {
    l.diagnostics.iter().map(|d| d.kind.as_str()).collect()
}

const HEADER: &str = "序号\t主要任务\t分管领导\t牵头处室\t配合处室\t资金来源\n";

#[test]
fn a_row_cut_by_a_page_break_stays_one_task() {
    let l = ledger_of(&format!(
        "{HEADER}<b>一、第一部分</b>\t\t\t\t\t\n1\t<b>甲任务。</b>前半\t党勤\t基教处\t高教处\t\n\n\n{HEADER}\t后半。\t\t\t职成处\t\n2\t乙任务。\t党勤曾华辉\t科技处\t\t省级\n\n\n{HEADER}3\t丙任务。\t曾华辉\t人事处\t\t\n"
    ));
    assert_eq!(l.tasks.len(), 3);
    let t = &l.tasks[0];
    assert_eq!((t.title.as_str(), t.text.as_str()), ("甲任务", "甲任务。前半后半。"));
    assert_eq!(t.provenance.pages, [1, 2]);
    assert_eq!(t.support_offices.iter().map(|r| r.raw.as_str()).collect::<Vec<_>>(), ["高教处", "职成处"]);
    assert_eq!(l.tasks[1].leaders, ["党勤", "曾华辉"], "joined leaders are cut by the table's roster");
    assert_eq!(l.tasks[1].extra.get("资金来源").map(String::as_str), Some("省级"));
    assert_eq!(l.tasks[2].section.as_deref(), Some("一"));
    assert_eq!(kinds(&l), ["unknown-column"]);
}

#[test]
fn sequence_numbers_are_checked() {
    let l = ledger_of(&format!(
        "{HEADER}1\t甲。\t\t\t\t\n3\t乙。\t\t\t\t\n3\t丙。\t\t\t\t\n第四\t丁。\t\t\t\t\n\t戊。\t\t\t\t\n"
    ));
    assert_eq!(l.tasks.len(), 4, "no row is dropped");
    assert_eq!(l.tasks[3].seq, None);
    assert_eq!(l.tasks[3].text, "丁。\n戊。");
    let k = kinds(&l);
    for expected in ["seq-gap", "duplicate-seq", "seq-order", "non-numeric-seq", "row-without-seq"] {
        assert!(k.contains(&expected), "{expected} missing from {k:?}");
    }
    assert_ne!(l.tasks[1].id, l.tasks[2].id, "ids stay unique");
}

#[test]
fn a_table_without_sequence_or_task_columns_is_no_ledger() {
    let (doc, _) = crate::input::text::read_text("姓名\t电话\n张三\t123\n".as_bytes()).unwrap();
    let err = read(&doc).unwrap_err();
    assert!(err.to_string().contains("姓名 | 电话"), "{err}");
}

#[test]
fn extra_columns_are_deterministic_and_continuations_without_header_are_read() {
    let header = "序号\t主要任务\t具体措施\t进度\t备注\t牵头处室\t完成时限\n";
    let src = format!("{header}1\t甲。\t措施\t进度\t备注\t基教处\t2024年6月底前\n\t续。\t\t\t\t\t长期坚持\n\n2\t乙。\t\t\t\t高教处\t\n3\t丙。\t\t\t\t高教处\t\n");
    let first = ledger_of(&src);
    for _ in 0..8 {
        let again = ledger_of(&src);
        assert_eq!(format!("{:?}", again.diagnostics), format!("{:?}", first.diagnostics));
        assert_eq!(format!("{:?}", again.tasks), format!("{:?}", first.tasks));
    }
    assert_eq!(first.tasks.len(), 3, "the rows after a blank line are still tasks");
    assert!(kinds(&first).contains(&"headerless-continuation"));
    assert_eq!(
        first.tasks[0].deadline.as_ref().map(|d| d.raw.as_str()),
        Some("2024年6月底前\n长期坚持"),
        "appended, not replaced"
    );
    assert_eq!(first.tasks[0].extra.keys().collect::<Vec<_>>(), ["进度"], "measures and remarks are fields now");
    assert_eq!(first.tasks[0].measures.len(), 1);
    assert_eq!(first.tasks[0].measures[0].text, "措施");
    assert_eq!(first.tasks[0].remarks.as_deref(), Some("备注"));
}

#[test]
fn a_stray_tab_does_not_make_a_table() {
    let (doc, _) = crate::input::text::read_text("\t甘肃省教育厅\n\n## 关于某事的通知\n".as_bytes()).unwrap();
    assert!(doc.blocks.iter().all(|b| !matches!(b, crate::model::Block::Table(_))));
}

fn ledger_of_html(html: &str) -> Ledger {
    let (doc, _) = crate::input::html::read_html(html.as_bytes()).unwrap();
    read(&doc).unwrap()
}

fn raws(refs: &[OfficeRef]) -> Vec<&str> {
    refs.iter().map(|r| r.raw.as_str()).collect()
}

#[test]
fn a_key_task_over_several_rows_has_one_measure_per_row() {
    let l = ledger_of_html(concat!(
        "<table><tr><th>序号</th><th>重点任务</th><th>具体措施</th><th>牵头处室</th><th>配合处室</th><th>完成时限</th></tr>",
        "<tr><td colspan=6>一、深化改革</td></tr>",
        "<tr><td rowspan=3>1</td><td rowspan=3>推进甲工作</td><td>措施一</td><td rowspan=3>基教处</td><td>高教处</td><td>2024年6月底前</td></tr>",
        "<tr><td>措施二</td><td>职教处、发展处</td><td>每季度末</td></tr>",
        "<tr><td>措施三</td><td></td><td>长期坚持</td></tr>",
        "<tr><td>2</td><td>推进乙工作</td><td>唯一措施</td><td>科技处</td><td>人事处</td><td>2024年12月</td></tr>",
        "</table>"
    ));
    assert_eq!(l.tasks.len(), 2, "merged rows are measures, not tasks");
    let t = &l.tasks[0];
    assert_eq!(t.measures.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["措施一", "措施二", "措施三"]);
    for m in &t.measures {
        assert_eq!(raws(&m.lead_offices), ["基教处"], "a lead merged down belongs to every measure");
    }
    assert_eq!(raws(&t.measures[1].support_offices), ["职教处", "发展处"]);
    assert!(t.measures[2].support_offices.is_empty());
    let kinds: Vec<_> = t.measures.iter().map(|m| m.deadline.as_ref().unwrap().kind.as_str()).collect();
    assert_eq!(kinds, ["by-date", "recurring", "ongoing"]);
    assert_eq!(t.deadline, None, "the measures' deadlines differ");
    assert_eq!(raws(&t.lead_offices), ["基教处"], "the union lists a merged lead once");
    assert_eq!(raws(&t.support_offices), ["高教处", "职教处", "发展处"]);
    assert_eq!(t.measures[2].provenance.row, 4);
    let t2 = &l.tasks[1];
    assert_eq!(t2.measures.len(), 1);
    assert_eq!(t2.deadline.as_ref().and_then(|d| d.by.as_deref()), Some("2024-12-31"));
    assert!(!kinds_of(&l).contains(&"row-without-seq"), "{:?}", kinds_of(&l));
}

#[test]
fn a_task_of_undecodable_characters_is_an_error_not_text() {
    let l = ledger_of("序号\t主要任务\t牵头处室\n1\t\u{FFFD}\u{FFFD}\u{FFFD}。\t基教处\n2\t乙\u{FFFD}任务。\t基教处\n");
    assert_eq!(l.tasks.len(), 2, "the task is kept");
    let errors: Vec<_> = l.diagnostics.iter().filter(|d| d.kind == "unreadable-text").collect();
    assert_eq!(errors.len(), 1, "one mostly unreadable task: {errors:?}");
    assert_eq!(errors[0].severity, crate::Severity::Error);
    assert_eq!(errors[0].location.task_seq, Some(1));
}

fn kinds_of(l: &Ledger) -> Vec<&str> {
    l.diagnostics.iter().map(|d| d.kind.as_str()).collect()
}

#[test]
fn role_markers_in_one_responsibility_column() {
    let l = ledger_of(concat!(
        "序号\t工作任务\t责任单位\t完成时限\n",
        "1\t甲。\t基教处（牵头）、体艺处、各市（州）教育局\t2024年6月底前\n",
        "2\t乙。\t基教处（牵头）、高教处（牵头）、职成处\t\n",
        "3\t丙。\t厅机关各处室按职责分工负责\t持续推进\n",
        "4\t丁。\t科技处、人事处\t\n",
        "5\t戊。\t人事处（配合）、财务处\t\n",
    ));
    let t = &l.tasks;
    assert_eq!(raws(&t[0].lead_offices), ["基教处（牵头）"]);
    assert_eq!(raws(&t[0].support_offices), ["体艺处", "各市（州）教育局"]);
    assert_eq!(raws(&t[1].lead_offices), ["基教处（牵头）", "高教处（牵头）"], "several markers, several leads");
    assert_eq!(raws(&t[1].support_offices), ["职成处"]);
    assert_eq!(raws(&t[2].lead_offices), ["厅机关各处室"], "the phrase is the marker, not part of the name");
    assert_eq!(t[2].lead_offices[0].marker.as_deref(), Some("按职责分工负责"));
    assert!(kinds_of(&l).contains(&"duty-phrase"));
    assert_eq!(raws(&t[3].lead_offices), ["科技处", "人事处"], "no marker: every unit leads");
    assert_eq!(raws(&t[4].lead_offices), ["财务处"]);
    assert_eq!(raws(&t[4].support_offices), ["人事处（配合）"]);
    assert_eq!(t[2].deadline.as_ref().map(|d| d.kind.as_str()), Some("ongoing"));
}

#[test]
fn sections_nest_by_numbering_style() {
    let l = ledger_of(concat!(
        "序号\t工作任务\t牵头处室\n",
        "一、总体\t\t\n",
        "（一）第一组\t\t\n",
        "1\t甲。\t基教处\n",
        "（二）第二组\t\t\n",
        "2\t乙。\t基教处\n",
        "二、其他\t\t\n",
        "（一）又一组\t\t\n",
        "3\t丙。\t基教处\n",
        "（1）细目\t\t\n",
        "4\t丁。\t基教处\n",
    ));
    let shape: Vec<_> = l.sections.iter().map(|s| (s.level, s.path.as_str(), s.title.as_str())).collect();
    assert_eq!(
        shape,
        [
            (1, "一", "总体"),
            (2, "一/（一）", "第一组"),
            (2, "一/（二）", "第二组"),
            (1, "二", "其他"),
            (2, "二/（一）", "又一组"),
            (3, "二/（一）/（1）", "细目")
        ]
    );
    let sections: Vec<_> = l.tasks.iter().map(|t| t.section.as_deref().unwrap()).collect();
    assert_eq!(sections, ["一/（一）", "一/（二）", "二/（一）", "二/（一）/（1）"]);
}

#[test]
fn a_merged_sequence_cell_over_two_items_is_one_task_with_two_measures() {
    let l = ledger_of_html(concat!(
        "<table><tr><td>序号</td><td>民生实事</td><td>责任单位</td><td>完成时限</td></tr>",
        "<tr><td>4</td><td>建成县残疾人综合服务中心。</td><td>县残联</td><td>5月底前动工</td></tr>",
        "<tr><td rowspan=2>5</td><td>开工建设县老年养护楼。</td><td rowspan=2>县民政局</td><td>5月底前动工</td></tr>",
        "<tr><td>开工建设老年大学。</td><td>12月底前</td></tr>",
        "<tr><td>6</td><td>迁建县政务服务中心。</td><td>县政务服务中心<br>县代建中心</td><td>12月底前</td></tr></table>"
    ));
    assert_eq!(l.tasks.iter().map(|t| t.seq).collect::<Vec<_>>(), [Some(4), Some(5), Some(6)]);
    let t = &l.tasks[1];
    assert_eq!(t.text, "开工建设县老年养护楼。\n开工建设老年大学。");
    let m: Vec<_> = t.measures.iter().map(|m| (m.text.as_str(), m.deadline.as_ref().unwrap().raw.as_str())).collect();
    assert_eq!(m, [("开工建设县老年养护楼。", "5月底前动工"), ("开工建设老年大学。", "12月底前")]);
    assert_eq!(t.deadline, None, "the measures' deadlines differ");
    assert_eq!(raws(&t.lead_offices), ["县民政局"], "the merged unit is listed once");
    assert_eq!(raws(&l.tasks[2].lead_offices), ["县政务服务中心", "县代建中心"], "units on separate lines");
    assert!(l.tasks[0].measures.is_empty());
    assert!(kinds_of(&l).contains(&"merged-seq-measures"));
}

#[test]
fn a_title_row_and_a_two_row_header() {
    let l = ledger_of_html(concat!(
        "<table><tr><td colspan=5>2024年重点工作任务分解表</td></tr>",
        "<tr><td rowspan=2>序号</td><td rowspan=2>目标与任务</td><td colspan=2>责任单位</td><td rowspan=2>时间节点</td></tr>",
        "<tr><td>牵头</td><td>配合</td></tr>",
        "<tr><td>1</td><td>推进甲工作。</td><td>基教处</td><td>高教处</td><td>2024年6月底前</td></tr></table>"
    ));
    assert_eq!(l.tasks.len(), 1);
    let t = &l.tasks[0];
    assert_eq!(raws(&t.lead_offices), ["基教处"]);
    assert_eq!(raws(&t.support_offices), ["高教处"]);
    assert_eq!(t.deadline.as_ref().and_then(|d| d.by.as_deref()), Some("2024-06-30"));
    assert!(kinds_of(&l).contains(&"header-below-title"), "{:?}", kinds_of(&l));
}

#[test]
fn an_index_table_is_metadata_and_a_headerless_ledger_is_read_by_its_content() {
    let l = ledger_of_html(concat!(
        "<table><tr><td>索引号：</td><td>000014349/2023-00110</td><td>发布机构：</td><td>某县人民政府</td></tr>",
        "<tr><td>文号：</td><td>某政发〔2023〕2号</td><td>发文日期：</td><td>2023-03-28</td></tr></table>",
        "<p>正文。</p>",
        "<table><tr><td>1</td><td>启动县图书馆新馆建设。</td><td>县文体广新局、县代建中心</td><td>12月底前</td></tr>",
        "<tr><td>2</td><td>完成棚户区改造2836户。</td><td>县住建局</td><td>12月底前</td></tr>",
        "<tr><td>3</td><td>城区再新建1个农贸市场。</td><td>县商务局</td><td>2023年6月底前</td></tr></table>"
    ));
    assert_eq!(l.tasks.len(), 3, "the index table gives no task; the ledger's first row is a task");
    assert_eq!(raws(&l.tasks[0].lead_offices), ["县文体广新局", "县代建中心"]);
    assert_eq!(l.tasks[0].deadline.as_ref().unwrap().raw, "12月底前");
    let k = kinds_of(&l);
    assert!(k.contains(&"metadata-table") && k.contains(&"column-role-inferred"), "{k:?}");
}
