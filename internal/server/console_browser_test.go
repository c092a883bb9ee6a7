package server_test

// The web console in a real browser: headless Chromium (Debian's package)
// driven by chromedp against a real server on a test database with the
// demo story, the server running only persisted queries (the console's own
// documents). Where no Chromium is installed the tests skip with a message;
// .ci/run installs it, so CI never skips.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
	"github.com/crucible-talent/crucible/internal/server"
	"github.com/crucible-talent/crucible/internal/server/console"
)

// chromium finds a Chromium or Chrome binary, or "".
func chromium() string {
	if p := os.Getenv("CRUCIBLE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// consoleEnv is a server with the demo story and the console, and a
// headless browser.
type consoleEnv struct {
	*env
	sum      *demo.Summary
	personas map[string]string
	browser  context.Context
}

func newConsoleEnv(t *testing.T) *consoleEnv {
	t.Helper()
	bin := chromium()
	if bin == "" && os.Getenv("CRUCIBLE_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found, and CRUCIBLE_REQUIRE_BROWSER is set (.ci/run installs Debian's chromium)")
	}
	if bin == "" {
		t.Skip("no Chromium found (Debian: apt-get install chromium, or set CRUCIBLE_CHROMIUM); the console's browser tests need one")
	}
	personas := map[string]string{}
	cfg := server.DefaultConfig()
	cfg.PersistedQueries, cfg.PersistedOnly = console.Documents(), true
	e := newEnvDeps(t, cfg, func(d *server.Deps) {
		d.Console = console.Handler(console.Options{Personas: func() map[string]string { return personas }})
	})
	ctx := context.Background()
	sum, err := demo.LoadDemo(ctx, e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range demo.Personas(sum) {
		tok := p.Token
		secret, _, err := auth.Issue(ctx, e.db, &tok)
		if err != nil {
			t.Fatal(err)
		}
		personas[p.Key] = secret
	}
	if err := e.follower.WaitForWrites(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("lang", "en-US"), chromedp.WindowSize(1280, 800))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	return &consoleEnv{env: e, sum: sum, personas: personas, browser: browser}
}

// tab opens a tab in a browser context of its own (its own storage, so
// signed out), closed at the end of the test.
func (c *consoleEnv) tab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(c.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the tab, for as long as ctx lives: it must have no
	// deadline of its own (run sets one per call).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// signIn opens the console in a new tab and signs in as a demo persona with
// one click.
func (c *consoleEnv) signIn(t *testing.T, persona string) context.Context {
	t.Helper()
	ctx := c.tab(t)
	run(t, ctx,
		chromedp.Navigate(c.srv.URL+"/"),
		waitVisible(`button[data-persona="`+persona+`"]`),
		click(`button[data-persona="`+persona+`"]`),
		waitVisible(`[data-testid=viewer]`),
	)
	return ctx
}

// step is an action that gives nothing back.
type step = chromedp.Action[chromedp.Void]

// run runs the steps in the tab, and on failure shows what the page holds.
func run(t *testing.T, ctx context.Context, steps ...step) {
	t.Helper()
	limited, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(limited, steps...); err != nil {
		look, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		text, _ := chromedp.Run(look, chromedp.Evaluate[string](`document.querySelector('main')?.innerText ?? document.body?.innerText ?? ''`))
		t.Fatalf("browser: %v\npage's text: %.4000s", err, text)
	}
}

// into is a step that keeps what an action gives back.
func into[T any](a chromedp.Action[T], p *T) step {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, tg)
		*p = v
		return chromedp.Void{}, err
	}
}

// js runs a JavaScript expression for its effect.
func js(expr string) step {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[any](expr)(ctx, tg)
		return chromedp.Void{}, err
	}
}

// Shorthands for actions on the first element a CSS selector matches.
func waitVisible(sel string) step        { return chromedp.WaitVisible(chromedp.CSS(sel)) }
func click(sel string) step              { return chromedp.Click(chromedp.CSS(sel)) }
func sendKeys(sel, v string) step        { return chromedp.SendKeys(chromedp.CSS(sel), v) }
func setValue(sel, v string) step        { return chromedp.SetValue(chromedp.CSS(sel), v) }
func text(sel string, p *string) step    { return into(chromedp.Text(chromedp.CSS(sel)), p) }
func eval[T any](expr string, p *T) step { return into(chromedp.Evaluate[T](expr), p) }
func location(p *string) step            { return into(chromedp.Location(), p) }

