/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <math.h>
#include <stdio.h>
#include "util/fmt.h"

char *fmt_ns(char *buf, size_t n, double ns)
{
	/* Pick the unit after rounding, so 999.96us prints as "1.0ms", not "1000.0us". */
	if (!isfinite(ns) || ns < 0)
		snprintf(buf, n, "n/a");
	else if (ns < 999.5)
		snprintf(buf, n, "%.0fns", ns);
	else if (ns < 999.95e3)
		snprintf(buf, n, "%.1fus", ns / 1e3);
	else if (ns < 999.95e6)
		snprintf(buf, n, "%.1fms", ns / 1e6);
	else
		snprintf(buf, n, "%.2fs", ns / 1e9);
	return buf;
}

char *fmt_pct(char *buf, size_t n, double fraction)
{
	if (!isfinite(fraction))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%.1f%%", fraction * 100.0);
	return buf;
}
