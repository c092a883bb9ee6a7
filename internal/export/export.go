// Package export writes the record's lists as CSV for spreadsheets: UTF-8
// with a byte-order mark (so Excel reads Chinese correctly), a header row,
// one row per record, streamed page by page, and only what the viewer may
// list (the same coop.Scope rules as the API's queries). The API hands out
// expiring download links to it (server: /export/{id}); the CLI writes a
// file (crucible export).
package export

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// Lists are the lists that can be exported.
var Lists = []coop.ExportList{coop.ExportStudents, coop.ExportInternships, coop.ExportApplications, coop.ExportCommitments, coop.ExportEvents,
	coop.ExportShortlist, coop.ExportPlacements, coop.ExportSkillsGap, coop.ExportFeedback, coop.ExportCourses, coop.ExportContrib}

// MaxShortlist is how many of a shortlist's first entries an export holds.
const MaxShortlist = 500

// Sources are what the lists are read from: the record, for a shortlist
// the ranking service (nil where there is none, as in the CLI), and for
// the skills gap the vocabulary and, where there is one, the matcher's
// index to count supply (else the record counts it).
type Sources struct {
	DB      *postgres.DB
	Ranking *coop.ShortlistService
	Skills  coop.SkillNames
	Supply  coop.SkillSupply
}

// page is how many records are read at a time (the store's largest page).
const page = 100

// BOM is the byte-order mark written first.
const BOM = "\ufeff"

// Write writes one list, as v may list it, and returns the number of rows
// written (the header not counted). Today is the day of the commitments'
// status.
func Write(ctx context.Context, w io.Writer, src Sources, v *coop.Viewer, req coop.ExportRequest, today time.Time) (int, error) {
	db := src.DB
	if req.List == coop.ExportShortlist && (src.Ranking == nil || req.InternshipID == nil) {
		return 0, coop.Errorf(coop.EINVALID, "A shortlist is exported through the API, for one internship.")
	}
	if _, err := io.WriteString(w, BOM); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	n := 0
	row := func(rec []string) error {
		n++
		if err := cw.Write(rec); err != nil {
			return err
		}
		if n%page == 0 {
			cw.Flush()
			if f, ok := w.(interface{ Flush() }); ok {
				f.Flush()
			}
		}
		return cw.Error()
	}
	var err error
	switch req.List {
	case coop.ExportStudents:
		err = students(ctx, cw, db, v, row)
	case coop.ExportInternships:
		err = internships(ctx, cw, db, v, row)
	case coop.ExportApplications:
		err = applications(ctx, cw, db, v, req, row)
	case coop.ExportCommitments:
		err = commitments(ctx, cw, db, v, today, row)
	case coop.ExportEvents:
		err = events(ctx, cw, db, v, row)
	case coop.ExportShortlist:
		err = shortlist(ctx, cw, db, src.Ranking, v, *req.InternshipID, row)
	case coop.ExportPlacements:
		err = placements(ctx, cw, db, v, req, row)
	case coop.ExportSkillsGap:
		err = skillsGap(ctx, cw, src, v, req, today, row)
	case coop.ExportFeedback:
		err = courseFeedback(ctx, cw, db, v, req, row)
	case coop.ExportCourses:
		err = courses(ctx, cw, db, row)
	case coop.ExportContrib:
		err = contributions(ctx, cw, db, v, req, row)
	default:
		err = fmt.Errorf("unknown list %q", req.List)
	}
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}

// each pages through a list with keyset paging, page records at a time.
func each[T any](ctx context.Context, find func(context.Context, coop.ListOptions) (coop.List[T], error), fn func([]T) error) error {
	size := page
	opt := coop.ListOptions{First: &size}
	for {
		l, err := find(ctx, opt)
		if err != nil {
			return err
		}
		if err := fn(l.Items); err != nil {
			return err
		}
		if !l.HasNextPage || len(l.Cursors) == 0 {
			return nil
		}
		opt.After = l.Cursors[len(l.Cursors)-1]
	}
}

func date(d *time.Time) string {
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

func join(xs []string) string { return strings.Join(xs, "; ") }

// namesOf looks up the names of the partners of a page of records.
func namesOf[T any](ctx context.Context, db *postgres.DB, items []T, partnerID func(T) int64) (map[int64]string, error) {
	ids := make([]int64, len(items))
	for i, x := range items {
		ids[i] = partnerID(x)
	}
	return partnerNames(ctx, db, ids)
}

// partnerNames looks up partners' names once per page.
func partnerNames(ctx context.Context, db *postgres.DB, ids []int64) (map[int64]string, error) {
	ps, err := db.PartnersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(ps))
	for _, p := range ps {
		out[p.ID] = p.Name
		if p.NameZh != "" {
			out[p.ID] = p.Name + " (" + p.NameZh + ")"
		}
	}
	return out, nil
}

