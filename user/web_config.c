// SPDX-License-Identifier: MIT
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include "web_config.h"

/* A handful of scrapers use one or two accounts: a small cache suffices. */
#define AUTH_CACHE_SIZE 16
#define AUTH_FIELD_MAX	256

struct web_auth_cache {
	pthread_mutex_t lock;
	struct {
		char user[AUTH_FIELD_MAX], password[AUTH_FIELD_MAX];
		bool used;
	} slots[AUTH_CACHE_SIZE];
	unsigned int next;
};

static int fail(struct kprof_error *err, const char *fmt, const char *a, const char *b)
{
	snprintf(err->msg, sizeof(err->msg), fmt, a, b);
	return -EINVAL;
}

static const char *scalar(yaml_document_t *doc, yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* dir/name for relative names, name otherwise; NULL on OOM. */
static char *resolve(const char *dir, const char *name)
{
	char *out;

	if (name[0] == '/' || !dir || !*dir)
		return strdup(name);
	if (asprintf(&out, "%s/%s", dir, name) < 0)
		return NULL;
	return out;
}

static const struct {
	const char *name;
	enum web_client_auth value;
} client_auths[] = {
	{"NoClientCert", WEB_CLIENT_AUTH_NONE},
	{"RequestClientCert", WEB_CLIENT_AUTH_REQUEST},
	{"RequireAnyClientCert", WEB_CLIENT_AUTH_REQUIRE_ANY},
	{"VerifyClientCertIfGiven", WEB_CLIENT_AUTH_VERIFY_IF_GIVEN},
	{"RequireAndVerifyClientCert", WEB_CLIENT_AUTH_REQUIRE_VERIFY},
};

static int parse_tls(struct web_config *c, yaml_document_t *doc, yaml_node_t *map, const char *dir,
		     struct kprof_error *err)
{
	if (map->type != YAML_MAPPING_NODE)
		return fail(err, "tls_server_config must be a mapping%s%s", "", "");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(doc, yaml_document_get_node(doc, p->key));
		const char *v = scalar(doc, yaml_document_get_node(doc, p->value));
		char **dst = NULL;

		if (!k || !v)
			return fail(err,
				    "tls_server_config: every key and value must be a string%s%s",
				    "", "");
		if (!strcmp(k, "cert_file"))
			dst = &c->cert_file;
		else if (!strcmp(k, "key_file"))
			dst = &c->key_file;
		else if (!strcmp(k, "client_ca_file"))
			dst = &c->client_ca_file;
		if (dst) {
			free(*dst);
			*dst = resolve(dir, v);
			if (!*dst)
				return -ENOMEM;
			continue;
		}
		if (!strcmp(k, "client_auth_type")) {
			size_t i;

			for (i = 0; i < sizeof(client_auths) / sizeof(client_auths[0]); i++)
				if (!strcmp(v, client_auths[i].name))
					break;
			if (i == sizeof(client_auths) / sizeof(client_auths[0]))
				return fail(err, "unknown client_auth_type '%s'%s", v, "");
			c->client_auth = client_auths[i].value;
		} else if (!strcmp(k, "min_version")) {
			if (strcmp(v, "TLS12") && strcmp(v, "TLS13"))
				return fail(err,
					    "min_version '%s' unsupported: use TLS12 or TLS13%s", v,
					    "");
			c->tls13_only = !strcmp(v, "TLS13");
		} else {
			return fail(err, "tls_server_config key '%s' is not supported by kprof%s",
				    k, "");
		}
	}
	if (!c->cert_file || !c->key_file)
		return fail(err, "tls_server_config needs both cert_file and key_file%s%s", "", "");
	if (c->client_auth >= WEB_CLIENT_AUTH_VERIFY_IF_GIVEN && !c->client_ca_file)
		return fail(err, "client_auth_type %s needs client_ca_file%s",
			    client_auths[c->client_auth].name, "");
	c->tls = true;
	return 0;
}

static bool is_bcrypt(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' && strchr("aby", h[2]) && h[3] == '$';
}

static int parse_users(struct web_config *c, yaml_document_t *doc, yaml_node_t *map,
		       struct kprof_error *err)
{
	size_t n;

	if (map->type != YAML_MAPPING_NODE)
		return fail(err, "basic_auth_users must be a mapping of user: bcrypt hash%s%s", "",
			    "");
	n = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
	if (n > WEB_CONFIG_MAX_USERS)
		return fail(err, "basic_auth_users: more than %s users%s", "1024", "");
	c->users = calloc(n ? n : 1, sizeof(*c->users));
	if (!c->users)
		return -ENOMEM;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(doc, yaml_document_get_node(doc, p->key));
		const char *v = scalar(doc, yaml_document_get_node(doc, p->value));

		if (!k || !v || !*k || strlen(k) >= AUTH_FIELD_MAX)
			return fail(err, "basic_auth_users: bad user name%s%s", "", "");
		if (!is_bcrypt(v))
			return fail(err,
				    "basic_auth_users: the hash of '%s' is not a bcrypt hash%s", k,
				    "");
		c->users[c->nusers].name = strdup(k);
		c->users[c->nusers].hash = strdup(v);
		c->nusers++;
		if (!c->users[c->nusers - 1].name || !c->users[c->nusers - 1].hash)
			return -ENOMEM;
	}
	return 0;
}

