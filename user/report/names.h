/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Names the reports give the kernel side's drop and anomaly kinds: one table for every writer. */
#ifndef WS_NAMES_H
#define WS_NAMES_H

/* The key of a drop kind in the JSON report and the Prometheus label ("exit_record"). */
const char *drop_key(int kind);
/* What a drop of that kind lost, for the text report ("exit records (threads missing ...)"). */
const char *drop_what(int kind);

/* The key of an anomaly kind (enum ws_anomaly) in the JSON and text reports ("seed_race"). */
const char *anomaly_key(int kind);

#endif /* WS_NAMES_H */
