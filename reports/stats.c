// SPDX-License-Identifier: GPL-2.0
/* Statistics for reports and compare (see stats.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

void rhist_init(struct rhist *h)
{
	memset(h, 0, sizeof(*h));
}

void rhist_free(struct rhist *h)
{
	free(h->b);
	rhist_init(h);
}

void rhist_add(struct rhist *h, double lo, double hi, double count)
{
	size_t i = 0;

	if (count <= 0)
		return;
	while (i < h->n && h->b[i].lo < lo)
		i++;
	if (i < h->n && h->b[i].lo == lo) {
		h->b[i].count += count;
		if (hi > h->b[i].hi || hi == 0)
			h->b[i].hi = hi;
		return;
	}
	h->b = realloc(h->b, (h->n + 1) * sizeof(*h->b));
	if (!h->b)
		abort();
	memmove(h->b + i + 1, h->b + i, (h->n - i) * sizeof(*h->b));
	h->b[i] = (struct hbucket){ lo, hi, count };
	h->n++;
}

void rhist_merge(struct rhist *h, const struct rhist *o)
{
	size_t i;

	if (!o->count)
		return;
	for (i = 0; i < o->n; i++)
		rhist_add(h, o->b[i].lo, o->b[i].hi, o->b[i].count);
	if (!h->count || o->min < h->min)
		h->min = o->min;
	if (!h->count || o->max > h->max)
		h->max = o->max;
	h->count += o->count;
	h->sum += o->sum;
}

double rhist_percentile(const struct rhist *h, double q)
{
	double total = 0, rank, seen = 0, lo, hi, v;
	size_t i;

	for (i = 0; i < h->n; i++)
		total += h->b[i].count;
	if (total <= 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q > 1)
		q = 1;
	rank = ceil(q * total - 1e-9);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < h->n; i++) {
		if (h->b[i].count <= 0 || seen + h->b[i].count < rank) {
			seen += h->b[i].count;
			continue;
		}
		lo = h->b[i].lo;
		hi = h->b[i].hi;
		if (hi <= lo)
			hi = h->max > lo ? h->max + 1 : lo + 1;
		v = lo + floor((hi - lo - 1) * (rank - seen) / h->b[i].count);
		/* min and max are only trusted when they bracket the buckets' values. */
		if (h->count && h->max >= h->min) {
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
		}
		return v;
	}
	return h->max;
}

