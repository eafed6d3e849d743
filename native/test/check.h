/* The few lines every C unit test here shares: CHECK records one outcome
 * and prints it, check_summary prints "N passed, N failed" and gives the
 * exit status (non-zero when anything failed). */
#ifndef DOCK_FIRE_TEST_CHECK_H
#define DOCK_FIRE_TEST_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, name)                                                                      \
    do {                                                                                       \
        if (cond) {                                                                            \
            check_passed++;                                                                    \
            printf("ok %s\n", name);                                                           \
        } else {                                                                               \
            check_failed++;                                                                    \
            printf("FAIL %s (%s:%d: %s)\n", name, __FILE__, __LINE__, #cond);                  \
        }                                                                                      \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