// choose picks an option of a <select> the way a person does, so React
// sees the change.
func choose(sel, value string) step {
	return js(fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set.call(el, %q);
		el.dispatchEvent(new Event('change', { bubbles: true }));
	})()`, sel, value))
}

// waitJS waits until a JavaScript expression is true.
func waitJS(expr string) step {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))(ctx, tg)
		return chromedp.Void{}, err
	}
}

func TestConsoleSignInAsEachPersona(t *testing.T) {
	c := newConsoleEnv(t)
	for _, tc := range []struct {
		persona, shows string
		nav            []string
	}{
		{"ADMIN", "Administrator", []string{"Shortlists", "Candidates", "Alerts", "Pipeline", "Partners", "Commitments", "Events", "Reports", "Students", "Internships", "Alumni", "Webhooks", "Data requests"}},
		{"CAREER_OFFICER", "Career office", []string{"Shortlists", "Candidates", "Alerts", "Pipeline", "Partners", "Commitments", "Events", "Reports", "Students", "Internships", "Alumni", "Webhooks", "Data requests"}},
		{"GROUP_HR", "Enterprise · " + demo.AluminiumGroupName, []string{"Shortlists", "Candidates", "Alerts", "Pipeline", "Partners", "Commitments", "Events", "Reports", "Internships", "Alumni", "Webhooks"}},
		{"PLANT_HR", "Enterprise · " + demo.SmelterName, []string{"Shortlists", "Candidates", "Alerts", "Pipeline", "Partners", "Commitments", "Events", "Reports", "Internships", "Alumni", "Webhooks"}},
		{"OTHER_PARTNER_HR", "Enterprise", []string{"Shortlists", "Candidates", "Alerts", "Pipeline", "Partners", "Commitments", "Events", "Reports", "Internships", "Alumni", "Webhooks"}},
		{"STUDENT", "Student", []string{"My profile", "Internships"}},
		{"ALUMNUS", "Alumnus", []string{"Alumni"}},
	} {
		t.Run(tc.persona, func(t *testing.T) {
			ctx := c.signIn(t, tc.persona)
			var who, nav string
			run(t, ctx, text(`[data-testid=viewer]`, &who), eval(
				`[...document.querySelectorAll('nav a')].map(a => a.textContent).join(',')`, &nav))
			if !strings.Contains(who, tc.shows) {
				t.Errorf("header shows %q, want %q in it", who, tc.shows)
			}
			if nav != strings.Join(tc.nav, ",") {
				t.Errorf("navigation %q, want %q", nav, strings.Join(tc.nav, ","))
			}
			// The token lives in the tab's session storage, never in the URL.
			var url, stored string
			run(t, ctx, location(&url), eval(`sessionStorage.getItem('crucible.token')`, &stored))
			if stored != c.personas[tc.persona] || strings.Contains(url, "crc_") {
				t.Errorf("token kept wrong: url %s, stored %q", url, stored)
			}
			// Signing out forgets it.
			run(t, ctx, click(`header button`), waitVisible(`#token`),
				eval(`sessionStorage.getItem('crucible.token') ?? ''`, &stored))
			if stored != "" {
				t.Errorf("token kept after sign-out: %q", stored)
			}
		})
	}
	t.Run("bad token", func(t *testing.T) {
		ctx := c.tab(t)
		var alert string
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/"), waitVisible(`#token`),
			sendKeys(`#token`, "crc_not-a-token"), click(`.signin form button[type=submit]`),
			waitVisible(`.signin [role=alert]`), text(`.signin [role=alert]`, &alert))
		if !strings.Contains(alert, "not accepted") {
			t.Errorf("alert %q", alert)
		}
	})
}

func TestConsoleShortlistExplainedAndRefused(t *testing.T) {
	c := newConsoleEnv(t)
	id := coop.GlobalID("Internship", c.sum.ElectrolysisInternshipID)
	t.Run("GROUP_HR sees a ranked, explained shortlist", func(t *testing.T) {
		ctx := c.signIn(t, "GROUP_HR")
		var entries []map[string]any
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/shortlist/"+id),
			waitVisible(`[data-testid=shortlist] li.entry`),
			eval(`[...document.querySelectorAll('li.entry')].map(li => ({
				score: li.querySelector('.score').textContent,
				rows: [...li.querySelectorAll('.breakdown tr')].map(r => r.querySelector('.num').textContent),
				bars: li.querySelectorAll('.bar').length,
				chips: li.querySelectorAll('.chip.match, .chip.missing').length,
			}))`, &entries))
		if len(entries) < 3 {
			t.Fatalf("%d entries on the first page", len(entries))
		}
		for i, e := range entries {
			rows := e["rows"].([]any)
			if len(rows) != 6 || int(e["bars"].(float64)) != 6 {
				t.Fatalf("entry %d: %d breakdown rows, %v bars", i, len(rows), e["bars"])
			}
			// Each row is "value × weight = contribution"; the score is their sum.
			sum := 0.0
			for _, r := range rows {
				parts := strings.Split(r.(string), "=")
				f, err := strconv.ParseFloat(strings.TrimSpace(parts[len(parts)-1]), 64)
				if err != nil || !strings.Contains(r.(string), "×") {
					t.Fatalf("entry %d: breakdown row %q", i, r)
				}
				sum += f
			}
			score, err := strconv.ParseFloat(e["score"].(string), 64)
			if err != nil || score-sum > 0.004 || sum-score > 0.004 {
				t.Errorf("entry %d: score %q, contributions sum to %.3f", i, e["score"], sum)
			}
			if e["chips"].(float64) == 0 {
				t.Errorf("entry %d: no matched or missing skills shown", i)
			}
		}
		// The next page continues the ranking.
		var first string
		run(t, ctx, click(`.pager button:nth-child(2)`),
			waitJS(`document.querySelector('li.entry .rank')?.textContent === '#11'`),
			text(`li.entry .rank`, &first))
		if first != "#11" {
			t.Errorf("second page starts at %s", first)
		}
	})
	t.Run("OTHER_PARTNER_HR is refused the same internship", func(t *testing.T) {
		ctx := c.signIn(t, "OTHER_PARTNER_HR")
		var code string
		var entries, offered int
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/shortlist/"+id),
			waitVisible(`main [role=alert]`),
			eval(`document.querySelector('main [role=alert]').dataset.code`, &code),
			eval(`document.querySelectorAll('li.entry').length`, &entries),
			eval(fmt.Sprintf(`document.querySelectorAll('option[value=%q]').length`, id), &offered))
		if code != "NOT_FOUND" && code != "FORBIDDEN" {
			t.Errorf("refusal code %q", code)
		}
		if entries != 0 || offered != 0 {
			t.Errorf("the other group sees %d entries and %d picker options of the aluminium group's internship", entries, offered)
		}
	})
}

