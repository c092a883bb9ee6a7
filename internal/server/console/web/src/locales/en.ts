export const en = {
  brand: 'Crucible', skip: 'Skip to content', language: 'Language', signOut: 'Sign out', notFound: 'There is no such page.',
  loading: 'Loading…', prev: 'Previous', next: 'Next', save: 'Save', cancel: 'Cancel', edit: 'Edit', filter: 'Filter', yes: 'Yes', no: 'No',
  nav: { label: 'Main', shortlist: 'Shortlists', search: 'Candidates', pipeline: 'Pipeline', partners: 'Partners', students: 'Students', internships: 'Internships', alumni: 'Alumni', me: 'My profile' },
  role: { ADMIN: 'Administrator', CAREER_OFFICER: 'Career office', PARTNER: 'Enterprise', STUDENT: 'Student', ALUMNUS: 'Alumnus' },
  persona: { ADMIN: 'Administrator', CAREER_OFFICER: 'Career officer', GROUP_HR: 'Aluminium group HR', PLANT_HR: 'Smelter HR', OTHER_PARTNER_HR: 'Other group HR', STUDENT: 'Student', ALUMNUS: 'Alumnus' },
  errors: {
    UNAUTHENTICATED: 'Your sign-in is not valid any more. Sign in again.',
    FORBIDDEN: 'You may not see this.', NOT_FOUND: 'Not found, or not yours to see.',
    BAD_USER_INPUT: 'The request was not valid.', NETWORK: 'The server cannot be reached.', INTERNAL: 'Something went wrong on the server.',
  },
  signin: {
    title: 'Sign in to Crucible', token: 'Access token', submit: 'Sign in', failed: 'That token was not accepted.',
    help: 'Paste the token your administrator gave you. It is kept for this browser tab only.', demo: 'Demo personas',
  },
  shortlist: {
    title: 'Shortlist', internship: 'Internship', choose: 'Choose an internship…', pick: 'Choose an open internship to see its ranked candidates.',
    minScore: 'Minimum score', city: 'City', requires: 'Requires', total_one: '{{count}} candidate', total_other: '{{count}} candidates',
    breakdown: 'Score breakdown', scoreHelp: 'The score is the sum of the contributions below.',
    addToPipeline: 'Add to pipeline', added: 'Added to the pipeline.', saved: 'Saved shortlists', saveName: 'Name', save: 'Save this shortlist',
  },
  feature: { skill_coverage: 'Skills', text_relevance: 'Text', major_fit: 'Major', academics: 'Academics', group_affinity: 'Ties to the group', availability_fit: 'Availability' },
  kind: { exact: 'exact', alias: 'alias', related: 'related', partial: 'partial', GROUP: 'Group', COMPANY: 'Company', PLANT: 'Plant', INSTITUTE: 'Institute' },
  search: {
    title: 'Candidate search', query: 'Search', placeholder: 'Skills, courses, words from the statement — Chinese or English', go: 'Search',
    sort: 'Sort by', facets: 'Filters', total_one: '{{count}} student', total_other: '{{count}} students', remove: 'Remove filter {{value}}',
  },
  sort: { RELEVANCE: 'Relevance', GPA: 'GPA', GRADUATION_YEAR: 'Graduation year', NAME: 'Name' },
  facet: { MAJOR: 'Major', GRADUATION_YEAR: 'Graduation year', SKILL: 'Skill', CITY: 'City' },
  pipeline: {
    title: 'Pipeline', all: 'All internships', subtree: 'All of {{name}}', count_one: '{{count}} application', count_other: '{{count}} applications',
    moveTo: 'Move to', note: 'Note', move: 'Move', history: 'History',
  },
  status: { APPLIED: 'Applied', SHORTLISTED: 'Shortlisted', INTERVIEWING: 'Interviewing', OFFERED: 'Offered', ACCEPTED: 'Accepted', COMPLETED: 'Completed', HIRED: 'Hired', REJECTED: 'Rejected', DECLINED: 'Declined', WITHDRAWN: 'Withdrawn' },
  internshipStatus: { DRAFT: 'Draft', OPEN: 'Open', CLOSED: 'Closed', FILLED: 'Filled' },
  partners: { title: 'Partners', sites: 'Sites', priorities: 'Hiring priorities', inherited: 'inherited from the group', edit: 'Adjust', previewFor: 'Preview on', was: 'was #{{rank}}' },
  agreement: { DRAFT: 'Draft', ACTIVE: 'Active', EXPIRED: 'Expired', TERMINATED: 'Terminated' },
  scope: { INTERNSHIP_BASE: 'Internship base', TRAINING_BASE: 'Training base', EMPLOYMENT_PRIORITY: 'Priority in hiring', INDUSTRIAL_COLLEGE: 'Industrial college', RESEARCH_PLATFORM: 'Research platform', JOINT_RESEARCH: 'Joint research', GUEST_TEACHING: 'Guest teaching' },
  students: {
    title: 'Students', query: 'Text', major: 'Major', minGpa: 'Min. GPA', year: 'Graduation year', number: 'Student no.', name: 'Name', consent: 'Consents to share',
    total_one: '{{count}} student', total_other: '{{count}} students', skills: 'Skills', courses: 'Courses', certificates: 'Certificates', cities: 'Preferred cities',
    available: 'Available', contact: 'Contact', hidden: 'hidden', statement: 'Statement', applications: 'Applications', college: 'College',
    enrolmentYear: 'Enrolment year', graduationYear: 'Graduation year', email: 'Email', phone: 'Phone',
  },
  form: { fix_one: 'One field needs attention.', fix_other: '{{count}} fields need attention.' },
  internships: { title: 'Internships', name: 'Title', partner: 'Partner', city: 'City', slots: 'Places', dates: 'Dates', status: 'Status', actions: 'Actions' },
  alumni: { title: 'Alumni', since: 'since {{date}}', mentor: 'willing to mentor', rating: 'Curriculum rated {{rating}} of 5' },
}
export type Messages = typeof en
