import type { Messages } from './en'

export const zh: Messages = {
  brand: 'Crucible 校企合作', skip: '跳到正文', language: '语言', signOut: '退出', notFound: '没有这个页面。',
  loading: '加载中…', prev: '上一页', next: '下一页', save: '保存', cancel: '取消', edit: '编辑', filter: '筛选', yes: '是', no: '否',
  nav: { label: '主导航', shortlist: '候选名单', search: '人才搜索', pipeline: '招聘流程', partners: '合作单位', students: '学生', internships: '实习岗位', alumni: '校友', me: '我的档案' },
  role: { ADMIN: '管理员', CAREER_OFFICER: '就业指导中心', PARTNER: '企业', STUDENT: '学生', ALUMNUS: '校友' },
  persona: { ADMIN: '管理员', CAREER_OFFICER: '就业指导老师', GROUP_HR: '铝业集团人力资源', PLANT_HR: '电解铝厂人力资源', OTHER_PARTNER_HR: '其他集团人力资源', STUDENT: '学生', ALUMNUS: '校友' },
  errors: {
    UNAUTHENTICATED: '登录已失效，请重新登录。',
    FORBIDDEN: '您无权查看此内容。', NOT_FOUND: '未找到，或您无权查看。',
    BAD_USER_INPUT: '请求无效。', NETWORK: '无法连接服务器。', INTERNAL: '服务器出错了。',
  },
  signin: {
    title: '登录 Crucible', token: '访问令牌', submit: '登录', failed: '该令牌无效。',
    help: '粘贴管理员发给您的令牌。它只保存在当前浏览器标签页中。', demo: '演示身份',
  },
  shortlist: {
    title: '候选名单', internship: '实习岗位', choose: '选择实习岗位…', pick: '选择一个开放的实习岗位，查看排序后的候选人。',
    minScore: '最低分', city: '城市', requires: '技能要求', total_one: '{{count}} 名候选人', total_other: '{{count}} 名候选人',
    breakdown: '得分构成', scoreHelp: '总分是下面各项贡献之和。',
    addToPipeline: '加入招聘流程', added: '已加入招聘流程。', saved: '已保存的名单', saveName: '名称', save: '保存此名单',
  },
  feature: { skill_coverage: '技能', text_relevance: '文本', major_fit: '专业', academics: '学业', group_affinity: '与集团的联系', availability_fit: '时间' },
  kind: { exact: '完全匹配', alias: '别名', related: '相关', partial: '部分', GROUP: '集团', COMPANY: '公司', PLANT: '工厂', INSTITUTE: '研究院' },
  search: {
    title: '人才搜索', query: '搜索', placeholder: '技能、课程、个人陈述中的词——中文或英文', go: '搜索',
    sort: '排序', facets: '筛选', total_one: '{{count}} 名学生', total_other: '{{count}} 名学生', remove: '移除筛选 {{value}}',
  },
  sort: { RELEVANCE: '相关度', GPA: '绩点', GRADUATION_YEAR: '毕业年份', NAME: '姓名' },
  facet: { MAJOR: '专业', GRADUATION_YEAR: '毕业年份', SKILL: '技能', CITY: '城市' },
  pipeline: {
    title: '招聘流程', all: '全部实习岗位', subtree: '{{name}}全部', count_one: '{{count}} 份申请', count_other: '{{count}} 份申请',
    moveTo: '移至', note: '备注', move: '移动', history: '历史',
  },
  status: { APPLIED: '已申请', SHORTLISTED: '入围', INTERVIEWING: '面试中', OFFERED: '已发录用', ACCEPTED: '已接受', COMPLETED: '已完成', HIRED: '已录用', REJECTED: '未通过', DECLINED: '已婉拒', WITHDRAWN: '已撤回' },
  internshipStatus: { DRAFT: '草稿', OPEN: '开放', CLOSED: '已关闭', FILLED: '已满' },
  partners: { title: '合作单位', sites: '基地', priorities: '招聘偏好', inherited: '沿用集团设置', edit: '调整', previewFor: '预览岗位', was: '原第 {{rank}} 名' },
  agreement: { DRAFT: '草稿', ACTIVE: '生效', EXPIRED: '已到期', TERMINATED: '已终止' },
  scope: { INTERNSHIP_BASE: '实习基地', TRAINING_BASE: '实训基地', EMPLOYMENT_PRIORITY: '优先录用', INDUSTRIAL_COLLEGE: '产业学院', RESEARCH_PLATFORM: '科研平台', JOINT_RESEARCH: '联合研究', GUEST_TEACHING: '工程师授课' },
  students: {
    title: '学生', query: '文本', major: '专业', minGpa: '最低绩点', year: '毕业年份', number: '学号', name: '姓名', consent: '同意共享',
    total_one: '{{count}} 名学生', total_other: '{{count}} 名学生', skills: '技能', courses: '课程', certificates: '证书', cities: '意向城市',
    available: '可实习时间', contact: '联系方式', hidden: '不可见', statement: '个人陈述', applications: '申请', college: '学院',
    enrolmentYear: '入学年份', graduationYear: '毕业年份', email: '电子邮箱', phone: '电话',
    years: '在读年份', new: '新建学生', skillsInput: '技能（名称:等级；…，等级 1–5）',
  },
  form: { fix_one: '有 1 项需要修改。', fix_other: '有 {{count}} 项需要修改。' },
  internships: { title: '实习岗位', name: '岗位', partner: '单位', city: '城市', slots: '名额', dates: '时间', status: '状态', actions: '操作',
    new: '新建实习岗位', description: '岗位描述', skillsInput: '技能要求（名称:最低等级；末尾加 ! 表示必备）', majors: '专业',
    majorsRequired: '仅限这些专业', yearFrom: '毕业年份自', yearTo: '毕业年份至', start: '开始', end: '结束', leadsToEmployment: '可转正式录用' },
  import: {
    title: '批量导入', help: '与 crucible import 相同的文件：CSV（首行为新建表单的字段名，列表用“;”分隔，技能写作 名称:等级），或 JSON lines。先逐行检查；有错误的行会列出行号、字段和原因，默认此时不写入任何数据。',
    kind: '数据类型', students: '学生', internships: '实习岗位', file: '文件', formats: 'CSV（.csv）或 JSON lines（.jsonl）',
    tooBig: '文件超过接口上限（1 MB），请用 crucible import 导入。', skipInvalid: '即使有错误行，也写入正确的行',
    check: '仅检查', run: '导入', counts: '读取 {{read}} 条，写入 {{written}} 条，拒绝 {{rejected}} 条', line: '行', field: '字段', reason: '原因',
  },
  alumni: { title: '校友', since: '{{date}} 入职', mentor: '愿意担任导师', rating: '课程评分 {{rating}}/5' },
}
