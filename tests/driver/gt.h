/* SPDX-License-Identifier: MIT */
/* Grant (issue 5) driver test cases: tests/driver/t_grant.c. */
#ifndef VXPU_DRIVER_GT_H
#define VXPU_DRIVER_GT_H

#include "dt.h"

TCase *gt_tcase_rules(void);
TCase *gt_tcase_revoke(void);
TCase *gt_tcase_faults(void);
TCase *gt_tcase_lifetime(void);

#endif
