package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// The demo's well-known names.
const (
	AluminiumGroupName = "Yunhai Aluminium Group"
	SmelterName        = "Yunhai Electrolytic Aluminium Smelter"
	CastingPlantName   = "Yunhai Aluminium Casting Plant"
	OtherGroupName     = "Panxi Titanium Dioxide Group"
	OtherPlantName     = "Panxi Chloride-Process TiO2 Plant"
	CollegeName        = College
	// DemoSeed makes the demo's synthetic students.
	DemoSeed = 2025
	// DemoStudents is how many synthetic students the demo has.
	DemoStudents = 320
)

// Summary says what LoadDemo created.
type Summary struct {
	GroupID, SmelterID, CastingPlantID, OtherGroupID, OtherPlantID int64
	AgreementID                                                    int64
	InternshipIDs                                                  []int64
	// StudentID is a showcase student (the STUDENT persona), AlumnusID an
	// alumnus (the ALUMNUS persona).
	StudentID, AlumnusID int64
	Students             int
	Internships          int
	Alumni               int
	Applications         int
}

// HasDemo reports whether the demo data are in the database.
func HasDemo(ctx context.Context, db *postgres.DB) (bool, error) {
	_, err := db.PartnerByName(ctx, AluminiumGroupName)
	if coop.ErrorCode(err) == coop.ENOTFOUND {
		return false, nil
	}
	return err == nil, err
}

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func ptr[T any](v T) *T { return &v }

// LoadDemo loads the demo story. It refuses a database that has it already.
func LoadDemo(ctx context.Context, db *postgres.DB, logf func(format string, args ...any)) (*Summary, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if has, err := HasDemo(ctx, db); err != nil {
		return nil, err
	} else if has {
		return nil, errors.New("the demo data are already loaded")
	}
	b := &builder{ctx: ctx, db: db, s: &Summary{}}
	b.partners()
	b.agreements()
	b.addSites()
	b.internships()
	b.priorities()
	if b.err == nil {
		logf("loading %d synthetic students", DemoStudents)
		b.err = SeedStudents(ctx, db, DemoStudents, DemoSeed, nil)
	}
	b.showcase()
	b.alumni()
	b.applications()
	if b.err != nil {
		return nil, fmt.Errorf("demo: %w", b.err)
	}
	n, err := db.CountStudents(ctx, coop.StudentFilter{})
	if err != nil {
		return nil, err
	}
	b.s.Students, b.s.Internships = n, len(b.s.InternshipIDs)
	logf("demo data loaded: %d students, %d internships, %d alumni, %d applications", n, b.s.Internships, b.s.Alumni, b.s.Applications)
	return b.s, nil
}

// builder creates the demo records, stopping at the first error.
type builder struct {
	ctx     context.Context
	db      *postgres.DB
	s       *Summary
	err     error
	siteIDs map[string]int64
	intns   map[string]int64
	stud    map[string]int64
}

func (b *builder) partner(p *coop.Partner) int64 {
	if b.err != nil {
		return 0
	}
	out, err := b.db.CreatePartner(b.ctx, p)
	if err != nil {
		b.err = fmt.Errorf("partner %s: %w", p.Name, err)
		return 0
	}
	return out.ID
}

