"""Kolmogorov-Smirnov distributions: limiting (Kolmogorov), one-sided (Smirnov), exact two-sided.

``kstwo_sf`` follows the method choice of Simard and L'Ecuyer (2011), as scipy does, so that
the approximate regions (Pelz-Good) agree with ``scipy.stats.kstwo.sf``; the exact regions use
the Durbin matrix in the Marsaglia-Tsang-Wang form. Import these through
:mod:`otel_measure.calculators.stats`.
"""

from __future__ import annotations

import math
from operator import mul

from otel_measure.calculators.stats_normal import check_real

__all__ = ["kolmogorov_sf", "kstwo_sf", "smirnov_sf"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_PI2 = math.pi**2
_MIN_LOG = -708.3964185322641
_SCALE_EXP = 128
_SCALE = 2.0**_SCALE_EXP


def kolmogorov_sf(x: float) -> float:
    """Limiting two-sided KS survival function P(sqrt(n) D_n > x) (scipy.special.kolmogorov)."""
    xv = check_real("x", x)
    # Below this the theta series underflows: the CDF is 0 to double precision.
    if xv <= math.pi / math.sqrt(8.0 * 746.0):
        return 1.0
    if xv <= 0.82:
        # Jacobi-theta form of the CDF converges fast for small x.
        w = _SQRT_2PI / xv
        log_u8 = -_PI2 / (xv * xv)
        u = math.exp(log_u8 / 8.0)
        if u == 0.0:
            cdf = math.exp(log_u8 / 8.0 + math.log(w))
        else:
            u8 = math.exp(log_u8)
            cdf = w * u * (1.0 + u8 * (1.0 + u8 * u8 * (1.0 + u8**3)))
        return min(max(1.0 - cdf, 0.0), 1.0)
    # Alternating series 2 sum (-1)^(k-1) exp(-2 k^2 x^2); four terms reach double precision.
    v = math.exp(-2.0 * xv * xv)
    v3 = v**3
    acc = 1.0 - v3 * v3 * v
    acc = 1.0 - v3 * v * v * acc
    acc = 1.0 - v3 * acc
    return min(max(2.0 * v * acc, 0.0), 1.0)


def _smirnov_sf(n: int, x: float) -> float:
    """Return P(D_n^+ >= x), exact by the Birnbaum-Tingey sum (approximate for n > 1e6)."""
    if x <= 0.0:
        return 1.0
    if x >= 1.0:
        return 0.0
    if n == 1:
        return 1.0 - x
    nx = n * x
    if nx <= 1.0:
        return 1.0 - x * (1.0 + x) ** (n - 1)
    if -2.0 * n * x * x < _MIN_LOG:
        return 0.0
    if nx >= n - 1:
        return (1.0 - x) ** n
    if n > 1_000_000:
        # Closed-form approximation used by scipy beyond this size.
        log_p = -((6.0 * nx + 1.0) ** 2) / 18.0 / n
        return math.exp(log_p) if log_p < -math.log(2.0) else 1.0 + math.expm1(log_p)
    # x * sum_v C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v); all terms are positive. Each
    # log term is written with Stirling's formula so that the O(n log n) parts cancel
    # analytically and only O(n x) sized pieces are rounded.
    log_n = math.log(n)
    corr_n = _log_fact_corr(n)
    peak = n * math.log1p(-x) - math.log(x)
    total = math.exp(peak)
    v = 1
    while v < n:  # pragma: no branch - nx < n - 1, so rest - nx <= 0 stops it first
        rest = n - v
        if rest - nx <= 0.0:
            break
        log_term = (
            rest * math.log1p(-nx / rest)
            + v * math.log1p(nx / v)
            - math.log(nx + v)
            + log_n
            + 0.5 * (log_n - math.log(v) - math.log(rest))
            - _HALF_LOG_2PI
            + corr_n
            - _log_fact_corr(v)
            - _log_fact_corr(rest)
        )
        peak = max(peak, log_term)
        term = math.exp(log_term)
        total += term
        if log_term < peak - 40.0 and term < 1e-17 * total:
            break
        v += 1
    return min(max(x * total, 0.0), 1.0)


def _log_fact_corr(k: int) -> float:
    """Return log(k!) - (k log k - k + log(2 pi k) / 2), Stirling's remainder, for k >= 1."""
    if k < 16:
        return _SMALL_CORR[k]
    inv = 1.0 / k
    inv2 = inv * inv
    return inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)))