func TestConsoleSearchInChineseWithFacet(t *testing.T) {
	c := newConsoleEnv(t)
	ctx := c.signIn(t, "CAREER_OFFICER")
	var all, before, after, value, url string
	changed := func(from *string) step { // the total differs from *from
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			return waitJS(fmt.Sprintf(`(t => !!t && t !== %q)(document.querySelector('[data-testid=search-total]')?.textContent)`, *from))(ctx, tg)
		}
	}
	run(t, ctx, chromedp.Navigate(c.srv.URL+"/search"), waitVisible(`[data-testid=search-total]`),
		text(`[data-testid=search-total]`, &all),
		sendKeys(`#q`, "电解"), click(`form[role=search] button[type=submit]`),
		changed(&all),
		text(`[data-testid=search-total]`, &before),
		eval(`document.querySelector('button[data-facet=MAJOR]').firstChild.textContent.trim()`, &value),
		click(`button[data-facet=MAJOR]`),
		waitJS(`location.search.includes('major=')`),
		changed(&before),
		text(`[data-testid=search-total]`, &after),
		location(&url))
	n0, n1 := leadingInt(before), leadingInt(after)
	if n0 == 0 || n1 == 0 || n1 >= n0 {
		t.Fatalf("totals %q then %q after the facet %q", before, after, value)
	}
	var majors []string
	run(t, ctx, eval(`[...document.querySelectorAll('.hits li .muted')].map(m => m.textContent.split(' · ')[0])`, &majors))
	for _, m := range majors {
		if m != value {
			t.Errorf("a hit of major %q under the facet %q", m, value)
		}
	}
	// The URL is the search: reloading it gives the same page.
	var again string
	run(t, ctx, chromedp.Navigate(url), waitVisible(`[data-testid=search-total]`), text(`[data-testid=search-total]`, &again))
	if again != after {
		t.Errorf("reloaded %s: %q, was %q", url, again, after)
	}
}

func leadingInt(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(strings.Fields(s + " x")[0], ",", ""))
	return n
}

func TestConsolePipelineMove(t *testing.T) {
	c := newConsoleEnv(t)
	ctx := c.signIn(t, "CAREER_OFFICER")
	internship := coop.GlobalID("Internship", c.sum.ElectrolysisInternshipID)
	var app, to string
	run(t, ctx, chromedp.Navigate(c.srv.URL+"/pipeline?internship="+internship),
		waitVisible(`article.card select[data-testid=move-to]`),
		eval(`document.querySelector('article.card select[data-testid=move-to]').closest('article').dataset.application`, &app),
		eval(`document.querySelector('article.card select[data-testid=move-to] option:nth-child(2)').value`, &to))
	card := fmt.Sprintf(`article[data-application=%q]`, app)
	note := "Phoned on Monday; strong on potline safety"
	var history string
	run(t, ctx,
		choose(card+` select`, to),
		sendKeys(card+` input[data-testid=move-note]`, note),
		click(card+` button[type=submit]`),
		waitVisible(fmt.Sprintf(`section[data-status=%q] %s`, to, card)),
		click(card+` summary`),
		text(card+` .history`, &history))
	if !strings.Contains(history, note) {
		t.Errorf("history %q lacks the note", history)
	}
	// What the database holds (the server runs only the console's documents).
	_, appID, _ := coop.ParseGlobalID(app)
	var status, lastTo, lastNote string
	if err := c.db.Pool.QueryRow(context.Background(), `SELECT a.status, e.to_status, e.note FROM applications a
		JOIN application_events e ON e.application_id = a.id WHERE a.id = $1 ORDER BY e.id DESC LIMIT 1`, appID).
		Scan(&status, &lastTo, &lastNote); err != nil {
		t.Fatal(err)
	}
	if status != to || lastTo != to || lastNote != note {
		t.Errorf("stored %s (last event to %s, %q), want %s with the note", status, lastTo, lastNote, to)
	}
}

func TestConsoleFormErrorBesideField(t *testing.T) {
	c := newConsoleEnv(t)
	ctx := c.signIn(t, "CAREER_OFFICER")
	id := coop.GlobalID("Student", c.sum.StudentID)
	var msg string
	var beside, invalid bool
	run(t, ctx, chromedp.Navigate(c.srv.URL+"/students/"+id),
		waitVisible(`.profile`),
		click(`button[data-testid=edit]`),
		waitVisible(`#f-gpa`),
		setValue(`#f-gpa`, "9"),
		setValue(`#f-name`, "张晓明 (edited)"),
		click(`form.form button[type=submit]`),
		waitVisible(`.field-error[data-field=gpa]`),
		text(`.field-error[data-field=gpa]`, &msg),
		eval(`!!document.querySelector('#f-gpa').closest('.field').querySelector('.field-error[data-field=gpa]')`, &beside),
		eval(`document.querySelector('#f-gpa').getAttribute('aria-invalid') === 'true'`, &invalid))
	if !strings.Contains(msg, "GPA") || !beside || !invalid {
		t.Errorf("gpa error %q, beside its field %v, marked invalid %v", msg, beside, invalid)
	}
	// Nothing was written: the mutation is one transaction.
	var name string
	if err := c.db.Pool.QueryRow(context.Background(), `SELECT name FROM students WHERE id = $1`, c.sum.StudentID).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "张晓明" {
		t.Errorf("name after a refused update: %q", name)
	}
}

