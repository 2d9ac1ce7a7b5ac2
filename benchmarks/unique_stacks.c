/* Random call paths through 16 functions, 28 calls deep, on two threads: nearly every sampled
 * stack is different. Runs for the number of seconds given as the first argument. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MUL 6364136223846793005ULL
#define ADD 1442695040888963407ULL
typedef uint64_t (*step_fn)(uint64_t, int);
static step_fn table[16];
static volatile uint64_t sink;
static double seconds = 3.0;

#define STEP(n)                                                                      \
  __attribute__((noinline)) static uint64_t step##n(uint64_t x, int depth) {         \
    if (depth == 0) {                                                                \
      for (int i = 0; i < 3000; i++) x = x * MUL + ADD;                              \
      return x;                                                                      \
    }                                                                                \
    x = x * MUL + ADD;                                                               \
    return table[x >> 60](x, depth - 1) + n;                                         \
  }
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg) {
  uint64_t x = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ULL + 1;
  double end = now() + seconds;
  while (now() < end)
    for (int r = 0; r < 100; r++) {
      x = x * MUL + ADD;
      sink += table[x >> 60](x, 28);
    }
  return NULL;
}

int main(int argc, char **argv) {
  step_fn all[16] = {step0, step1, step2,  step3,  step4,  step5,  step6,  step7,
                     step8, step9, step10, step11, step12, step13, step14, step15};
  for (int i = 0; i < 16; i++) table[i] = all[i];
  if (argc > 1) seconds = atof(argv[1]);
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("%llu\n", (unsigned long long)sink);
  return 0;
}