func (b *builder) partners() {
	b.s.GroupID = b.partner(&coop.Partner{Name: AluminiumGroupName, NameZh: "云海铝业集团", Kind: coop.PartnerGroup,
		Industry: "Aluminium", City: "Kunming", Contacts: []coop.Contact{
			{Name: "李建国", Role: "Group HR Director", Email: "hr@yunhai-al.example.com", Phone: "+86 871 6500 1001"},
			{Name: "Zhou Lin", Role: "University Cooperation Manager", Email: "campus@yunhai-al.example.com", Phone: "+86 871 6500 1020"}}})
	b.s.SmelterID = b.partner(&coop.Partner{Name: SmelterName, NameZh: "云海电解铝厂", Kind: coop.PartnerPlant, ParentID: &b.s.GroupID,
		Industry: "Electrolytic aluminium", City: "Baise", Contacts: []coop.Contact{
			{Name: "黄志伟", Role: "Plant HR Manager", Email: "hr.smelter@yunhai-al.example.com", Phone: "+86 776 288 3100"}}})
	b.s.CastingPlantID = b.partner(&coop.Partner{Name: CastingPlantName, NameZh: "云海铝材铸造厂", Kind: coop.PartnerPlant, ParentID: &b.s.GroupID,
		Industry: "Aluminium casting", City: "Kunming", Contacts: []coop.Contact{
			{Name: "吴丽华", Role: "Plant HR Manager", Email: "hr.casting@yunhai-al.example.com", Phone: "+86 871 6500 2200"}}})
	b.s.OtherGroupID = b.partner(&coop.Partner{Name: OtherGroupName, NameZh: "攀西钛白集团", Kind: coop.PartnerGroup,
		Industry: "Titanium dioxide", City: "Panzhihua", Contacts: []coop.Contact{
			{Name: "Chen Yu", Role: "HR Business Partner", Email: "hr@panxi-ti.example.com", Phone: "+86 812 333 0101"}}})
	b.s.OtherPlantID = b.partner(&coop.Partner{Name: OtherPlantName, NameZh: "攀西氯化法钛白厂", Kind: coop.PartnerPlant, ParentID: &b.s.OtherGroupID,
		Industry: "Titanium dioxide (chloride process)", City: "Panzhihua"})
}

func (b *builder) agreements() {
	if b.err != nil {
		return
	}
	a, err := b.db.CreateAgreement(b.ctx, &coop.Agreement{PartnerID: b.s.GroupID, College: College,
		Title:    "School–Enterprise Cooperation Agreement on Aluminium Industry Talent (铝产业人才校企合作协议)",
		SignedOn: date(2025, 8, 28), ValidFrom: *date(2025, 9, 1), ValidUntil: date(2030, 8, 31), Status: coop.AgreementActive,
		Scopes: []coop.AgreementScope{coop.ScopeInternshipBase, coop.ScopeTrainingBase, coop.ScopeEmploymentPriority,
			coop.ScopeIndustrialCollege, coop.ScopeResearchPlatform, coop.ScopeGuestTeaching}})
	if err != nil {
		b.err = err
		return
	}
	b.s.AgreementID = a.ID
	_, b.err = b.db.CreateAgreement(b.ctx, &coop.Agreement{PartnerID: b.s.OtherGroupID, College: College,
		Title:    "Vanadium–Titanium Joint Research and Internship Agreement (钒钛联合研究与实习协议)",
		SignedOn: date(2024, 11, 12), ValidFrom: *date(2025, 1, 1), ValidUntil: date(2027, 12, 31), Status: coop.AgreementActive,
		Scopes: []coop.AgreementScope{coop.ScopeInternshipBase, coop.ScopeJointResearch}})
}

func (b *builder) addSites() {
	b.siteIDs = map[string]int64{}
	for _, s := range []coop.Site{
		{PartnerID: b.s.SmelterID, Name: "Raw Material Pretreatment Workshop", NameZh: "原料预处理车间", Kind: coop.SiteWorkshop,
			ProcessAreas: []string{"pretreatment", "alumina handling", "anode preparation"}, City: "Baise"},
		{PartnerID: b.s.SmelterID, Name: "Electrolysis Workshop", NameZh: "电解车间", Kind: coop.SiteWorkshop,
			ProcessAreas: []string{"electrolysis", "potline operation", "pot tending"}, City: "Baise"},
		{PartnerID: b.s.SmelterID, Name: "Molten Aluminium Refining Workshop", NameZh: "铝液精炼车间", Kind: coop.SiteWorkshop,
			ProcessAreas: []string{"refining", "degassing", "filtration"}, City: "Baise"},
		{PartnerID: b.s.CastingPlantID, Name: "Casting Workshop", NameZh: "铸造车间", Kind: coop.SiteWorkshop,
			ProcessAreas: []string{"casting", "continuous casting", "ingot casting"}, City: "Kunming"},
		{PartnerID: b.s.CastingPlantID, Name: "Training Base", NameZh: "实训基地", Kind: coop.SiteTrainingBase,
			ProcessAreas: []string{"casting", "quality inspection"}, City: "Kunming"},
		{PartnerID: b.s.OtherPlantID, Name: "Chlorination Line", NameZh: "氯化生产线", Kind: coop.SiteProductionLine,
			ProcessAreas: []string{"chlorination", "oxidation"}, City: "Panzhihua"},
	} {
		if b.err != nil {
			return
		}
		out, err := b.db.CreateSite(b.ctx, &s)
		if err != nil {
			b.err = err
			return
		}
		b.siteIDs[s.Name] = out.ID
	}
}

