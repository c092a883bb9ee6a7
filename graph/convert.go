package graph

import (
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
	"strconv"
)

// This file converts GraphQL inputs into domain values and domain lists into
// connections. Bad ids in inputs become validation errors on their field.

func deletePayload(gid string, err error) (*model.DeletePayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		return &model.DeletePayload{UserErrors: ue}, nil
	}
	return &model.DeletePayload{DeletedID: &gid, UserErrors: ue}, nil
}

func partnerConnection(l coop.List[*coop.Partner], count model.Counter) *model.PartnerConnection {
	return &model.PartnerConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Partner) *model.PartnerEdge { return &model.PartnerEdge{Cursor: c, Node: n} })}
}

func agreementConnection(l coop.List[*coop.Agreement], count model.Counter) *model.AgreementConnection {
	return &model.AgreementConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Agreement) *model.AgreementEdge {
			return &model.AgreementEdge{Cursor: c, Node: n}
		})}
}

func siteConnection(l coop.List[*coop.Site], count model.Counter) *model.SiteConnection {
	return &model.SiteConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Site) *model.SiteEdge { return &model.SiteEdge{Cursor: c, Node: n} })}
}

func studentConnection(l coop.List[*coop.Student], count model.Counter) *model.StudentConnection {
	return &model.StudentConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Student) *model.StudentEdge { return &model.StudentEdge{Cursor: c, Node: n} })}
}

func alumnusConnection(l coop.List[*coop.Alumnus], count model.Counter) *model.AlumnusConnection {
	return &model.AlumnusConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Alumnus) *model.AlumnusEdge { return &model.AlumnusEdge{Cursor: c, Node: n} })}
}

func internshipConnection(l coop.List[*coop.Internship], count model.Counter) *model.InternshipConnection {
	return &model.InternshipConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Internship) *model.InternshipEdge {
			return &model.InternshipEdge{Cursor: c, Node: n}
		})}
}

func applicationConnection(l coop.List[*coop.Application], count model.Counter) *model.ApplicationConnection {
	return &model.ApplicationConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Application) *model.ApplicationEdge {
			return &model.ApplicationEdge{Cursor: c, Node: n}
		})}
}

func contacts(in []*model.ContactInput) []coop.Contact {
	if in == nil {
		return nil
	}
	out := make([]coop.Contact, len(in))
	for i, c := range in {
		out[i] = coop.Contact{Name: c.Name, Role: str(c.Role), Email: str(c.Email), Phone: str(c.Phone)}
	}
	return out
}

func partnerFromInput(in model.CreatePartnerInput) (*coop.Partner, error) {
	parent, err := decodeOptID(in.ParentID, coop.TypePartner, "parentId")
	if err != nil {
		return nil, err
	}
	return &coop.Partner{Name: in.Name, NameZh: str(in.NameZh), Kind: in.Kind, ParentID: parent,
		Industry: str(in.Industry), City: str(in.City), Contacts: contacts(in.Contacts)}, nil
}

func partnerUpdateFromInput(in model.UpdatePartnerInput) (int64, coop.PartnerUpdate, error) {
	id, err := decodeID(in.ID, coop.TypePartner, "id")
	if err != nil {
		return 0, coop.PartnerUpdate{}, err
	}
	parent, err := decodeOptID(in.ParentID, coop.TypePartner, "parentId")
	if err != nil {
		return 0, coop.PartnerUpdate{}, err
	}
	upd := coop.PartnerUpdate{Name: in.Name, NameZh: in.NameZh, Kind: in.Kind, ParentID: parent,
		ClearParent: boolv(in.ClearParent), Industry: in.Industry, City: in.City}
	if in.Contacts != nil {
		cs := contacts(in.Contacts)
		upd.Contacts = &cs
	}
	return id, upd, nil
}

func partnerFilter(f *model.PartnerFilter) (coop.PartnerFilter, error) {
	var out coop.PartnerFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.ParentID, err = decodeOptID(f.ParentID, coop.TypePartner, "filter", "parentId"); err != nil {
		return out, err
	}
	if out.Within, err = decodeOptID(f.Within, coop.TypePartner, "filter", "within"); err != nil {
		return out, err
	}
	out.Kinds, out.RootsOnly, out.City, out.Query = f.Kinds, boolv(f.RootsOnly), str(f.City), str(f.Query)
	return out, nil
}

func agreementFromInput(in model.CreateAgreementInput) (*coop.Agreement, error) {
	pid, err := decodeID(in.PartnerID, coop.TypePartner, "partnerId")
	if err != nil {
		return nil, err
	}
	a := &coop.Agreement{PartnerID: pid, College: in.College, Title: in.Title, SignedOn: in.SignedOn,
		ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil, Scopes: in.Scopes}
	if in.Status != nil {
		a.Status = *in.Status
	}
	return a, nil
}