static int parse_root(struct web_config *c, yaml_document_t *doc, const char *dir,
		      struct kprof_error *err)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	int ret = 0;

	if (!root)
		return 0; /* an empty file: no TLS, no auth */
	if (root->type != YAML_MAPPING_NODE)
		return fail(err, "the web config must be a mapping%s%s", "", "");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     !ret && p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar(doc, yaml_document_get_node(doc, p->key));
		yaml_node_t *v = yaml_document_get_node(doc, p->value);

		if (!k || !v)
			return fail(err, "the web config has a key that is not a string%s%s", "",
				    "");
		if (!strcmp(k, "tls_server_config"))
			ret = parse_tls(c, doc, v, dir, err);
		else if (!strcmp(k, "basic_auth_users"))
			ret = parse_users(c, doc, v, err);
		else if (!strcmp(k, "http_server_config"))
			ret = fail(err, "http_server_config is not supported by kprof%s%s", "", "");
		else
			ret = fail(err, "unknown key '%s' in the web config%s", k, "");
	}
	return ret;
}

struct web_config *web_config_parse(const char *yaml, size_t len, const char *dir,
				    struct kprof_error *err)
{
	struct web_config *c = calloc(1, sizeof(*c));
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret;

	if (!c || !(c->cache = calloc(1, sizeof(*c->cache)))) {
		free(c);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->cache->lock, NULL);
	if (!yaml_parser_initialize(&parser)) {
		web_config_free(c);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err->msg, sizeof(err->msg), "bad YAML at line %zu: %s",
			 parser.problem_mark.line + 1, parser.problem ? parser.problem : "?");
		yaml_parser_delete(&parser);
		web_config_free(c);
		return NULL;
	}
	ret = parse_root(c, &doc, dir, err);
	if (ret == -ENOMEM)
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret) {
		web_config_free(c);
		return NULL;
	}
	return c;
}

struct web_config *web_config_load(const char *path, struct kprof_error *err)
{
	struct web_config *c = NULL;
	char *buf = NULL, *pathcopy = NULL;
	struct stat st;
	ssize_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > WEB_CONFIG_MAX_BYTES) {
		snprintf(err->msg, sizeof(err->msg),
			 fd < 0 ? "cannot read the web config %s: %s"
				: "the web config %s is not a regular file under 1 MiB%s",
			 path, fd < 0 ? strerror(errno) : "");
		goto out;
	}
	buf = malloc(st.st_size + 1);
	if (!buf)
		goto out;
	while (n < st.st_size) {
		ssize_t r = read(fd, buf + n, st.st_size - n);

		if (r <= 0)
			break;
		n += r;
	}
	pathcopy = strdup(path);
	if (!pathcopy)
		goto out;
	c = web_config_parse(buf, n, dirname(pathcopy), err);
	if (!c) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		snprintf(err->msg, sizeof(err->msg), "web config %.200s: %.280s", path, msg);
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(pathcopy);
	return c;
}

void web_config_free(struct web_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	if (c->cache) {
		explicit_bzero(c->cache->slots, sizeof(c->cache->slots));
		pthread_mutex_destroy(&c->cache->lock);
		free(c->cache);
	}
	free(c);
}

/* Equal strings, in time that depends only on the lengths. */
static bool same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return !d;
}

static bool cache_hit(struct web_auth_cache *cache, const char *user, const char *password)
{
	bool hit = false;

	pthread_mutex_lock(&cache->lock);
	for (int i = 0; i < AUTH_CACHE_SIZE; i++)
		hit |= cache->slots[i].used && same(cache->slots[i].user, user) &&
		       same(cache->slots[i].password, password);
	pthread_mutex_unlock(&cache->lock);
	return hit;
}

static void cache_add(struct web_auth_cache *cache, const char *user, const char *password)
{
	pthread_mutex_lock(&cache->lock);
	unsigned int i = cache->next++ % AUTH_CACHE_SIZE;
	snprintf(cache->slots[i].user, AUTH_FIELD_MAX, "%s", user);
	snprintf(cache->slots[i].password, AUTH_FIELD_MAX, "%s", password);
	cache->slots[i].used = true;
	pthread_mutex_unlock(&cache->lock);
}

bool web_config_check_password(struct web_config *c, const char *user, const char *password)
{
	/* A valid hash of a random password: unknown users cost one bcrypt too. */
	static const char dummy[] = "$2b$10$QVhGVzJ0Q1NrY1NQR0pPZOhbET6Fh0bljAFkEIcphYrXwF21gZoue";
	struct crypt_data *data;
	const char *hash = dummy, *out;
	bool known = false, ok;

	if (!c || !user || !password || strlen(user) >= AUTH_FIELD_MAX ||
	    strlen(password) >= AUTH_FIELD_MAX)
		return false;
	for (size_t i = 0; i < c->nusers; i++) {
		if (!strcmp(c->users[i].name, user)) {
			hash = c->users[i].hash;
			known = true;
		}
	}
	if (known && cache_hit(c->cache, user, password))
		return true;
	data = calloc(1, sizeof(*data));
	if (!data)
		return false;
	out = crypt_r(password, hash, data);
	ok = known && out && out[0] != '*' && same(out, hash);
	explicit_bzero(data, sizeof(*data));
	free(data);
	if (ok)
		cache_add(c->cache, user, password);
	return ok;
}