func TestConsoleSwitchLanguage(t *testing.T) {
	c := newConsoleEnv(t)
	ctx := c.signIn(t, "CAREER_OFFICER")
	var nav, lang string
	run(t, ctx, text(`nav`, &nav))
	if !strings.Contains(nav, "Shortlists") {
		t.Fatalf("default language (browser en-US): nav %q", nav)
	}
	run(t, ctx, choose(`[data-testid=language]`, "zh"),
		waitJS(`document.querySelector('nav').textContent.includes('候选名单')`),
		eval(`document.documentElement.lang`, &lang))
	if lang != "zh-CN" {
		t.Errorf("html lang %q", lang)
	}
	// The choice survives a reload, and the pages follow it.
	run(t, ctx, chromedp.Navigate(c.srv.URL+"/students"), waitVisible(`table.list`), text(`main h1`, &nav))
	if nav != "学生" {
		t.Errorf("students page title after reload: %q", nav)
	}
}

// TestConsoleScreenshots writes the README's screenshots when
// CRUCIBLE_SCREENSHOTS names a folder (make screenshots).
func TestConsoleScreenshots(t *testing.T) {
	dir := os.Getenv("CRUCIBLE_SCREENSHOTS")
	if dir == "" {
		t.Skip("set CRUCIBLE_SCREENSHOTS to a folder to write the console's screenshots (make screenshots)")
	}
	c := newConsoleEnv(t)
	shot := func(ctx context.Context, name, path, ready string) {
		t.Helper()
		var png []byte
		run(t, ctx, chromedp.Navigate(c.srv.URL+path), waitVisible(ready), chromedp.Sleep(300*time.Millisecond),
			into(chromedp.CaptureScreenshot(), &png))
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	signin := c.tab(t)
	shot(signin, "signin.png", "/", `button[data-persona]`)
	hr := c.signIn(t, "GROUP_HR")
	shot(hr, "shortlist.png", "/shortlist/"+coop.GlobalID("Internship", c.sum.ElectrolysisInternshipID), `li.entry`)
	shot(hr, "reports.png", "/reports", `[data-testid=gap] tbody tr`)
	co := c.signIn(t, "CAREER_OFFICER")
	run(t, co, choose(`[data-testid=language]`, "zh"), waitJS(`document.documentElement.lang === 'zh-CN'`))
	shot(co, "search-zh.png", "/search?q=%E7%94%B5%E8%A7%A3", `.hits li`)
	shot(co, "pipeline-zh.png", "/pipeline?internship="+coop.GlobalID("Internship", c.sum.ElectrolysisInternshipID), `article.card`)
	shot(co, "partners-zh.png", "/partners", `article.partner`)
	phone := c.signIn(t, "CAREER_OFFICER")
	run(t, phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	shot(phone, "student-phone.png", "/students/"+coop.GlobalID("Student", c.sum.StudentID), `.profile`)
}

// setRange moves a range input the way a person does, so React sees it.
func setRange(sel string, v int) step {
	return js(fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, %q);
		el.dispatchEvent(new Event('input', { bubbles: true }));
	})()`, sel, strconv.Itoa(v)))
}

func TestConsolePartnerPrioritiesWithPreview(t *testing.T) {
	c := newConsoleEnv(t)
	ctx := c.signIn(t, "GROUP_HR")
	group := coop.GlobalID("Partner", c.sum.GroupID)
	card := fmt.Sprintf(`article[data-partner=%q]`, group)
	preview := func(p *string) step {
		return eval(`[...document.querySelectorAll('[data-testid=preview] li')].map(li => li.dataset.student).join(',')`, p)
	}
	var roots, before, after string
	run(t, ctx, chromedp.Navigate(c.srv.URL+"/partners"), waitVisible(card),
		eval(`[...document.querySelectorAll('[data-testid=partner-tree] > li > article h2')].map(h => h.firstChild.textContent.trim()).join(',')`, &roots),
		click(card+` button[data-testid=adjust]`),
		waitVisible(card+` [data-testid=preview] li`), preview(&before))
	// The group's HR sees its own group as the only root, the other group not at all.
	if roots != demo.AluminiumGroupName {
		t.Errorf("roots of the tree: %q", roots)
	}
	slider := func(k string) string { return fmt.Sprintf(`%s input[id$="-%s"]`, card, k) }
	run(t, ctx, setRange(slider("skillCoverage"), 0), setRange(slider("textRelevance"), 0), setRange(slider("majorFit"), 0),
		setRange(slider("academics"), 100), setRange(slider("groupAffinity"), 0), setRange(slider("availabilityFit"), 0),
		waitJS(fmt.Sprintf(`[...document.querySelectorAll('[data-testid=preview] li')].map(li => li.dataset.student).join(',') !== %q`, before)),
		preview(&after))
	if after == "" || after == before {
		t.Fatalf("the preview did not move: %q", after)
	}
	// With only academics weighed, the preview is in GPA order.
	var gpas []float64
	ids := strings.Split(after, ",")
	for _, gid := range ids {
		_, sid, _ := coop.ParseGlobalID(gid)
		var gpa float64
		if err := c.db.Pool.QueryRow(context.Background(), `SELECT coalesce(gpa, 0) FROM students WHERE id = $1`, sid).Scan(&gpa); err != nil {
			t.Fatal(err)
		}
		gpas = append(gpas, gpa)
	}
	for i := 1; i < len(gpas); i++ {
		if gpas[i] > gpas[i-1]+1e-9 {
			t.Errorf("preview not in GPA order: %v", gpas)
			break
		}
	}
	run(t, ctx, click(card+` form.priorities button[type=submit]`), chromedp.WaitNotPresent(chromedp.CSS(card+` form.priorities`)))
	var weights map[string]float64
	var alumni bool
	if err := c.db.Pool.QueryRow(context.Background(), `SELECT weights, prefer_alumni FROM hiring_priorities
		WHERE partner_id = $1 AND internship_id IS NULL`, c.sum.GroupID).Scan(&weights, &alumni); err != nil {
		t.Fatal(err)
	}
	t.Logf("stored weights %v", weights)
	if len(weights) == 0 {
		t.Fatal("no weights stored")
	}
	for k, v := range weights {
		if (k == "academics") != (v > 0) {
			t.Errorf("stored weights %v, want academics only", weights)
			break
		}
	}
}

func TestConsoleImportFromBrowser(t *testing.T) {
	c := newConsoleEnv(t)
	ctx := c.signIn(t, "CAREER_OFFICER")
	file := filepath.Join(t.TempDir(), "students.csv")
	csv := "studentNumber,name,enrolmentYear,graduationYear,gpa,skills\n" +
		"WEB-1,林小雨,2022,2026,3.4,电解铝:3;casting:4\n" +
		"WEB-2,,2022,2026,3.1,\n" +
		"WEB-3,Wang Fang,2022,2026,7.5,\n" +
		"WEB-4,Li Lei,2023,2027,,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := c.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM students WHERE student_number LIKE 'WEB-%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var counts, lines, alert string
	run(t, ctx, chromedp.Navigate(c.srv.URL+"/students"), click(`a[href="/students/import"]`), waitVisible(`#import-file`),
		chromedp.SetUploadFiles(chromedp.CSS(`#import-file`), []string{file}),
		waitJS(`!document.querySelector('[data-testid=import-check]').disabled`),
		click(`[data-testid=import-check]`), waitVisible(`[data-testid=import-counts]`),
		text(`[data-testid=import-counts]`, &counts),
		eval(`[...document.querySelectorAll('.import-report tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ')).join(' | ')`, &lines))
	if counts != "4 read, 0 written, 2 rejected" || !strings.Contains(lines, "3 name") || !strings.Contains(lines, "4 gpa") {
		t.Fatalf("check: %q; lines %q", counts, lines)
	}
	// Importing as it is writes nothing and says why.
	run(t, ctx, click(`[data-testid=import-run]`), waitVisible(`.import-report [role=alert]`), text(`.import-report [role=alert]`, &alert))
	if !strings.Contains(alert, "nothing was written") || count() != 0 {
		t.Fatalf("import of a file with bad lines: %q, %d written", alert, count())
	}
	// With the valid lines only.
	run(t, ctx, click(`.form input[type=checkbox]`), click(`[data-testid=import-run]`),
		waitJS(`document.querySelector('[data-testid=import-counts]')?.textContent === '4 read, 2 written, 2 rejected'`))
	if n := count(); n != 2 {
		t.Fatalf("%d students written, want 2", n)
	}
}

