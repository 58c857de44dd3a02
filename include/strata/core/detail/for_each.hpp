// STRATA_DETAIL_FOR_EACH(m, c, a1, a2, ...) expands to m(c, a1) m(c, a2) ... (up to 16 arguments).
// Used by the one-line declarations STRATA_SERIALIZABLE and STRATA_CONFIG_FIELDS.
#pragma once

#define STRATA_DETAIL_EXPAND(x) x
#define STRATA_DETAIL_FE_1(m, c, a) m(c, a)
#define STRATA_DETAIL_FE_2(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_1(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_3(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_2(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_4(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_3(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_5(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_4(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_6(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_5(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_7(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_6(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_8(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_7(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_9(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_8(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_10(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_9(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_11(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_10(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_12(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_11(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_13(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_12(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_14(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_13(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_15(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_14(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_16(m, c, a, ...) m(c, a) STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_15(m, c, __VA_ARGS__))
#define STRATA_DETAIL_FE_COUNT(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, N, ...) N
#define STRATA_DETAIL_FE_CAT(a, b) a##b
#define STRATA_DETAIL_FE_SELECT(n) STRATA_DETAIL_FE_CAT(STRATA_DETAIL_FE_, n)
// m(c, a1) m(c, a2) ... for up to 16 arguments.
#define STRATA_DETAIL_FOR_EACH(m, c, ...)       \
  STRATA_DETAIL_EXPAND(STRATA_DETAIL_FE_SELECT( \
      STRATA_DETAIL_FE_COUNT(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1))(m, c, __VA_ARGS__))