func (b *builder) internships() {
	b.intns = map[string]int64{}
	must := func(s string, l int) coop.RequiredSkill {
		return coop.RequiredSkill{Skill: s, MinLevel: l, MustHave: true}
	}
	nice := func(s string, l int) coop.RequiredSkill { return coop.RequiredSkill{Skill: s, MinLevel: l} }
	list := []coop.Internship{
		{PartnerID: b.s.SmelterID, SiteID: ptr(b.siteIDs["Electrolysis Workshop"]), Title: "Electrolysis Process Intern (电解工艺实习生)",
			Description:    "Work with the potline team on aluminium electrolysis: pot tending, anode effect monitoring, bath chemistry sampling and current efficiency analysis. You will learn how cell voltage and alumina feeding drive energy use per tonne.",
			RequiredSkills: []coop.RequiredSkill{must("aluminium electrolysis", 2), must("process control", 2), nice("data analysis", 2), nice("safety management", 1)},
			Majors:         []string{"Metallurgical Engineering", "Automation", "Chemical Engineering"}, MinGPA: ptr(2.5),
			GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2028), Slots: 6, StartDate: date(2026, 7, 1), EndDate: date(2026, 8, 31),
			City: "Baise", Status: coop.InternshipOpen, LeadsToEmployment: true},
		{PartnerID: b.s.SmelterID, SiteID: ptr(b.siteIDs["Molten Aluminium Refining Workshop"]), Title: "Molten Aluminium Refining Intern (铝液精炼实习生)",
			Description:    "Join the refining workshop: degassing, fluxing, inline filtration and sampling of molten aluminium before casting; help the quality team trace inclusions back to the process.",
			RequiredSkills: []coop.RequiredSkill{must("molten aluminium refining", 2), nice("materials testing", 2), nice("quality inspection", 2)},
			Majors:         []string{"Metallurgical Engineering", "Materials Science and Engineering", "Materials Forming and Control Engineering"},
			MinGPA:         ptr(2.8), GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2027), Slots: 3,
			StartDate: date(2026, 7, 6), EndDate: date(2026, 9, 4), City: "Baise", Status: coop.InternshipOpen, LeadsToEmployment: true},
		{PartnerID: b.s.SmelterID, SiteID: ptr(b.siteIDs["Raw Material Pretreatment Workshop"]), Title: "Raw Material Pretreatment Intern (原料预处理实习生)",
			Description:        "Support the pretreatment of alumina and fluoride salts and the preparation of anodes; learn material balance, dust control and conveying equipment maintenance.",
			RequiredSkills:     []coop.RequiredSkill{must("raw material pretreatment", 1), nice("equipment maintenance", 2), nice("mineral processing", 2)},
			Majors:             []string{"Mineral Processing Engineering", "Metallurgical Engineering", "Mechanical Engineering"},
			GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2029), Slots: 4,
			StartDate: date(2026, 7, 1), EndDate: date(2026, 8, 15), City: "Baise", Status: coop.InternshipOpen},
		{PartnerID: b.s.CastingPlantID, SiteID: ptr(b.siteIDs["Casting Workshop"]), Title: "Casting Process Intern (铸造工艺实习生)",
			Description:    "Work on the continuous casting and ingot casting lines: mould preparation, casting speed and temperature control, defect analysis of billets, and heat treatment of alloy samples.",
			RequiredSkills: []coop.RequiredSkill{must("casting", 3), nice("heat treatment", 2), nice("aluminium alloys", 2), nice("CAD drafting", 2)},
			Majors:         []string{"Materials Forming and Control Engineering", "Materials Science and Engineering"}, MajorsRequired: true,
			MinGPA: ptr(2.6), GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2027), Slots: 5,
			StartDate: date(2026, 7, 13), EndDate: date(2026, 9, 11), City: "Kunming", Status: coop.InternshipOpen, LeadsToEmployment: true},
		{PartnerID: b.s.CastingPlantID, SiteID: ptr(b.siteIDs["Training Base"]), Title: "Automation and Instrumentation Intern (自动化仪表实习生)",
			Description:    "Maintain and tune the PLC and DCS systems of the casting lines; calibrate thermocouples and flow meters; analyse alarm data.",
			RequiredSkills: []coop.RequiredSkill{must("PLC programming", 2), must("industrial instrumentation", 1), nice("Python programming", 2)},
			Majors:         []string{"Automation", "Mechanical Engineering"}, MinGPA: ptr(2.5), GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2028), Slots: 2,
			StartDate: date(2026, 7, 1), EndDate: date(2026, 8, 28), City: "Kunming", Status: coop.InternshipOpen},
		{PartnerID: b.s.OtherPlantID, SiteID: ptr(b.siteIDs["Chlorination Line"]), Title: "Chloride-Process TiO2 Intern (氯化法钛白实习生)",
			Description:    "Assist process engineers on the chlorination and oxidation sections of a chloride-process titanium dioxide plant; sample and analyse intermediates.",
			RequiredSkills: []coop.RequiredSkill{must("titanium dioxide production", 1), nice("chemical analysis", 2), nice("safety management", 2)},
			Majors:         []string{"Chemical Engineering", "Metallurgical Engineering"}, GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2028), Slots: 3,
			StartDate: date(2026, 7, 1), EndDate: date(2026, 8, 31), City: "Panzhihua", Status: coop.InternshipOpen},
	}
	for i := range list {
		if b.err != nil {
			return
		}
		out, err := b.db.CreateInternship(b.ctx, &list[i])
		if err != nil {
			b.err = fmt.Errorf("internship %s: %w", list[i].Title, err)
			return
		}
		b.intns[list[i].Title] = out.ID
		b.s.InternshipIDs = append(b.s.InternshipIDs, out.ID)
	}
}

