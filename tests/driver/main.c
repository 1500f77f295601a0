// SPDX-License-Identifier: MIT
/*
 * driver-tests: the vxpu driver's ioctls, validation errnos, isolation
 * and sharing, run inside a guest with vxpu.ko loaded (default params).
 *
 * usage: driver-tests [SUITE [TAPNAME]]
 *   SUITE   driver (default): everything that runs with default module params
 *           grant: grants, foreign BOs, revoke and fault interception (issue 5)
 *           engine: the execution engine (queues, packets, events, pause,
 *                   faults; issue 3), needs VXPU_CAP_ENGINE
 *           capacity: only the VRAM/quota capacity cases (rerun by
 *                     tests/run-guest-suite with a small vram_mib)
 *           reload: renumbering, and the one-engine hand-over, through
 *                   scripts/guest/vxpu-reload (reloads the module; holds no
 *                   fds across it; leaves defaults loaded)
 *   TAPNAME name of the TAP file in $VXPU_RESULTS (default driver-SUITE)
 * Check's CK_RUN_CASE / CK_RUN_SUITE narrow it further.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "et.h"
#include "gt.h"

int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "driver";
	char tap[128];
	Suite *s = suite_create(which);
	SRunner *sr;
	int failed;

	if (!strcmp(which, "driver")) {
		suite_add_tcase(s, dt_tcase_device());
		suite_add_tcase(s, dt_tcase_context());
		suite_add_tcase(s, dt_tcase_bo());
		suite_add_tcase(s, dt_tcase_capacity());
		suite_add_tcase(s, dt_tcase_asid());
		suite_add_tcase(s, dt_tcase_vm());
		suite_add_tcase(s, dt_tcase_vm_rw());
		suite_add_tcase(s, dt_tcase_abi());
		suite_add_tcase(s, dt_tcase_isolation());
		suite_add_tcase(s, dt_tcase_sharing());
		suite_add_tcase(s, dt_tcase_sysfs());
	} else if (!strcmp(which, "engine")) {
		suite_add_tcase(s, et_tcase_packets());
		suite_add_tcase(s, et_tcase_engine_ioctls());
		suite_add_tcase(s, et_tcase_events());
		suite_add_tcase(s, et_tcase_ordering());
		suite_add_tcase(s, et_tcase_pause());
		suite_add_tcase(s, et_tcase_signals());
		suite_add_tcase(s, et_tcase_teardown());
		suite_add_tcase(s, et_tcase_faults());
	} else if (!strcmp(which, "criu")) {
		suite_add_tcase(s, ct_tcase_criu());
	} else if (!strcmp(which, "grant")) {
		suite_add_tcase(s, gt_tcase_rules());
		suite_add_tcase(s, gt_tcase_revoke());
		suite_add_tcase(s, gt_tcase_faults());
		suite_add_tcase(s, gt_tcase_lifetime());
	} else if (!strcmp(which, "capacity")) {
		suite_add_tcase(s, dt_tcase_capacity());
	} else if (!strcmp(which, "reload")) {
		suite_add_tcase(s, dt_tcase_reload());
	} else {
		fprintf(stderr, "usage: %s [driver|engine|criu|grant|capacity|reload [TAPNAME]]\n", argv[0]);
		return 2;
	}
	snprintf(tap, sizeof(tap), "%s", argc > 2 ? argv[2] : "");
	if (!tap[0])
		snprintf(tap, sizeof(tap), "driver-%s", which);
	sr = srunner_create(s);
	failed = vt_run(sr, tap);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
