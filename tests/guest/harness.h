/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shape of the kernel's kselftest_harness.h (tools/testing/selftests/) on tap.h's KTAP:
 *
 *	FIXTURE(f) { members };
 *	FIXTURE_SETUP(f) { ... self->member ... }
 *	FIXTURE_TEARDOWN(f) { ... }
 *	TEST_F(f, name) { ASSERT_EQ(0, ...); EXPECT_EQ(...); TH_LOG("..."); }
 *	TEST_HARNESS_MAIN
 *
 * Each TEST_F is one KTAP result, "ok N f.name", in the order of the file; its setup runs
 * before it and its teardown after it, even when an ASSERT ended it. EXPECT_*() records a
 * failure, with both values, and goes on; ASSERT_*() also returns from the function it is in
 * (the test, or a void helper that takes _metadata). Unlike the kernel's, every test runs in
 * this process, one after the other: what one leaves in tcelab.ko is what the next one sees.
 */
#ifndef TCELAB_HARNESS_H
#define TCELAB_HARNESS_H

#include "tap.h"

struct __test_metadata {
	const char *name;
	void (*fn)(struct __test_metadata *_metadata);
	int line;		/* tests run in the order of the file, whatever the constructors' */
	int passed;
	struct __test_metadata *next;
};

static struct __test_metadata *__tests;

static inline void __register_test(struct __test_metadata *t)
{
	struct __test_metadata **p = &__tests;

	while (*p && (*p)->line < t->line)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

#define FIXTURE_DATA(f)		struct _fixture_##f
#define FIXTURE(f)		FIXTURE_DATA(f)
#define TH_UNUSED	__attribute__((unused))
#define FIXTURE_SETUP(f)							\
	static void f##_setup(struct __test_metadata *_metadata TH_UNUSED,	\
			      FIXTURE_DATA(f) *self)
#define FIXTURE_TEARDOWN(f)							\
	static void f##_teardown(struct __test_metadata *_metadata TH_UNUSED,	\
				 FIXTURE_DATA(f) *self)

#define TEST_F(f, test)								\
	static void f##_##test(struct __test_metadata *_metadata,		\
			       FIXTURE_DATA(f) *self);				\
	static void __run_##f##_##test(struct __test_metadata *_metadata)	\
	{									\
		FIXTURE_DATA(f) self;						\
										\
		memset(&self, 0, sizeof(self));					\
		f##_setup(_metadata, &self);					\
		if (_metadata->passed)						\
			f##_##test(_metadata, &self);				\
		f##_teardown(_metadata, &self);					\
	}									\
	static struct __test_metadata __test_##f##_##test = {			\
		.name = #f "." #test, .fn = __run_##f##_##test,			\
		.line = __LINE__,						\
	};									\
	static void __attribute__((constructor)) __register_##f##_##test(void)	\
	{									\
		__register_test(&__test_##f##_##test);				\
	}									\
	static void f##_##test(struct __test_metadata *_metadata,		\
			       FIXTURE_DATA(f) *self TH_UNUSED)

#define TH_LOG(...)	tap_diag(__VA_ARGS__)

/* One comparison: on failure, say where and both values, and mark the test failed. */
#define __EXPECT(expected, seen, op, is_assert) do {				\
	long long __exp = (long long)(expected), __seen = (long long)(seen);	\
	if (!(__exp op __seen)) {						\
		tap_diag("%s:%d: expected %s (%lld) %s %s (%lld)", __FILE__,	\
			 __LINE__, #expected, __exp, #op, #seen, __seen);	\
		_metadata->passed = 0;						\
		if (is_assert)							\
			return;							\
	}									\
} while (0)

#define EXPECT_EQ(expected, seen)	__EXPECT(expected, seen, ==, 0)
#define ASSERT_EQ(expected, seen)	__EXPECT(expected, seen, ==, 1)
#define ASSERT_NE(expected, seen)	__EXPECT(expected, seen, !=, 1)
#define ASSERT_LE(expected, seen)	__EXPECT(expected, seen, <=, 1)
#define ASSERT_GT(expected, seen)	__EXPECT(expected, seen, >, 1)

#define EXPECT_STREQ(expected, seen) do {					\
	const char *__exp = (expected), *__seen = (seen);			\
	if (strcmp(__exp, __seen)) {						\
		tap_diag("%s:%d: expected %s \"%s\", got \"%s\"", __FILE__,	\
			 __LINE__, #seen, __exp, __seen);			\
		_metadata->passed = 0;						\
	}									\
} while (0)

static inline int test_harness_run(void)
{
	struct __test_metadata *t;
	int n = 0;

	for (t = __tests; t; t = t->next)
		n++;
	tap_plan(n);
	for (t = __tests; t; t = t->next) {
		t->passed = 1;
		t->fn(t);
		tap_check(t->passed, "%s", t->name);
	}
	return tap_finish();
}

#define TEST_HARNESS_MAIN			\
	int main(void)				\
	{					\
		return test_harness_run();	\
	}

#endif /* TCELAB_HARNESS_H */
