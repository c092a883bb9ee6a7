package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching/synth"
)

// The demo's well-known names. Tokens, personas and the README refer to
// them.
const (
	// CollegeName is the college on the university's side of the demo,
	// synth's college.
	CollegeName = synth.College
	// CollegeNameZh is its Chinese name.
	CollegeNameZh = "钒钛学院"

	// AluminiumGroupName is the aluminium group the college signs with; the
	// demo is loaded when a partner of this name exists (HasDemo).
	AluminiumGroupName = "Yunhai Aluminium Group"
	// SmelterName is the group's electrolytic-aluminium smelter.
	SmelterName = "Yunhai Electrolytic Aluminium Smelter"
	// CastingPlantName is the group's casting plant.
	CastingPlantName = "Yunhai Aluminium Casting Plant"
	// InstituteName is the group's research institute, host of the joint
	// research platform and the industrial college's lecturers.
	InstituteName = "Yunhai Light Metals Research Institute"
	// OtherGroupName is an unrelated partner group.
	OtherGroupName = "Panxi Titanium Dioxide Group"
	// OtherPlantName is the other group's plant.
	OtherPlantName = "Panxi Chloride-Process TiO2 Plant"

	// AgreementTitle is the title of the agreement with the aluminium group.
	AgreementTitle = "School–Enterprise Cooperation Agreement on Aluminium Industry Talent (铝产业人才校企合作协议)"

	// Actor is who the demo's application moves are recorded as.
	Actor = "CAREER_OFFICER:demo"

	// DemoSeed is the synth seed of the demo's synthetic students.
	DemoSeed uint64 = 2025
	// DemoStudents is how many synthetic students the demo has (besides
	// the hand-written showcase students).
	DemoStudents = 320

	// ShowcaseStudentNumber is the student number of the showcase student
	// in Summary.StudentID (张晓明, the STUDENT persona).
	ShowcaseStudentNumber = "VT2022010101"
)

// AgreementSignedOn is when the college and the aluminium group signed.
var AgreementSignedOn = time.Date(2025, 8, 28, 0, 0, 0, 0, time.UTC)

// Summary says what LoadDemo created, for demo tokens and personas.
type Summary struct {
	// Partners.
	GroupID, SmelterID, CastingPlantID, InstituteID, OtherGroupID, OtherPlantID int64
	// AgreementID is the ACTIVE agreement with the aluminium group;
	// OtherAgreementID the one with the other group.
	AgreementID, OtherAgreementID int64
	// Commitments counts the agreement's commitments; Events the entries
	// of the events log; Courses the catalogue and Feedback the alumni's
	// feedback on it.
	Commitments, Events, Courses, Feedback, Contributions int
	// ElectrolysisCourseID is the aluminium electrolysis course, with
	// alumni's feedback from three years.
	ElectrolysisCourseID int64
	// InternshipIDs lists every internship in creation order:
	// electrolysis, refining, pretreatment, casting, automation (casting
	// plant), TiO2 (other group), then last summer's closed potline
	// internship.
	InternshipIDs []int64
	// The internships by name.
	ElectrolysisInternshipID, RefiningInternshipID, PretreatmentInternshipID, CastingInternshipID,
	AutomationInternshipID, OtherInternshipID, PastInternshipID int64
	// StudentID is the showcase student 张晓明 (the STUDENT persona);
	// ShowcaseStudentIDs are all hand-written students, StudentID first.
	StudentID          int64
	ShowcaseStudentIDs []int64
	// AlumnusID is 陈海涛, an electrolysis engineer at the smelter (the
	// ALUMNUS persona); AlumnusIDs are all alumni.
	AlumnusID  int64
	AlumnusIDs []int64
	// Counts. Students counts every student in the database afterwards.
	Students, SyntheticStudents, Internships, Alumni, Applications int
}

