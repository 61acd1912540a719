// zh-CN first (investigators read Chinese); English as a switch. Enum labels follow the
// descriptions in graph_schema/ so the words match the rules and the GraphQL schema.

const zh = {
  title: "信用关系图谱 · 调查工作台", search: "查询", creditFile: "信用档案", graph: "关系图谱",
  paths: "找关系", ownership: "股权穿透", risk: "风险扫描", signIn: "登录", signOut: "退出",
  apiKey: "API 密钥", apiKeyHint: "本机开放模式下可留空", purpose: "查询目的",
  purposeHint: "例如: 案件编号或核查事由 (记入审计日志)", start: "开始", role: "角色",
  searchHint: "企业名称、统一社会信用代码、人员姓名 (简繁体、全半角、拼音或首字母均可, 如 hxmy)", searchButton: "搜索",
  noResults: "没有找到", enterprise: "企业", person: "自然人", agency: "机关",
  status: "状态", kind: "类型", established: "成立日期", idNumber: "身份证号 (脱敏)",
  decisions: "当前结论", restrictions: "限制措施", events: "信用事件", offices: "任职与持股 (时间轴)",
  measure: "措施", window: "期间", rule: "规则", legalBasis: "法律依据", path: "传导路径",
  certainty: "确定性", date: "日期", document: "文书号", authority: "决定机关", note: "说明",
  lifts: "撤销/修复", depth: "层级", asOf: "时点", allRels: "全部关系", redraw: "重绘",
  expandHint: "单击节点展开其关系; 双击打开信用档案", more: "更多", sanctioned: "有在效惩戒措施",
  exportPng: "导出 PNG", exportCsv: "导出 CSV", exportGraphml: "导出 GraphML", report: "信用报告 PDF",
  from: "起点", to: "终点", find: "查找", k: "条数", maxHops: "最多跳数", noPath: "在限定跳数内没有关联",
  length: "长度", effectiveShare: "穿透持股比例", beneficialOwners: "受益所有人 (≥25%) 与实际控制人",
  crossHolding: "交叉持股", cycles: "循环/交叉持股", controller: "实际控制人", reasons: "依据",
  distance: "距离", measuresInForce: "在效措施", relatedGroups: "疑似关联方 (共同任职或持股)",
  sharedOfficer: "共同任职", holding: "持股/控制", via: "经由", language: "English",
  loading: "加载中…", error: "出错", open: "打开", none: "无", until: "至", present: "至今",
  publicOnly: "公开角色只能查看企业信息", notAllowed: "当前角色无权查看此页面",
  reportDone: "已下载信用报告", truncated: "枢纽节点未全部展示", noRisk: "限定范围内没有受惩戒主体",
  idSearchUnavailable: "此服务器不支持按身份证号查询", legend: "图例", root: "中心主体",
  group: "组", community: "社区划分", activity: "活动", decision: "结论",
  whoAmI: "当前身份", unknownYear: "起始未知", nodes: "主体", links: "关系",
  listedEntry: "来源", listedEntryHint: "公示名单人员 (仅有脱敏证件号)", aliases: "别名 (同一证件号的其他标识)",
  resolution: "身份匹配", evidence: "证据", verdict: "核实结论", excluded: "已排除",
  loadMore: "加载更多", shownOf: "已显示", judge: "核实", judgeSame: "是同一人", judgeDifferent: "不是同一人",
  judgeUnsure: "无法确定", judgeWhy: "理由 (记入核实记录)", judgeWhyNeeded: "请填写理由", judged: "已记录核实结论",
  dateHint: "YYYY-MM-DD", dateInvalid: "日期格式为 YYYY-MM-DD, 例如 2024-01-01", calendar: "日历",
  nothingToExport: "没有可导出的内容", ownershipEnterprisesOnly: "股权穿透只适用于企业 (自然人和机关没有股东)",
  chooseRels: "请至少选择一种关系",
};

