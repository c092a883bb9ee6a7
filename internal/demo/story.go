package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/crucible-talent/crucible/internal/coop"
)

// Actors of the demo's application moves, in the form coop.Viewer.Actor
// gives ("ROLE:name").
const (
	actorSmelterHR = "PARTNER:smelter HR"
	actorCastingHR = "PARTNER:casting plant HR"
	actorOtherHR   = "PARTNER:other group HR"
	// byStudent stands for "STUDENT:<the applicant's name>".
	byStudent = "STUDENT"
)

// showcase adds hand-written students for the README's examples, with
// statements in Chinese and English.
func (b *builder) showcase() error {
	b.byNumber = map[string]int64{}
	ss := []*coop.Student{
		{StudentNumber: ShowcaseStudentNumber, Name: "张晓明", College: CollegeName, Major: majorMetallurgy, EnrolmentYear: 2022, GraduationYear: 2026,
			GPA: ptr(3.62), Skills: []coop.StudentSkill{{Skill: "aluminium electrolysis", Level: 4}, {Skill: "process control", Level: 3},
				{Skill: "metallurgical thermodynamics", Level: 3}, {Skill: "data analysis", Level: 3}, {Skill: "technical English", Level: 2}},
			Courses:      []string{"Electrometallurgy", "Nonferrous Metallurgy", "Metallurgical Thermodynamics", "Transport Phenomena"},
			Certificates: []string{"Safety Production Certificate", "CET-4"}, Languages: []string{"Chinese", "English"},
			PreferredCities: []string{citySmelter, cityCollege},
			Statement: "我在学院的电解铝实训平台完成了槽电压与电流效率的课程设计，2025年暑假在云海电解铝厂电解车间实习了七周，" +
				"参与了换极和槽况巡检。希望继续到电解车间实习，毕业后从事电解工艺和节能降耗工作。",
			AvailableFrom: date(2026, 6, 20), AvailableUntil: date(2026, 9, 30), ConsentToShare: true,
			Email: "zhang.xiaoming@students.example.edu.cn", Phone: "+86 138 0812 0001"},
		{StudentNumber: "VT2022020207", Name: "Li Na (李娜)", College: CollegeName, Major: majorForming, EnrolmentYear: 2022, GraduationYear: 2026,
			GPA: ptr(3.45), Skills: []coop.StudentSkill{{Skill: "casting", Level: 4}, {Skill: "CAD drafting", Level: 4}, {Skill: "heat treatment", Level: 3},
				{Skill: "aluminium alloys", Level: 3}, {Skill: "metallography", Level: 2}},
			Courses:      []string{"Casting Technology", "Solidification Theory", "Mould Design", "Light Alloys"},
			Certificates: []string{"AutoCAD Certificate", "CET-6"}, Languages: []string{"Chinese", "English"}, PreferredCities: []string{cityCasting, cityCollege},
			Statement: "My graduation project studies hot cracking in direct-chill casting of 6063 aluminium billets: I compared casting speeds " +
				"and grain-refiner additions and examined the billets by metallography. I want to join a casting workshop, learn how casting " +
				"speed and water flow control defects on a real line, and work in the aluminium industry after I graduate.",
			AvailableFrom: date(2026, 7, 1), AvailableUntil: date(2026, 10, 31), ConsentToShare: true,
			Email: "li.na@students.example.edu.cn", Phone: "+86 139 0812 0002"},
		{StudentNumber: "VT2023030315", Name: "王磊", College: CollegeName, Major: majorAutomation, EnrolmentYear: 2023, GraduationYear: 2027,
			GPA: ptr(3.10), Skills: []coop.StudentSkill{{Skill: "PLC programming", Level: 3}, {Skill: "Python programming", Level: 3},
				{Skill: "industrial instrumentation", Level: 2}, {Skill: "DCS operation", Level: 2}},
			Courses:   []string{"PLC Technology", "Process Instrumentation", "Automatic Control Theory"},
			Languages: []string{"Chinese"}, PreferredCities: []string{cityCasting, "Chengdu"},
			Statement: "熟悉西门子S7-1200 PLC编程和DCS组态，做过铸造机液位控制的课程设计。希望在铸造厂的自动化岗位实习，" +
				"暂不希望向企业公开个人资料。",
			AvailableFrom: date(2026, 7, 1), AvailableUntil: date(2026, 8, 31), ConsentToShare: false,
			Email: "wang.lei@students.example.edu.cn", Phone: "+86 137 0812 0003"},
		{StudentNumber: "VT2023040122", Name: "Chen Yutong (陈雨桐)", College: CollegeName, Major: majorMinerals, EnrolmentYear: 2023, GraduationYear: 2027,
			GPA: ptr(3.78), Skills: []coop.StudentSkill{{Skill: "mineral processing", Level: 4}, {Skill: "raw material pretreatment", Level: 3},
				{Skill: "grinding and classification", Level: 3}, {Skill: "environmental protection", Level: 2}, {Skill: "equipment maintenance", Level: 2}},
			Courses:      []string{"Mineral Processing", "Crushing and Grinding", "Process Mineralogy", "Industrial Dust Control"},
			Certificates: []string{"CET-6"}, Languages: []string{"Chinese", "English"}, PreferredCities: []string{citySmelter, cityCollege, cityGroup},
			Statement: "I grew up in Panzhihua and studied how vanadium–titanium magnetite is ground and separated. I am curious how alumina and " +
				"fluoride salts are handled before they reach the pots, and how dust is kept down. I would like a pretreatment internship " +
				"next summer.",
			AvailableFrom: date(2026, 7, 1), AvailableUntil: date(2026, 8, 31), ConsentToShare: true,
			Email: "chen.yutong@students.example.edu.cn", Phone: "+86 136 0812 0004"},
		{StudentNumber: "VT2021010233", Name: "刘洋", College: CollegeName, Major: majorMetallurgy, EnrolmentYear: 2021, GraduationYear: 2025,
			GPA: ptr(3.30), Skills: []coop.StudentSkill{{Skill: "molten aluminium refining", Level: 3}, {Skill: "aluminium electrolysis", Level: 3},
				{Skill: "quality inspection", Level: 2}},
			Courses:   []string{"Electrometallurgy", "Nonferrous Metallurgy"},
			Languages: []string{"Chinese"}, PreferredCities: []string{citySmelter},
			Statement: "2025届毕业生，已入职云海电解铝厂铝液精炼车间。",
			Email:     "liu.yang@students.example.edu.cn"},
	}
	if err := b.students(ss); err != nil {
		return err
	}
	for _, s := range ss {
		b.byNumber[s.StudentNumber] = s.ID
		b.s.ShowcaseStudentIDs = append(b.s.ShowcaseStudentIDs, s.ID)
	}
	b.s.StudentID = b.byNumber[ShowcaseStudentNumber]
	return nil
}

