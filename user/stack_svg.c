// SPDX-License-Identifier: MIT
/*
 * The SVG flame graph, rendered by kprof itself: one file, no external
 * resources. Frames are <g> elements with a <title> (the browser's hover
 * tooltip) and data-* attributes; a small inline script zooms on click,
 * searches, and shows the hovered frame's details at the bottom.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stack_sink.h"

#define SVG_WIDTH 1200
#define FRAME_H	  16
#define PAD	  10
#define TOP	  44
#define BOTTOM	  34
/* Frames narrower than this many pixels are not drawn: it bounds the file. */
#define MIN_WIDTH_PX 0.1
/* A frame's text is cut to what fits at about this many pixels a character. */
#define CHAR_PX 7.0

struct node {
	char *name;
	uint64_t raw;
	struct node *child;
	struct node *next;
};

static void node_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;

		node_free(n->child);
		free(n->name);
		free(n);
		n = next;
	}
}

static struct node *node_child(struct node *parent, const char *name)
{
	struct node *c;

	for (c = parent->child; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strdup(name);
	if (!c->name) {
		free(c);
		return NULL;
	}
	c->next = parent->child;
	parent->child = c;
	return c;
}

static int build(const struct stack_profile *p, struct node *root, int *max_depth)
{
	char name[512];

	for (size_t i = 0; i < p->nsamples; i++) {
		const struct stack_sample *s = &p->samples[i];
		uint64_t raw = stack_sample_raw(p, s);
		uint32_t n = s->nkern + s->nuser;
		struct node *at = root;

		root->raw += raw;
		for (uint32_t d = 0; d <= n; d++) {
			const char *part = s->comm[0] ? s->comm : "[unknown]";

			if (d)
				part = stack_frame_name(stack_frame_at(p, s, d - 1), name,
							sizeof(name));
			at = node_child(at, part);
			if (!at)
				return -ENOMEM;
			at->raw += raw;
		}
		if ((int)n + 1 > *max_depth)
			*max_depth = (int)n + 1;
	}
	return 0;
}

static void xml_escape(FILE *out, const char *s, size_t max)
{
	for (size_t i = 0; *s && i < max; s++, i++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, out);
		}
	}
}

