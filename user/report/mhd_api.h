/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmicrohttpd, loaded when the agent first serves /metrics: a one-shot run never maps it, nor
 * the TLS libraries it links (gnutls, nettle, p11-kit...: about 3 MB of resident pages).
 */
#ifndef WS_MHD_API_H
#define WS_MHD_API_H

#include <microhttpd.h>

struct mhd_api {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_is_feature_supported) *is_feature_supported;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_create_response_from_buffer_with_free_callback_cls)
		*create_response_from_buffer_with_free_callback_cls;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
};

/* The library's functions (loaded once; never unloaded), or NULL with the error printed. */
const struct mhd_api *mhd_api_load(void);

#endif /* WS_MHD_API_H */