double rhist_mean(const struct rhist *h)
{
	return h->count > 0 ? h->sum / h->count : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void sort_doubles(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

double percentile_sorted(const double *v, size_t n, double q)
{
	double pos, frac;
	size_t i;

	if (!n)
		return 0;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	pos = q * (double)(n - 1);
	i = (size_t)pos;
	frac = pos - (double)i;
	return i + 1 < n ? v[i] + (v[i + 1] - v[i]) * frac : v[i];
}

double mwu_exact_cdf(int n1, int n2, double u)
{
	int m = n1 < n2 ? n1 : n2, n = n1 < n2 ? n2 : n1, max = n1 * n2, i, k;
	double *c, total = 0, below = 0;

	if (n1 <= 0 || n2 <= 0 || n1 > 50 || n2 > 50)
		return NAN;
	if (u < 0)
		return 0;
	c = calloc(max + 1, sizeof(*c));
	if (!c)
		abort();
	/* Coefficients of the Gaussian binomial [m+n choose m]: prod (1 - q^(n+i)) / (1 - q^i). */
	c[0] = 1;
	for (i = 1; i <= m; i++) {
		for (k = max; k >= n + i; k--)
			c[k] -= c[k - n - i];
		for (k = i; k <= max; k++)
			c[k] += c[k - i];
	}
	for (k = 0; k <= max; k++) {
		total += c[k];
		if (k <= u + 1e-9)
			below += c[k];
	}
	free(c);
	return below / total;
}

int mwu_grouped_method(const double *cx, const double *cy, size_t ngroups, int method,
		       struct mwu *r)
{
	double n1 = 0, n2 = 0, rank0 = 0, r1 = 0, ties = 0, N, mu, sd, umax, t;
	int tied = 0;
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < ngroups; i++) {
		t = cx[i] + cy[i];
		if (t <= 0)
			continue;
		n1 += cx[i];
		n2 += cy[i];
		r1 += cx[i] * (rank0 + (t + 1) / 2);
		ties += t * t * t - t;
		if (t > 1)
			tied = 1;
		rank0 += t;
	}
	r->n1 = n1;
	r->n2 = n2;
	r->p = 1;
	if (n1 <= 0 || n2 <= 0)
		return -1;
	N = n1 + n2;
	r->u = r1 - n1 * (n1 + 1) / 2;
	r->delta = 2 * r->u / (n1 * n2) - 1;
	umax = r->u > n1 * n2 - r->u ? r->u : n1 * n2 - r->u;
	if (method == MWU_EXACT || (method == MWU_AUTO && !tied && n1 < 8 && n2 < 8)) {
		r->exact = 1;
		r->p = 2 * mwu_exact_cdf((int)n1, (int)n2, n1 * n2 - umax);
	} else {
		mu = n1 * n2 / 2;
		sd = sqrt(n1 * n2 / 12 * ((N + 1) - ties / (N * (N - 1))));
		if (sd > 0) {
			r->z = (r->u - mu) / sd;
			r->p = erfc((umax - mu - 0.5) / sd / sqrt(2));
		}
	}
	if (r->p > 1)
		r->p = 1;
	return 0;
}

int mwu_grouped(const double *cx, const double *cy, size_t ngroups, struct mwu *r)
{
	return mwu_grouped_method(cx, cy, ngroups, MWU_AUTO, r);
}

struct tagged {
	double v;
	int side;
};

static int cmp_tagged(const void *a, const void *b)
{
	return cmp_double(&((const struct tagged *)a)->v, &((const struct tagged *)b)->v);
}

int mwu_test_method(const double *x, size_t n1, const double *y, size_t n2, int method,
		    struct mwu *r)
{
	struct tagged *all = malloc((n1 + n2 + 1) * sizeof(*all));
	double *cx = calloc(n1 + n2 + 1, sizeof(double)), *cy = calloc(n1 + n2 + 1, sizeof(double));
	size_t i, g = 0;
	int ret;

	if (!all || !cx || !cy)
		abort();
	for (i = 0; i < n1; i++)
		all[i] = (struct tagged){ x[i], 0 };
	for (i = 0; i < n2; i++)
		all[n1 + i] = (struct tagged){ y[i], 1 };
	qsort(all, n1 + n2, sizeof(*all), cmp_tagged);
	for (i = 0; i < n1 + n2; i++) {
		if (i && all[i].v != all[i - 1].v)
			g++;
		if (all[i].side)
			cy[g]++;
		else
			cx[g]++;
	}
	ret = mwu_grouped_method(cx, cy, n1 + n2 ? g + 1 : 0, method, r);
	free(all);
	free(cx);
	free(cy);
	return ret;
}

int mwu_test(const double *x, size_t n1, const double *y, size_t n2, struct mwu *r)
{
	return mwu_test_method(x, n1, y, n2, MWU_AUTO, r);
}

int mwu_hist(const struct rhist *x, const struct rhist *y, struct mwu *r)
{
	size_t n = x->n + y->n, i = 0, j = 0, g = 0;
	double *cx = calloc(n + 1, sizeof(double)), *cy = calloc(n + 1, sizeof(double));
	int ret;

	if (!cx || !cy)
		abort();
	while (i < x->n || j < y->n) {
		if (j >= y->n || (i < x->n && x->b[i].lo < y->b[j].lo)) {
			cx[g++] = x->b[i++].count;
		} else if (i >= x->n || y->b[j].lo < x->b[i].lo) {
			cy[g++] = y->b[j++].count;
		} else {
			cx[g] = x->b[i++].count;
			cy[g++] = y->b[j++].count;
		}
	}
	ret = mwu_grouped(cx, cy, g, r);
	free(cx);
	free(cy);
	return ret;
}

const char *effect_label(double delta)
{
	double d = fabs(delta);

	if (d < 0.147)
		return "negligible";
	if (d < 0.33)
		return "small";
	if (d < 0.474)
		return "medium";
	return "large";
}

void run_values_of(const double *v, size_t n, struct run_values *s)
{
	double sq = 0;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n)
		return;
	s->min = s->max = v[0];
	for (i = 0; i < n; i++) {
		s->mean += v[i] / n;
		s->min = fmin(s->min, v[i]);
		s->max = fmax(s->max, v[i]);
	}
	for (i = 0; i < n; i++)
		sq += (v[i] - s->mean) * (v[i] - s->mean);
	s->sd = n > 1 ? sqrt(sq / (n - 1)) : 0;
	s->rsd = s->sd == 0 ? 0 : s->mean > 0 ? s->sd / s->mean : INFINITY;
}

/* Continued fraction of the regularized incomplete beta function (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h, num;
	int m;

	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (m = 1; m <= 300; m++) {
		int step;

		for (step = 0; step < 2; step++) {
			num = step ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)) :
				     m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
			d = 1 + num * d;
			d = 1 / (fabs(d) < tiny ? tiny : d);
			c = 1 + num / c;
			c = fabs(c) < tiny ? tiny : c;
			h *= d * c;
		}
		if (fabs(d * c - 1) < 1e-15)
			break;
	}
	return h;
}

/* I_x(a, b), with @y = 1 - x from the caller, exact where x is close to 1. */
static double beta_regularized(double a, double b, double x, double y)
{
	double front;

	if (x <= 0)
		return 0;
	if (y <= 0)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y));
	/* The fraction converges fast only on this side of the mean; use the symmetry otherwise. */
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, y) / b;
}

static double student_t_cdf(double t, double df)
{
	double tail = 0.5 * beta_regularized(df / 2, 0.5, df / (df + t * t), t * t / (df + t * t));

	return t > 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df)
{
	double lo = -1e6, hi = 1e6;
	int i;

	/* Bisection: the CDF is monotonic, and 200 halvings reach double precision. */
	for (i = 0; i < 200 && hi - lo > 1e-12 * fmax(1, fabs(lo)); i++) {
		double mid = (lo + hi) / 2;

		if (student_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

void welch_change_ci95(const struct run_values *base, const struct run_values *cur, double *lo,
		       double *hi)
{
	double vb, vc, se, df, half, diff = cur->mean - base->mean;

	*lo = *hi = NAN;
	if (base->n < 2 || cur->n < 2 || base->mean <= 0)
		return;
	vb = base->sd * base->sd / base->n;
	vc = cur->sd * cur->sd / cur->n;
	se = sqrt(vb + vc);
	if (se == 0) {
		half = 0;
	} else {
		df = (vb + vc) * (vb + vc) / (vb * vb / (base->n - 1) + vc * vc / (cur->n - 1));
		half = student_t_quantile(0.975, df) * se;
	}
	*lo = (diff - half) / base->mean;
	*hi = (diff + half) / base->mean;
}