func TestConsoleCreateAndEditForms(t *testing.T) {
	c := newConsoleEnv(t)
	t.Run("a career officer creates a student", func(t *testing.T) {
		ctx := c.signIn(t, "CAREER_OFFICER")
		var title string
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/students/new"), waitVisible(`#f-studentNumber`),
			sendKeys(`#f-studentNumber`, "NEW-1"), sendKeys(`#f-name`, "新同学"), sendKeys(`#f-enrolmentYear`, "2024"),
			sendKeys(`#f-graduationYear`, "2028"), sendKeys(`#f-skills`, "data analysis:3; 电解铝:2"),
			click(`form.form button[type=submit]`), waitVisible(`.profile`), text(`main h1`, &title))
		var skills int
		if err := c.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM student_skills k JOIN students s ON s.id = k.student_id
			WHERE s.student_number = 'NEW-1'`).Scan(&skills); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(title, "新同学") || skills != 2 {
			t.Errorf("after create: title %q, %d skills stored", title, skills)
		}
	})
	t.Run("the group's HR creates an internship, and an error shows beside its field", func(t *testing.T) {
		ctx := c.signIn(t, "GROUP_HR")
		var msg string
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/internships/new"), waitVisible(`#f-title`),
			sendKeys(`#f-title`, "Potline Data Intern"), sendKeys(`#f-requiredSkills`, "data analysis:2!; casting"),
			setValue(`#f-slots`, "20000"), choose(`#f-status`, "OPEN"),
			click(`form.form button[type=submit]`), waitVisible(`.field-error[data-field=slots]`), text(`.field-error[data-field=slots]`, &msg))
		if msg == "" {
			t.Fatal("no error beside slots")
		}
		run(t, ctx, setValue(`#f-slots`, "3"), click(`form.form button[type=submit]`), waitVisible(`[data-testid=internships]`))
		var partner, status string
		var slots, must int
		if err := c.db.Pool.QueryRow(context.Background(), `SELECT i.partner_id::text, i.status, i.slots,
			(SELECT count(*) FROM internship_skills k WHERE k.internship_id = i.id AND k.must_have)
			FROM internships i WHERE i.title = 'Potline Data Intern'`).Scan(&partner, &status, &slots, &must); err != nil {
			t.Fatal(err)
		}
		if partner != strconv.FormatInt(c.sum.GroupID, 10) || status != "OPEN" || slots != 3 || must != 1 {
			t.Errorf("stored partner %s, %s, %d slots, %d must-haves", partner, status, slots, must)
		}
	})
}