const en = {
  title: "creditgraph · investigator workbench", search: "Search", creditFile: "Credit file",
  graph: "Relationship graph", paths: "Find the connection", ownership: "Ownership penetration",
  risk: "Risk scan", signIn: "Sign in", signOut: "Sign out", apiKey: "API key",
  apiKeyHint: "may be empty in open local mode", purpose: "Purpose of the inquiry",
  purposeHint: "e.g. a case number or the reason (written to the audit log)", start: "Start",
  role: "Role", searchHint: "Enterprise name, unified social credit code, person name (any script or width, or its pinyin or initials: hxmy)",
  searchButton: "Search", noResults: "Nothing found", enterprise: "Enterprise", person: "Person",
  agency: "Agency", status: "Status", kind: "Kind", established: "Established",
  idNumber: "Identity number (masked)", decisions: "Current decisions", restrictions: "Restrictions",
  events: "Credit events", offices: "Offices and holdings (timeline)", measure: "Measure",
  window: "Window", rule: "Rule", legalBasis: "Legal basis", path: "Path", certainty: "Certainty",
  date: "Date", document: "Document", authority: "Authority", note: "Note", lifts: "Lifts",
  depth: "Depth", asOf: "As of", allRels: "All links", redraw: "Redraw",
  expandHint: "Click a node to expand it; double-click to open its credit file", more: "more",
  sanctioned: "under a measure in force", exportPng: "Export PNG", exportCsv: "Export CSV",
  exportGraphml: "Export GraphML", report: "Credit report PDF", from: "From", to: "To",
  find: "Find", k: "Paths", maxHops: "Max hops", noPath: "Not connected within the hops allowed",
  length: "Length", effectiveShare: "Effective share",
  beneficialOwners: "Beneficial owners (≥25%) and actual controllers", crossHolding: "Cross-holding",
  cycles: "Ownership cycles", controller: "Actual controller", reasons: "Reasons",
  distance: "Distance", measuresInForce: "Measures in force",
  relatedGroups: "Suspected related parties (shared officers or holdings)",
  sharedOfficer: "Shared officer", holding: "Holding/control", via: "via", language: "中文",
  loading: "Loading…", error: "Error", open: "Open", none: "None", until: "until",
  present: "present", publicOnly: "The public role sees enterprises only",
  notAllowed: "Your role may not see this page", reportDone: "Credit report downloaded",
  truncated: "Hubs not fully shown", noRisk: "No sanctioned party within reach",
  idSearchUnavailable: "This server cannot look up identity numbers", legend: "Legend",
  root: "Centre", group: "Group", community: "community split", activity: "Activity",
  decision: "Decision", whoAmI: "Signed in as", unknownYear: "start unknown", nodes: "parties", links: "links",
  listedEntry: "Source", listedEntryHint: "published list entry (masked identity number only)",
  aliases: "Aliases (other ids, same identity number)", resolution: "Identity resolution",
  evidence: "Evidence", verdict: "Steward's verdict", excluded: "excluded",
  loadMore: "Load more", shownOf: "shown", judge: "Judge", judgeSame: "Same person", judgeDifferent: "Not the same person",
  judgeUnsure: "Cannot tell", judgeWhy: "Reason (kept with the verdict)", judgeWhyNeeded: "Please give the reason",
  judged: "Verdict recorded", dateHint: "YYYY-MM-DD", dateInvalid: "Dates are YYYY-MM-DD, e.g. 2024-01-01",
  calendar: "Calendar", nothingToExport: "Nothing to export",
  ownershipEnterprisesOnly: "Ownership penetration is for enterprises (persons and agencies have no shareholders)",
  chooseRels: "Choose at least one kind of link",
};

const RELS_ZH = {
  LEGAL_REPRESENTATIVE: "法定代表人", DIRECTOR: "董事", SUPERVISOR: "监事", MANAGER: "高管",
  PRINCIPAL: "负责人", SHAREHOLDER: "股东", ACTUAL_CONTROLLER: "实际控制人", BRANCH_OF: "分支机构",
  OFFICIAL_OF: "公职", SUPERVISED_BY: "被监管", SUPERVISES: "监管", SUPERIOR_OF: "上级主管",
  RELATIVE_OF: "近亲属",
};

// links the store derives (identity), labelled but not offered as a filter
const DERIVED_RELS_ZH = { POSSIBLY_SAME_PERSON: "疑似同一人", SAME_PERSON: "同一人" };

const MEASURES_ZH = {
  BAR_LEGAL_REPRESENTATIVE: "不得担任法定代表人、负责人", BAR_DIRECTOR: "不得担任董事",
  BAR_SUPERVISOR: "不得担任监事", BAR_MANAGER: "不得担任高级管理人员",
  BAR_GOV_PROCUREMENT: "禁止参加政府采购活动", BAR_BIDDING: "禁止参加招标投标",
  RESTRICT_HIGH_CONSUMPTION: "限制高消费", JOINT_PUNISHMENT: "联合惩戒", DISHONEST_DEBTOR: "失信被执行人",
  INTENSIFIED_SUPERVISION: "重点关注", ABNORMAL_OPERATION: "经营异常名录公示",
  PENALTY_PUBLICATION: "行政处罚信息公示", NOTIFY_SUPERIOR_AND_AUDIT: "通报上级主管单位和审计部门",
  NOTIFY_EMPLOYER_AND_DISCIPLINE: "通报所在单位及纪检监察、组织人事部门",
  BAR_LEGAL_REPRESENTATIVE_OF_OTHER_ENTERPRISES: "不得担任其他企业的法定代表人、负责人",
  NO_FULL_CIVIL_CAPACITY: "无完全民事行为能力", DISSOLVED_OR_TERMINATED: "已吊销、关闭或注销 (只能清算)",
  SERIOUS_VIOLATION_LISTING: "严重违法失信名单", COMMITMENT_BREACH_RECORD: "违背信用承诺记录",
  INCENTIVES_SUSPENDED: "暂停守信激励 (一票否决)", ACCEPT_WITH_GAPS: "容缺受理", GREEN_CHANNEL: "行政审批绿色通道",
  PRIORITY_HANDLING: "优先办理", REDUCED_INSPECTION: "降低抽查比例和频次",
};

