/* A multi-threaded C workload with deep call stacks, for perf. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static volatile double sink;
__attribute__((noinline)) static double leaf_work(int n) { double x = 0; for (int i = 0; i < n; i++) x += i * 0.5; return x; }
__attribute__((noinline)) static double recurse(int depth, int n) { if (depth == 0) return leaf_work(n); return recurse(depth - 1, n) + 1; }
__attribute__((noinline)) static double hash_loop(int n) { unsigned h = 2166136261u; for (int i = 0; i < n; i++) h = (h ^ i) * 16777619u; return h; }
static void *worker(void *arg) { long id = (long)arg; for (int r = 0; r < 6000; r++) { sink = recurse(20 + (int)(id * 3) + r % 7, 20000); sink = hash_loop(30000); } return NULL; }
int main(void) { pthread_t t[2]; for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)i); for (int i = 0; i < 2; i++) pthread_join(t[i], NULL); printf("%f\n", sink); return 0; }
