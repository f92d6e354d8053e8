package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// browser is a headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: JSON messages ended by NUL on fds 3/4).
type browser struct {
	cmd     *exec.Cmd
	in      *os.File
	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMessage
	events  chan cdpMessage
	stderr  bytes.Buffer
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// chromium finds Debian's chromium, or skips loudly.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SKIPPED: chromium is not installed (apt-get install chromium; .ci/run does): the HTML catalog is NOT tested in a browser here")
	return ""
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin := chromium(t)
	toChrome, chromeIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	chromeOut, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{in: chromeIn, waiting: map[int]chan cdpMessage{}, events: make(chan cdpMessage, 1024)}
	b.cmd = exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	b.cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fd 3: commands in, fd 4: messages out
	b.cmd.Stderr = &b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toChrome.Close()
	fromChrome.Close()
	t.Cleanup(func() {
		chromeIn.Close()
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
	})
	go func() {
		r := bufio.NewReader(chromeOut)
		for {
			raw, err := r.ReadBytes(0)
			if err != nil {
				close(b.events)
				return
			}
			var m cdpMessage
			if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
				continue
			}
			if m.ID != 0 {
				b.mu.Lock()
				ch := b.waiting[m.ID]
				delete(b.waiting, m.ID)
				b.mu.Unlock()
				if ch != nil {
					ch <- m
				}
				continue
			}
			b.events <- m
		}
	}()
	return b
}

// call sends one command and waits for its answer.
func (b *browser) call(t *testing.T, session, method string, params any, result any) {
	t.Helper()
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	data, _ := json.Marshal(msg)
	if _, err := b.in.Write(append(data, 0)); err != nil {
		t.Fatalf("%s: %v\n%s", method, err, b.stderr.String())
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			t.Fatalf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				t.Fatalf("%s: %v", method, err)
			}
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: no answer from chromium in 60s\n%s", method, b.stderr.String())
	}
}

// pageReport is what a page did while it loaded.
type pageReport struct {
	errors   []string // exceptions, console errors, failed loads
	requests []string // every URL the page asked for
}