// TestConsolePagesAccessibleAndOneQuery visits every page as a career
// officer through the navigation, at a desktop and a phone's width: every
// form control has an accessible name, every page has one h1, nothing but
// the pipeline board scrolls sideways on a phone, and each page view sends
// one GraphQL request (no waterfalls). Wide tables scroll inside their own
// box.
func TestConsolePagesAccessibleAndOneQuery(t *testing.T) {
	c := newConsoleEnv(t)
	pages := []struct{ link, ready string }{
		{"/search", `[data-testid=search-total]`},
		{"/pipeline", `article.card`},
		{"/partners", `article.partner`},
		{"/students", `table.list tbody tr`},
		{"/internships", `[data-testid=internships] tbody tr`},
		{"/alumni", `.alumni li`},
		{"/commitments", `[data-testid=commitments] tbody tr`},
		{"/events", `[data-testid=events] > li`},
		// Last: the console opens on it after signing in.
		{"/shortlist", `select[data-testid=internship-picker] option + option`},
	}
	for _, width := range []int64{1280, 390} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			ctx := c.signIn(t, "CAREER_OFFICER")
			// The home page's own query is done before counting begins.
			run(t, ctx, chromedp.EmulateViewport(width, 800),
				waitJS(`!!document.querySelector('select[data-testid=internship-picker] option + option')`), chromedp.Sleep(300*time.Millisecond))
			for _, p := range pages {
				var before, after int
				var unnamed []string
				var h1s int
				var overflow bool
				run(t, ctx,
					eval(`performance.getEntriesByType('resource').filter(e => e.name.endsWith('/graphql') || e.name.includes('/graphql?')).length`, &before),
					click(fmt.Sprintf(`nav a[href=%q]`, p.link)), waitJS(fmt.Sprintf(`!!document.querySelector(%q)`, p.ready)),
					chromedp.Sleep(200*time.Millisecond),
					eval(`performance.getEntriesByType('resource').filter(e => e.name.endsWith('/graphql') || e.name.includes('/graphql?')).length`, &after),
					eval(`[...document.querySelectorAll('main input, main select, main textarea, main button')]
						.filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
						.map(el => el.outerHTML.slice(0, 80))`, &unnamed),
					eval(`document.querySelectorAll('main h1').length`, &h1s),
					eval(`[...document.querySelectorAll('main *')].some(el => !el.closest('.board, .table-wrap') && el.getBoundingClientRect().right > window.innerWidth + 1)`, &overflow))
				if len(unnamed) > 0 {
					t.Errorf("%s: controls without a name: %v", p.link, unnamed)
				}
				if h1s != 1 {
					t.Errorf("%s: %d h1 headings", p.link, h1s)
				}
				if n := after - before; n != 1 {
					t.Errorf("%s: %d GraphQL requests for one page view", p.link, n)
				}
				if overflow && width < 500 {
					t.Errorf("%s: wider than a %d px screen", p.link, width)
				}
			}
		})
	}
}