func agreementUpdateFromInput(in model.UpdateAgreementInput) (int64, coop.AgreementUpdate, error) {
	id, err := decodeID(in.ID, coop.TypeAgreement, "id")
	upd := coop.AgreementUpdate{College: in.College, Title: in.Title, SignedOn: in.SignedOn, ValidFrom: in.ValidFrom,
		ValidUntil: in.ValidUntil, Status: in.Status}
	if in.Scopes != nil {
		upd.Scopes = &in.Scopes
	}
	return id, upd, err
}

func agreementFilter(f *model.AgreementFilter) (coop.AgreementFilter, error) {
	var out coop.AgreementFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.Within, err = decodeOptID(f.PartnerWithin, coop.TypePartner, "filter", "partnerWithin"); err != nil {
		return out, err
	}
	out.Statuses, out.Scope, out.ActiveOn = f.Statuses, f.Scope, f.ActiveOn
	return out, nil
}

func siteFromInput(in model.CreateSiteInput) (*coop.Site, error) {
	pid, err := decodeID(in.PartnerID, coop.TypePartner, "partnerId")
	if err != nil {
		return nil, err
	}
	return &coop.Site{PartnerID: pid, Name: in.Name, NameZh: str(in.NameZh), Kind: in.Kind,
		ProcessAreas: in.ProcessAreas, City: str(in.City)}, nil
}

func siteUpdateFromInput(in model.UpdateSiteInput) (int64, coop.SiteUpdate, error) {
	id, err := decodeID(in.ID, coop.TypeSite, "id")
	upd := coop.SiteUpdate{Name: in.Name, NameZh: in.NameZh, Kind: in.Kind, City: in.City}
	if in.ProcessAreas != nil {
		upd.ProcessAreas = &in.ProcessAreas
	}
	return id, upd, err
}

func studentSkills(in []*model.StudentSkillInput) []coop.StudentSkill {
	if in == nil {
		return nil
	}
	out := make([]coop.StudentSkill, len(in))
	for i, s := range in {
		out[i] = coop.StudentSkill{Skill: s.Skill, Level: s.Level}
	}
	return out
}

func studentFromInput(in model.CreateStudentInput) *coop.Student {
	return &coop.Student{StudentNumber: in.StudentNumber, Name: in.Name, College: str(in.College), Major: str(in.Major),
		EnrolmentYear: in.EnrolmentYear, GraduationYear: in.GraduationYear, GPA: in.Gpa, Skills: studentSkills(in.Skills),
		Courses: in.Courses, Certificates: in.Certificates, Languages: in.Languages, PreferredCities: in.PreferredCities,
		Statement: str(in.Statement), AvailableFrom: in.AvailableFrom, AvailableUntil: in.AvailableUntil,
		ConsentToShare: boolv(in.ConsentToShare), Email: str(in.Email), Phone: str(in.Phone)}
}

func studentUpdateFromInput(in model.UpdateStudentInput) (int64, coop.StudentUpdate, error) {
	id, err := decodeID(in.ID, coop.TypeStudent, "id")
	upd := coop.StudentUpdate{StudentNumber: in.StudentNumber, Name: in.Name, College: in.College, Major: in.Major,
		EnrolmentYear: in.EnrolmentYear, GraduationYear: in.GraduationYear, GPA: in.Gpa, Statement: in.Statement,
		AvailableFrom: in.AvailableFrom, AvailableUntil: in.AvailableUntil, ConsentToShare: in.ConsentToShare,
		Email: in.Email, Phone: in.Phone}
	if in.Skills != nil {
		s := studentSkills(in.Skills)
		upd.Skills = &s
	}
	setList(&upd.Courses, in.Courses)
	setList(&upd.Certificates, in.Certificates)
	setList(&upd.Languages, in.Languages)
	setList(&upd.PreferredCities, in.PreferredCities)
	return id, upd, err
}

func setList(dst **[]string, v []string) {
	if v != nil {
		*dst = &v
	}
}

func studentFilter(f *model.StudentFilter) coop.StudentFilter {
	var out coop.StudentFilter
	if f == nil {
		return out
	}
	out = coop.StudentFilter{Majors: f.Majors, GraduationYearFrom: f.GraduationYearFrom, GraduationYearTo: f.GraduationYearTo,
		MinGPA: f.MinGpa, City: str(f.City), ConsentToShare: f.ConsentToShare, Query: str(f.Query),
		AvailableFrom: f.AvailableFrom, AvailableUntil: f.AvailableUntil}
	for _, s := range f.Skills {
		lvl := 1
		if s.MinLevel != nil {
			lvl = *s.MinLevel
		}
		out.Skills = append(out.Skills, coop.SkillAtLeast{Skill: s.Skill, MinLevel: lvl})
	}
	return out
}