// HasDemo reports whether the demo data are in the database: whether the
// aluminium group exists. Callers load the demo only when it is false.
func HasDemo(ctx context.Context, db *postgres.DB) (bool, error) {
	_, err := db.PartnerByName(ctx, AluminiumGroupName)
	switch {
	case err == nil:
		return true, nil
	case coop.ErrorCode(err) == coop.ENOTFOUND:
		return false, nil
	}
	return false, fmt.Errorf("demo: %w", err)
}

// ErrDemoLoaded is returned by LoadDemo on a database that has the demo.
var ErrDemoLoaded = errors.New("the demo data are already loaded (the partner " + AluminiumGroupName + " exists)")

// LoadDemo loads the demo story: the college's partners (the aluminium group
// with its smelter, casting plant and research institute, and an unrelated
// titanium-dioxide group), the agreements, sites, internships, hiring
// priorities, DemoStudents synthetic and a few hand-written students,
// alumni, and applications in various states. log, when set, reports
// progress. It refuses a database that has the demo (ErrDemoLoaded). On
// failure it removes what it wrote, so that it can be run again.
func LoadDemo(ctx context.Context, db *postgres.DB, log func(format string, args ...any)) (*Summary, error) {
	if log == nil {
		log = func(string, ...any) {}
	}
	has, err := HasDemo(ctx, db)
	if err != nil {
		return nil, err
	}
	if has {
		return nil, ErrDemoLoaded
	}
	start := time.Now()
	b := &builder{ctx: ctx, db: db, s: &Summary{}, log: log}
	for _, step := range []struct {
		what string
		fn   func() error
	}{
		{"partners", b.partners},
		{"agreements", b.agreements},
		{"sites", b.sites},
		{"internships", b.internships},
		{"hiring priorities", b.priorities},
		{"synthetic students", b.synthetic},
		{"showcase students", b.showcase},
		{"last summer's internship", b.pastInternship},
		{"alumni", b.alumni},
		{"applications", b.applications},
		{"events", b.events},
		{"contributions", b.contributions},
		{"commitments", b.commitments},
		{"courses", b.courses},
	} {
		if err := step.fn(); err != nil {
			err = fmt.Errorf("demo: %s: %w", step.what, err)
			if uerr := b.rollback(); uerr != nil {
				return nil, fmt.Errorf("%w (and removing what was written failed: %v)", err, uerr)
			}
			return nil, err
		}
	}
	n, err := db.CountStudents(ctx, coop.StudentFilter{})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	s := b.s
	s.Students, s.Internships, s.Alumni = n, len(s.InternshipIDs), len(s.AlumnusIDs)
	log("demo data loaded in %s: %d internships, %d students (%d synthetic), %d alumni, %d applications, %d commitments, %d events, %d courses, %d course feedback",
		time.Since(start).Round(time.Millisecond), s.Internships, n, s.SyntheticStudents, s.Alumni, s.Applications, s.Commitments, s.Events,
		s.Courses, s.Feedback)
	return s, nil
}

// builder creates the demo's records and remembers how to remove them.
type builder struct {
	ctx  context.Context
	db   *postgres.DB
	s    *Summary
	log  func(string, ...any)
	undo []func(context.Context) error

	site      map[string]int64
	generated []*coop.Student  // the synthetic students as loaded, with ids
	byNumber  map[string]int64 // showcase students by number
	picked    map[int64]bool   // synthetic students who applied
}

// rollback deletes what the builder created, newest first. It runs even
// when the load was cancelled.
func (b *builder) rollback() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), time.Minute)
	defer cancel()
	for i := len(b.undo) - 1; i >= 0; i-- {
		if err := b.undo[i](ctx); err != nil {
			return err
		}
	}
	b.undo = nil
	return nil
}

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func ptr[T any](v T) *T { return &v }

// Cities of the story. The college is in Panzhihua; the aluminium group is
// based in Kunming and its smelter in Baotou, one of China's aluminium
// bases. All are cities that synthetic students prefer (matching/synth).
const (
	cityCollege   = "Panzhihua"
	cityGroup     = "Kunming"
	citySmelter   = "Baotou"
	cityCasting   = "Kunming"
	cityInstitute = "Kunming"
	cityOther     = "Panzhihua"
)