func (b *builder) priorities() {
	if b.err != nil {
		return
	}
	_, b.err = b.db.SetHiringPriorities(b.ctx, &coop.HiringPriorities{PartnerID: b.s.GroupID,
		Weights:         coop.Weights{SkillCoverage: ptr(45.0), GroupAffinity: ptr(15.0)},
		PreferredMajors: []string{"Metallurgical Engineering", "Materials Forming and Control Engineering"},
		PreferredCities: []string{"Baise", "Kunming"}, PreferGroupInterns: true, PreferAlumni: true})
	if b.err != nil || len(b.s.InternshipIDs) < 4 {
		return
	}
	_, b.err = b.db.SetHiringPriorities(b.ctx, &coop.HiringPriorities{InternshipID: &b.s.InternshipIDs[3],
		Weights: coop.Weights{SkillCoverage: ptr(50.0), Academics: ptr(20.0)}, PreferredMajors: []string{"Materials Forming and Control Engineering"}})
}

// showcase adds hand-written students for the README's examples.
func (b *builder) showcase() {
	b.stud = map[string]int64{}
	for _, s := range []coop.Student{
		{StudentNumber: "D2022001", Name: "张晓明", College: College, Major: "Metallurgical Engineering", EnrolmentYear: 2022, GraduationYear: 2026,
			GPA: ptr(3.62), Skills: []coop.StudentSkill{{Skill: "aluminium electrolysis", Level: 4}, {Skill: "process control", Level: 3}, {Skill: "data analysis", Level: 3}},
			Courses: []string{"Electrometallurgy", "Nonferrous Metallurgy"}, Languages: []string{"Chinese", "English"}, PreferredCities: []string{"Baise", "Panzhihua"},
			Statement:     "我在学院的电解铝实训平台完成了槽电压与电流效率的课程设计，希望到电解车间实习，毕业后从事电解工艺工作。",
			AvailableFrom: date(2026, 6, 20), AvailableUntil: date(2026, 9, 30), ConsentToShare: true,
			Email: "zhang.xiaoming@students.example.edu.cn", Phone: "+86 138 0812 0001"},
		{StudentNumber: "D2022002", Name: "Li Na (李娜)", College: College, Major: "Materials Forming and Control Engineering", EnrolmentYear: 2022, GraduationYear: 2026,
			GPA: ptr(3.45), Skills: []coop.StudentSkill{{Skill: "casting", Level: 4}, {Skill: "heat treatment", Level: 3}, {Skill: "CAD drafting", Level: 4}},
			Courses: []string{"Casting Technology", "Solidification Theory"}, Languages: []string{"Chinese", "English"}, PreferredCities: []string{"Kunming"},
			Statement:     "My graduation project studies hot cracking in direct-chill casting of 6xxx aluminium billets. I want to join a casting workshop and learn how casting speed and mould temperature control defects.",
			AvailableFrom: date(2026, 7, 1), AvailableUntil: date(2026, 10, 31), ConsentToShare: true,
			Email: "li.na@students.example.edu.cn", Phone: "+86 139 0812 0002"},
		{StudentNumber: "D2023003", Name: "王磊", College: College, Major: "Automation", EnrolmentYear: 2023, GraduationYear: 2027,
			GPA: ptr(3.10), Skills: []coop.StudentSkill{{Skill: "PLC programming", Level: 3}, {Skill: "industrial instrumentation", Level: 2}, {Skill: "Python programming", Level: 3}},
			Languages: []string{"Chinese"}, PreferredCities: []string{"Kunming", "Chengdu"},
			Statement:     "熟悉西门子PLC编程和DCS组态，希望在铸造厂的自动化岗位实习。",
			AvailableFrom: date(2026, 7, 1), AvailableUntil: date(2026, 8, 31), ConsentToShare: false,
			Email: "wang.lei@students.example.edu.cn", Phone: "+86 137 0812 0003"},
	} {
		if b.err != nil {
			return
		}
		out, err := b.db.CreateStudent(b.ctx, &s)
		if err != nil {
			b.err = fmt.Errorf("student %s: %w", s.Name, err)
			return
		}
		b.stud[s.StudentNumber] = out.ID
	}
	b.s.StudentID = b.stud["D2022001"]
}

