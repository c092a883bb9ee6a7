package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

const suggestionDoc = `query($id: ID!) { node(id: $id) { ... on Partner { weightSuggestion { outcomes internships enough currentNdcg heldOutNdcg
	current { skillCoverage textRelevance majorFit academics groupAffinity availabilityFit }
	suggested { skillCoverage textRelevance majorFit academics groupAffinity availabilityFit } } } } }`

type suggestionResp struct {
	Node *struct {
		WeightSuggestion struct {
			Outcomes, Internships    int
			Enough                   bool
			CurrentNdcg, HeldOutNdcg *float64
			Current, Suggested       *struct {
				SkillCoverage, TextRelevance, MajorFit, Academics, GroupAffinity, AvailabilityFit float64
			}
		}
	}
}

// TestWeightSuggestion: a group that hires by GPA alone, whatever the skills,
// is offered weights fitted on its history that weigh academics more, with a
// better NDCG on held-out internships; accepting them is one audited
// mutation that changes the weights only; nobody outside the group sees or
// applies them; without enough history nothing is offered.
func TestWeightSuggestion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	group, err := e.db.CreatePartner(ctx, &coop.Partner{Name: "Hiring Group", Kind: coop.PartnerGroup})
	must(err)
	plant, err := e.db.CreatePartner(ctx, &coop.Partner{Name: "Hiring Plant", Kind: coop.PartnerPlant, ParentID: &group.ID})
	must(err)
	other, err := e.db.CreatePartner(ctx, &coop.Partner{Name: "Other Group", Kind: coop.PartnerGroup})
	must(err)
	_, err = e.db.SetHiringPriorities(ctx, &coop.HiringPriorities{PartnerID: group.ID, PreferredCities: []string{"Baise"}})
	must(err)
	// 4 internships, 8 applicants each: the skill the internship asks for
	// is held by the weaker students, and the group hires the best GPAs.
	for k := 0; k < 4; k++ {
		in, err := e.db.CreateInternship(ctx, &coop.Internship{PartnerID: plant.ID, Title: fmt.Sprint("Potline intern ", k), Status: coop.InternshipOpen,
			RequiredSkills: []coop.RequiredSkill{{Skill: "aluminium electrolysis", MinLevel: 2}}})
		must(err)
		for i := 0; i < 8; i++ {
			gpa := 2.0 + float64(i)*0.25
			skills := []coop.StudentSkill{{Skill: "casting", Level: 3}}
			if i < 4 {
				skills = []coop.StudentSkill{{Skill: "aluminium electrolysis", Level: 4}}
			}
			s, err := e.db.CreateStudent(ctx, &coop.Student{StudentNumber: fmt.Sprintf("L%d-%d", k, i), Name: "S", EnrolmentYear: 2022,
				GraduationYear: 2026, GPA: &gpa, Skills: skills, ConsentToShare: true})
			must(err)
			a, err := e.db.ApplyToInternship(ctx, s.ID, in.ID, "", "test")
			must(err)
			path := []coop.ApplicationStatus{coop.ApplicationRejected}
			if i >= 5 {
				path = []coop.ApplicationStatus{coop.ApplicationShortlisted, coop.ApplicationInterviewing, coop.ApplicationOffered,
					coop.ApplicationAccepted, coop.ApplicationCompleted, coop.ApplicationHired}
			}
			for _, st := range path {
				_, err = e.db.TransitionApplication(ctx, a.ID, st, "test", "")
				must(err)
			}
		}
	}
	must(e.follower.WaitForWrites(ctx, 5*time.Second))
	groupHR, _, err := auth.Issue(ctx, e.db, &coop.Token{Name: "g", Role: coop.RolePartner, PartnerID: &group.ID})
	must(err)
	otherHR, _, err := auth.Issue(ctx, e.db, &coop.Token{Name: "o", Role: coop.RolePartner, PartnerID: &other.ID})
	must(err)

	var got suggestionResp
	e.as(groupHR, suggestionDoc, map[string]any{"id": gid("Partner", group.ID)}, &got)
	s := got.Node.WeightSuggestion
	if !s.Enough || s.Outcomes != 32 || s.Internships != 4 || s.Suggested == nil || s.CurrentNdcg == nil || s.HeldOutNdcg == nil {
		t.Fatalf("suggestion %+v", s)
	}
	cur, sug := s.Current, s.Suggested
	if !(sug.Academics/(sug.SkillCoverage+1e-9) > cur.Academics/cur.SkillCoverage) || !(*s.HeldOutNdcg > *s.CurrentNdcg) {
		t.Fatalf("hiring by GPA is not learnt: current %+v (NDCG %.3f), suggested %+v (held out %.3f)", cur, *s.CurrentNdcg, sug, *s.HeldOutNdcg)
	}

	// Others may neither see nor apply it.
	r := e.do(otherHR, suggestionDoc, map[string]any{"id": gid("Partner", group.ID)})
	if r.code() != coop.ENOTFOUND {
		t.Fatalf("another group reads the suggestion: %s %+v", r.Data, r.Errors)
	}
	accept := `mutation($id: ID!) { acceptWeightSuggestion(input: { partnerId: $id }) { hiringPriorities { partner { id } preferredCities
		weights { skillCoverage academics } } userErrors { field code message } } }`
	if r := e.do(otherHR, accept, map[string]any{"id": gid("Partner", group.ID)}); r.code() != coop.EFORBIDDEN {
		t.Fatalf("another group applies the suggestion: %s %+v", r.Data, r.Errors)
	}

	// Accepting: the weights change to the suggestion, the rest stays.
	var acc struct {
		AcceptWeightSuggestion struct {
			HiringPriorities *struct {
				PreferredCities []string
				Weights         struct{ SkillCoverage, Academics float64 }
			}
			UserErrors []struct{ Message string }
		}
	}
	e.as(groupHR, accept, map[string]any{"id": gid("Partner", group.ID)}, &acc)
	hp := acc.AcceptWeightSuggestion.HiringPriorities
	if len(acc.AcceptWeightSuggestion.UserErrors) > 0 || hp == nil || hp.Weights.Academics != sug.Academics ||
		hp.Weights.SkillCoverage != sug.SkillCoverage || len(hp.PreferredCities) != 1 {
		t.Fatalf("accepted: %+v", acc.AcceptWeightSuggestion)
	}
	var audit struct {
		AuditLog struct {
			Edges []struct {
				Node struct{ Action, ObjectID string }
			}
		}
	}
	e.admin(`{ auditLog(first: 10) { edges { node { action objectId } } } }`, nil, &audit)
	found := false
	for _, ed := range audit.AuditLog.Edges {
		found = found || (ed.Node.Action == "acceptWeightSuggestion" && ed.Node.ObjectID == gid("Partner", group.ID))
	}
	if !found {
		t.Fatalf("the acceptance is not audited: %+v", audit.AuditLog.Edges)
	}

	// Without history: nothing to offer, and accepting is a user error.
	e.as(otherHR, suggestionDoc, map[string]any{"id": gid("Partner", other.ID)}, &got)
	if s := got.Node.WeightSuggestion; s.Enough || s.Suggested != nil || s.Outcomes != 0 || s.CurrentNdcg != nil {
		t.Fatalf("a suggestion without history: %+v", s)
	}
	r = e.do(otherHR, accept, map[string]any{"id": gid("Partner", other.ID)})
	if len(r.Errors) > 0 || !contains(string(r.Data), "Not enough outcomes") {
		t.Fatalf("accepting without history: %s %+v", r.Data, r.Errors)
	}
}