func (b *builder) partner(p *coop.Partner) (int64, error) {
	out, err := b.db.CreatePartner(b.ctx, p)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.Name, err)
	}
	b.undo = append(b.undo, func(ctx context.Context) error { return b.db.DeletePartner(ctx, out.ID) })
	return out.ID, nil
}

func (b *builder) partners() error {
	var err error
	if b.s.GroupID, err = b.partner(&coop.Partner{Name: AluminiumGroupName, NameZh: "云海铝业集团", Kind: coop.PartnerGroup,
		Industry: "Aluminium: alumina, electrolytic aluminium, casting and rolling", City: cityGroup, Contacts: []coop.Contact{
			{Name: "李建国", Role: "Group HR Director (集团人力资源总监)", Email: "hr@yunhai-al.example.com", Phone: "+86 871 6500 1001"},
			{Name: "Zhou Lin", Role: "University Cooperation Manager", Email: "campus@yunhai-al.example.com", Phone: "+86 871 6500 1020"}}}); err != nil {
		return err
	}
	if b.s.SmelterID, err = b.partner(&coop.Partner{Name: SmelterName, NameZh: "云海电解铝厂", Kind: coop.PartnerPlant, ParentID: &b.s.GroupID,
		Industry: "Electrolytic aluminium (400 kA prebaked cells, 500 kt a year)", City: citySmelter, Contacts: []coop.Contact{
			{Name: "黄志伟", Role: "Plant HR Manager (人事科长)", Email: "hr.smelter@yunhai-al.example.com", Phone: "+86 472 288 3100"},
			{Name: "马骏", Role: "Deputy Chief Engineer, Electrolysis", Email: "ma.jun@yunhai-al.example.com", Phone: "+86 472 288 3150"}}}); err != nil {
		return err
	}
	if b.s.CastingPlantID, err = b.partner(&coop.Partner{Name: CastingPlantName, NameZh: "云海铝材铸造厂", Kind: coop.PartnerPlant, ParentID: &b.s.GroupID,
		Industry: "Aluminium casting: alloy billets, slabs and foundry ingots", City: cityCasting, Contacts: []coop.Contact{
			{Name: "吴丽华", Role: "Plant HR Manager (人事科长)", Email: "hr.casting@yunhai-al.example.com", Phone: "+86 871 6731 2200"}}}); err != nil {
		return err
	}
	if b.s.InstituteID, err = b.partner(&coop.Partner{Name: InstituteName, NameZh: "云海轻金属研究院", Kind: coop.PartnerInstitute, ParentID: &b.s.GroupID,
		Industry: "Light metals research and development", City: cityInstitute, Contacts: []coop.Contact{
			{Name: "杨波", Role: "Director, Joint Research Platform", Email: "yang.bo@yunhai-al.example.com", Phone: "+86 871 6500 3300"}}}); err != nil {
		return err
	}
	if b.s.OtherGroupID, err = b.partner(&coop.Partner{Name: OtherGroupName, NameZh: "攀西钛白集团", Kind: coop.PartnerGroup,
		Industry: "Titanium dioxide and titanium concentrate", City: cityOther, Contacts: []coop.Contact{
			{Name: "Chen Yu", Role: "HR Business Partner", Email: "hr@panxi-ti.example.com", Phone: "+86 812 333 0101"}}}); err != nil {
		return err
	}
	b.s.OtherPlantID, err = b.partner(&coop.Partner{Name: OtherPlantName, NameZh: "攀西氯化法钛白厂", Kind: coop.PartnerPlant, ParentID: &b.s.OtherGroupID,
		Industry: "Titanium dioxide (chloride process)", City: cityOther})
	return err
}

func (b *builder) agreement(a *coop.Agreement) (int64, error) {
	out, err := b.db.CreateAgreement(b.ctx, a)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", a.Title, err)
	}
	b.undo = append(b.undo, func(ctx context.Context) error { return b.db.DeleteAgreement(ctx, out.ID) })
	return out.ID, nil
}

