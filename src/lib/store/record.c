#include <stdio.h>
#include <string.h>

#include "base/b64.h"
#include "base/jsonw.h"
#include "store/record.h"
#include "base/utf8.h"

const char *dsck_api_name(enum dsck_api api)
{
	return api == DSCK_API_V2 ? "v2" : "v3";
}

int record_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

bool record_key_storable(enum dsck_api api, const char *key, size_t len, const char **why)
{
	size_t seg = 1;   /* start of the current segment */

	if (!len) {
		*why = "empty key";
		return false;
	}
	if (api == DSCK_API_V3)
		return true;
	if (key[0] != '/') {
		*why = "a v2 key must start with '/'";
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c < 0x20 || c == 0x7f) {
			*why = c ? "control byte in a v2 key" : "NUL byte in a v2 key";
			return false;
		}
	}
	if (!utf8_valid((const unsigned char *)key, len)) {
		*why = "a v2 key must be UTF-8";
		return false;
	}
	if (len == 1)
		return true;   /* "/" itself */
	for (size_t i = 1; i <= len; i++) {
		if (i < len && key[i] != '/')
			continue;
		if (i == seg || (i - seg == 1 && key[seg] == '.') ||
		    (i - seg == 2 && key[seg] == '.' && key[seg + 1] == '.')) {
			*why = i == seg ? "empty path segment in a v2 key (the server would merge it)"
					: "'.' or '..' segment in a v2 key (the server would resolve it "
					  "to another key)";
			return false;
		}
		seg = i + 1;
	}
	return true;
}

/* "name":"text" or "name_b64":"base64"; @name is a literal */
static enum dsck_err append_bytes(struct buf *b, const char *name,
				  const char *p, size_t len, int first)
{
	size_t start = b->len;
	enum dsck_err rc;
	char b64name[32];

	if ((rc = jsonw_key_plain(b, name, first)) ||
	    (rc = jsonw_string_utf8(b, p, len)) != DSCK_ERR_INPUT)
		return rc;
	b->len = start;   /* not UTF-8: base64 instead */
	b->data[start] = '\0';
	snprintf(b64name, sizeof(b64name), "%s_b64", name);
	if ((rc = jsonw_key_plain(b, b64name, first)) || (rc = buf_appendc(b, '"')) ||
	    (rc = b64_encode(b, p, len)))
		return rc;
	return buf_appendc(b, '"');
}

/* "value":..., from the decoded value or from its JSON text as it is. */
static enum dsck_err append_value(struct buf *b, const struct dsck_record *r)
{
	enum dsck_err rc;

	if (!r->value_escaped)
		return append_bytes(b, "value", r->value ? r->value : "",
				    r->value ? r->value_len : 0, 0);
	if ((rc = jsonw_key_plain(b, "value", 0)) || (rc = buf_grow(b, r->value_len + 2)))
		return rc;
	b->data[b->len++] = '"';
	memcpy(b->data + b->len, r->value, r->value_len);
	b->len += r->value_len;
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
	return DSCK_OK;
}

static enum dsck_err append_int(struct buf *b, const char *name, int64_t v)
{
	enum dsck_err rc = jsonw_key_plain(b, name, 0);

	return rc ? rc : jsonw_int(b, v);
}

static enum dsck_err append_v3(struct buf *b, const struct dsck_record *r)
{
	enum dsck_err rc;

	if ((rc = buf_appendc(b, '{')) ||
	    (rc = jsonw_key_plain(b, "create_revision", 1)) ||
	    (rc = jsonw_int(b, r->create_revision)) ||
	    (rc = append_bytes(b, "key", r->key, r->key_len, 0)) ||
	    (rc = append_int(b, "lease", r->lease)) ||
	    (rc = append_int(b, "mod_revision", r->mod_revision)) ||
	    (rc = append_value(b, r)) ||
	    (rc = append_int(b, "version", r->version)))
		return rc;
	return buf_appendc(b, '}');
}

static enum dsck_err append_v2(struct buf *b, const struct dsck_record *r)
{
	enum dsck_err rc;

	if ((rc = buf_appendc(b, '{')) ||
	    (rc = jsonw_key_plain(b, "created_index", 1)) ||
	    (rc = jsonw_int(b, r->created_index)))
		return rc;
	if (r->dir && (rc = buf_appends(b, ",\"dir\":true")))
		return rc;
	if (r->expiration) {
		if ((rc = jsonw_key_plain(b, "expiration", 0)) ||
		    (rc = jsonw_string(b, r->expiration, strlen(r->expiration))))
			return rc;
	}
	if ((rc = append_bytes(b, "key", r->key, r->key_len, 0)) ||
	    (rc = append_int(b, "modified_index", r->modified_index)))
		return rc;
	if (r->has_ttl && (rc = append_int(b, "ttl", r->ttl)))
		return rc;
	if (!r->dir && (rc = append_value(b, r)))
		return rc;
	return buf_appendc(b, '}');
}

enum dsck_err record_json_append(struct buf *b, enum dsck_api api,
				 const struct dsck_record *r)
{
	return api == DSCK_API_V2 ? append_v2(b, r) : append_v3(b, r);
}
