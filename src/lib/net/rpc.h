/*
 * rpc: the one seam through which dsck speaks gRPC (gRPC C core). The etcd v3
 * client builds protobuf-c messages and calls rpc_unary(); everything about
 * channels, credentials, batches and completion queues lives here, so unit
 * tests can replace rpc_unary() with -Wl,--wrap.
 */
#ifndef DSCK_RPC_H
#define DSCK_RPC_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#include "net/conn.h"
#include "base/err.h"

struct rpc_channel;

struct rpc_status {
	int code;               /* grpc_status_code; 0 is OK */
	char details[512];      /* the server's message ("etcdserver: ...") */
};

/* Process-wide setup: quiet gRPC's own logging unless @debug. */
void rpc_global_init(bool debug);
void rpc_global_shutdown(void);
/* gRPC core's version; loads it (not started) if need be. */
const char *rpc_version(void);

/*
 * A channel to one etcd endpoint ("http://h:p" or "https://h:p"). TLS reads
 * the PEM files named by @conn (CA, client cert and key).
 */
enum dsck_err rpc_channel_new(const char *endpoint, const struct dsck_conn *conn,
			      struct rpc_channel **out, struct dsck_error *err);
void rpc_channel_free(struct rpc_channel **ch);

/*
 * One unary call. @token, when not NULL, is sent as the etcd "token"
 * metadata. On gRPC success *resp is the unpacked reply (free it with
 * protobuf_c_message_free_unpacked); otherwise st says why. Returns an error
 * only for local failures (out of memory, undecodable reply).
 */
enum dsck_err rpc_unary(struct rpc_channel *ch, const char *method,
			const ProtobufCMessage *req,
			const ProtobufCMessageDescriptor *resp_desc,
			const char *token, long timeout_ms,
			ProtobufCMessage **resp, struct rpc_status *st,
			struct dsck_error *err);

#endif
