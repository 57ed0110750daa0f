<?php
// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// PHP-FPM fixture (tests/servers/php-fpm.sh): each request calls the upstream on
// WS_UPSTREAM_PORT with a timeout (PHP's stream layer then waits in poll() on that socket).
$port = getenv('WS_UPSTREAM_PORT');
$ctx = stream_context_create(['http' => ['timeout' => 5, 'protocol_version' => 1.0]]);
$body = file_get_contents("http://127.0.0.1:$port/", false, $ctx);
if ($body === false) {
	http_response_code(502);
	echo "upstream failed\n";
} else {
	echo "php ok\n";
}