func TestConsoleCommitments(t *testing.T) {
	c := newConsoleEnv(t)
	t.Run("the career office sees delivery, status and attention, and adds one", func(t *testing.T) {
		ctx := c.signIn(t, "CAREER_OFFICER")
		var rows []map[string]string
		var msg string
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/commitments"), waitVisible(`[data-testid=commitments] tbody tr`),
			waitVisible(`[data-testid=attention]`),
			eval(`[...document.querySelectorAll('[data-testid=commitments] tbody tr')].map(r => ({status: r.dataset.status, text: r.innerText}))`, &rows))
		if len(rows) != c.sum.Commitments {
			t.Fatalf("%d rows, the demo has %d commitments", len(rows), c.sum.Commitments)
		}
		hire := false
		for _, r := range rows {
			if strings.Contains(r["text"], "Priority hires") && strings.Contains(r["text"], "1 / 1") {
				hire = r["status"] == "MET"
			}
		}
		if !hire {
			t.Errorf("the first year's priority hire is not shown met: %v", rows)
		}
		run(t, ctx, click(`.new-commitment summary`), waitVisible(`#f-target`),
			setValue(`#f-periodStart`, "2026-09-01"), setValue(`#f-periodEnd`, "2027-08-31"), setValue(`#f-target`, "0"),
			click(`.new-commitment button[type=submit]`), waitVisible(`.field-error[data-field=target]`), text(`.field-error[data-field=target]`, &msg))
		if !strings.Contains(msg, "between 1 and 100000") {
			t.Errorf("target error %q", msg)
		}
		run(t, ctx, setValue(`#f-target`, "12"), click(`.new-commitment button[type=submit]`),
			waitJS(fmt.Sprintf(`document.querySelectorAll('[data-testid=commitments] tbody tr').length === %d`, c.sum.Commitments+1)))
	})
	t.Run("the smelter's HR sees its own, without attention or form", func(t *testing.T) {
		ctx := c.signIn(t, "PLANT_HR")
		var n, attention, form int
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/commitments"), waitVisible(`[data-testid=commitments] tbody tr`),
			eval(`document.querySelectorAll('[data-testid=commitments] tbody tr').length`, &n),
			eval(`document.querySelectorAll('[data-testid=attention]').length`, &attention),
			eval(`document.querySelectorAll('.new-commitment').length`, &form))
		var want int
		if err := c.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM commitments WHERE partner_id = $1`, c.sum.SmelterID).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if n != want || attention != 0 || form != 0 {
			t.Errorf("smelter HR: %d rows (want %d), attention %d, form %d", n, want, attention, form)
		}
	})
}

func TestConsoleEvents(t *testing.T) {
	c := newConsoleEnv(t)
	for persona, want := range map[string]string{"CAREER_OFFICER": "", "PLANT_HR": "smelter", "OTHER_PARTNER_HR": "none"} {
		t.Run(persona, func(t *testing.T) {
			ctx := c.signIn(t, persona)
			var shown []string
			run(t, ctx, chromedp.Navigate(c.srv.URL+"/events"), waitJS(`!!document.querySelector('[data-testid=events]') && !document.querySelector('.loading')`),
				chromedp.Sleep(300*time.Millisecond),
				eval(`[...document.querySelectorAll('[data-testid=events] > li')].map(li => li.dataset.event)`, &shown))
			var q string
			switch want {
			case "":
				q = `SELECT count(*) FROM events`
			case "smelter":
				q = fmt.Sprintf(`SELECT count(DISTINCT event_id) FROM event_partners WHERE partner_id = %d`, c.sum.SmelterID)
			default:
				q = fmt.Sprintf(`SELECT count(DISTINCT event_id) FROM event_partners WHERE partner_id IN (SELECT partner_subtree(%d))`, c.sum.OtherGroupID)
			}
			var n int
			if err := c.db.Pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if len(shown) != n || (want == "" && n < 5) {
				t.Errorf("%s sees %d events, want %d", persona, len(shown), n)
			}
		})
	}
}

// TestConsoleReports: the group's HR sees its group's funnel with the
// withheld cells marked and said so, rows summing to what the API counts;
// the career office switches the rows to academic years, and reads what
// alumni said of the electrolysis course beside its skill in the gap.
func TestConsoleReports(t *testing.T) {
	c := newConsoleEnv(t)
	t.Run("the group's HR", func(t *testing.T) {
		ctx := c.signIn(t, "GROUP_HR")
		var cells []string
		var note string
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/reports"), waitVisible(`[data-testid=funnel] tbody tr`),
			text(`[data-testid=suppressed]`, &note),
			eval(`[...document.querySelectorAll('[data-testid=funnel] td[data-stage]')].map(td => td.firstChild.textContent)`, &cells))
		withheld := 0
		for _, x := range cells {
			if x == "<3" {
				withheld++
			} else if x == "1" || x == "2" {
				t.Errorf("a partner is shown a count of %s", x)
			}
		}
		if withheld == 0 || !strings.Contains(note, "fewer than 3") {
			t.Errorf("withheld cells %d, note %q", withheld, note)
		}
	})
	t.Run("the career office", func(t *testing.T) {
		ctx := c.signIn(t, "CAREER_OFFICER")
		var rows []string
		var said string
		run(t, ctx, chromedp.Navigate(c.srv.URL+"/reports"), waitVisible(`[data-testid=funnel] tbody tr`),
			choose(`[data-testid=report-group-by]`, "PERIOD"),
			waitJS(`[...document.querySelectorAll('[data-testid=funnel] tbody th')].some(th => th.textContent === '2024–25')`),
			eval(`[...document.querySelectorAll('[data-testid=funnel] tbody th')].map(th => th.textContent)`, &rows),
			waitVisible(`[data-testid=gap] tr[data-skill="aluminium electrolysis"] [data-course=MET301] details`),
			click(`[data-testid=gap] tr[data-skill="aluminium electrolysis"] [data-course=MET301] summary`),
			text(`[data-testid=gap] tr[data-skill="aluminium electrolysis"] [data-course=MET301] ul`, &said))
		if rows[len(rows)-1] != "Total" {
			t.Errorf("rows %v", rows)
		}
		if !strings.Contains(said, "current efficiency") || !strings.Contains(said, "陈海涛") {
			t.Errorf("what alumni said of MET301: %q", said)
		}
	})
}

func TestConsoleExportCSV(t *testing.T) {
	c := newConsoleEnv(t)
	ctx := c.signIn(t, "GROUP_HR")
	var href string
	run(t, ctx, chromedp.Navigate(c.srv.URL+"/commitments"), waitVisible(`[data-testid=commitments] tbody tr`),
		click(`button[data-testid=export]`), waitJS(`!!document.querySelector('a[data-testid=export-link]')`),
		eval(`document.querySelector('a[data-testid=export-link]').getAttribute('href')`, &href))
	code, body, _ := c.download(t, href)
	if code != 200 || !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("GET %s: %d %.200s", href, code, body)
	}
	var want int
	if err := c.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM commitments WHERE partner_id IN (SELECT partner_subtree($1))`,
		c.sum.GroupID).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(strings.TrimSpace(body), "\n"); lines != want {
		t.Errorf("the group HR's commitments file has %d rows, want %d", lines, want)
	}
}

