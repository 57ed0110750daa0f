// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dlfcn.h>
#include <stddef.h>
#include "report/mhd_api.h"
#include "util/log.h"

/* Debian's libmicrohttpd12 (the runtime half of libmicrohttpd-dev). */
#define MHD_SONAME "libmicrohttpd.so.12"

const struct mhd_api *mhd_api_load(void)
{
	static struct mhd_api api;
	static const struct mhd_api *loaded;
	struct {
		void **slot;
		const char *name;
	} syms[] = {
		{ (void **)&api.start_daemon, "MHD_start_daemon" },
		{ (void **)&api.stop_daemon, "MHD_stop_daemon" },
		{ (void **)&api.is_feature_supported, "MHD_is_feature_supported" },
		{ (void **)&api.create_response_from_buffer, "MHD_create_response_from_buffer" },
		{ (void **)&api.create_response_from_buffer_with_free_callback_cls,
		  "MHD_create_response_from_buffer_with_free_callback_cls" },
		{ (void **)&api.add_response_header, "MHD_add_response_header" },
		{ (void **)&api.queue_response, "MHD_queue_response" },
		{ (void **)&api.destroy_response, "MHD_destroy_response" },
	};
	void *lib;
	size_t i;

	if (loaded)
		return loaded;
	lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		ws_err("failed to load %s (package libmicrohttpd12): %s", MHD_SONAME, dlerror());
		return NULL;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].slot = dlsym(lib, syms[i].name);
		if (!*syms[i].slot) {
			ws_err("failed to load %s from %s: %s", syms[i].name, MHD_SONAME,
			       dlerror());
			dlclose(lib);
			return NULL;
		}
	}
	loaded = &api;
	return loaded;
}