_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_SMALL_CORR = [0.0] + [
    math.lgamma(k + 1.0) - (k * math.log(k) - k + 0.5 * math.log(2.0 * math.pi * k))
    for k in range(1, 16)
]


def smirnov_sf(n: int, x: float) -> float:
    """One-sided KS survival function P(D_n^+ >= x) (scipy.special.smirnov)."""
    nv = _check_n(n)
    xv = check_real("x", x)
    return _smirnov_sf(nv, xv)


def _matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    cols = list(zip(*b, strict=True))
    return [[sum(map(mul, row, col)) for col in cols] for row in a]


def _rescale(mat: list[list[float]]) -> tuple[list[list[float]], int]:
    """Divide by a power of two when the entries get large; return the exponent removed."""
    biggest = max(max(row) for row in mat)
    if biggest <= _SCALE:
        return mat, 0
    expo = math.frexp(biggest)[1]
    return [[math.ldexp(v, -expo) for v in row] for row in mat], expo


def _durbin_cdf(n: int, d: float) -> float:
    """Exact P(D_n < d) by Durbin's matrix, Marsaglia-Tsang-Wang (2003) form."""
    if d >= 1.0:  # pragma: no cover - _kstwo_sf answers x >= 1 itself
        return 1.0
    nd = n * d
    if nd <= 0.5:  # pragma: no cover - _kstwo_sf answers n x <= 1 itself
        return 0.0
    k = math.ceil(nd)
    h = k - nd
    m = 2 * k - 1
    inv_fact = [1.0]
    for j in range(1, m + 1):
        inv_fact.append(inv_fact[-1] / j)
    mat = [[inv_fact[i - j + 1] if i - j + 1 >= 0 else 0.0 for j in range(m)] for i in range(m)]
    for i in range(m):
        mat[i][0] = (1.0 - h ** (i + 1)) * inv_fact[i + 1]
        mat[m - 1][m - 1 - i] = (1.0 - h ** (i + 1)) * inv_fact[i + 1]
    mat[m - 1][0] = (1.0 - 2.0 * h**m + max(0.0, 2.0 * h - 1.0) ** m) * inv_fact[m]
    power: list[list[float]] | None = None
    power_exp = 0
    mat_exp = 0
    e = n
    while e > 0:
        if e & 1:
            if power is None:
                power, power_exp = mat, mat_exp
            else:
                power, shift = _rescale(_matmul(power, mat))
                power_exp += mat_exp + shift
        e >>= 1
        if e:
            mat, shift = _rescale(_matmul(mat, mat))
            mat_exp = 2 * mat_exp + shift
    assert power is not None
    p = power[k - 1][k - 1]
    # Multiply by n! / n^n, rescaling to stay clear of underflow.
    for i in range(1, n + 1):
        p = i * p / n
        if p < 1.0 / _SCALE:
            p *= _SCALE
            power_exp -= _SCALE_EXP
    return min(max(math.ldexp(p, power_exp), 0.0), 1.0)