// move is one step of an application: to a status, by whom, with a note.
type move struct {
	to    coop.ApplicationStatus
	actor string
	note  string
}

// apply applies a student to an internship and makes the moves; moves
// without an actor are made by hr.
func (b *builder) apply(studentID int64, name string, internshipID int64, motivation, hr string, moves ...move) error {
	student := byStudent + ":" + name
	ap, err := b.db.ApplyToInternship(b.ctx, studentID, internshipID, motivation, student)
	if err != nil {
		return fmt.Errorf("student %d to internship %d: %w", studentID, internshipID, err)
	}
	for _, m := range moves {
		switch m.actor {
		case "":
			m.actor = hr
		case byStudent:
			m.actor = student
		}
		if _, err := b.db.TransitionApplication(b.ctx, ap.ID, m.to, m.actor, m.note); err != nil {
			return fmt.Errorf("application %d to %s: %w", ap.ID, m.to, err)
		}
	}
	b.s.Applications++
	return nil
}

// pastInternship is last summer's potline practice, the pilot that led to
// the agreement: its interns completed it (which counts as having interned
// with the group), one signed a graduate contract, and it is now CLOSED.
func (b *builder) pastInternship() error {
	id, err := b.internship(&coop.Internship{PartnerID: b.s.SmelterID, SiteID: ptr(b.site["Electrolysis Workshop (Potlines 1–2)"]),
		Title: "Summer Potline Practice 2025 (2025年暑期电解实践)",
		Description: "A seven-week pilot practice for third-year students before the cooperation agreement: rotation through pot tending, " +
			"anode change, tapping and the potline control room, with a weekly seminar by the workshop's engineers.",
		RequiredSkills: []coop.RequiredSkill{must("aluminium electrolysis", 1), nice("process control", 1)},
		Majors:         []string{majorMetallurgy, majorAutomation}, GraduationYearFrom: ptr(2026), GraduationYearTo: ptr(2027),
		Slots: 8, StartDate: date(2025, 7, 7), EndDate: date(2025, 8, 22), City: citySmelter, Status: coop.InternshipOpen, LeadsToEmployment: true})
	if err != nil {
		return err
	}
	b.s.PastInternshipID = id
	done := []move{
		{coop.ApplicationShortlisted, Actor, "Recommended by the college"},
		{coop.ApplicationInterviewing, "", ""},
		{coop.ApplicationOffered, "", ""},
		{coop.ApplicationAccepted, byStudent, ""},
		{coop.ApplicationCompleted, "", "Completed all seven weeks; mentor's evaluation: good"},
	}
	if err := b.apply(b.s.StudentID, "张晓明", id, "希望在暑期深入了解电解生产。", actorSmelterHR, done...); err != nil {
		return err
	}
	// Synthetic students who will graduate in 2026 or 2027.
	picks := b.pick(1, 4, func(s *coop.Student) bool {
		return s.GraduationYear >= 2026 && s.GraduationYear <= 2027 && (s.Major == majorMetallurgy || s.Major == majorAutomation)
	})
	paths := [][]move{
		append(slices.Clone(done), move{coop.ApplicationHired, "", "Signed the graduate employment agreement (三方协议) in October 2025"}),
		done,
		{{coop.ApplicationShortlisted, Actor, ""}, {coop.ApplicationInterviewing, "", ""},
			{coop.ApplicationOffered, "", ""}, {coop.ApplicationAccepted, byStudent, ""},
			{coop.ApplicationWithdrawn, byStudent, "Left after two weeks for family reasons"}},
		{{coop.ApplicationRejected, Actor, "Slots filled"}},
	}
	for i, s := range picks {
		if err := b.apply(s.ID, s.Name, id, "", actorSmelterHR, paths[i%len(paths)]...); err != nil {
			return err
		}
	}
	// The practice happened in the summer of 2025, and the hire that
	// autumn: the record says so, so that the agreement's first year
	// counts what it delivered (see commitments).
	if _, err := b.db.Pool.Exec(b.ctx, `UPDATE application_events e SET at = (CASE e.to_status
			WHEN 'APPLIED' THEN '2025-06-16' WHEN 'SHORTLISTED' THEN '2025-06-20' WHEN 'INTERVIEWING' THEN '2025-06-24'
			WHEN 'OFFERED' THEN '2025-06-27' WHEN 'ACCEPTED' THEN '2025-06-30' WHEN 'COMPLETED' THEN '2025-08-22'
			WHEN 'WITHDRAWN' THEN '2025-07-18' WHEN 'HIRED' THEN '2025-10-20' ELSE '2025-06-21' END)::timestamp AT TIME ZONE 'Asia/Shanghai'
		FROM applications a WHERE a.id = e.application_id AND a.internship_id = $1`, id); err != nil {
		return fmt.Errorf("date the 2025 practice: %w", err)
	}
	if _, err := b.db.Pool.Exec(b.ctx, `UPDATE applications a SET created_at = e.at
		FROM application_events e WHERE e.application_id = a.id AND e.to_status = 'APPLIED' AND a.internship_id = $1`, id); err != nil {
		return fmt.Errorf("date the 2025 practice's applications: %w", err)
	}
	_, err = b.db.UpdateInternship(b.ctx, id, coop.InternshipUpdate{Status: ptr(coop.InternshipClosed)})
	return err
}

