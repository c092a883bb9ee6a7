package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/evalset"
	"github.com/crucible-talent/crucible/internal/importer"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/ranker"
	"github.com/crucible-talent/crucible/matching/evaluate"
)

// evalPartner is the partner that offers the postings of an evaluation.
const evalPartner = "Evaluation employer"

// evalResult is what eval measured: per posting, and the mean.
type evalResult struct {
	Jobs []evalJob
	Mean evaluate.Metrics
	// Queries hold every posting's whole list with the feature values of
	// each student (with fit).
	Queries []evaluate.Query
}

type evalJob struct {
	ID, Title string
	evaluate.Metrics
	Retrieved int
}

func (e *environment) eval(ctx context.Context, args []string) error {
	fs := e.newFlags("eval", "eval [flags]\n\n"+
		"Measures the matcher's ranking on a labelled set (the format of ../shared/eval: resumes.jsonl,\n"+
		"jobs.jsonl, qrels.tsv). It starts a private PostgreSQL cluster in a temporary directory, imports\n"+
		"each person as a consenting student and each posting as an OPEN internship whose skills are\n"+
		"nice-to-have (through the importer), builds the search index, ranks every posting's shortlist as\n"+
		"the career office with default priorities, and prints NDCG@10, P@10 (grade >= 2), MRR and the\n"+
		"recall of grade-3 people within the retrieval window, per posting and overall. The data are read\n"+
		"where they are and never copied into the project.")
	dir := fs.String("dir", filepath.Join("..", "shared", "eval"), "directory of the labelled set")
	resumes := fs.String("students", "", "resumes file (default <dir>/resumes.jsonl)")
	jobs := fs.String("internships", "", "postings file (default <dir>/jobs.jsonl)")
	qrels := fs.String("qrels", "", "judgements file (default <dir>/qrels.tsv)")
	depth := fs.Int("depth", 100, "how deep each shortlist is read (for MRR)")
	fit := fs.Bool("fit", false, "also fit the feature weights on the set (coordinate ascent on NDCG@10) and print them with their\nleave-one-posting-out cross-validated NDCG@10")
	show := fs.String("show", "", "also print the first 10 of this posting's shortlist, with grades and skill matches")
	if err := fs.Parse(args); err != nil {
		return err
	}
	or := func(v, name string) string {
		if v != "" {
			return v
		}
		return filepath.Join(*dir, name)
	}
	set, err := evalset.Load(or(*resumes, "resumes.jsonl"), or(*jobs, "jobs.jsonl"), or(*qrels, "qrels.tsv"))
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "crucible-eval-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// As root, PostgreSQL runs as the postgres user, who must reach the
	// cluster's directory inside the temporary one.
	if err := os.Chmod(tmp, 0o711); err != nil {
		return err
	}
	res, err := e.runEval(ctx, set, tmp, *depth, *show, *fit)
	if err != nil {
		return err
	}
	printEval(e.stdout, res)
	printPrior(e.stdout, set.Qrels)
	if *fit {
		printFit(e.stdout, res.Queries)
	}
	return nil
}