func (b *builder) agreements() error {
	college := CollegeName + " (" + CollegeNameZh + ")"
	var err error
	if b.s.AgreementID, err = b.agreement(&coop.Agreement{PartnerID: b.s.GroupID, College: college, Title: AgreementTitle,
		SignedOn: ptr(AgreementSignedOn), ValidFrom: *date(2025, 9, 1), ValidUntil: date(2030, 8, 31), Status: coop.AgreementActive,
		Scopes: []coop.AgreementScope{coop.ScopeInternshipBase, coop.ScopeTrainingBase, coop.ScopeEmploymentPriority,
			coop.ScopeIndustrialCollege, coop.ScopeResearchPlatform, coop.ScopeGuestTeaching}}); err != nil {
		return err
	}
	if b.s.OtherAgreementID, err = b.agreement(&coop.Agreement{PartnerID: b.s.OtherGroupID, College: college,
		Title:    "Vanadium–Titanium Joint Research and Internship Agreement (钒钛联合研究与实习协议)",
		SignedOn: date(2024, 11, 12), ValidFrom: *date(2025, 1, 1), ValidUntil: date(2027, 12, 31), Status: coop.AgreementActive,
		Scopes: []coop.AgreementScope{coop.ScopeInternshipBase, coop.ScopeJointResearch}}); err != nil {
		return err
	}
	// An earlier, expired agreement shows the history.
	_, err = b.agreement(&coop.Agreement{PartnerID: b.s.OtherGroupID, College: college,
		Title:    "Titanium Dioxide Training Base Agreement 2020–2024 (钛白实训基地协议)",
		SignedOn: date(2020, 3, 18), ValidFrom: *date(2020, 4, 1), ValidUntil: date(2024, 3, 31), Status: coop.AgreementExpired,
		Scopes: []coop.AgreementScope{coop.ScopeTrainingBase}})
	return err
}

func (b *builder) sites() error {
	b.site = map[string]int64{}
	for _, s := range []coop.Site{
		{PartnerID: b.s.SmelterID, Name: "Raw Material Pretreatment Workshop", NameZh: "原料预处理车间", Kind: coop.SiteWorkshop,
			ProcessAreas: []string{"pretreatment", "alumina storage and conveying", "fluoride salt dosing", "anode assembly"}, City: citySmelter},
		{PartnerID: b.s.SmelterID, Name: "Electrolysis Workshop (Potlines 1–2)", NameZh: "电解车间（一、二系列）", Kind: coop.SiteWorkshop,
			ProcessAreas: []string{"electrolysis", "pot tending", "anode change", "fume treatment"}, City: citySmelter},
		{PartnerID: b.s.SmelterID, Name: "Molten Aluminium Refining Workshop", NameZh: "铝液精炼车间", Kind: coop.SiteWorkshop,
			ProcessAreas: []string{"refining", "degassing", "fluxing", "inline filtration"}, City: citySmelter},
		{PartnerID: b.s.CastingPlantID, Name: "Casting Workshop", NameZh: "铸造车间", Kind: coop.SiteWorkshop,
			ProcessAreas: []string{"casting", "direct-chill casting", "homogenising", "billet inspection"}, City: cityCasting},
		{PartnerID: b.s.CastingPlantID, Name: "Casting Training Base", NameZh: "铸造实训基地", Kind: coop.SiteTrainingBase,
			ProcessAreas: []string{"casting", "automation", "quality inspection"}, City: cityCasting},
		{PartnerID: b.s.InstituteID, Name: "Joint Light Metals Research Platform", NameZh: "轻金属联合研究平台", Kind: coop.SiteLaboratory,
			ProcessAreas: []string{"electrolysis", "aluminium alloys", "materials testing"}, City: cityInstitute},
		{PartnerID: b.s.OtherPlantID, Name: "Chlorination and Oxidation Line", NameZh: "氯化氧化生产线", Kind: coop.SiteProductionLine,
			ProcessAreas: []string{"chlorination", "oxidation", "surface treatment"}, City: cityOther},
	} {
		out, err := b.db.CreateSite(b.ctx, &s)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		b.undo = append(b.undo, func(ctx context.Context) error { return b.db.DeleteSite(ctx, out.ID) })
		b.site[s.Name] = out.ID
	}
	return nil
}

