package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// There is no Docker engine on the machines that run these tests, so the
// image is checked by reading its Dockerfile: the final stage runs the
// static binary built the way `make build` builds it, as a non-root user,
// and the documented run line has no network and a read-only root
// filesystem (the strace test proves the binary writes nothing).
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := splitStages(string(b))
	if len(stages) < 2 {
		t.Fatalf("want a build stage and a final stage, got %d stages", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	goMod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(goMod)
	if goVersion == nil {
		t.Fatal("go.mod has no go directive")
	}
	if want := "FROM golang:" + string(goVersion[1]); !strings.HasPrefix(build.from, want) {
		t.Errorf("build stage %q: want %s (the Go version go.mod pins)", build.from, want)
	}
	for _, want := range []string{"CGO_ENABLED=0", "GOTOOLCHAIN=local", "-trimpath"} {
		if !strings.Contains(build.text, want) {
			t.Errorf("build stage does not set %s: the image binary would differ from `make build`", want)
		}
	}

	if !strings.Contains(final.from, "distroless/static") {
		t.Errorf("final stage %q: want distroless static (no shell, no package manager)", final.from)
	}
	user := final.last("USER")
	if user == "" {
		t.Fatal("the final stage sets no USER: the container would run as root (the KRM function spec requires non-root)")
	}
	uid, _, _ := strings.Cut(user, ":")
	if uid == "0" || uid == "root" || regexp.MustCompile(`^\d+$`).FindString(uid) == "" {
		t.Errorf("USER %q: want a numeric non-root uid (Kubernetes runAsNonRoot can only verify numeric users)", user)
	}
	entry := final.last("ENTRYPOINT")
	copied := final.last("COPY")
	bin := strings.Trim(strings.TrimSuffix(strings.TrimPrefix(entry, "["), "]"), `"`)
	if bin == "" || !strings.HasSuffix(copied, " "+bin) {
		t.Errorf("ENTRYPOINT %s does not run the binary the final stage copies (COPY %s)", entry, copied)
	}
	for _, doc := range []string{"Dockerfile", "README.md"} {
		text, err := os.ReadFile(filepath.Join(repo, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"--read-only", "--network none"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("%s does not document running the image with %s", doc, want)
			}
		}
	}
}

type stage struct {
	from string
	text string
	// instructions in order: name -> arguments
	lines [][2]string
}

func (s stage) last(instr string) string {
	for i := len(s.lines) - 1; i >= 0; i-- {
		if s.lines[i][0] == instr {
			return s.lines[i][1]
		}
	}
	return ""
}

// splitStages splits a Dockerfile at its FROM lines, joining continued
// lines and dropping comments.
func splitStages(dockerfile string) []stage {
	var stages []stage
	var cur *stage
	logical := ""
	for _, line := range strings.Split(dockerfile, "\n") {
		trimmed := strings.TrimSpace(line)
		if logical == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			logical += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		logical += trimmed
		instr, args, _ := strings.Cut(logical, " ")
		instr = strings.ToUpper(instr)
		if instr == "FROM" {
			stages = append(stages, stage{from: logical})
			cur = &stages[len(stages)-1]
		} else if cur != nil {
			cur.lines = append(cur.lines, [2]string{instr, strings.TrimSpace(args)})
			cur.text += logical + "\n"
		}
		logical = ""
	}
	return stages
}