// events are the cooperation's log: the signing, a visit to the smelter,
// guest lectures by its engineers and a symposium, with who took part and
// what was left to do.
func (b *builder) events() error {
	ag := &b.s.AgreementID
	for _, e := range []coop.Event{
		{Kind: coop.EventSigning, Title: "Signing of the aluminium industry talent agreement (铝产业人才校企合作协议签约)", HeldOn: *date(2025, 8, 28),
			Place: "College conference hall, Panzhihua", AgreementID: ag, PartnerIDs: []int64{b.s.GroupID},
			Participants: []coop.Participant{{Name: "李建国", Role: coop.ParticipantPartnerStaff}, {Name: "Dean of the college", Role: coop.ParticipantStaff}},
			Summary:      "The agreement was signed by the group's HR director and the college's dean; the smelter and the casting plant become internship and training bases."},
		{Kind: coop.EventVisit, Title: "College delegation visits the smelter's potlines (学院赴电解铝厂考察)", HeldOn: *date(2025, 11, 12),
			Place: "Yunhai Electrolytic Aluminium Smelter, Baotou", AgreementID: ag, PartnerIDs: []int64{b.s.SmelterID},
			Participants: []coop.Participant{{Name: "黄志伟", Role: coop.ParticipantPartnerStaff}, {Name: "Career office director", Role: coop.ParticipantStaff},
				{Name: "陈海涛", Role: coop.ParticipantAlumnus, AlumnusID: &b.s.AlumnusID}},
			Summary: "Toured potlines 1–2 and the control room; agreed on 20 internship places for 2026–27 and a shared safety induction.",
			Actions: []coop.FollowUp{{Action: "Send the safety induction syllabus to the smelter", Owner: "Career office", DueOn: date(2025, 12, 15), Done: true},
				{Action: "Propose dates for the 2026 summer practice", Owner: "黄志伟", DueOn: date(2026, 1, 31), Done: true}}},
		{Kind: coop.EventGuestLecture, Title: "Guest lecture: current efficiency on 400 kA cells (400kA电解槽电流效率)", HeldOn: *date(2026, 4, 16),
			Place: "College, lecture room 3", AgreementID: ag, PartnerIDs: []int64{b.s.SmelterID},
			Participants: []coop.Participant{{Name: "马骏", Role: coop.ParticipantPartnerStaff},
				{Name: "张晓明", Role: coop.ParticipantStudent, StudentID: &b.s.StudentID}},
			Summary: "Deputy chief engineer Ma Jun lectured third-year metallurgy students on cell voltage and current efficiency."},
		{Kind: coop.EventSymposium, Title: "Aluminium industry talent symposium (铝产业人才培养研讨会)", HeldOn: *date(2026, 10, 22),
			Place: "College conference hall", AgreementID: ag, PartnerIDs: []int64{b.s.GroupID, b.s.SmelterID, b.s.CastingPlantID},
			Participants: []coop.Participant{{Name: "李建国", Role: coop.ParticipantPartnerStaff}, {Name: "吴丽华", Role: coop.ParticipantPartnerStaff},
				{Name: "Career office director", Role: coop.ParticipantStaff}},
			Summary: "Reviewed the first year of the agreement: the priority hire was honoured, internship places were not; the casting plant asked for more automation content in the curriculum.",
			Actions: []coop.FollowUp{{Action: "Add a PLC module to the casting course", Owner: "Department of metallurgy", DueOn: date(2027, 2, 28)},
				{Action: "Publish the 2027 summer places by March", Owner: "李建国", DueOn: date(2027, 3, 31)}}},
		{Kind: coop.EventGuestLecture, Title: "Guest lecture: DC casting defects (直接水冷铸造缺陷)", HeldOn: *date(2026, 11, 18),
			Place: "College, casting lab", AgreementID: ag, PartnerIDs: []int64{b.s.CastingPlantID},
			Participants: []coop.Participant{{Name: "吴丽华", Role: coop.ParticipantPartnerStaff}},
			Summary:      "Hot cracking and inclusions in DC-cast billets, with samples from the plant."},
	} {
		if _, err := b.db.CreateEvent(b.ctx, &e); err != nil {
			return fmt.Errorf("event %q: %w", e.Title, err)
		}
		b.s.Events++
	}
	return nil
}

