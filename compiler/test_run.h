/*
 * test_run.h — `bpelc test [options] SUITE...` (docs/testing.md).
 */
#ifndef BPELC_TEST_RUN_H
#define BPELC_TEST_RUN_H

/* argv[0] is "test". Exit status: 0 all passed, 1 a case failed or
 * coverage is below --min-coverage, 2 usage or suite error. */
int test_main(int argc, char **argv);

#endif