func must(skill string, level int) coop.RequiredSkill {
	return coop.RequiredSkill{Skill: skill, MinLevel: level, MustHave: true}
}

func nice(skill string, level int) coop.RequiredSkill {
	return coop.RequiredSkill{Skill: skill, MinLevel: level}
}

func (b *builder) internship(in *coop.Internship) (int64, error) {
	out, err := b.db.CreateInternship(b.ctx, in)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", in.Title, err)
	}
	b.undo = append(b.undo, func(ctx context.Context) error { return b.db.DeleteInternship(ctx, out.ID) })
	b.s.InternshipIDs = append(b.s.InternshipIDs, out.ID)
	return out.ID, nil
}

// The majors the internships accept; they are synth's major names.
const (
	majorMetallurgy = "Metallurgical Engineering"
	majorMaterials  = "Materials Science and Engineering"
	majorForming    = "Materials Forming and Control Engineering"
	majorMinerals   = "Mineral Processing Engineering"
	majorAutomation = "Automation"
	majorMechanical = "Mechanical Engineering"
	majorChemical   = "Chemical Engineering"
	majorSafety     = "Safety Engineering"
)

func (b *builder) internships() error {
	for _, x := range []struct {
		id *int64
		in coop.Internship
	}{
		{&b.s.ElectrolysisInternshipID, coop.Internship{PartnerID: b.s.SmelterID, SiteID: ptr(b.site["Electrolysis Workshop (Potlines 1–2)"]),
			Title: "Electrolysis Process Intern (电解工艺实习生)",
			Description: "Join the potline process team of a 400 kA prebaked-cell smelter. You will take part in pot tending and anode changes, " +
				"sample bath and metal for chemistry (ratio, alumina and CaF2 content), follow anode effects, and analyse cell voltage, " +
				"current efficiency and DC energy per tonne with the process engineers. Shift work with a mentor from the electrolysis workshop; " +
				"safety induction for high-current and molten-metal areas in the first week. Strong interns are offered a graduate post under the agreement.",
			RequiredSkills: []coop.RequiredSkill{must("aluminium electrolysis", 2), must("process control", 2), nice("data analysis", 2),
				nice("safety management", 1), nice("metallurgical thermodynamics", 2)},
			Majors: []string{majorMetallurgy, majorAutomation, majorChemical}, MinGPA: ptr(2.5),
			GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2027), Slots: 6, StartDate: date(2026, 7, 6), EndDate: date(2026, 8, 28),
			City: citySmelter, Status: coop.InternshipOpen, LeadsToEmployment: true}},
		{&b.s.RefiningInternshipID, coop.Internship{PartnerID: b.s.SmelterID, SiteID: ptr(b.site["Molten Aluminium Refining Workshop"]),
			Title: "Molten Aluminium Refining Intern (铝液精炼实习生)",
			Description: "Work in the refining workshop between the potlines and the casting lines: in-furnace refining with flux, rotary degassing, " +
				"ceramic foam filtration and spectrometer sampling of molten aluminium. You will help the quality team trace hydrogen and " +
				"inclusions back to the process and keep the melt records that the casting plant relies on.",
			RequiredSkills: []coop.RequiredSkill{must("molten aluminium refining", 2), nice("materials testing", 2), nice("quality inspection", 2),
				nice("aluminium alloys", 1)},
			Majors: []string{majorMetallurgy, majorMaterials, majorForming}, MinGPA: ptr(2.8),
			GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2027), Slots: 3, StartDate: date(2026, 7, 13), EndDate: date(2026, 9, 4),
			City: citySmelter, Status: coop.InternshipOpen, LeadsToEmployment: true}},
		{&b.s.PretreatmentInternshipID, coop.Internship{PartnerID: b.s.SmelterID, SiteID: ptr(b.site["Raw Material Pretreatment Workshop"]),
			Title: "Raw Material Pretreatment Intern (原料预处理实习生)",
			Description: "Support the receiving, storage and dense-phase conveying of alumina and fluoride salts, and the assembly of prebaked anodes. " +
				"You will learn to keep the workshop's material balance, check dust and fluoride emissions, and take part in the preventive " +
				"maintenance of conveyors and feeders. Open to second- and third-year students.",
			RequiredSkills: []coop.RequiredSkill{must("raw material pretreatment", 1), nice("equipment maintenance", 2), nice("mineral processing", 2),
				nice("environmental protection", 1)},
			Majors:             []string{majorMinerals, majorMetallurgy, majorMechanical, majorSafety},
			GraduationYearFrom: ptr(2027), GraduationYearTo: ptr(2028), Slots: 4, StartDate: date(2026, 7, 1), EndDate: date(2026, 8, 14),
			City: citySmelter, Status: coop.InternshipOpen}},
		{&b.s.CastingInternshipID, coop.Internship{PartnerID: b.s.CastingPlantID, SiteID: ptr(b.site["Casting Workshop"]),
			Title: "Casting Process Intern (铸造工艺实习生)",
			Description: "Work on the direct-chill casting lines for 6xxx alloy billets and on the foundry-ingot line: mould and hot-top preparation, " +
				"casting speed and water-flow settings, grain refiner addition, homogenising, and the defect analysis of billets (cracks, " +
				"porosity, inclusions) with ultrasonic testing and metallography. Casting majors only; leads to a graduate post.",
			RequiredSkills: []coop.RequiredSkill{must("casting", 3), nice("heat treatment", 2), nice("aluminium alloys", 2), nice("metallography", 2),
				nice("CAD drafting", 2)},
			Majors: []string{majorForming, majorMaterials}, MajorsRequired: true, MinGPA: ptr(2.6),
			GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2027), Slots: 5, StartDate: date(2026, 7, 13), EndDate: date(2026, 9, 11),
			City: cityCasting, Status: coop.InternshipOpen, LeadsToEmployment: true}},
		{&b.s.AutomationInternshipID, coop.Internship{PartnerID: b.s.CastingPlantID, SiteID: ptr(b.site["Casting Training Base"]),
			Title: "Automation and Instrumentation Intern (自动化仪表实习生)",
			Description: "Maintain and tune the PLC and DCS systems of the casting lines and the training base's simulator; calibrate thermocouples, " +
				"level sensors and flow meters; analyse alarm and trend data to find the causes of casting stops.",
			RequiredSkills: []coop.RequiredSkill{must("PLC programming", 2), must("industrial instrumentation", 1), nice("DCS operation", 2),
				nice("Python programming", 2)},
			Majors: []string{majorAutomation, majorMechanical}, MinGPA: ptr(2.5),
			GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2028), Slots: 2, StartDate: date(2026, 7, 1), EndDate: date(2026, 8, 28),
			City: cityCasting, Status: coop.InternshipOpen}},
		{&b.s.OtherInternshipID, coop.Internship{PartnerID: b.s.OtherPlantID, SiteID: ptr(b.site["Chlorination and Oxidation Line"]),
			Title: "Chloride-Process TiO2 Intern (氯化法钛白实习生)",
			Description: "Assist the process engineers on the fluidised-bed chlorination and the oxidation sections of a chloride-process titanium " +
				"dioxide plant that uses Panxi high-titanium slag; sample and analyse TiCl4 and pigment intermediates; take part in the " +
				"plant's chlorine safety drills.",
			RequiredSkills: []coop.RequiredSkill{must("titanium dioxide production", 1), nice("chemical analysis", 2), nice("safety management", 2),
				nice("hydrometallurgy", 1)},
			Majors: []string{majorChemical, majorMetallurgy}, GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2028), Slots: 3,
			StartDate: date(2026, 7, 1), EndDate: date(2026, 8, 31), City: cityOther, Status: coop.InternshipOpen}},
	} {
		id, err := b.internship(&x.in)
		if err != nil {
			return err
		}
		*x.id = id
	}
	return nil
}