func (b *builder) alumni() {
	for _, a := range []coop.Alumnus{
		{Name: "陈海涛", GraduationYear: 2019, Major: "Metallurgical Engineering", EmployerID: &b.s.SmelterID, Position: "Electrolysis process engineer",
			JoinedOn: date(2019, 7, 15), CurriculumRating: ptr(4), WillingToMentor: true,
			GrowthStory:        "Started as a pot tender on potline 2, became shift leader in 2021 and now leads the current-efficiency improvement team.",
			CurriculumFeedback: "电化学冶金课程打下了很好的基础，但希望增加槽况判断和数据分析的实训内容；电解质化学讲得透彻。"},
		{Name: "Liu Fang (刘芳)", GraduationYear: 2020, Major: "Materials Forming and Control Engineering", EmployerID: &b.s.CastingPlantID, Position: "Casting quality engineer",
			JoinedOn: date(2020, 8, 1), CurriculumRating: ptr(3), WillingToMentor: true,
			GrowthStory:        "Joined the casting plant's quality team; introduced ultrasonic inspection of billets and cut the scrap rate by a third.",
			CurriculumFeedback: "Solidification theory was excellent. The curriculum should add more on aluminium alloy melt treatment and on statistical process control; I had to learn SPC on the job."},
		{Name: "赵强", GraduationYear: 2018, Major: "Automation", EmployerID: &b.s.CastingPlantID, Position: "Instrumentation and control supervisor",
			JoinedOn: date(2018, 7, 1), CurriculumRating: ptr(4), WillingToMentor: false,
			GrowthStory:        "Rebuilt the DCS of the casting line in 2022 and now supervises the automation team of eight.",
			CurriculumFeedback: "PLC课程很实用，建议增加现场总线和工业网络安全的内容。"},
		{Name: "Sun Wei (孙伟)", GraduationYear: 2021, Major: "Mineral Processing Engineering", EmployerID: &b.s.SmelterID, Position: "Pretreatment shift engineer",
			JoinedOn: date(2021, 7, 20), CurriculumRating: ptr(3), WillingToMentor: true,
			GrowthStory:        "Rotated through pretreatment and anode preparation; now responsible for material balance of the pretreatment workshop.",
			CurriculumFeedback: "Good grounding in grinding and classification, but dust control and bulk material handling were missing from the courses."},
		{Name: "周敏", GraduationYear: 2017, Major: "Chemical Engineering", EmployerID: &b.s.OtherPlantID, Position: "Chlorination section head",
			JoinedOn: date(2017, 7, 10), CurriculumRating: ptr(5), WillingToMentor: true,
			GrowthStory:        "从氯化工段操作员成长为工段长，参与了学院与集团的钛白联合研究项目。",
			CurriculumFeedback: "化工原理和反应工程课程对工作帮助很大。"},
	} {
		if b.err != nil {
			return
		}
		out, err := b.db.CreateAlumnus(b.ctx, &a)
		if err != nil {
			b.err = err
			return
		}
		if b.s.AlumnusID == 0 {
			b.s.AlumnusID = out.ID
		}
		b.s.Alumni++
	}
}

