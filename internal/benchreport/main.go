package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// target is a limit on a ratio: the benchmark (without sub-benchmark),
// the metric unit, and the maximum ratio to the floor.
type target struct {
	bench, unit string
	max         float64
	sub         string // "" = every sub-benchmark
}

var targets = []target{
	{bench: "BenchmarkRender", unit: "ns/op", max: 3.0},
	{bench: "BenchmarkImageRegistry", unit: "ns/op", max: 1.2},
	{bench: "BenchmarkImageRegistry", unit: "peak-B", max: 1.5},
}

// growth limits: cost(big) / cost(small) for one benchmark.
var growth = []struct {
	bench, small, big, unit string
	max                     float64
}{
	{"BenchmarkImageRegistry", "n=1000", "n=10000", "ns/op", 11},
}

var line = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func main() {
	benchtime := flag.String("benchtime", "5x", "go test -benchtime")
	count := flag.Int("count", 1, "go test -count")
	diagnostic := flag.Bool("diagnostic", false, "report only: a missed target does not fail")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"./generators", "./transformers"}
	}
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", *benchtime, "-count", strconv.Itoa(*count)}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	os.Stdout.Write(out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchreport: go test: %v\n", err)
		os.Exit(1)
	}
	results := parse(string(out))
	code := report(results)
	if *diagnostic {
		code = 0
	}
	os.Exit(code)
}

// parse returns metric values by benchmark name and unit; with -count > 1
// the minimum is kept (the least disturbed run).
func parse(out string) map[string]map[string]float64 {
	res := map[string]map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := line.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		fields := strings.Fields(m[3])
		if res[m[1]] == nil {
			res[m[1]] = map[string]float64{}
		}
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			unit := fields[i+1]
			if old, ok := res[m[1]][unit]; !ok || v < old {
				res[m[1]][unit] = v
			}
		}
	}
	return res
}

func report(res map[string]map[string]float64) int {
	var names []string
	for n := range res {
		if !strings.Contains(n, "Floor") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	failed := 0
	fmt.Printf("\n%-44s %-7s %16s %16s %8s  %s\n", "benchmark", "metric", "value", "floor", "ratio", "target")
	for _, n := range names {
		base, sub, _ := strings.Cut(n, "/")
		floor := res[base+"Floor"+strings.TrimPrefix(n, base)]
		if floor == nil {
			continue
		}
		var units []string
		for u := range res[n] {
			if _, ok := floor[u]; ok {
				units = append(units, u)
			}
		}
		sort.Strings(units)
		for _, u := range units {
			v, f := res[n][u], floor[u]
			if f == 0 {
				continue
			}
			ratio := v / f
			verdict := ""
			for _, t := range targets {
				if t.bench == base && t.unit == u && (t.sub == "" || t.sub == sub) {
					verdict = fmt.Sprintf("<= %.2f ", t.max)
					if ratio <= t.max {
						verdict += "ok"
					} else {
						verdict += "MISSED"
						failed++
					}
				}
			}
			fmt.Printf("%-44s %-7s %16.0f %16.0f %7.2fx  %s\n", n, u, v, f, ratio, verdict)
		}
	}
	for _, g := range growth {
		small, big := res[g.bench+"/"+g.small], res[g.bench+"/"+g.big]
		if small == nil || big == nil || small[g.unit] == 0 {
			continue
		}
		r := big[g.unit] / small[g.unit]
		verdict := "ok"
		if r > g.max {
			verdict = "MISSED"
			failed++
		}
		fmt.Printf("%-44s %-7s %s costs %.2fx %s (<= %.0f: %s)\n", g.bench, g.unit, g.big, r, g.small, g.max, verdict)
	}
	if failed > 0 {
		fmt.Printf("\n%d target(s) missed\n", failed)
		return 1
	}
	fmt.Println("\nall targets met")
	return 0
}