func alumnusFromInput(in model.CreateAlumnusInput) (*coop.Alumnus, error) {
	sid, err := decodeOptID(in.StudentID, coop.TypeStudent, "studentId")
	if err != nil {
		return nil, err
	}
	eid, err := decodeOptID(in.EmployerID, coop.TypePartner, "employerId")
	if err != nil {
		return nil, err
	}
	return &coop.Alumnus{StudentID: sid, Name: in.Name, GraduationYear: in.GraduationYear, Major: str(in.Major),
		EmployerID: eid, Position: str(in.Position), JoinedOn: in.JoinedOn, GrowthStory: str(in.GrowthStory),
		CurriculumFeedback: str(in.CurriculumFeedback), CurriculumRating: in.CurriculumRating,
		WillingToMentor: boolv(in.WillingToMentor), ConsentToShare: boolv(in.ConsentToShare)}, nil
}

func alumnusUpdateFromInput(in model.UpdateAlumnusInput) (int64, coop.AlumnusUpdate, error) {
	id, err := decodeID(in.ID, coop.TypeAlumnus, "id")
	if err != nil {
		return 0, coop.AlumnusUpdate{}, err
	}
	eid, err := decodeOptID(in.EmployerID, coop.TypePartner, "employerId")
	return id, coop.AlumnusUpdate{Name: in.Name, GraduationYear: in.GraduationYear, Major: in.Major, EmployerID: eid,
		Position: in.Position, JoinedOn: in.JoinedOn, GrowthStory: in.GrowthStory, CurriculumFeedback: in.CurriculumFeedback,
		CurriculumRating: in.CurriculumRating, WillingToMentor: in.WillingToMentor, ConsentToShare: in.ConsentToShare}, err
}

func alumnusFilter(f *model.AlumnusFilter) (coop.AlumnusFilter, error) {
	var out coop.AlumnusFilter
	if f == nil {
		return out, nil
	}
	var err error
	out.EmployerWithin, err = decodeOptID(f.EmployerWithin, coop.TypePartner, "filter", "employerWithin")
	out.GraduationYear, out.WillingToMentor, out.Query = f.GraduationYear, f.WillingToMentor, str(f.Query)
	return out, err
}

func requiredSkills(in []*model.RequiredSkillInput) []coop.RequiredSkill {
	if in == nil {
		return nil
	}
	out := make([]coop.RequiredSkill, len(in))
	for i, s := range in {
		lvl := 1
		if s.MinLevel != nil {
			lvl = *s.MinLevel
		}
		out[i] = coop.RequiredSkill{Skill: s.Skill, MinLevel: lvl, MustHave: boolv(s.MustHave)}
	}
	return out
}

func internshipFromInput(in model.CreateInternshipInput) (*coop.Internship, error) {
	pid, err := decodeID(in.PartnerID, coop.TypePartner, "partnerId")
	if err != nil {
		return nil, err
	}
	sid, err := decodeOptID(in.SiteID, coop.TypeSite, "siteId")
	if err != nil {
		return nil, err
	}
	out := &coop.Internship{PartnerID: pid, SiteID: sid, Title: in.Title, Description: str(in.Description),
		RequiredSkills: requiredSkills(in.RequiredSkills), Majors: in.Majors, MajorsRequired: boolv(in.MajorsRequired),
		MinGPA: in.MinGpa, GraduationYearFrom: in.GraduationYearFrom, GraduationYearTo: in.GraduationYearTo,
		StartDate: in.StartDate, EndDate: in.EndDate, City: str(in.City), LeadsToEmployment: boolv(in.LeadsToEmployment)}
	if in.Slots != nil {
		out.Slots = *in.Slots
	}
	if in.Status != nil {
		out.Status = *in.Status
	}
	return out, nil
}