// commitments are what the agreement promises for its first two academic
// years: places at the smelter and the casting plant (training places at
// its training base) and priority hires by the group. What was delivered
// is counted from the applications above: the 2025 practice's graduate
// hired in October 2025 meets the first year's priority hire; the first
// year's internship places were not delivered (the practice was before
// the agreement); this year's stand as the pipeline does on the day the
// demo is loaded.
func (b *builder) commitments() error {
	y1s, y1e, y2s, y2e := *date(2025, 9, 1), *date(2026, 8, 31), *date(2026, 9, 1), *date(2027, 8, 31)
	interns, trainees, hires := "interns (名实习生)", "trainees (名实训生)", "graduates (名毕业生)"
	for _, c := range []coop.Commitment{
		{PartnerID: b.s.GroupID, Kind: coop.CommitmentPriorityHires, PeriodStart: y1s, PeriodEnd: y1e, Target: 1, Unit: hires,
			Notes: "Priority in hiring for the pilot practice's interns (article 5 of the agreement)."},
		{PartnerID: b.s.SmelterID, Kind: coop.CommitmentInternshipPlaces, PeriodStart: y1s, PeriodEnd: y1e, Target: 6, Unit: interns,
			Notes: "Potline and refining placements in the agreement's first year."},
		{PartnerID: b.s.SmelterID, Kind: coop.CommitmentInternshipPlaces, PeriodStart: y2s, PeriodEnd: y2e, Target: 20, Unit: interns,
			Notes: "电解、精炼与原料车间实习岗位，2026–27学年。"},
		{PartnerID: b.s.CastingPlantID, Kind: coop.CommitmentInternshipPlaces, PeriodStart: y2s, PeriodEnd: y2e, Target: 8, Unit: interns},
		{PartnerID: b.s.CastingPlantID, Kind: coop.CommitmentTrainingPlaces, PeriodStart: y2s, PeriodEnd: y2e, Target: 4, Unit: trainees,
			Notes: "At the casting training base."},
		{PartnerID: b.s.GroupID, Kind: coop.CommitmentPriorityHires, PeriodStart: y2s, PeriodEnd: y2e, Target: 5, Unit: hires},
		{PartnerID: b.s.GroupID, Kind: coop.CommitmentVisits, PeriodStart: y1s, PeriodEnd: y1e, Target: 2, Unit: "visits (次)",
			Notes: "Mutual visits, at least one each way."},
		{PartnerID: b.s.GroupID, Kind: coop.CommitmentGuestLectures, PeriodStart: y2s, PeriodEnd: y2e, Target: 4, Unit: "lectures (次)",
			Notes: "Engineers teaching at the college (工程师授课)."},
		{PartnerID: b.s.GroupID, Kind: coop.CommitmentSymposia, PeriodStart: y2s, PeriodEnd: y2e, Target: 1, Unit: "symposia (次)"},
		{PartnerID: b.s.GroupID, Kind: coop.CommitmentJointResearch, PeriodStart: y2s, PeriodEnd: y2e, Target: 2, Unit: "projects (项)",
			Notes: "Joint research with the group's institute (article 7)."},
		{PartnerID: b.s.GroupID, Kind: coop.CommitmentScholarships, PeriodStart: y2s, PeriodEnd: y2e, Target: 10, Unit: "scholarships (名)",
			Notes: "Yunhai scholarships for metallurgy and automation students."},
	} {
		c.AgreementID = b.s.AgreementID
		if _, err := b.db.CreateCommitment(b.ctx, &c); err != nil {
			return fmt.Errorf("commitment %s of partner %d: %w", c.Kind, c.PartnerID, err)
		}
		b.s.Commitments++
	}
	return nil
}