// priorities sets the aluminium group's hiring priorities, which its plants
// inherit, and overrides them for the casting internship.
func (b *builder) priorities() error {
	if _, err := b.db.SetHiringPriorities(b.ctx, &coop.HiringPriorities{PartnerID: b.s.GroupID,
		Weights:         coop.Weights{SkillCoverage: ptr(45.0), MajorFit: ptr(15.0), GroupAffinity: ptr(15.0)},
		PreferredMajors: []string{majorMetallurgy, majorForming},
		PreferredCities: []string{citySmelter, cityGroup}, PreferGroupInterns: true, PreferAlumni: true}); err != nil {
		return fmt.Errorf("group: %w", err)
	}
	if _, err := b.db.SetHiringPriorities(b.ctx, &coop.HiringPriorities{PartnerID: b.s.CastingPlantID, InternshipID: &b.s.CastingInternshipID,
		Weights:         coop.Weights{SkillCoverage: ptr(50.0), Academics: ptr(20.0), TextRelevance: ptr(10.0)},
		PreferredMajors: []string{majorForming}, PreferredCities: []string{cityCasting}, PreferGroupInterns: true}); err != nil {
		return fmt.Errorf("casting internship: %w", err)
	}
	// Removed with the partners and internships (ON DELETE CASCADE).
	return nil
}

