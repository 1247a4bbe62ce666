/* dsck version: the tool and the libraries it uses (gRPC core: the one it would load). */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "cli.h"
#include "dsck_config.h"
#include "store/etcd3.h"

int cmd_version(struct cli *cli)
{
	const char *names[] = { "grpc", "protobuf-c", "libcurl", "jansson", "libyaml", "openssl" };
	const char *vers[] = {
		etcd3_grpc_version(), etcd3_protobuf_version(), curl_version_info(CURLVERSION_NOW)->version,
		jansson_version_str(), yaml_get_version_string(), OpenSSL_version(OPENSSL_VERSION),
	};

	if (cli->format == OUT_JSON) {
		json_t *doc = json_object(), *libs = json_object();

		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			cli_json_set_snake(libs, names[i], json_string(vers[i]));
		json_object_set_new(doc, "version", json_string(DSCK_VERSION));
		json_object_set_new(doc, "libraries", libs);
		json_object_set_new(doc, "ok", json_true());
		return cli_print_json(doc);
	}
	printf("dsck %s\n", DSCK_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		printf("  %-11s %s\n", names[i], vers[i]);
	return EXIT_OK;
}