func internshipUpdateFromInput(in model.UpdateInternshipInput) (int64, coop.InternshipUpdate, error) {
	id, err := decodeID(in.ID, coop.TypeInternship, "id")
	if err != nil {
		return 0, coop.InternshipUpdate{}, err
	}
	sid, err := decodeOptID(in.SiteID, coop.TypeSite, "siteId")
	upd := coop.InternshipUpdate{SiteID: sid, Title: in.Title, Description: in.Description, MajorsRequired: in.MajorsRequired,
		MinGPA: in.MinGpa, GraduationYearFrom: in.GraduationYearFrom, GraduationYearTo: in.GraduationYearTo, Slots: in.Slots,
		StartDate: in.StartDate, EndDate: in.EndDate, City: in.City, Status: in.Status, LeadsToEmployment: in.LeadsToEmployment}
	if in.RequiredSkills != nil {
		rs := requiredSkills(in.RequiredSkills)
		upd.RequiredSkills = &rs
	}
	setList(&upd.Majors, in.Majors)
	return id, upd, err
}

func internshipFilter(f *model.InternshipFilter) (coop.InternshipFilter, error) {
	var out coop.InternshipFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.PartnerWithin, err = decodeOptID(f.PartnerWithin, coop.TypePartner, "filter", "partnerWithin"); err != nil {
		return out, err
	}
	if out.SiteID, err = decodeOptID(f.SiteID, coop.TypeSite, "filter", "siteId"); err != nil {
		return out, err
	}
	out.Statuses, out.City, out.LeadsToEmployment, out.Query = f.Statuses, str(f.City), f.LeadsToEmployment, str(f.Query)
	return out, nil
}

func applicationFilter(f *model.ApplicationFilter) (coop.ApplicationFilter, error) {
	var out coop.ApplicationFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.StudentID, err = decodeOptID(f.StudentID, coop.TypeStudent, "filter", "studentId"); err != nil {
		return out, err
	}
	if out.InternshipID, err = decodeOptID(f.InternshipID, coop.TypeInternship, "filter", "internshipId"); err != nil {
		return out, err
	}
	if out.PartnerWithin, err = decodeOptID(f.PartnerWithin, coop.TypePartner, "filter", "partnerWithin"); err != nil {
		return out, err
	}
	out.Statuses = f.Statuses
	return out, nil
}

func weightsFromInput(w *model.FeatureWeightsInput) coop.Weights {
	if w == nil {
		return coop.Weights{}
	}
	return coop.Weights{SkillCoverage: w.SkillCoverage, TextRelevance: w.TextRelevance, MajorFit: w.MajorFit,
		Academics: w.Academics, GroupAffinity: w.GroupAffinity, AvailabilityFit: w.AvailabilityFit}
}

func commitmentConnection(l coop.List[*coop.Commitment], count model.Counter) *model.CommitmentConnection {
	return &model.CommitmentConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Commitment) *model.CommitmentEdge {
			return &model.CommitmentEdge{Cursor: c, Node: n}
		})}
}

func commitmentFromInput(in model.CreateCommitmentInput) (*coop.Commitment, error) {
	aid, err := decodeID(in.AgreementID, coop.TypeAgreement, "agreementId")
	if err != nil {
		return nil, err
	}
	pid, err := decodeID(in.PartnerID, coop.TypePartner, "partnerId")
	if err != nil {
		return nil, err
	}
	return &coop.Commitment{AgreementID: aid, PartnerID: pid, Kind: in.Kind, PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd,
		Target: in.Target, Unit: str(in.Unit), Notes: str(in.Notes)}, nil
}

func commitmentUpdateFromInput(in model.UpdateCommitmentInput) (int64, coop.CommitmentUpdate, error) {
	id, err := decodeID(in.ID, coop.TypeCommitment, "id")
	if err != nil {
		return 0, coop.CommitmentUpdate{}, err
	}
	upd := coop.CommitmentUpdate{Kind: in.Kind, PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd, Target: in.Target,
		Unit: in.Unit, Notes: in.Notes}
	upd.PartnerID, err = decodeOptID(in.PartnerID, coop.TypePartner, "partnerId")
	return id, upd, err
}

func commitmentFilter(f *model.CommitmentFilter) (coop.CommitmentFilter, error) {
	var out coop.CommitmentFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.AgreementID, err = decodeOptID(f.AgreementID, coop.TypeAgreement, "filter", "agreementId"); err != nil {
		return out, err
	}
	if out.Within, err = decodeOptID(f.PartnerWithin, coop.TypePartner, "filter", "partnerWithin"); err != nil {
		return out, err
	}
	out.Kinds, out.ActiveOn = f.Kinds, f.ActiveOn
	return out, nil
}

func eventConnection(l coop.List[*coop.Event], count model.Counter) *model.EventConnection {
	return &model.EventConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Event) *model.EventEdge {
			return &model.EventEdge{Cursor: c, Node: n}
		})}
}