// TestConsoleAlerts: an enterprise's HR saves a search from the candidate
// search page; a student who matches is written; the notice appears on
// the Alerts page by itself (the subscription over a WebSocket, persisted
// documents only), and is marked read. A student asks to be erased from
// their own page.
func TestConsoleAlerts(t *testing.T) {
	c := newConsoleEnv(t)
	ctx := c.signIn(t, "GROUP_HR")
	run(t, ctx, chromedp.Navigate(c.srv.URL+"/search?q=zirconium"), waitVisible(`#alert-name`),
		sendKeys(`#alert-name`, "Zirconium watch"), click(`form.alert-me button[type=submit]`),
		waitVisible(`[data-testid=alert-saved]`),
		chromedp.Navigate(c.srv.URL+"/alerts"), waitVisible(`[data-testid=saved-search]`))
	// Give the page's subscription a moment to be in place, then write.
	time.Sleep(500 * time.Millisecond)
	// (The server runs only the console's documents: the student is written
	// through the store.)
	if _, err := c.db.CreateStudent(context.Background(), &coop.Student{StudentNumber: "ZR4242", Name: "锆材料学生", EnrolmentYear: 2023,
		GraduationYear: 2027, Statement: "Zirconium alloys for nuclear fuel cladding.", ConsentToShare: true}); err != nil {
		t.Fatal(err)
	}
	var unread string
	run(t, ctx,
		waitJS(`[...document.querySelectorAll('[data-testid=notification]')].some(li => li.textContent.includes('锆材料学生'))`),
		waitJS(`document.querySelector('[data-testid=unread]').textContent.startsWith('1 ')`),
		click(`.toolbar button`), waitJS(`document.querySelector('[data-testid=unread]').textContent.startsWith('0 ')`),
		text(`[data-testid=unread]`, &unread))
	if !strings.HasPrefix(unread, "0") {
		t.Errorf("unread after marking all read: %q", unread)
	}

	st := c.signIn(t, "STUDENT")
	run(t, st, waitVisible(`[data-testid=request-erasure]`), sendKeys(`#erase-reason`, "Leaving the college"),
		click(`[data-testid=request-erasure]`), waitVisible(`.rights [role=status]`))
	var pending int
	if err := c.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM erasure_requests WHERE student_id = $1 AND status = 'PENDING'
		AND reason = 'Leaving the college'`, c.sum.StudentID).Scan(&pending); err != nil || pending != 1 {
		t.Errorf("erasure requests pending for the student: %d (%v)", pending, err)
	}
}

// TestConsoleWebhooksAndRequests: an enterprise's HR registers a webhook
// (an http URL is refused beside the field; the https one shows its
// secret once), and the career office erases a person who asked.
func TestConsoleWebhooksAndRequests(t *testing.T) {
	c := newConsoleEnv(t)
	hr := c.signIn(t, "GROUP_HR")
	var secret string
	run(t, hr, chromedp.Navigate(c.srv.URL+"/webhooks"), waitVisible(`#f-url`),
		sendKeys(`#f-url`, "http://hr.example.com/in"), click(`[data-testid=add-webhook]`),
		waitVisible(`.field-error[data-field=url]`),
		js(`document.querySelector('#f-url').value = ''`), sendKeys(`#f-url`, "https://hr.example.com/in"), click(`[data-testid=add-webhook]`),
		waitVisible(`[data-testid=webhook-secret] code`), text(`[data-testid=webhook-secret] code`, &secret),
		waitJS(`[...document.querySelectorAll('[data-testid=webhook] h2')].some(h => h.textContent === 'https://hr.example.com/in')`))
	if !strings.HasPrefix(secret, "whsec_") {
		t.Errorf("secret %q", secret)
	}

	ctx := context.Background()
	s, err := c.db.CreateStudent(ctx, &coop.Student{StudentNumber: "GONE1", Name: "要删除的学生", EnrolmentYear: 2022, GraduationYear: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.CreateErasureRequest(ctx, &coop.ErasureRequest{StudentID: &s.ID, Reason: "moving abroad", RequestedBy: "STUDENT:gone"}); err != nil {
		t.Fatal(err)
	}
	co := c.signIn(t, "CAREER_OFFICER")
	run(t, co, chromedp.Navigate(c.srv.URL+"/requests"), waitVisible(`[data-testid=requests] tr[data-status=PENDING] [data-testid=erase]`),
		js(`window.confirm = () => true`), click(`[data-testid=requests] tr[data-status=PENDING] [data-testid=erase]`),
		waitVisible(`[data-testid=requests] tr[data-status=ERASED]`))
	var name string
	if err := c.db.Pool.QueryRow(ctx, "SELECT name FROM students WHERE id = $1", s.ID).Scan(&name); err != nil || name != "Erased" {
		t.Errorf("the student after erasure: %q (%v)", name, err)
	}
}