// applications applies showcase and synthetic students and moves some
// through the selection.
func (b *builder) applications() {
	if b.err != nil || len(b.s.InternshipIDs) < 5 {
		return
	}
	const actor = "CAREER_OFFICER:demo"
	type app struct {
		student    int64
		internship int64
		path       []coop.ApplicationStatus
	}
	apps := []app{
		{b.stud["D2022001"], b.s.InternshipIDs[0], []coop.ApplicationStatus{coop.ApplicationShortlisted, coop.ApplicationInterviewing}},
		{b.stud["D2022002"], b.s.InternshipIDs[3], []coop.ApplicationStatus{coop.ApplicationShortlisted}},
		{b.stud["D2023003"], b.s.InternshipIDs[4], nil},
	}
	// Synthetic students (the first ids after the demo's records) apply too.
	l, err := b.db.FindStudents(b.ctx, coop.StudentFilter{}, coop.ListOptions{First: ptr(40)})
	if err != nil {
		b.err = err
		return
	}
	paths := [][]coop.ApplicationStatus{nil, {coop.ApplicationRejected},
		{coop.ApplicationShortlisted, coop.ApplicationInterviewing, coop.ApplicationOffered, coop.ApplicationAccepted},
		{coop.ApplicationWithdrawn}, {coop.ApplicationShortlisted}}
	for i, s := range l.Items {
		apps = append(apps, app{s.ID, b.s.InternshipIDs[i%len(b.s.InternshipIDs)], paths[i%len(paths)]})
	}
	for _, a := range apps {
		ap, err := b.db.ApplyToInternship(b.ctx, a.student, a.internship, "", actor)
		if err != nil {
			b.err = err
			return
		}
		for _, to := range a.path {
			if _, err := b.db.TransitionApplication(b.ctx, ap.ID, to, actor, ""); err != nil {
				b.err = err
				return
			}
		}
		b.s.Applications++
	}
}

// SeedStudents loads n deterministic synthetic students made from seed,
// with COPY in batches. progress, when set, is called after each batch.
// Student numbers carry the seed: loading the same seed twice fails with a
// duplicate student number and writes nothing of the failing batch.
func SeedStudents(ctx context.Context, db *postgres.DB, n int, seed uint64, progress func(done, total int)) error {
	const batch = 5000
	for start := 0; start < n; start += batch {
		end := min(n, start+batch)
		ss := make([]*coop.Student, 0, end-start)
		for i := start; i < end; i++ {
			ss = append(ss, Synthetic(seed, i))
		}
		if err := db.CopyStudents(ctx, ss); err != nil {
			if coop.ErrorCode(err) == coop.EINVALID {
				return fmt.Errorf("students of seed %d are already loaded (choose another --seed): %w", seed, err)
			}
			return err
		}
		if progress != nil {
			progress(end, n)
		}
	}
	return nil
}