// runEval imports set into a fresh cluster under tmp and measures it.
func (e *environment) runEval(ctx context.Context, set *evalset.Set, tmp string, depth int, show string, fit bool) (*evalResult, error) {
	start := time.Now()
	d, err := e.openDB(ctx, &dbFlags{dataDir: tmp})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	db := d.DB
	if _, err := db.CreatePartner(ctx, &coop.Partner{Name: evalPartner, Kind: coop.PartnerCompany}); err != nil {
		return nil, err
	}
	students := make([]map[string]any, len(set.Resumes))
	for i, r := range set.Resumes {
		students[i] = evalset.StudentRecord(r)
	}
	internships := make([]map[string]any, len(set.Jobs))
	for i, j := range set.Jobs {
		internships[i] = evalset.InternshipRecord(j, evalPartner)
	}
	for _, f := range []struct {
		kind    importer.Kind
		records []map[string]any
	}{{importer.Students, students}, {importer.Internships, internships}} {
		path := filepath.Join(tmp, string(f.kind)+".jsonl")
		if err := evalset.WriteJSONL(path, f.records); err != nil {
			return nil, err
		}
		rep, err := importer.Run(ctx, db, path, importer.Options{Kind: f.kind})
		for _, le := range rep.Errors {
			fmt.Fprintln(e.stderr, le.String())
		}
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", f.kind, err)
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, rebuild, err := indexsync.OpenIndex(ctx, db, filepath.Join(tmp, "index"), quiet)
	if err != nil {
		return nil, err
	}
	fctx, stop := context.WithCancel(ctx)
	follower := &indexsync.Follower{DB: db, Index: ix, Log: quiet}
	defer func() { stop(); follower.Wait(); ix.Close() }()
	follower.Start(fctx, rebuild)
	if err := follower.WaitForWrites(ctx, 2*time.Minute); err != nil {
		return nil, err
	}
	svc := &coop.ShortlistService{Store: db, Ranker: ranker.Ranker{Index: ix}, Facts: postgres.Facts{DB: db}}

	// Ids: students by number, internships in the file's order.
	byNumber := map[int64]string{}
	rows, err := db.Pool.Query(ctx, "SELECT id, student_number FROM students")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var num string
		if err := rows.Scan(&id, &num); err != nil {
			rows.Close()
			return nil, err
		}
		byNumber[id] = num
	}
	rows.Close()
	var internshipIDs []int64
	rows, err = db.Pool.Query(ctx, "SELECT id FROM internships ORDER BY id")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		internshipIDs = append(internshipIDs, id)
	}
	rows.Close()
	if len(internshipIDs) != len(set.Jobs) {
		return nil, fmt.Errorf("eval: %d postings imported as %d internships", len(set.Jobs), len(internshipIDs))
	}
	fmt.Fprintf(e.stderr, "eval: %d students and %d internships imported and indexed in %s\n", len(byNumber), len(internshipIDs),
		time.Since(start).Round(time.Millisecond))

	office := &coop.Viewer{Role: coop.RoleCareerOfficer, Name: "eval"}
	out := &evalResult{}
	var all []evaluate.Metrics
	for i, job := range set.Jobs {
		in, err := db.FindInternshipByID(ctx, internshipIDs[i])
		if err != nil {
			return nil, err
		}
		if in.Title != evalset.InternshipRecord(job, evalPartner)["title"] {
			return nil, fmt.Errorf("eval: internship %d is %q, want posting %s", in.ID, in.Title, job.ID)
		}
		var ranked []string
		after := ""
		for len(ranked) < depth {
			page, err := svc.Shortlist(ctx, office, in.ID, 10, after, coop.ShortlistFilter{})
			if err != nil {
				return nil, err
			}
			for _, en := range page.Entries {
				ranked = append(ranked, byNumber[en.StudentID])
				if job.ID == show && en.Rank <= 10 {
					fmt.Fprintf(e.stdout, "%2d %s grade %d score %.3f", en.Rank, byNumber[en.StudentID], set.Qrels[job.ID][byNumber[en.StudentID]], en.Score)
					for _, c := range en.Breakdown {
						fmt.Fprintf(e.stdout, " %s=%.2f", c.Name, c.Value)
					}
					for _, m := range en.SkillMatches {
						if m.Kind != "" {
							fmt.Fprintf(e.stdout, " [%s~%s %s %.2f]", m.Requirement, m.StudentSkill, m.Kind, m.Value)
						}
					}
					fmt.Fprintln(e.stdout)
				}
			}
			if !page.HasNextPage || len(page.Cursors) == 0 {
				break
			}
			after = page.Cursors[len(page.Cursors)-1]
		}
		window, err := svc.Retrieved(ctx, office, in.ID, 10)
		if err != nil {
			return nil, err
		}
		wids := make([]string, len(window))
		for k, id := range window {
			wids[k] = byNumber[id]
		}
		j := set.Qrels[job.ID]
		if len(j) == 0 {
			return nil, fmt.Errorf("eval: posting %s has no judgements", job.ID)
		}
		if fit {
			q, err := wholeList(ctx, svc, office, in.ID, byNumber)
			if err != nil {
				return nil, err
			}
			q.Name, q.Judgements = job.ID, j
			out.Queries = append(out.Queries, q)
		}
		m := evaluate.Measure(ranked, j, wids, evaluate.Options{})
		all = append(all, m)
		out.Jobs = append(out.Jobs, evalJob{ID: job.ID, Title: job.Title, Metrics: m, Retrieved: len(window)})
	}
	out.Mean = evaluate.Mean(all)
	return out, nil
}