/* A warm colour per name (stable across runs); kernel frames orange, offcpu blue. */
static void color(const struct stack_profile *p, const char *name, char *buf, size_t len)
{
	unsigned int h = 2166136261u;
	size_t n = strlen(name);
	bool kernel = n > 4 && !strcmp(name + n - 4, "_[k]");

	for (const char *c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	if (p->kind == STACK_OFFCPU)
		snprintf(buf, len, "rgb(%u,%u,%u)", 40 + h % 60, 90 + (h >> 8) % 90,
			 kernel ? 160 + (h >> 16) % 40 : 200 + (h >> 16) % 55);
	else if (kernel)
		snprintf(buf, len, "rgb(%u,%u,%u)", 220 + h % 35, 120 + (h >> 8) % 60,
			 30 + (h >> 16) % 30);
	else
		snprintf(buf, len, "rgb(%u,%u,%u)", 205 + h % 50, 60 + (h >> 8) % 150,
			 (h >> 16) % 55);
}

struct layout {
	const struct stack_profile *p;
	FILE *out;
	double scale; /* pixels per raw unit */
	uint64_t total;
	int height;
};

static void frame(struct layout *l, const struct node *n, int depth, double x)
{
	double w = (double)n->raw * l->scale, cx = x;
	double pct = l->total ? 100.0 * (double)n->raw / (double)l->total : 0;
	int y = l->height - BOTTOM - (depth + 1) * FRAME_H;
	size_t fit = w >= 5 * CHAR_PX ? (size_t)(w / CHAR_PX) - 1 : 0; /* >= 4 characters */
	char fill[32];

	if (w < MIN_WIDTH_PX)
		return;
	color(l->p, n->name, fill, sizeof(fill));
	fprintf(l->out, "<g class=\"f\" data-d=\"%d\" data-v=\"%llu\"><title>", depth,
		(unsigned long long)stack_value_out(l->p, n->raw));
	xml_escape(l->out, n->name, 4096);
	fprintf(l->out,
		" (%llu %s, %.2f%%)</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
		"height=\"%d\" fill=\"%s\" rx=\"2\"/><text x=\"%.2f\" y=\"%d\">",
		(unsigned long long)stack_value_out(l->p, n->raw), stack_value_unit(l->p), pct, x,
		y, w, FRAME_H - 1, fill, x + 3, y + FRAME_H - 4);
	if (fit) {
		size_t len = strlen(n->name);

		xml_escape(l->out, n->name, len <= fit ? len : fit - 2);
		if (len > fit)
			fputs("..", l->out);
	}
	fputs("</text></g>\n", l->out);
	for (const struct node *c = n->child; c; c = c->next) {
		frame(l, c, depth + 1, cx);
		cx += (double)c->raw * l->scale;
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp((*(struct node *const *)a)->name, (*(struct node *const *)b)->name);
}

/* Children left to right by name (as flamegraph.pl), whatever the input order. */
static int sort_children(struct node *n)
{
	struct node **v;
	size_t k = 0;

	for (struct node *c = n->child; c; c = c->next)
		k++;
	if (k > 1) {
		v = malloc(k * sizeof(*v));
		if (!v)
			return -ENOMEM;
		k = 0;
		for (struct node *c = n->child; c; c = c->next)
			v[k++] = c;
		qsort(v, k, sizeof(*v), name_cmp);
		for (size_t i = 0; i < k; i++)
			v[i]->next = i + 1 < k ? v[i + 1] : NULL;
		n->child = v[0];
		free(v);
	}
	for (struct node *c = n->child; c; c = c->next)
		if (sort_children(c))
			return -ENOMEM;
	return 0;
}

static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"'use strict';\n"
	"var W = 0, PAD = 10, frames = [], details, matched, zoomed = null;\n"
	"function init() {\n"
	"  W = +document.documentElement.getAttribute('width') - 2 * PAD;\n"
	"  details = document.getElementById('details');\n"
	"  matched = document.getElementById('matched');\n"
	"  var gs = document.querySelectorAll('g.f');\n"
	"  for (var i = 0; i < gs.length; i++) {\n"
	"    var g = gs[i], r = g.querySelector('rect'), t = g.querySelector('title');\n"
	"    var f = { g: g, r: r, t: g.querySelector('text'), d: +g.getAttribute('data-d'),\n"
	"      x: +r.getAttribute('x'), w: +r.getAttribute('width'), fill: "
	"r.getAttribute('fill'),\n"
	"      name: t.textContent.replace(/ \\([^()]*\\)$/, ''), info: t.textContent };\n"
	"    frames.push(f);\n"
	"    g.addEventListener('click', zoom.bind(null, f));\n"
	"    g.addEventListener('mouseover', function (f) { details.textContent = f.info; "
	"}.bind(null, f));\n"
	"    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"  }\n"
	"  document.getElementById('reset').addEventListener('click', function () { zoom(null); "
	"});\n"
	"  var q = document.getElementById('search');\n"
	"  if (q) q.addEventListener('input', function () { search(q.value); });\n"
	"}\n"
	"function label(f, w) {\n"
	"  var fit = w >= 35 ? Math.floor(w / 7) - 1 : 0;\n"
	"  f.t.textContent = fit <= 0 ? '' : f.name.length <= fit ? f.name : f.name.slice(0, fit - "
	"2) + '..';\n"
	"}\n"
	"function zoom(z) {\n"
	"  zoomed = z;\n"
	"  document.getElementById('reset').style.opacity = z ? 1 : 0.3;\n"
	"  var x0 = z ? z.x : PAD, s = z ? W / z.w : 1, eps = 1e-6;\n"
	"  frames.forEach(function (f) {\n"
	"    var inside = !z || (f.x >= z.x - eps && f.x + f.w <= z.x + z.w + eps && f.d >= z.d);\n"
	"    var above = z && f.d < z.d && f.x <= z.x + eps && f.x + f.w >= z.x + z.w - eps;\n"
	"    if (!inside && !above) { f.g.style.display = 'none'; return; }\n"
	"    f.g.style.display = '';\n"
	"    var x = above ? PAD : PAD + (f.x - x0) * s, w = above ? W : f.w * s;\n"
	"    f.r.setAttribute('x', x); f.r.setAttribute('width', w);\n"
	"    f.t.setAttribute('x', x + 3); label(f, w);\n"
	"    f.g.style.opacity = above ? 0.6 : 1;\n"
	"  });\n"
	"}\n"
	"function search(term) {\n"
	"  var re = null, total = 0, end = -1;\n"
	"  if (term) { try { re = new RegExp(term); } catch (e) { re = { test: function (s) { "
	"return s.indexOf(term) >= 0; } }; } }\n"
	"  var hits = [];\n"
	"  frames.forEach(function (f) {\n"
	"    var hit = re && re.test(f.name);\n"
	"    f.r.setAttribute('fill', hit ? 'rgb(230,0,230)' : f.fill);\n"
	"    if (hit) hits.push(f);\n"
	"  });\n"
	"  /* Matched share: the union of the hits' extents, nested hits counted once. */\n"
	"  hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });\n"
	"  hits.forEach(function (f) {\n"
	"    if (f.x + f.w <= end) return;\n"
	"    total += f.x + f.w - Math.max(f.x, end); end = f.x + f.w;\n"
	"  });\n"
	"  matched.textContent = re ? 'Matched: ' + (100 * total / W).toFixed(2) + '%' : ' ';\n"
	"}\n"
	"window.addEventListener('load', init);\n"
	"]]></script>\n";

int stack_write_svg(const struct stack_profile *p, const char *title, FILE *out)
{
	char all[] = "all";
	struct node root = {.name = all};
	struct layout l = {.p = p, .out = out};
	int max_depth = 0, ret;

	ret = build(p, &root, &max_depth);
	if (!ret)
		ret = sort_children(&root);
	if (ret)
		goto out_free;
	l.total = root.raw;
	l.scale = root.raw ? (double)(SVG_WIDTH - 2 * PAD) / (double)root.raw : 0;
	l.height = TOP + (max_depth + 1) * FRAME_H + BOTTOM;
	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<style>text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; } "
		"g.f text { pointer-events: none; } g.f:hover rect { stroke: #000; stroke-width: "
		"0.5; } "
		"#reset, g.f { cursor: pointer; } .hdr { font-size: 17px; }</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"rgb(248,248,240)\"/>\n"
		"<text class=\"hdr\" x=\"%d\" y=\"24\" text-anchor=\"middle\">",
		SVG_WIDTH, l.height, SVG_WIDTH, l.height, SVG_WIDTH / 2);
	xml_escape(out, title, 200);
	fprintf(out,
		"</text>\n"
		"<text id=\"reset\" x=\"%d\" y=\"24\" style=\"opacity:0.3\">Reset zoom</text>\n"
		"<foreignObject x=\"%d\" y=\"8\" width=\"220\" height=\"26\">"
		"<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search\" type=\"search\" "
		"placeholder=\"Search (regex)\" style=\"width:200px\"/></foreignObject>\n"
		"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"> </text>\n",
		PAD, SVG_WIDTH - 230, PAD, l.height - 12, SVG_WIDTH - PAD, l.height - 12);
	frame(&l, &root, 0, PAD);
	fputs(script, out);
	fputs("</svg>\n", out);
	if (ferror(out))
		ret = -EIO;
out_free:
	node_free(root.child);
	return ret;
}