// contributions are what the group gave besides places and events: a
// joint research project with its institute, and the first scholarships
// of the agreement's second year (eight of the ten promised).
func (b *builder) contributions() error {
	ag := &b.s.AgreementID
	for _, c := range []coop.Contribution{
		{Kind: coop.ContributionResearch, PartnerID: b.s.InstituteID, AgreementID: ag, Title: "Inert anodes for 400 kA cells (惰性阳极联合研究)",
			StartedOn: *date(2026, 10, 8), Quantity: 1,
			Summary: "Two-year project of the institute and the college's electrometallurgy lab; two master's students take part."},
		{Kind: coop.ContributionScholarship, PartnerID: b.s.GroupID, AgreementID: ag, Title: "Yunhai scholarships 2026 (云海奖学金)",
			StartedOn: *date(2026, 11, 20), Quantity: 8, Summary: "Eight scholarships of 5,000 yuan for third-year students."},
		{Kind: coop.ContributionOther, PartnerID: b.s.CastingPlantID, AgreementID: ag, Title: "Casting simulator donated to the lab (铸造仿真软件捐赠)",
			StartedOn: *date(2026, 6, 1), Quantity: 1},
	} {
		out, err := b.db.CreateContribution(b.ctx, &c)
		if err != nil {
			return fmt.Errorf("contribution %q: %w", c.Title, err)
		}
		b.undo = append(b.undo, func(ctx context.Context) error { return b.db.DeleteContribution(ctx, out.ID) })
		b.s.Contributions++
	}
	return nil
}

// pick returns up to n of the synthetic students that ok accepts and that
// have not been picked yet, starting at a different place for each start so
// that internships do not share applicants.
func (b *builder) pick(start, n int, ok func(*coop.Student) bool) []*coop.Student {
	if b.picked == nil {
		b.picked = map[int64]bool{}
	}
	var out []*coop.Student
	all := b.generated
	for k := 0; k < len(all) && len(out) < n; k++ {
		s := all[(start*53+k)%len(all)]
		if !b.picked[s.ID] && ok(s) {
			b.picked[s.ID] = true
			out = append(out, s)
		}
	}
	return out
}

// eligible reports whether a student meets an internship's hard rules:
// major, GPA and graduation-year window.
func eligible(in *coop.Internship, s *coop.Student) bool {
	if len(in.Majors) > 0 && !slices.Contains(in.Majors, s.Major) {
		return false
	}
	if in.MinGPA != nil && (s.GPA == nil || *s.GPA < *in.MinGPA) {
		return false
	}
	if in.GraduationYearFrom != nil && s.GraduationYear < *in.GraduationYearFrom {
		return false
	}
	return in.GraduationYearTo == nil || s.GraduationYear <= *in.GraduationYearTo
}

