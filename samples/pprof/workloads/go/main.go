// Command workload is a small CPU and heap workload for pprof samples: goroutines labelled
// with pprof.Do, recursion, small functions the compiler inlines, and retained allocations.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"
)

var retained [][]byte

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func square(x int) int { return x * x }

func sumSquares(n int) int {
	total := 0
	for i := 0; i < n; i++ {
		total += square(i) % 7
	}
	return total
}

func hashLoop(rounds int) [32]byte {
	var sum [32]byte
	for i := 0; i < rounds; i++ {
		sum = sha256.Sum256(sum[:])
	}
	return sum
}

func sortWork(n int) {
	data := make([]int, n)
	for i := range data {
		data[i] = (i * 7919) % n
	}
	sort.Ints(data)
}

func allocate(count, size int) {
	for i := 0; i < count; i++ {
		buf := make([]byte, size)
		if i%4 == 0 {
			retained = append(retained, buf)
		}
	}
}

func worker(ctx context.Context, kind string, until time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	pprof.Do(ctx, pprof.Labels("worker", kind), func(ctx context.Context) {
		for time.Now().Before(until) {
			switch kind {
			case "fib":
				fib(27)
			case "hash":
				hashLoop(20000)
			case "squares":
				sumSquares(3000000)
			case "sort":
				sortWork(200000)
				allocate(200, 4096)
			}
		}
	})
}

func main() {
	cpuPath := flag.String("cpu", "cpu.pb.gz", "CPU profile output")
	heapPath := flag.String("heap", "heap.pb.gz", "heap profile output")
	seconds := flag.Float64("seconds", 2, "how long to run")
	flag.Parse()
	runtime.MemProfileRate = 16 * 1024

	out, err := os.Create(*cpuPath)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		log.Fatal(err)
	}
	until := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	var wg sync.WaitGroup
	for _, kind := range []string{"fib", "hash", "squares", "sort"} {
		wg.Add(1)
		go worker(context.Background(), kind, until, &wg)
	}
	wg.Wait()
	pprof.StopCPUProfile()
	out.Close()

	heap, err := os.Create(*heapPath)
	if err != nil {
		log.Fatal(err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(heap); err != nil {
		log.Fatal(err)
	}
	heap.Close()
	log.Printf("retained %d buffers", len(retained))
}