func (b *builder) students(ss []*coop.Student) error {
	if err := b.db.CopyStudents(b.ctx, ss); err != nil {
		return err
	}
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	b.undo = append(b.undo, func(ctx context.Context) error {
		for _, id := range ids {
			if err := b.db.DeleteStudent(ctx, id); err != nil && coop.ErrorCode(err) != coop.ENOTFOUND {
				return err
			}
		}
		return nil
	})
	return nil
}

// synthetic loads DemoStudents students of DemoSeed with synth's own
// numbers (SeedStudents' numbers carry a prefix, so the two never collide).
func (b *builder) synthetic() error {
	b.log("demo: loading %d synthetic students (seed %d)", DemoStudents, DemoSeed)
	ss := make([]*coop.Student, DemoStudents)
	for i := range ss {
		ss[i] = FromSynth(synth.Generate(DemoSeed, i))
		ss[i].Normalize()
		if err := ss[i].Validate(); err != nil {
			return fmt.Errorf("synthetic student %d: %w", i, err)
		}
	}
	if err := b.students(ss); err != nil {
		return err
	}
	b.generated = ss
	b.s.SyntheticStudents = len(ss)
	return nil
}

// Persona is one of the demo's users: the key it is known by (in
// demo-tokens.json and the README) and the token it signs in with.
type Persona struct {
	Key   string
	Token coop.Token
}

// Personas are the demo's users, one token each: every role, a group's HR,
// a plant's HR (the smelter, below the group) and another group's HR.
func Personas(s *Summary) []Persona {
	return []Persona{
		{"ADMIN", coop.Token{Name: "demo admin", Role: coop.RoleAdmin}},
		{"CAREER_OFFICER", coop.Token{Name: "demo career officer", Role: coop.RoleCareerOfficer}},
		{"GROUP_HR", coop.Token{Name: "aluminium group HR", Role: coop.RolePartner, PartnerID: &s.GroupID}},
		{"PLANT_HR", coop.Token{Name: "smelter HR", Role: coop.RolePartner, PartnerID: &s.SmelterID}},
		{"OTHER_PARTNER_HR", coop.Token{Name: "other group HR", Role: coop.RolePartner, PartnerID: &s.OtherGroupID}},
		{"STUDENT", coop.Token{Name: "demo student", Role: coop.RoleStudent, StudentID: &s.StudentID}},
		{"ALUMNUS", coop.Token{Name: "demo alumnus", Role: coop.RoleAlumnus, AlumnusID: &s.AlumnusID}},
	}
}
