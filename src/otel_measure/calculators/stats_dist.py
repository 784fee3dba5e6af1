"""Chi-square and Student t distributions from regularised incomplete gamma and beta.

Continued fractions use the modified Lentz method; the log prefactors avoid the cancellation
between large ``lgamma`` values by using Stirling's series for large shape parameters.
Import these through :mod:`otel_measure.calculators.stats`.
"""

from __future__ import annotations

import math

from otel_measure.calculators.stats_normal import check_real, norm_cdf, norm_ppf, norm_sf

__all__ = [
    "chi2_cdf",
    "chi2_sf",
    "gamma_p",
    "gamma_q",
    "log_beta",
    "t_cdf",
    "t_ppf",
    "t_sf",
]

_EPS = 2.220446049250313e-16
_TINY = 1e-300
_MAX_ITER = 1_000_000
_LARGE_A = 1e4
_LOG_2PI = math.log(2.0 * math.pi)
# Bernoulli-based coefficients of Stirling's series for lgamma: B_2k / (2k (2k-1)).
_STIRLING = (
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360360.0,
    1.0 / 156.0,
    -3617.0 / 122400.0,
)


def _stirling_corr(x: float) -> float:
    """Return lgamma(x) - ((x - 0.5) log x - x + log(2 pi) / 2), for x >= 10."""
    inv = 1.0 / x
    inv2 = inv * inv
    acc = 0.0
    for coef in reversed(_STIRLING):
        acc = acc * inv2 + coef
    return acc * inv


def log_beta(a: float, b: float) -> float:
    """Return log B(a, b) for a, b > 0 without cancelling large lgamma terms."""
    small, big = (a, b) if a <= b else (b, a)
    if big < 10.0:
        return math.lgamma(small) + math.lgamma(big) - math.lgamma(small + big)
    total = small + big
    # lgamma(big) - lgamma(total) written so that the huge n*log(n) parts cancel exactly.
    diff = (
        -(big - 0.5) * math.log1p(small / big)
        - small * math.log(total)
        + small
        + _stirling_corr(big)
        - _stirling_corr(total)
    )
    if small < 10.0:
        return math.lgamma(small) + diff
    return (small - 0.5) * math.log(small) - small + 0.5 * _LOG_2PI + _stirling_corr(small) + diff


def _log_gamma_prefix(a: float, x: float) -> float:
    """Return log(x**a * exp(-x) / Gamma(a))."""
    if a < 10.0:
        return a * math.log(x) - x - math.lgamma(a)
    ratio = x / a
    if 0.5 < ratio < 2.0:
        d = (x - a) / a
        core = a * (math.log1p(d) - d)
    else:
        core = a * math.log(ratio) + (a - x)
    return core + 0.5 * math.log(a / (2.0 * math.pi)) - _stirling_corr(a)


def _gamma_series(a: float, x: float) -> float:
    """Return sum_n x**n / (a (a+1) ... (a+n)) (converges fast for x < a + 1)."""
    term = 1.0 / a
    total = term
    denom = a
    for _ in range(_MAX_ITER):  # pragma: no branch - converges long before _MAX_ITER
        denom += 1.0
        term *= x / denom
        total += term
        if term < total * _EPS:
            break
    return total


def _gamma_cf(a: float, x: float) -> float:
    """Return the continued fraction of Gamma(a, x) e^x x^-a (for x >= a + 1), by Lentz."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):  # pragma: no branch - converges long before _MAX_ITER
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:  # pragma: no cover - Lentz zero-divisor guard, hit by no tested shape
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:  # pragma: no cover - Lentz zero-divisor guard, hit by no tested shape
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _gamma_pq(a: float, x: float) -> tuple[float, float]:
    """Return (P(a, x), Q(a, x)), the regularised lower and upper incomplete gamma."""
    if x <= 0.0:
        return 0.0, 1.0
    if math.isinf(x):
        return 1.0, 0.0
    log_prefix = _log_gamma_prefix(a, x)
    if x < a + 1.0:
        p = math.exp(log_prefix + math.log(_gamma_series(a, x)))
        p = min(p, 1.0)
        return p, 1.0 - p
    q = math.exp(log_prefix + math.log(_gamma_cf(a, x)))
    q = min(q, 1.0)
    return 1.0 - q, q


def _check_shape(name: str, value: object, *, allow_inf: bool = False) -> float:
    v = check_real(name, value)
    if not v > 0.0 or (math.isinf(v) and not allow_inf):
        allowed = "a positive number" + ("" if not allow_inf else " or inf")
        raise ValueError(f"{name}={value!r} is not allowed; expected {allowed}")
    return v


def _gamma_args(a: float, x: float) -> tuple[float, float]:
    av = _check_shape("a", a)
    xv = check_real("x", x)
    if xv < 0.0:
        raise ValueError(f"x={x!r} is not allowed; expected x >= 0")
    return av, xv


def gamma_p(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) (scipy.special.gammainc)."""
    return _gamma_pq(*_gamma_args(a, x))[0]


def gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (scipy.special.gammaincc)."""
    return _gamma_pq(*_gamma_args(a, x))[1]


def chi2_cdf(x: float, df: float) -> float:
    """Chi-square CDF with ``df`` > 0 degrees of freedom (non-integer allowed)."""
    k = _check_shape("df", df)
    xv = check_real("x", x)
    return _gamma_pq(0.5 * k, 0.5 * xv)[0] if xv > 0.0 else 0.0


def chi2_sf(x: float, df: float) -> float:
    """Chi-square survival function (upper tail p-value) with ``df`` > 0."""
    k = _check_shape("df", df)
    xv = check_real("x", x)
    return _gamma_pq(0.5 * k, 0.5 * xv)[1] if xv > 0.0 else 1.0


def _beta_cf(a: float, b: float, x: float) -> float:
    """Return the continued fraction of I_x(a, b), by Lentz (for x < (a+1)/(a+b+2))."""
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:  # pragma: no cover - Lentz zero-divisor guard, hit by no tested shape
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITER):  # pragma: no branch - converges long before _MAX_ITER
        m2 = 2.0 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:  # pragma: no cover - Lentz zero-divisor guard, hit by no tested shape
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:  # pragma: no cover - Lentz zero-divisor guard, hit by no tested shape
            c = _TINY
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:  # pragma: no cover - Lentz zero-divisor guard, hit by no tested shape
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:  # pragma: no cover - Lentz zero-divisor guard, hit by no tested shape
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _beta_inc(a: float, b: float, log_x: float, log_y: float) -> tuple[float, float]:
    """Return (I_x(a, b), 1 - I_x(a, b)) given log x and log y = log(1 - x)."""
    x = math.exp(log_x)
    y = math.exp(log_y)
    if log_y == -math.inf:  # pragma: no cover - callers handle t = inf before
        return 1.0, 0.0
    if log_x == -math.inf:  # pragma: no cover - callers handle t = 0 and t = inf before
        return 0.0, 1.0
    log_front = a * log_x + b * log_y - log_beta(a, b)
    use_lower_cf = y > (b + 1.0) / (a + b + 2.0)
    if use_lower_cf and a >= _LARGE_A and -log_x < 0.5:
        # For x near 1 and large a the continued fraction cancels badly: use the expansion.
        lower = min(_beta_large_a(a, b, -log_x), 1.0)
        return lower, 1.0 - lower
    if use_lower_cf:
        lower = math.exp(log_front + math.log(_beta_cf(a, b, x)) - math.log(a))
        lower = min(lower, 1.0)
        return lower, 1.0 - lower
    upper = math.exp(log_front + math.log(_beta_cf(b, a, y)) - math.log(b))
    upper = min(upper, 1.0)
    return 1.0 - upper, upper


def _beta_large_a(a: float, b: float, xi: float) -> float:
    """Return I_x(a, b) for large a and x = exp(-xi) near 1.

    With s = exp(-w), B(a, b) I_x = int_xi^inf e^(-a w) w^(b-1) f(w) dw where
    f(w) = ((1 - e^(-w)) / w)^(b-1) = sum c_k w^k, so
    I_x = sum_k c_k Gamma(b+k) Q(b+k, a xi) a^-(b+k) / B(a, b), an expansion in 1/a.
    """
    # g(w) = (1 - e^-w) / w = sum g_j w^j; c = g^(b-1) by the J.C.P. Miller power recurrence.
    beta = b - 1.0
    g = [1.0]
    coeffs = [1.0]
    z = a * xi
    log_scale = -log_beta(a, b) - b * math.log(a)
    total = 0.0
    inv_a_pow = 1.0
    for k in range(40):  # pragma: no branch - the 1/a expansion converges in < 40 terms
        if k > 0:
            g.append(-g[-1] / (k + 1))
            coeffs.append(
                math.fsum(((beta + 1.0) * j - k) * g[j] * coeffs[k - j] for j in range(1, k + 1))
                / k
            )
        log_gamma_bk = math.lgamma(b + k)
        term = coeffs[k] * math.exp(log_gamma_bk + log_scale) * _gamma_pq(b + k, z)[1]
        term *= inv_a_pow
        total += term
        if k > 2 and abs(term) <= 1e-17 * abs(total):
            break
        inv_a_pow /= a
    return total


def _t_halves(log_t: float, df: float) -> tuple[float, float]:
    """Return (P(T > t), P(0 < T < t)) for t = exp(log_t) > 0, each with full precision."""
    # x = df / (df + t^2) and y = t^2 / (df + t^2), kept in logs to survive t^2 overflow.
    log_ratio = 2.0 * log_t - math.log(df)  # log(t^2 / df)
    if log_ratio >= 0.0:
        log_y = -math.log1p(math.exp(-log_ratio))
        log_x = -log_ratio + log_y
    else:
        log_x = -math.log1p(math.exp(log_ratio)) if log_ratio > -800.0 else 0.0
        log_y = log_ratio + log_x
    lower, upper = _beta_inc(0.5 * df, 0.5, log_x, log_y)
    return 0.5 * lower, 0.5 * upper


def _t_tail(t: float, df: float) -> float:
    """Return P(T > t) for t >= 0."""
    if t == 0.0:
        return 0.5
    if math.isinf(t):
        return 0.0
    return _t_halves(math.log(t), df)[0]


def _check_df_t(df: object) -> float:
    return _check_shape("df", df, allow_inf=True)


def t_sf(x: float, df: float) -> float:
    """Student t survival function P(T > x) with ``df`` > 0 (float, e.g. Welch df)."""
    k = _check_df_t(df)
    xv = check_real("x", x)
    if math.isinf(k):
        return norm_sf(xv)
    return _t_tail(xv, k) if xv >= 0.0 else 1.0 - _t_tail(-xv, k)


def t_cdf(x: float, df: float) -> float:
    """Student t CDF P(T <= x) with ``df`` > 0."""
    k = _check_df_t(df)
    xv = check_real("x", x)
    if math.isinf(k):
        return norm_cdf(xv)
    return _t_tail(-xv, k) if xv <= 0.0 else 1.0 - _t_tail(xv, k)


def _log_t_pdf(log_t: float, df: float) -> float:
    log_ratio = 2.0 * log_t - math.log(df)
    if log_ratio > 0.0:
        log1p_ratio = log_ratio + math.log1p(math.exp(-log_ratio))
    else:
        log1p_ratio = math.log1p(math.exp(log_ratio))
    return -0.5 * (df + 1.0) * log1p_ratio - 0.5 * math.log(df) - log_beta(0.5 * df, 0.5)


def _t_isf_upper(q: float, df: float) -> float:
    """Return t > 0 with P(T > t) = q, for 0 < q < 0.5."""
    if df == 1.0:
        return 1.0 / math.tan(math.pi * q)
    if df == 2.0:
        return (1.0 - 2.0 * q) / math.sqrt(2.0 * q * (1.0 - q))
    # Near the centre solve P(0 < T < t) = 0.5 - q instead, which keeps relative precision.
    central = q > 0.25
    target = math.log(0.5 - q) if central else math.log(q)
    z = -norm_ppf(q)
    log_guesses = [math.log(z + (z**3 + z) / (4.0 * df))]
    # Tail asymptote P(T > t) ~ C t^-df, good for small q or small df.
    log_c = 0.5 * (df - 1.0) * math.log(df) - log_beta(0.5 * df, 0.5)
    log_guesses.append((log_c - math.log(q)) / df)

    def residual(u: float) -> tuple[float, float]:
        tail, centre = _t_halves(u, df)
        part = centre if central else tail
        if part <= 0.0:
            return (-math.inf if not central else math.inf), 0.0
        # d log(part) / du = +-t * pdf(t) / part.
        slope = math.exp(u + _log_t_pdf(u, df)) / part
        return math.log(part) - target, (slope if central else -slope)

    u = min(log_guesses, key=lambda g: abs(residual(g)[0]))
    # Newton in u = log t, kept inside a bisection bracket; the residual is monotone in u.
    lo, hi = -800.0, 2000.0
    for _ in range(300):  # pragma: no branch - the bracket shrinks to 2 ulp long before
        f, slope = residual(u)
        if (f > 0.0) != central:
            lo = u
        else:
            hi = u
        new_u = u - f / slope if slope != 0.0 and math.isfinite(f) else math.nan
        if not lo < new_u < hi:
            new_u = 0.5 * (lo + hi)
        done = abs(new_u - u) <= 2.0 * _EPS * max(1.0, abs(u))
        u = new_u
        if done or hi - lo <= 2.0 * _EPS * max(1.0, abs(u)):
            break
    return math.exp(u) if u < 709.78 else math.inf


def t_ppf(p: float, df: float) -> float:
    """Student t quantile (inverse CDF); p = 0 or 1 give -inf or inf."""
    k = _check_df_t(df)
    pv = check_real("p", p)
    if not 0.0 <= pv <= 1.0:
        raise ValueError(f"p={p!r} is not allowed; expected 0 <= p <= 1")
    if math.isinf(k):
        return norm_ppf(pv)
    if pv == 0.0:
        return -math.inf
    if pv == 1.0:
        return math.inf
    if pv == 0.5:
        return 0.0
    if pv < 0.5:
        return -_t_isf_upper(pv, k)
    return _t_isf_upper(1.0 - pv, k)