// applications applies the showcase students and a few eligible synthetic
// students to this year's internships and moves them through the
// selection: every status appears.
func (b *builder) applications() error {
	if err := b.apply(b.s.StudentID, "张晓明", b.s.ElectrolysisInternshipID,
		"去年暑假在电解车间实习过，希望今年继续参与电流效率提升项目。", actorSmelterHR,
		move{coop.ApplicationShortlisted, Actor, "Interned with the smelter in 2025"},
		move{coop.ApplicationInterviewing, actorSmelterHR, "Interview with the deputy chief engineer"}); err != nil {
		return err
	}
	if err := b.apply(b.byNumber["VT2022020207"], "Li Na (李娜)", b.s.CastingInternshipID,
		"My graduation project is on hot cracking in DC casting; I would like to see it on a production line.", actorCastingHR,
		move{coop.ApplicationShortlisted, Actor, ""}); err != nil {
		return err
	}
	if err := b.apply(b.byNumber["VT2023030315"], "王磊", b.s.AutomationInternshipID, "希望参与铸造线PLC改造。", actorCastingHR); err != nil {
		return err
	}
	type target struct {
		id    int64
		hr    string
		count int
	}
	paths := [][]move{
		nil,
		{{coop.ApplicationShortlisted, Actor, ""}},
		{{coop.ApplicationShortlisted, Actor, ""}, {coop.ApplicationInterviewing, "", "Online interview"}},
		{{coop.ApplicationRejected, Actor, "Does not meet the must-have skills yet"}},
		{{coop.ApplicationShortlisted, Actor, ""}, {coop.ApplicationInterviewing, "", ""}, {coop.ApplicationOffered, "", ""}},
		{{coop.ApplicationShortlisted, Actor, ""}, {coop.ApplicationInterviewing, "", ""}, {coop.ApplicationOffered, "", ""},
			{coop.ApplicationAccepted, byStudent, ""}},
		{{coop.ApplicationWithdrawn, byStudent, "Chose a research project instead"}},
		{{coop.ApplicationShortlisted, Actor, ""}, {coop.ApplicationInterviewing, "", ""}, {coop.ApplicationOffered, "", ""},
			{coop.ApplicationDeclined, byStudent, "Accepted an offer closer to home"}},
	}
	n := 0
	for ti, t := range []target{
		{b.s.ElectrolysisInternshipID, actorSmelterHR, 7},
		{b.s.RefiningInternshipID, actorSmelterHR, 5},
		{b.s.PretreatmentInternshipID, actorSmelterHR, 5},
		{b.s.CastingInternshipID, actorCastingHR, 7},
		{b.s.AutomationInternshipID, actorCastingHR, 4},
		{b.s.OtherInternshipID, actorOtherHR, 5},
	} {
		in, err := b.db.FindInternshipByID(b.ctx, t.id)
		if err != nil {
			return err
		}
		for _, s := range b.pick(10+ti, t.count, func(s *coop.Student) bool { return eligible(in, s) }) {
			path := paths[n%len(paths)]
			n++
			if err := b.apply(s.ID, s.Name, t.id, "", t.hr, path...); err != nil {
				return err
			}
		}
	}
	// This autumn's applications were made over the weeks before the load
	// (each its own day, from 12 to 60 days back) and moved on as a
	// pipeline does, days apart, none later than the load: the record says
	// so, so that the reports' times to each stage are true.
	_, err := b.db.Pool.Exec(b.ctx, `
		WITH d AS (
			SELECT a.id, date_trunc('day', now()) - (12 + a.id % 49) * interval '1 day' + interval '10 hours' AS applied
			FROM applications a JOIN internships i ON i.id = a.internship_id
			WHERE i.id = ANY($1) AND i.id <> $2)
		UPDATE application_events e SET at = least(now(), d.applied + CASE e.to_status
			WHEN 'APPLIED' THEN interval '0' WHEN 'SHORTLISTED' THEN interval '4 days' WHEN 'REJECTED' THEN interval '6 days'
			WHEN 'INTERVIEWING' THEN interval '9 days' WHEN 'WITHDRAWN' THEN interval '10 days' WHEN 'OFFERED' THEN interval '15 days'
			WHEN 'DECLINED' THEN interval '18 days' WHEN 'ACCEPTED' THEN interval '19 days' ELSE interval '20 days' END)
		FROM d WHERE d.id = e.application_id`, b.s.InternshipIDs, b.s.PastInternshipID)
	if err != nil {
		return fmt.Errorf("date this autumn's applications: %w", err)
	}
	_, err = b.db.Pool.Exec(b.ctx, `UPDATE applications a SET created_at = e.at FROM application_events e
		WHERE e.application_id = a.id AND e.to_status = 'APPLIED' AND a.internship_id = ANY($1) AND a.internship_id <> $2`,
		b.s.InternshipIDs, b.s.PastInternshipID)
	if err != nil {
		return fmt.Errorf("date this autumn's applications: %w", err)
	}
	return nil
}