def _pelz_good_cdf(n: int, x: float) -> float:
    """Pelz-Good (1976) asymptotic approximation of P(D_n <= x)."""
    z = math.sqrt(n) * x
    z2 = z * z
    z4 = z2 * z2
    z6 = z4 * z2
    q_log = -_PI2 / 8.0 / z2
    if q_log < -708.0:
        return 0.0
    q = math.exp(q_log)
    k1a, k1b = -z2, _PI2 / 4.0
    k2a = 6.0 * z6 + 2.0 * z4
    k2b = (2.0 * z4 - 5.0 * z2) * _PI2 / 4.0
    k2c = _PI2 * _PI2 * (1.0 - 2.0 * z2) / 16.0
    k3d = _PI2**3 * (5.0 - 30.0 * z2) / 64.0
    k3c = _PI2 * _PI2 * (-60.0 * z2 + 212.0 * z4) / 16.0
    k3b = _PI2 * (135.0 * z4 - 96.0 * z6) / 4.0
    k3a = -30.0 * z6 - 90.0 * z**8
    sums = [0.0, 0.0, 0.0, 0.0]
    maxk = math.ceil(16.0 * z / math.pi)
    # Sums over odd m = 2k - 1 of c(m) q^(m^2), by Horner in q^(8k).
    for k in range(maxk, 0, -1):
        m2 = (2 * k - 1) ** 2
        m4 = m2 * m2
        m6 = m4 * m2
        q_pow = q ** (8 * k)
        coeffs = (
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        )
        sums = [s * q_pow + c for s, c in zip(sums, coeffs, strict=True)]
    denoms = (z, 6.0 * z4, 72.0 * z**7, 6480.0 * z**10)
    terms = [s * q * _SQRT_2PI / dd for s, dd in zip(sums, denoms, strict=True)]
    q2 = math.exp(-_PI2 / 2.0 / z2)
    k2_extra = 0.0
    k3_extra = 0.0
    sqrt3z = math.sqrt(3.0) * z
    for k in range(maxk, 0, -1):
        kk = k * k
        w = kk * q2**kk
        k2_extra += w
        k3_extra += (sqrt3z + math.pi * k) * (sqrt3z - math.pi * k) * w
    terms[2] += k2_extra * _PI2 * _SQRT_2PI / (-36.0 * z2 * z)
    terms[3] += k3_extra * _PI2 * _SQRT_2PI / (216.0 * z6)
    return math.fsum(t / math.sqrt(n) ** i for i, t in enumerate(terms))


def _log_factorial_ratio(n: int) -> float:
    """Return log(n! / n^n)."""
    return 0.5 * math.log(2.0 * math.pi * n) - n + _log_fact_corr(n)


def _kstwo_sf(n: int, x: float) -> float:
    """P(D_n >= x) for the two-sided one-sample KS statistic."""
    if x >= 1.0:
        return 0.0
    if x <= 0.0:
        return 1.0
    t = n * x
    if t <= 1.0:
        # Ruben-Gambino: P(D_n <= x) = n!/n^n (2t - 1)^n for 1/2n <= x <= 1/n.
        if t <= 0.5:
            return 1.0
        cdf = math.exp(_log_factorial_ratio(n) + n * math.log(2.0 * t - 1.0))
        return min(max(1.0 - cdf, 0.0), 1.0)
    if t >= n - 1:
        return min(max(2.0 * (1.0 - x) ** n, 0.0), 1.0)
    if x >= 0.5:
        # Exact: both one-sided events cannot happen together.
        return min(max(2.0 * _smirnov_sf(n, x), 0.0), 1.0)
    nx2 = t * x
    if n <= 140:
        if nx2 <= 4.0:
            return min(max(1.0 - _durbin_cdf(n, x), 0.0), 1.0)
        return min(max(2.0 * _smirnov_sf(n, x), 0.0), 1.0)
    if nx2 >= 370.0:
        return 0.0
    if nx2 >= 2.2:
        return min(max(2.0 * _smirnov_sf(n, x), 0.0), 1.0)
    small_n = n <= 100_000 and n * x**1.5 <= 1.4
    cdf = _durbin_cdf(n, x) if small_n else _pelz_good_cdf(n, x)
    return min(max(1.0 - cdf, 0.0), 1.0)


def _check_n(n: object) -> int:
    nv = check_real("n", n)
    if not (nv >= 1.0 and math.isfinite(nv) and nv == int(nv)):
        raise ValueError(f"n={n!r} is not allowed; expected a positive integer")
    return int(nv)


def kstwo_sf(d: float, n: int) -> float:
    """Exact-distribution p-value P(D_n >= d) of the two-sided KS statistic (scipy kstwo.sf)."""
    nv = _check_n(n)
    dv = check_real("d", d)
    return _kstwo_sf(nv, dv)
