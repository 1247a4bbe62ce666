#include <dlfcn.h>
#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsck_config.h"
#include "base/buf.h"
#include "base/macro.h"
#include "net/rpc.h"

/* Certificates and keys are small; anything larger is not a PEM file. */
#define PEM_MAX (1u << 20)

struct rpc_channel {
	grpc_channel *ch;
	char *endpoint;
	long dial_timeout_ms;
	bool dialled;            /* the first connection attempt gave an answer */
	conn_progress_fn progress;
	void *progress_ctx;
};

static void quiet_log(gpr_log_func_args *args)
{
	(void)args;
}

/*
 * gRPC core is loaded with dlopen when it is first needed, not linked:
 * loading its libraries cost every command about 20 ms and 8 MiB, and most
 * commands never speak v3 (v2 saves, snapshot files, Kubernetes). Its
 * threads and allocators start (grpc_init) on the first channel. Every gRPC
 * function this file calls goes through this table (docs/architecture.md,
 * "Seams").
 */
#define CORE_FUNCTIONS(X) \
	X(grpc_init) X(grpc_shutdown) X(grpc_version_string) \
	X(gpr_set_log_verbosity) X(gpr_set_log_function) \
	X(gpr_now) X(gpr_inf_future) X(gpr_time_add) X(gpr_time_from_millis) \
	X(grpc_insecure_credentials_create) X(grpc_ssl_credentials_create) \
	X(grpc_channel_credentials_release) \
	X(grpc_tls_credentials_options_create) X(grpc_tls_credentials_create) \
	X(grpc_tls_credentials_options_set_certificate_provider) \
	X(grpc_tls_credentials_options_set_certificate_verifier) \
	X(grpc_tls_credentials_options_set_check_call_host) \
	X(grpc_tls_credentials_options_set_verify_server_cert) \
	X(grpc_tls_credentials_options_watch_identity_key_cert_pairs) \
	X(grpc_tls_certificate_verifier_no_op_create) X(grpc_tls_certificate_verifier_release) \
	X(grpc_tls_certificate_provider_static_data_create) \
	X(grpc_tls_certificate_provider_release) \
	X(grpc_tls_identity_pairs_create) X(grpc_tls_identity_pairs_add_pair) \
	X(grpc_channel_create) X(grpc_channel_destroy) X(grpc_channel_create_call) \
	X(grpc_channel_check_connectivity_state) X(grpc_channel_watch_connectivity_state) \
	X(grpc_completion_queue_create_for_next) X(grpc_completion_queue_create_for_pluck) \
	X(grpc_completion_queue_next) X(grpc_completion_queue_pluck) \
	X(grpc_completion_queue_shutdown) X(grpc_completion_queue_destroy) \
	X(grpc_call_start_batch) X(grpc_call_unref) \
	X(grpc_metadata_array_init) X(grpc_metadata_array_destroy) \
	X(grpc_slice_malloc) X(grpc_slice_unref) X(grpc_empty_slice) \
	X(grpc_slice_from_static_string) X(grpc_slice_from_copied_string) \
	X(grpc_raw_byte_buffer_create) X(grpc_byte_buffer_destroy) \
	X(grpc_byte_buffer_length) X(grpc_byte_buffer_reader_init) \
	X(grpc_byte_buffer_reader_readall) X(grpc_byte_buffer_reader_destroy)

#define CORE_POINTER(f) __typeof__(f) *f;
static struct {
	CORE_FUNCTIONS(CORE_POINTER)
} core;

static pthread_once_t load_once = PTHREAD_ONCE_INIT, start_once = PTHREAD_ONCE_INIT;
static bool core_loaded, core_started, core_debug;
static char core_error[512];    /* why it could not be loaded */