const EVENTS_ZH = {
  LICENSE_REVOKED: "吊销营业执照", ORDERED_CLOSED: "责令关闭", BANKRUPTCY_LIQUIDATED: "破产清算完结",
  CRIMINAL_CONVICTION: "刑事判决", DISHONEST_DEBTOR_LISTED: "纳入失信被执行人名单",
  CONSUMPTION_RESTRICTED: "限制消费令", SERIOUS_VIOLATION_LISTED: "列入严重违法失信名单",
  ABNORMAL_OPERATION_LISTED: "列入经营异常名录", PROCUREMENT_BANNED: "禁止参加政府采购",
  BRIBERY_RECORD: "行贿犯罪记录", BIDDING_BANNED: "取消投标资格", ADMINISTRATIVE_PENALTY: "行政处罚",
  JOINT_PUNISHMENT_LISTED: "列入联合惩戒对象名单", KEY_ATTENTION_LISTED: "列入重点关注对象名单",
  CREDIT_REPAIRED: "信用修复", DELISTED: "移出名单", OBJECTION_UPHELD: "异议成立", DECISION_REVOKED: "决定被撤销",
  OBJECTION_FILED: "提出异议", OBJECTION_REJECTED: "异议不成立", CREDIT_COMMITMENT: "信用承诺",
  COMMITMENT_BREACHED: "违背信用承诺", HONOUR_AWARDED: "诚信表彰", RED_LISTED: "列入守信红名单",
  TAX_CREDIT_A: "纳税信用A级", IDENTITY_JUDGED: "身份核实结论",
};

const WORDS_ZH = {
  ALLOW: "允许", REVIEW: "需审查", DENY: "禁止", ACTIVE: "在效", ENDED: "已结束", VOID: "已撤销",
  CONFIRMED: "已确认", UNCONFIRMED: "待确认", active: "存续", revoked: "吊销", closed: "关闭",
  cancelled: "注销", bankrupt: "破产", ENTERPRISE: "企业", PERSON: "自然人", AGENCY: "机关",
  EQUITY: "股权", CONTROL: "控制", lr: "法定代表人", director: "董事", supervisor: "监事", manager: "高管",
  principal: "负责人", procurement: "政府采购", bidding: "招标投标", consumption: "高消费", funding: "政府资金支持",
  company: "公司", soe: "国有企业", public_institution: "事业单位", social_organization: "社会组织",
  individual_business: "个体工商户", other: "其他",
  MATCHED: "已匹配", AMBIGUOUS: "多个候选", NEW: "无候选", SAME: "同一人", DIFFERENT: "非同一人", UNSURE: "不确定",
};

const WORDS_EN = {
  ALLOW: "ALLOW", REVIEW: "REVIEW", DENY: "DENY", lr: "legal representative", director: "director",
  supervisor: "supervisor", manager: "manager", principal: "principal", procurement: "government procurement",
  bidding: "bidding", consumption: "high consumption", funding: "government funding",
  soe: "state-owned enterprise", ENTERPRISE: "enterprise", PERSON: "person", AGENCY: "agency",
};

let lang = localStorage.getItem("creditgraph.lang") || "zh";

export function language() { return lang; }
export function setLanguage(value) {
  lang = value;
  localStorage.setItem("creditgraph.lang", value);
  document.documentElement.lang = value === "zh" ? "zh-CN" : "en";
}
export function t(key) { return (lang === "zh" ? zh : en)[key] || key; }

function humanise(code) {
  return code.toLowerCase().replaceAll("_", " ");
}
function label(table, code) {
  if (code == null) return "";
  return lang === "zh" ? table[code] || code : humanise(code);
}
export const relLabel = (code) => label({ ...RELS_ZH, ...DERIVED_RELS_ZH }, code);
export const measureLabel = (code) => label(MEASURES_ZH, code);
export const eventLabel = (code) => label(EVENTS_ZH, code);
export const word = (code) => (lang === "en" && code in WORDS_EN ? WORDS_EN[code] : label(WORDS_ZH, code));
export const RELS = Object.keys(RELS_ZH);