// load opens url in a new tab, waits for its load event and a moment for
// late errors, and returns the tab's session and what happened.
func (b *browser) load(t *testing.T, url string) (string, pageReport) {
	t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call(t, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.call(t, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	s := attached.SessionID
	for _, domain := range []string{"Runtime", "Log", "Page", "Network"} {
		b.call(t, s, domain+".enable", map[string]any{}, nil)
	}
	b.call(t, s, "Page.navigate", map[string]any{"url": url}, nil)
	var rep pageReport
	deadline := time.After(30 * time.Second)
	loaded := false
	var settle <-chan time.Time
	for {
		select {
		case m, ok := <-b.events:
			if !ok {
				t.Fatalf("chromium exited\n%s", b.stderr.String())
			}
			if m.SessionID != s {
				continue
			}
			rep.note(m)
			if m.Method == "Page.loadEventFired" && !loaded {
				loaded = true
				settle = time.After(500 * time.Millisecond)
			}
		case <-settle:
			return s, rep
		case <-deadline:
			t.Fatalf("%s did not load in 30s", url)
		}
	}
}

func (rep *pageReport) note(m cdpMessage) {
	var p struct {
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception *struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
		Type  string                `json:"type"`
		Args  []struct{ Value any } `json:"args"`
		Entry *struct {
			Level, Text, URL string
		} `json:"entry"`
		ErrorText string `json:"errorText"`
		Request   *struct {
			URL string `json:"url"`
		} `json:"request"`
	}
	_ = json.Unmarshal(m.Params, &p)
	switch m.Method {
	case "Runtime.exceptionThrown":
		if d := p.ExceptionDetails; d != nil {
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			rep.errors = append(rep.errors, "exception: "+text)
		}
	case "Runtime.consoleAPICalled":
		if p.Type == "error" || p.Type == "warning" {
			rep.errors = append(rep.errors, fmt.Sprintf("console.%s: %v", p.Type, p.Args))
		}
	case "Log.entryAdded":
		if p.Entry != nil && (p.Entry.Level == "error" || p.Entry.Level == "warning") {
			rep.errors = append(rep.errors, fmt.Sprintf("log %s: %s %s", p.Entry.Level, p.Entry.Text, p.Entry.URL))
		}
	case "Network.loadingFailed":
		rep.errors = append(rep.errors, "load failed: "+p.ErrorText)
	case "Network.requestWillBeSent":
		if p.Request != nil {
			rep.requests = append(rep.requests, p.Request.URL)
		}
	}
}

// eval runs a JavaScript expression in the page and decodes its value.
func (b *browser) eval(t *testing.T, session, expr string, v any) {
	t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	b.call(t, session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		t.Fatalf("%s: %v", expr, res.ExceptionDetails)
	}
	if err := json.Unmarshal(res.Result.Value, v); err != nil {
		t.Fatalf("%s: %v (%s)", expr, err, res.Result.Value)
	}
}

type shownTemplate struct {
	Name       string `json:"name"`
	Abstract   bool   `json:"abstract"`
	Chain      []string
	Parameters []struct {
		Name     string `json:"name"`
		Elements []struct {
			Name string `json:"name"`
		} `json:"elements"`
	} `json:"parameters"`
}

// visibleCells is the text of the first cell of each visible row of the
// parameters table, as the browser laid it out.
const visibleCells = `[...document.querySelectorAll("table.parameters tbody tr")].filter(tr => {
  const r = tr.getBoundingClientRect(); const s = getComputedStyle(tr);
  return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
}).map(tr => tr.cells[0].innerText)`

const graphNodes = `[...document.querySelectorAll("svg.graph g.node")].filter(g => g.getBBox().width > 0).map(g => g.textContent)`

// The HTML catalog, opened in a real Chromium: every page loads without an
// error and asks for nothing but itself, every parameter the CLI knows is
// a visible row of its page, the chain graph shows the chain, the example
// renders, and every link of the index leads to a page that exists.
func TestTemplateDocsInABrowser(t *testing.T) {
	b := startBrowser(t)
	pkg := filepath.Join(repo, "examples", "platform-templates")
	site := t.TempDir()
	out := run(t, repo, fnBinary, "templates", "docs", "--dir", pkg, "--out", site)
	if !strings.Contains(out, "index.html") {
		t.Errorf("templates docs said %q", out)
	}
	var templates []shownTemplate
	if err := json.Unmarshal([]byte(run(t, repo, fnBinary, "templates", "list", "--dir", pkg, "-o", "json")), &templates); err != nil {
		t.Fatal(err)
	}
	if len(templates) < 8 {
		t.Fatalf("only %d templates (built-in and the example's)", len(templates))
	}

	check := func(page string) string {
		url := "file://" + filepath.Join(site, page)
		s, rep := b.load(t, url)
		if len(rep.errors) > 0 {
			t.Errorf("%s: %s", page, strings.Join(rep.errors, "\n  "))
		}
		for _, r := range rep.requests {
			if r != url {
				t.Errorf("%s is not self-contained: it loads %s", page, r)
			}
		}
		return s
	}

	s := check("index.html")
	var links []string
	b.eval(t, s, `[...document.querySelectorAll("a")].map(a => a.getAttribute("href"))`, &links)
	var nodes []string
	b.eval(t, s, graphNodes, &nodes)
	for _, tm := range templates {
		if !slices.Contains(links, tm.Name+".html") || !slices.Contains(nodes, tm.Name) {
			t.Errorf("index: no link to or graph node for %s (links %v, nodes %v)", tm.Name, links, nodes)
		}
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.Join(site, l)); err != nil {
			t.Errorf("index links to %s: %v", l, err)
		}
	}

	for _, tm := range templates {
		s := check(tm.Name + ".html")
		var rows []string
		b.eval(t, s, visibleCells, &rows)
		var want []string
		for _, p := range tm.Parameters {
			want = append(want, p.Name)
			for _, e := range p.Elements { // the fields of forEach elements
				want = append(want, p.Name+"[]."+e.Name)
			}
		}
		if !slices.Equal(rows, want) {
			t.Errorf("%s: visible parameter rows %v, want %v", tm.Name, rows, want)
		}
		var title string
		b.eval(t, s, `document.querySelector("h1").innerText`, &title)
		if !strings.HasPrefix(title, tm.Name) {
			t.Errorf("%s: title %q", tm.Name, title)
		}
		var chain []string
		b.eval(t, s, graphNodes, &chain)
		var show shownTemplate
		if err := json.Unmarshal([]byte(run(t, repo, fnBinary, "templates", "show", tm.Name, "--dir", pkg, "-o", "json")), &show); err != nil {
			t.Fatal(err)
		}
		for _, c := range show.Chain {
			if !slices.Contains(chain, c) && !strings.Contains(c, "/") {
				t.Errorf("%s: chain graph %v lacks %s", tm.Name, chain, c)
			}
		}
		var example struct{ Instance, Rendered, Problems bool }
		b.eval(t, s, `({instance: !!document.querySelector("pre.instance"), rendered: !!document.querySelector("pre.rendered"), problems: !!document.querySelector("pre.problems")})`, &example)
		if !tm.Abstract && (!example.Instance || !example.Rendered || example.Problems) {
			t.Errorf("%s: the example instance does not render: %+v", tm.Name, example)
		}
	}
}