// alumni adds graduates who work in the group and the other group, with
// their stories and what they say about the curriculum.
func (b *builder) alumni() error {
	for _, a := range []coop.Alumnus{
		{Name: "陈海涛", GraduationYear: 2019, Major: majorMetallurgy, EmployerID: &b.s.SmelterID, Position: "Electrolysis process engineer (电解工艺工程师)",
			JoinedOn: date(2019, 7, 15), CurriculumRating: ptr(4), WillingToMentor: true,
			GrowthStory: "Started as a pot tender on potline 2, became shift leader in 2021 and now leads the current-efficiency team, " +
				"which cut DC energy by 180 kWh per tonne in two years. Mentored four interns in the 2025 summer practice.",
			CurriculumFeedback: "电化学冶金和冶金热力学课程打下了很好的基础，电解质化学讲得透彻。建议增加槽况判断、" +
				"过程数据分析（Python/Excel）和大型预焙槽仿真的实训内容；刚入职时最缺的是读懂槽控机数据的能力。"},
		{Name: "Liu Fang (刘芳)", GraduationYear: 2020, Major: majorForming, EmployerID: &b.s.CastingPlantID, Position: "Casting quality engineer",
			JoinedOn: date(2020, 8, 1), CurriculumRating: ptr(3), WillingToMentor: true,
			GrowthStory: "Joined the casting plant's quality team; introduced ultrasonic inspection of 6xxx billets and cut the scrap rate " +
				"by a third. Now in charge of customer complaints for extrusion billets.",
			CurriculumFeedback: "Solidification theory and casting technology were excellent. The curriculum should add aluminium melt " +
				"treatment (degassing, filtration, grain refinement) and statistical process control; I had to learn SPC on the job. " +
				"More hours in a real casting workshop would help more than another lab."},
		{Name: "赵强", GraduationYear: 2018, Major: majorAutomation, EmployerID: &b.s.CastingPlantID, Position: "Instrumentation and control supervisor",
			JoinedOn: date(2018, 7, 1), CurriculumRating: ptr(4), WillingToMentor: false,
			GrowthStory:        "2022年主持了铸造线DCS系统改造，现带领八人的自动化班组。",
			CurriculumFeedback: "PLC课程很实用，建议增加现场总线、工业以太网和工控网络安全的内容，最好能用企业实际的控制柜做实训。"},
		{Name: "Sun Wei (孙伟)", GraduationYear: 2021, Major: majorMinerals, EmployerID: &b.s.SmelterID, Position: "Pretreatment shift engineer",
			JoinedOn: date(2021, 7, 20), CurriculumRating: ptr(3), WillingToMentor: true,
			GrowthStory: "Rotated through pretreatment and anode assembly; now responsible for the material balance and dust control " +
				"of the pretreatment workshop.",
			CurriculumFeedback: "Good grounding in grinding and classification, but bulk-material handling, pneumatic conveying and " +
				"dust control were missing from the courses; they are half of my job."},
		{Name: "杨波", GraduationYear: 2009, Major: majorMetallurgy, EmployerID: &b.s.InstituteID,
			Position: "Senior engineer, director of the joint research platform", JoinedOn: date(2012, 9, 1), CurriculumRating: ptr(4), WillingToMentor: true,
			GrowthStory: "After a PhD on inert anodes, joined the group's research institute; teaches Electrometallurgy in the industrial " +
				"college since autumn 2025 and supervises two graduation projects a year.",
			CurriculumFeedback: "Students arrive with solid theory. What they need is contact with production earlier: the industrial " +
				"college's plant weeks in the second year are the right step."},
		{Name: "周敏", GraduationYear: 2017, Major: majorChemical, EmployerID: &b.s.OtherPlantID, Position: "Chlorination section head (氯化工段长)",
			JoinedOn: date(2017, 7, 10), CurriculumRating: ptr(5), WillingToMentor: true,
			GrowthStory:        "从氯化工段操作员成长为工段长，参与了学院与集团的钛白联合研究项目。",
			CurriculumFeedback: "化工原理和反应工程课程对工作帮助很大，氯气安全方面可以再加强。"},
		{Name: "刘洋", StudentID: ptr(b.byNumber["VT2021010233"]), GraduationYear: 2025, Major: majorMetallurgy, EmployerID: &b.s.SmelterID,
			Position: "Refining operator trainee (铝液精炼见习技术员)", JoinedOn: date(2025, 7, 10), CurriculumRating: ptr(4), WillingToMentor: false,
			GrowthStory:        "2025年7月入职，在铝液精炼车间轮岗，正在学习在线除气和过滤操作。",
			CurriculumFeedback: "课程内容基本够用，希望增加铝液精炼和质量检验方面的实践课。"},
	} {
		a.ConsentToShare = true // the demo's alumni agreed to be shown
		out, err := b.db.CreateAlumnus(b.ctx, &a)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		b.undo = append(b.undo, func(ctx context.Context) error { return b.db.DeleteAlumnus(ctx, out.ID) })
		b.s.AlumnusIDs = append(b.s.AlumnusIDs, out.ID)
	}
	b.s.AlumnusID = b.s.AlumnusIDs[0]
	return nil
}

