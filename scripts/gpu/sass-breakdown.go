//go:build ignore

// sass-breakdown sums Nsight Compute's per-SASS-instruction execution counts
// (the CSVs that scripts/gpu-sass-counts.sh writes) per kernel function: the
// fill kernel's body and each non-inlined helper, found as the targets of its
// CALL instructions and named by how many call sites they have. Also prints the
// most executed opcodes.
//
//	go run scripts/gpu/sass-breakdown.go sass-1K2.csv [more.csv ...]
package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	callRe = regexp.MustCompile(`CALL\.\S+\s+(?:\S+\s+)?(0x[0-9a-f]+)`)
	predRe = regexp.MustCompile(`^@!?U?P\w+\s+`)
)

type instr struct {
	addr uint64
	text string
	n    int64
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/gpu/sass-breakdown.go FILE.csv ...")
		os.Exit(2)
	}
	for _, f := range os.Args[1:] {
		if err := report(f); err != nil {
			fmt.Fprintf(os.Stderr, "sass-breakdown: %s: %v\n", f, err)
			os.Exit(1)
		}
	}
}

func report(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return err
	}
	// row 0 names the kernel, row 1 is the header
	if len(rows) < 3 {
		return fmt.Errorf("no SASS rows (is it ncu --page source --csv --print-source sass output?)")
	}
	col := -1
	for i, h := range rows[1] {
		if h == "Instructions Executed" {
			col = i
		}
	}
	if col < 0 {
		return fmt.Errorf("no \"Instructions Executed\" column (collect --section SourceCounters)")
	}
	var code []instr
	calls := map[uint64]int{} // target -> call sites
	for _, row := range rows[2:] {
		if len(row) <= col {
			continue
		}
		a, err := strconv.ParseUint(strings.TrimPrefix(row[0], "0x"), 16, 64)
		if err != nil {
			continue
		}
		n, _ := strconv.ParseInt(row[col], 10, 64)
		t := strings.TrimSpace(row[1])
		code = append(code, instr{a, t, n})
		if m := callRe.FindStringSubmatch(t); m != nil {
			if to, err := strconv.ParseUint(strings.TrimPrefix(m[1], "0x"), 16, 64); err == nil {
				calls[to]++
			}
		}
	}
	starts := make([]uint64, 0, len(calls))
	for a := range calls {
		starts = append(starts, a)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	sums := make([]int64, len(starts)+1) // [0] = kernel body
	ops := map[string]int64{}
	var total int64
	for _, in := range code {
		k := sort.Search(len(starts), func(i int) bool { return starts[i] > in.addr }) // functions starting at or before
		sums[k] += in.n
		total += in.n
		op := strings.Fields(predRe.ReplaceAllString(in.text, ""))
		if len(op) > 0 {
			ops[strings.SplitN(op[0], ".", 2)[0]] += in.n
		}
	}
	fmt.Printf("== %s: %d warp-instructions executed\n", path, total)
	pct := func(v int64) float64 { return 100 * float64(v) / float64(max(total, 1)) }
	fmt.Printf("  kernel body          %12d  %5.1f%%\n", sums[0], pct(sums[0]))
	for i, a := range starts {
		fmt.Printf("  f%d (%2d call sites)   %12d  %5.1f%%   at +%#x\n", i, calls[a], sums[i+1], pct(sums[i+1]), a-code[0].addr)
	}
	type kv struct {
		k string
		v int64
	}
	var top []kv
	for k, v := range ops {
		top = append(top, kv{k, v})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v })
	fmt.Print("  top opcodes:")
	for i := 0; i < len(top) && i < 12; i++ {
		fmt.Printf(" %s %.1f%%", top[i].k, pct(top[i].v))
	}
	fmt.Println()
	return nil
}
