//go:build ignore

// Prints the runtime heap structures' field offsets (runtime.mheap,
// runtime.heapArena, runtime.mspan) from a Go binary's DWARF, one line per
// release, in the form of core/heap/mheap.cpp's built-in table. Used to make
// and re-check that table: `go run scripts/heap_layout.go BINARY`.
package main

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"strings"
)

func main() {
	f, err := elf.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	d, err := f.DWARF()
	if err != nil {
		panic(err)
	}
	want := map[string][]string{
		"runtime.mheap":     {"sweepgen", "arenas"},
		"runtime.heapArena": {"spans"},
		"runtime.mspan": {"startAddr", "npages", "freeindex", "nelems", "allocCache",
			"allocBits", "gcmarkBits", "sweepgen", "spanclass", "state", "elemsize"},
	}
	got := map[string]string{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		fields, ok := want[name]
		if !ok {
			r.SkipChildren()
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			panic(err)
		}
		st := t.(*dwarf.StructType)
		var parts []string
		for _, w := range fields {
			for _, fl := range st.Field {
				if fl.Name == w {
					parts = append(parts, fmt.Sprintf("%s=%d/%d", w, fl.ByteOffset, fl.Type.Size()))
				}
			}
		}
		got[name] = fmt.Sprintf("%s size=%d %s", name, st.ByteSize, strings.Join(parts, " "))
		r.SkipChildren()
	}
	for _, n := range []string{"runtime.mheap", "runtime.heapArena", "runtime.mspan"} {
		fmt.Println(got[n])
	}
}