func printEval(w io.Writer, r *evalResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "posting\tNDCG@10\tP@10\tRR\tR3@window\twindow\ttitle\t")
	pct := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	for _, j := range r.Jobs {
		title := []rune(j.Title)
		if len(title) > 40 {
			title = append(title[:39], '…')
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t\n", j.ID, pct(j.NDCG), pct(j.Precision), pct(j.RR), pct(j.Recall), j.Retrieved, string(title))
	}
	fmt.Fprintf(tw, "mean (%d)\t%s\t%s\t%s\t%s\t\t\t\n", len(r.Jobs), pct(r.Mean.NDCG), pct(r.Mean.Precision), pct(r.Mean.RR), pct(r.Mean.Recall))
	tw.Flush()
}

// wholeList reads an internship's whole shortlist with each student's
// feature values, in the order of matching.featureNames.
func wholeList(ctx context.Context, svc *coop.ShortlistService, v *coop.Viewer, internshipID int64, byNumber map[int64]string) (evaluate.Query, error) {
	var q evaluate.Query
	after := ""
	for {
		page, err := svc.Shortlist(ctx, v, internshipID, coop.MaxPageSize, after, coop.ShortlistFilter{})
		if err != nil {
			return q, err
		}
		for _, en := range page.Entries {
			c := evaluate.Candidate{ID: byNumber[en.StudentID]}
			for _, b := range en.Breakdown {
				c.Values = append(c.Values, b.Value)
			}
			q.Candidates = append(q.Candidates, c)
		}
		if !page.HasNextPage || len(page.Cursors) == 0 {
			return q, nil
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
}

// printFit fits the feature weights and cross-validates the fit.
// printPrior prints what the labels alone say: each person ranked by the
// grades they got on the other postings (evaluate.PersonPrior).
func printPrior(w io.Writer, qrels map[string]evaluate.Judgements) {
	if len(qrels) < 2 {
		return
	}
	fmt.Fprintf(w, "\nlabels alone: each person ranked by their grades on the other postings, never this one's: NDCG@10 %.3f\n",
		evaluate.MeanNDCGOf(evaluate.PersonPrior(qrels), qrels, evaluate.Options{}))
}

func printFit(w io.Writer, qs []evaluate.Query) {
	d := coop.DefaultWeights
	start := []float64{d.SkillCoverage, d.TextRelevance, d.MajorFit, d.Academics, d.GroupAffinity, d.AvailabilityFit}
	o := evaluate.Options{}
	cv, per := evaluate.CrossValidate(qs, start, nil, o)
	fitted, all := evaluate.Fit(qs, start, nil, o)
	fmt.Fprintf(w, "\nweights (skill_coverage, text_relevance, major_fit, academics, group_affinity, availability_fit)\n")
	fmt.Fprintf(w, "  default %v: NDCG@10 %.3f on the whole lists\n", start, evaluate.MeanNDCG(qs, start, o))
	fmt.Fprintf(w, "  fitted  %v: NDCG@10 %.3f on the set it was fitted on\n", fitted, all)
	fmt.Fprintf(w, "  leave one posting out: NDCG@10 %.3f (per posting:", cv)
	for i, q := range qs {
		fmt.Fprintf(w, " %s %.3f", q.Name, per[i])
	}
	fmt.Fprintln(w, ")")
}