// courses are the college's catalogue as the career office keeps it, each
// with the skills it teaches, and what the alumni at the group's plants
// (and one at the other group's) said of them over three years: the
// electrolysis course is liked but light on current efficiency, the
// casting course is behind the plant's automated lines.
func (b *builder) courses() error {
	ids := map[string]int64{}
	for _, c := range []coop.Course{
		{Code: "MET301", Name: "Principles and Practice of Aluminium Electrolysis", NameZh: "铝电解原理与工艺",
			Description: "Hall–Héroult cells, bath chemistry, cell voltage and current efficiency, anode change and tapping.",
			Skills:      []string{"aluminium electrolysis", "bath chemistry control", "process control"}},
		{Code: "MET302", Name: "Alumina Refining and Raw Materials", NameZh: "氧化铝生产与原料预处理",
			Skills: []string{"alumina refining", "raw material pretreatment"}},
		{Code: "MET310", Name: "Vanadium and Titanium Metallurgy", NameZh: "钒钛冶金",
			Skills: []string{"vanadium extraction", "titanium smelting", "titanium dioxide production"}},
		{Code: "MFE220", Name: "Casting and Solidification", NameZh: "铸造与凝固",
			Description: "Solidification, DC casting of billets and slabs, melt treatment and casting defects.",
			Skills:      []string{"casting", "molten aluminium refining", "ingot casting"}},
		{Code: "AUT210", Name: "PLC and Process Control", NameZh: "PLC与过程控制",
			Skills: []string{"PLC programming", "process control", "industrial instrumentation", "DCS operation"}},
		{Code: "MAT230", Name: "Materials Testing and Quality", NameZh: "材料检测与质量控制",
			Skills: []string{"materials testing", "metallography", "quality inspection"}},
		{Code: "GEN120", Name: "Industrial Safety", NameZh: "工业安全",
			Skills: []string{"safety management", "hazard identification"}},
	} {
		out, err := b.db.CreateCourse(b.ctx, &c)
		if err != nil {
			return fmt.Errorf("course %s: %w", c.Code, err)
		}
		b.undo = append(b.undo, func(ctx context.Context) error { return b.db.DeleteCourse(ctx, out.ID) })
		ids[c.Code] = out.ID
		b.s.Courses++
	}
	b.s.ElectrolysisCourseID = ids["MET301"]
	al := b.s.AlumnusIDs // 陈海涛, 刘芳, 赵强, 孙伟, 杨波, 周敏, 刘洋
	for _, f := range []coop.CourseFeedback{
		{CourseID: ids["MET301"], AlumnusID: al[0], Rating: 4, GivenOn: *date(2024, 6, 20),
			Comment: "Cell theory is solid; the course should spend more time on current efficiency and anode effects, which is where the plant's money is."},
		{CourseID: ids["MET301"], AlumnusID: al[3], Rating: 4, GivenOn: *date(2025, 4, 9),
			Comment: "熟悉电解槽结构很有帮助，但缺少控制系统的实际操作。"},
		{CourseID: ids["MET301"], AlumnusID: al[6], Rating: 3, GivenOn: *date(2025, 11, 3),
			Comment: "The summer practice taught me more than the lectures about tapping and bath chemistry."},
		{CourseID: ids["MET301"], AlumnusID: al[4], Rating: 5, GivenOn: *date(2026, 5, 14),
			Comment: "Good grounding for research on inert anodes."},
		{CourseID: ids["MFE220"], AlumnusID: al[1], Rating: 3, GivenOn: *date(2025, 3, 12),
			Comment: "No hands-on DC casting; new hires learn the casting pit from scratch."},
		{CourseID: ids["MFE220"], AlumnusID: al[2], Rating: 2, GivenOn: *date(2026, 4, 2),
			Comment: "The plant's casting lines are automated now; the course says nothing about their control."},
		{CourseID: ids["MFE220"], AlumnusID: al[1], Rating: 3, GivenOn: *date(2026, 10, 25),
			Comment: "Better since the guest lectures; still no PLC content."},
		{CourseID: ids["AUT210"], AlumnusID: al[2], Rating: 4, GivenOn: *date(2025, 5, 20),
			Comment: "Useful, but on a different PLC family from the plant's."},
		{CourseID: ids["MET310"], AlumnusID: al[5], Rating: 4, GivenOn: *date(2026, 3, 8),
			Comment: "氯化工艺部分讲得很透。"},
	} {
		if _, err := b.db.CreateCourseFeedback(b.ctx, &f); err != nil {
			return fmt.Errorf("feedback on course %d: %w", f.CourseID, err)
		}
		b.s.Feedback++
	}
	return nil
}