func eventParts(partnerIDs []string, ps []*model.ParticipantInput, as []*model.FollowUpInput) ([]int64, []coop.Participant, []coop.FollowUp, error) {
	pids := make([]int64, len(partnerIDs))
	for i, gid := range partnerIDs {
		id, err := decodeID(gid, coop.TypePartner, "partnerIds", strconv.Itoa(i))
		if err != nil {
			return nil, nil, nil, err
		}
		pids[i] = id
	}
	parts := make([]coop.Participant, len(ps))
	for i, p := range ps {
		sid, err := decodeOptID(p.StudentID, coop.TypeStudent, "participants", strconv.Itoa(i), "studentId")
		if err != nil {
			return nil, nil, nil, err
		}
		aid, err := decodeOptID(p.AlumnusID, coop.TypeAlumnus, "participants", strconv.Itoa(i), "alumnusId")
		if err != nil {
			return nil, nil, nil, err
		}
		parts[i] = coop.Participant{Name: p.Name, Role: p.Role, StudentID: sid, AlumnusID: aid}
	}
	acts := make([]coop.FollowUp, len(as))
	for i, a := range as {
		acts[i] = coop.FollowUp{Action: a.Action, Owner: str(a.Owner), DueOn: a.DueOn, Done: boolv(a.Done)}
	}
	return pids, parts, acts, nil
}

func eventFromInput(in model.CreateEventInput) (*coop.Event, error) {
	aid, err := decodeOptID(in.AgreementID, coop.TypeAgreement, "agreementId")
	if err != nil {
		return nil, err
	}
	pids, parts, acts, err := eventParts(in.PartnerIds, in.Participants, in.Actions)
	if err != nil {
		return nil, err
	}
	return &coop.Event{Kind: in.Kind, Title: in.Title, HeldOn: in.HeldOn, Place: str(in.Place), AgreementID: aid,
		Summary: str(in.Summary), PartnerIDs: pids, Participants: parts, Actions: acts}, nil
}

func eventUpdateFromInput(in model.UpdateEventInput) (int64, coop.EventUpdate, error) {
	id, err := decodeID(in.ID, coop.TypeEvent, "id")
	if err != nil {
		return 0, coop.EventUpdate{}, err
	}
	upd := coop.EventUpdate{Kind: in.Kind, Title: in.Title, HeldOn: in.HeldOn, Place: in.Place, Summary: in.Summary}
	if upd.AgreementID, err = decodeOptID(in.AgreementID, coop.TypeAgreement, "agreementId"); err != nil {
		return 0, upd, err
	}
	pids, parts, acts, err := eventParts(in.PartnerIds, in.Participants, in.Actions)
	if err != nil {
		return 0, upd, err
	}
	if in.PartnerIds != nil {
		upd.PartnerIDs = &pids
	}
	if in.Participants != nil {
		upd.Participants = &parts
	}
	if in.Actions != nil {
		upd.Actions = &acts
	}
	return id, upd, nil
}

func eventFilter(f *model.EventFilter) (coop.EventFilter, error) {
	var out coop.EventFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.Within, err = decodeOptID(f.PartnerWithin, coop.TypePartner, "filter", "partnerWithin"); err != nil {
		return out, err
	}
	if out.AgreementID, err = decodeOptID(f.AgreementID, coop.TypeAgreement, "filter", "agreementId"); err != nil {
		return out, err
	}
	out.Kinds, out.From, out.Until = f.Kinds, f.From, f.Until
	return out, nil
}

func webhookEndpointConnection(l coop.List[*coop.WebhookEndpoint], count model.Counter) *model.WebhookEndpointConnection {
	return &model.WebhookEndpointConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.WebhookEndpoint) *model.WebhookEndpointEdge {
			return &model.WebhookEndpointEdge{Cursor: c, Node: n}
		})}
}

func webhookDeliveryConnection(l coop.List[*coop.WebhookDelivery], count model.Counter) *model.WebhookDeliveryConnection {
	return &model.WebhookDeliveryConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.WebhookDelivery) *model.WebhookDeliveryEdge {
			return &model.WebhookDeliveryEdge{Cursor: c, Node: n}
		})}
}

func erasureConnection(l coop.List[*coop.ErasureRequest], count model.Counter) *model.ErasureRequestConnection {
	return &model.ErasureRequestConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.ErasureRequest) *model.ErasureRequestEdge {
			return &model.ErasureRequestEdge{Cursor: c, Node: n}
		})}
}

func notificationConnection(l coop.List[*coop.Notification], count model.Counter) *model.NotificationConnection {
	return &model.NotificationConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Notification) *model.NotificationEdge {
			return &model.NotificationEdge{Cursor: c, Node: n}
		})}
}