func students(ctx context.Context, cw *csv.Writer, db *postgres.DB, v *coop.Viewer, row func([]string) error) error {
	var f coop.StudentFilter
	if err := coop.ScopeStudents(v, &f); err != nil {
		return err
	}
	// Contact details are personal data: only staff export them.
	contact := v.Staff()
	head := []string{"studentNumber", "name", "college", "major", "enrolmentYear", "graduationYear", "gpa", "skills", "courses",
		"certificates", "languages", "preferredCities", "availableFrom", "availableUntil", "consentToShare"}
	if contact {
		head = append(head, "email", "phone")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	return each(ctx, func(ctx context.Context, o coop.ListOptions) (coop.List[*coop.Student], error) {
		return db.FindStudents(ctx, f, o)
	}, func(ss []*coop.Student) error {
		for _, s := range ss {
			skills := make([]string, len(s.Skills))
			for i, k := range s.Skills {
				skills[i] = k.Skill + ":" + strconv.Itoa(k.Level)
			}
			gpa := ""
			if s.GPA != nil {
				gpa = strconv.FormatFloat(*s.GPA, 'f', 2, 64)
			}
			rec := []string{s.StudentNumber, s.Name, s.College, s.Major, strconv.Itoa(s.EnrolmentYear), strconv.Itoa(s.GraduationYear), gpa,
				join(skills), join(s.Courses), join(s.Certificates), join(s.Languages), join(s.PreferredCities),
				date(s.AvailableFrom), date(s.AvailableUntil), strconv.FormatBool(s.ConsentToShare)}
			if contact {
				rec = append(rec, s.Email, s.Phone)
			}
			if err := row(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

func internships(ctx context.Context, cw *csv.Writer, db *postgres.DB, v *coop.Viewer, row func([]string) error) error {
	var f coop.InternshipFilter
	coop.ScopeInternships(v, &f)
	if err := cw.Write([]string{"id", "partner", "title", "city", "slots", "status", "startDate", "endDate", "requiredSkills", "majors", "leadsToEmployment"}); err != nil {
		return err
	}
	return each(ctx, func(ctx context.Context, o coop.ListOptions) (coop.List[*coop.Internship], error) {
		return db.FindInternships(ctx, f, o)
	}, func(is []*coop.Internship) error {
		names, err := namesOf(ctx, db, is, func(in *coop.Internship) int64 { return in.PartnerID })
		if err != nil {
			return err
		}
		for _, in := range is {
			req := make([]string, len(in.RequiredSkills))
			for i, r := range in.RequiredSkills {
				req[i] = r.Skill + ":" + strconv.Itoa(r.MinLevel)
				if r.MustHave {
					req[i] += "!"
				}
			}
			if err := row([]string{in.GID(), names[in.PartnerID], in.Title, in.City, strconv.Itoa(in.Slots), string(in.Status),
				date(in.StartDate), date(in.EndDate), join(req), join(in.Majors), strconv.FormatBool(in.LeadsToEmployment)}); err != nil {
				return err
			}
		}
		return nil
	})
}

func applications(ctx context.Context, cw *csv.Writer, db *postgres.DB, v *coop.Viewer, req coop.ExportRequest, row func([]string) error) error {
	f := coop.ApplicationFilter{InternshipID: req.InternshipID}
	if err := coop.ScopeApplications(v, &f); err != nil {
		return err
	}
	if err := cw.Write([]string{"id", "studentNumber", "student", "internship", "partner", "status", "applied", "updated"}); err != nil {
		return err
	}
	return each(ctx, func(ctx context.Context, o coop.ListOptions) (coop.List[*coop.Application], error) {
		return db.FindApplications(ctx, f, o)
	}, func(as []*coop.Application) error {
		sids, iids := make([]int64, len(as)), make([]int64, len(as))
		for i, a := range as {
			sids[i], iids[i] = a.StudentID, a.InternshipID
		}
		ss, err := db.StudentsByIDs(ctx, sids)
		if err != nil {
			return err
		}
		is, err := db.InternshipsByIDs(ctx, iids)
		if err != nil {
			return err
		}
		st, in := map[int64]*coop.Student{}, map[int64]*coop.Internship{}
		var pids []int64
		for _, s := range ss {
			st[s.ID] = s
		}
		for _, i := range is {
			in[i.ID] = i
			pids = append(pids, i.PartnerID)
		}
		names, err := partnerNames(ctx, db, pids)
		if err != nil {
			return err
		}
		for _, a := range as {
			s, i := st[a.StudentID], in[a.InternshipID]
			if s == nil || i == nil {
				continue // deleted meanwhile
			}
			if err := row([]string{a.GID(), s.StudentNumber, s.Name, i.Title, names[i.PartnerID], string(a.Status),
				a.CreatedAt.UTC().Format(time.RFC3339), a.UpdatedAt.UTC().Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		return nil
	})
}

func commitments(ctx context.Context, cw *csv.Writer, db *postgres.DB, v *coop.Viewer, today time.Time, row func([]string) error) error {
	var f coop.CommitmentFilter
	if err := coop.ScopeCommitments(v, &f); err != nil {
		return err
	}
	if err := cw.Write([]string{"id", "partner", "kind", "periodStart", "periodEnd", "target", "unit", "delivered", "share", "status", "notes"}); err != nil {
		return err
	}
	return each(ctx, func(ctx context.Context, o coop.ListOptions) (coop.List[*coop.Commitment], error) {
		return db.FindCommitments(ctx, f, o)
	}, func(cs []*coop.Commitment) error {
		names, err := namesOf(ctx, db, cs, func(c *coop.Commitment) int64 { return c.PartnerID })
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := row([]string{c.GID(), names[c.PartnerID], string(c.Kind), date(&c.PeriodStart), date(&c.PeriodEnd), strconv.Itoa(c.Target),
				c.Unit, strconv.Itoa(c.Delivered), strconv.FormatFloat(c.Share(), 'f', 3, 64), string(c.Status(today)), c.Notes}); err != nil {
				return err
			}
		}
		return nil
	})
}

func events(ctx context.Context, cw *csv.Writer, db *postgres.DB, v *coop.Viewer, row func([]string) error) error {
	var f coop.EventFilter
	if err := coop.ScopeEvents(v, &f); err != nil {
		return err
	}
	if err := cw.Write([]string{"id", "heldOn", "kind", "title", "place", "partners", "participants", "summary", "openActions"}); err != nil {
		return err
	}
	return each(ctx, func(ctx context.Context, o coop.ListOptions) (coop.List[*coop.Event], error) {
		return db.FindEvents(ctx, f, o)
	}, func(es []*coop.Event) error {
		var ids []int64
		for _, e := range es {
			ids = append(ids, e.PartnerIDs...)
		}
		names, err := partnerNames(ctx, db, ids)
		if err != nil {
			return err
		}
		for _, e := range es {
			var ps, who, open []string
			for _, id := range e.PartnerIDs {
				// A partner sees only its own group's names.
				if v.Staff() || coop.InGroup(v, id) {
					ps = append(ps, names[id])
				}
			}
			for _, p := range e.Participants {
				who = append(who, p.Name)
			}
			for _, a := range e.Actions {
				if !a.Done {
					open = append(open, a.Action)
				}
			}
			if err := row([]string{e.GID(), date(&e.HeldOn), string(e.Kind), e.Title, e.Place, join(ps), join(who), e.Summary, join(open)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// shortlist writes the first MaxShortlist entries of an internship's
// shortlist as v may see it: rank, score, the student, each feature's
// contribution (they sum to the score) and the skills matched and missing.
func shortlist(ctx context.Context, cw *csv.Writer, db *postgres.DB, rk *coop.ShortlistService, v *coop.Viewer, internshipID int64,
	row func([]string) error) error {
	// The features of coop.ScoreComponent, one column each.
	features := []string{"skill_coverage", "text_relevance", "major_fit", "academics", "group_affinity", "availability_fit"}
	head := append([]string{"rank", "score", "studentNumber", "student", "major", "graduationYear", "gpa"}, features...)
	head = append(head, "matchedSkills", "missingSkills")
	if err := cw.Write(head); err != nil {
		return err
	}
	after, n := "", 0
	for n < MaxShortlist {
		p, err := rk.Shortlist(ctx, v, internshipID, page, after, coop.ShortlistFilter{})
		if err != nil {
			return err
		}
		ids := make([]int64, len(p.Entries))
		for i, e := range p.Entries {
			ids[i] = e.StudentID
		}
		ss, err := db.StudentsByIDs(ctx, ids)
		if err != nil {
			return err
		}
		st := map[int64]*coop.Student{}
		for _, s := range ss {
			st[s.ID] = s
		}
		for _, e := range p.Entries {
			s := st[e.StudentID]
			if s == nil || n >= MaxShortlist {
				continue
			}
			n++
			gpa := ""
			if s.GPA != nil {
				gpa = strconv.FormatFloat(*s.GPA, 'f', 2, 64)
			}
			contrib := map[string]string{}
			for _, c := range e.Breakdown {
				contrib[c.Name] = strconv.FormatFloat(c.Contribution, 'f', 4, 64)
			}
			rec := []string{strconv.Itoa(e.Rank), strconv.FormatFloat(e.Score, 'f', 4, 64), s.StudentNumber, s.Name, s.Major,
				strconv.Itoa(s.GraduationYear), gpa}
			for _, f := range features {
				rec = append(rec, contrib[f])
			}
			rec = append(rec, join(e.MatchedSkills), join(e.MissingSkills))
			if err := row(rec); err != nil {
				return err
			}
		}
		if !p.HasNextPage || len(p.Cursors) == 0 {
			return nil
		}
		after = p.Cursors[len(p.Cursors)-1]
	}
	return nil
}