static void core_load(void)
{
	void *lib = dlopen(DSCK_GRPC_LIB, RTLD_NOW | RTLD_LOCAL), *sym;

	if (!lib) {
		snprintf(core_error, sizeof(core_error), "%s", dlerror());
		return;
	}
#define CORE_RESOLVE(f) \
	if (!(sym = dlsym(lib, #f))) { \
		snprintf(core_error, sizeof(core_error), "%s has no %s", DSCK_GRPC_LIB, #f); \
		dlclose(lib); \
		return; \
	} \
	memcpy(&core.f, &sym, sizeof(sym));
	CORE_FUNCTIONS(CORE_RESOLVE)
#undef CORE_RESOLVE
	if (!core_debug) {
		core.gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
		core.gpr_set_log_function(quiet_log);
	}
	core_loaded = true;
}

static void core_start(void)
{
	pthread_once(&load_once, core_load);
	if (!core_loaded)
		return;
	core.grpc_init();
	core_started = true;
}

/* gRPC core loaded and started, or why not. */
static enum dsck_err core_ready(struct dsck_error *err)
{
	pthread_once(&start_once, core_start);
	if (core_started)
		return DSCK_OK;
	return dsck_fail(err, DSCK_ERR_IO, "cannot load gRPC core for the etcd v3 API: %s "
			 "(install the gRPC core library: libgrpc29 on Debian 12)", core_error);
}

void rpc_global_init(bool debug)
{
	core_debug = debug;
}

void rpc_global_shutdown(void)
{
	if (core_started)
		core.grpc_shutdown();
}

const char *rpc_version(void)
{
	pthread_once(&load_once, core_load);
	return core_loaded ? core.grpc_version_string() : "not loaded";
}

static enum dsck_err read_pem(const char *what, const char *path, char **out,
			      struct dsck_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT(PEM_MAX);
	char tmp[4096];
	size_t n;

	if (!f)
		return dsck_fail(err, DSCK_ERR_TLS, "cannot read %s '%s': %s", what, path,
				 strerror(errno));
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (buf_append(&b, tmp, n)) {
			buf_release(&b);
			return dsck_fail(err, DSCK_ERR_TLS, "%s '%s' is too large for a PEM file",
					 what, path);
		}
	}
	if (!b.len || !strstr(buf_str(&b), "-----BEGIN")) {
		buf_release(&b);
		return dsck_fail(err, DSCK_ERR_TLS, "%s '%s' is not a PEM file", what, path);
	}
	*out = buf_detach(&b, NULL);
	return *out ? DSCK_OK : dsck_oom(err);
}

static void free_secret(char *p)
{
	if (p) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

/*
 * --insecure-skip-tls-verify for gRPC: TLS (still encrypted, still sending
 * the client certificate) that accepts any server certificate and any host
 * name. gRPC core's TLS credentials options can turn the verification off;
 * the plain SSL credentials cannot. The CLI warns loudly before this is used.
 */
static grpc_channel_credentials *unverified_credentials(const char *cert, const char *key)
{
	grpc_tls_credentials_options *o = core.grpc_tls_credentials_options_create();
	grpc_tls_certificate_verifier *v = core.grpc_tls_certificate_verifier_no_op_create();
	grpc_tls_certificate_provider *p = NULL;
	grpc_channel_credentials *creds;

	if (cert) {
		grpc_tls_identity_pairs *pairs = core.grpc_tls_identity_pairs_create();

		core.grpc_tls_identity_pairs_add_pair(pairs, key, cert);
		p = core.grpc_tls_certificate_provider_static_data_create(NULL, pairs);
		core.grpc_tls_credentials_options_set_certificate_provider(o, p);
		core.grpc_tls_credentials_options_watch_identity_key_cert_pairs(o);
	}
	core.grpc_tls_credentials_options_set_verify_server_cert(o, 0);
	core.grpc_tls_credentials_options_set_certificate_verifier(o, v);
	core.grpc_tls_credentials_options_set_check_call_host(o, 0);
	creds = core.grpc_tls_credentials_create(o);   /* takes the options */
	core.grpc_tls_certificate_verifier_release(v);
	if (p)
		core.grpc_tls_certificate_provider_release(p);
	return creds;
}

static enum dsck_err tls_credentials(const struct dsck_conn *conn,
				     grpc_channel_credentials **out,
				     struct dsck_error *err)
{
	char *ca = NULL, *cert = NULL, *key = NULL;
	grpc_ssl_pem_key_cert_pair pair;
	enum dsck_err rc = DSCK_OK;

	if (conn->cacert && (rc = read_pem("CA certificate (--cacert)", conn->cacert, &ca, err)))
		goto out;
	if (!!conn->cert != !!conn->key) {
		rc = dsck_fail(err, DSCK_ERR_USAGE, "--cert and --key must be given together");
		goto out;
	}
	if (conn->cert && ((rc = read_pem("client certificate (--cert)", conn->cert, &cert, err)) ||
			   (rc = read_pem("client key (--key)", conn->key, &key, err))))
		goto out;
	if (conn->insecure_skip_tls_verify) {
		*out = unverified_credentials(cert, key);
	} else {
		pair.private_key = key;
		pair.cert_chain = cert;
		*out = core.grpc_ssl_credentials_create(ca, cert ? &pair : NULL, NULL, NULL);
	}
	if (!*out)
		rc = dsck_fail(err, DSCK_ERR_TLS, "cannot set up TLS credentials");
out:
	free(ca);
	free(cert);
	free_secret(key);
	return rc;
}

enum dsck_err rpc_channel_new(const char *endpoint, const struct dsck_conn *conn,
			      struct rpc_channel **out, struct dsck_error *err)
{
	bool tls = conn_is_tls(endpoint);
	const char *target = strstr(endpoint, "://") + 3;
	grpc_channel_credentials *creds = NULL;
	grpc_arg args[2];
	grpc_channel_args cargs = { .num_args = 2, .args = args };
	struct rpc_channel *ch;
	enum dsck_err rc;

	if ((rc = core_ready(err)))
		return rc;
	if (tls) {
		if ((rc = tls_credentials(conn, &creds, err)))
			return rc;
	} else {
		creds = core.grpc_insecure_credentials_create();
	}
	/* etcd replies can exceed gRPC's 4 MiB default; pages are bounded by us. */
	args[0].type = GRPC_ARG_INTEGER;
	args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	args[0].value.integer = -1;
	args[1].type = GRPC_ARG_INTEGER;
	args[1].key = (char *)GRPC_ARG_ENABLE_RETRIES;
	args[1].value.integer = 0;
	ch = calloc(1, sizeof(*ch));
	if (!ch || !(ch->endpoint = strdup(endpoint))) {
		free(ch);
		core.grpc_channel_credentials_release(creds);
		return dsck_oom(err);
	}
	ch->dial_timeout_ms = conn->dial_timeout_ms;
	ch->progress = conn->progress;
	ch->progress_ctx = conn->progress_ctx;
	ch->ch = core.grpc_channel_create(target, creds, &cargs);
	core.grpc_channel_credentials_release(creds);
	*out = ch;
	return DSCK_OK;
}

void rpc_channel_free(struct rpc_channel **chp)
{
	struct rpc_channel *ch = *chp;

	if (!ch)
		return;
	if (ch->ch)
		core.grpc_channel_destroy(ch->ch);
	free(ch->endpoint);
	free(ch);
	*chp = NULL;
}

static grpc_byte_buffer *pack(const ProtobufCMessage *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	grpc_slice s = core.grpc_slice_malloc(n);
	grpc_byte_buffer *bb;

	protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(s));
	bb = core.grpc_raw_byte_buffer_create(&s, 1);
	core.grpc_slice_unref(s);
	return bb;
}

static ProtobufCMessage *unpack(grpc_byte_buffer *bb, const ProtobufCMessageDescriptor *d)
{
	grpc_byte_buffer_reader r;
	grpc_slice all;
	ProtobufCMessage *m;

	if (!core.grpc_byte_buffer_reader_init(&r, bb))
		return NULL;
	all = core.grpc_byte_buffer_reader_readall(&r);
	core.grpc_byte_buffer_reader_destroy(&r);
	m = protobuf_c_message_unpack(d, NULL, GRPC_SLICE_LENGTH(all), GRPC_SLICE_START_PTR(all));
	core.grpc_slice_unref(all);
	return m;
}

/*
 * Wait up to the dial timeout for the first connection attempt to give an
 * answer (connected, or failed: the call then fails fast with the reason).
 * False when it is still connecting: a dead address, which gRPC would
 * otherwise wait on for the whole command timeout.
 */
static bool dial(struct rpc_channel *ch)
{
	grpc_completion_queue *cq;
	gpr_timespec deadline;
	grpc_connectivity_state s;

	if (ch->dialled)
		return true;
	deadline = core.gpr_time_add(core.gpr_now(GPR_CLOCK_REALTIME),
				core.gpr_time_from_millis(ch->dial_timeout_ms, GPR_TIMESPAN));
	cq = core.grpc_completion_queue_create_for_next(NULL);
	s = core.grpc_channel_check_connectivity_state(ch->ch, 1);
	while (s == GRPC_CHANNEL_IDLE || s == GRPC_CHANNEL_CONNECTING) {
		grpc_event ev;

		core.grpc_channel_watch_connectivity_state(ch->ch, s, deadline, cq, NULL);
		ev = core.grpc_completion_queue_next(cq, core.gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type != GRPC_OP_COMPLETE || !ev.success)
			break;    /* the deadline passed with no change */
		s = core.grpc_channel_check_connectivity_state(ch->ch, 1);
	}
	core.grpc_completion_queue_shutdown(cq);
	while (core.grpc_completion_queue_next(cq, core.gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	core.grpc_completion_queue_destroy(cq);
	ch->dialled = s != GRPC_CHANNEL_IDLE && s != GRPC_CHANNEL_CONNECTING;
	return ch->dialled;
}

enum dsck_err rpc_unary(struct rpc_channel *ch, const char *method,
			const ProtobufCMessage *req,
			const ProtobufCMessageDescriptor *resp_desc,
			const char *token, long timeout_ms,
			ProtobufCMessage **resp, struct rpc_status *st,
			struct dsck_error *err)
{
	grpc_completion_queue *cq;
	gpr_timespec deadline;
	grpc_call *call;
	grpc_metadata md;
	grpc_metadata_array init_md, trailing_md;
	grpc_byte_buffer *send, *recv = NULL;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = core.grpc_empty_slice();
	grpc_op ops[6];
	grpc_event ev;
	enum dsck_err rc = DSCK_OK;
	void *tag = (void *)1;

	*resp = NULL;
	st->code = GRPC_STATUS_UNKNOWN;
	st->details[0] = '\0';
	if (!dial(ch)) {
		st->code = GRPC_STATUS_UNAVAILABLE;
		snprintf(st->details, sizeof(st->details),
			 "no connection within the dial timeout (%ld ms; --dial-timeout)",
			 ch->dial_timeout_ms);
		return DSCK_OK;
	}
	/* The command timeout counts from here, after the dial. */
	deadline = core.gpr_time_add(core.gpr_now(GPR_CLOCK_REALTIME),
				core.gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
	cq = core.grpc_completion_queue_create_for_pluck(NULL);
	send = pack(req);
	core.grpc_metadata_array_init(&init_md);
	core.grpc_metadata_array_init(&trailing_md);
	call = core.grpc_channel_create_call(ch->ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
					core.grpc_slice_from_static_string(method), NULL, deadline, NULL);

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (token) {
		md = (grpc_metadata){ .key = core.grpc_slice_from_static_string("token"),
				      .value = core.grpc_slice_from_copied_string(token) };
		ops[0].data.send_initial_metadata.count = 1;
		ops[0].data.send_initial_metadata.metadata = &md;
	}
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &init_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
	ops[5].data.recv_status_on_client.status = &code;
	ops[5].data.recv_status_on_client.status_details = &details;

	if (core.grpc_call_start_batch(call, ops, ARRAY_SIZE(ops), tag, NULL) != GRPC_CALL_OK) {
		rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "cannot start a gRPC call to %s", ch->endpoint);
		goto out;
	}
	ev = core.grpc_completion_queue_pluck(cq, tag, core.gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (ev.type != GRPC_OP_COMPLETE) {
		rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "gRPC call to %s did not complete", ch->endpoint);
		goto out;
	}
	st->code = (int)code;
	snprintf(st->details, sizeof(st->details), "%.*s", (int)GRPC_SLICE_LENGTH(details),
		 (const char *)GRPC_SLICE_START_PTR(details));
	if (recv && ch->progress)
		ch->progress(ch->progress_ctx, 0, core.grpc_byte_buffer_length(recv));
	if (code == GRPC_STATUS_OK) {
		*resp = recv ? unpack(recv, resp_desc) : NULL;
		if (!*resp)
			rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "%s: undecodable reply to %s",
				       ch->endpoint, method);
	}
out:
	if (token)
		core.grpc_slice_unref(md.value);
	core.grpc_slice_unref(details);
	core.grpc_metadata_array_destroy(&init_md);
	core.grpc_metadata_array_destroy(&trailing_md);
	core.grpc_byte_buffer_destroy(send);
	if (recv)
		core.grpc_byte_buffer_destroy(recv);
	core.grpc_call_unref(call);
	core.grpc_completion_queue_shutdown(cq);
	while (core.grpc_completion_queue_pluck(cq, NULL, core.gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
		       .type != GRPC_QUEUE_SHUTDOWN)
		;
	core.grpc_completion_queue_destroy(cq);
	return rc;
}
