"""Standard normal distribution and argument checks shared by the stats modules.

Import these through :mod:`otel_measure.calculators.stats`.
"""

from __future__ import annotations

import math

__all__ = ["check_real", "norm_cdf", "norm_pdf", "norm_ppf", "norm_sf"]

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# Wichura (1988), algorithm AS 241 (PPND16): rational approximations of the normal quantile,
# accurate to about 1e-16; three regions: central, intermediate tail, far tail.
_A = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_B = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_C = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_D = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_E = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not a real number or is NaN."""
    bad = isinstance(value, (bool, str, bytes)) or value is None
    v = math.nan
    if not bad:
        try:
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            bad = True
    if bad:
        raise ValueError(f"{name}={value!r} is not allowed; expected a real number")
    if math.isnan(v):
        raise ValueError(f"{name}={value!r} is not allowed; expected a number, not NaN")
    return v


def _poly(coefs: tuple[float, ...], x: float) -> float:
    acc = 0.0
    for c in reversed(coefs):
        acc = acc * x + c
    return acc


def norm_pdf(x: float) -> float:
    """Standard normal density."""
    xv = check_real("x", x)
    return _INV_SQRT_2PI * math.exp(-0.5 * xv * xv)


def norm_cdf(x: float) -> float:
    """Standard normal CDF, accurate in both tails (erfc avoids cancellation)."""
    xv = check_real("x", x)
    return 0.5 * math.erfc(-xv * _SQRT1_2)


def norm_sf(x: float) -> float:
    """Standard normal survival function 1 - CDF, accurate in the upper tail."""
    xv = check_real("x", x)
    return 0.5 * math.erfc(xv * _SQRT1_2)


def _ppf_lower(p: float) -> float:
    """Return the normal quantile for 0 < p <= 0.5 (AS 241, then one Newton step)."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        x = q * _poly(_A, r) / _poly(_B, r)
    else:
        r = math.sqrt(-math.log(p))
        if r <= 5.0:
            r -= 1.6
            x = -_poly(_C, r) / _poly(_D, r)
        else:
            r -= 5.0
            x = -_poly(_E, r) / _poly(_F, r)
    # One Newton step on the CDF cleans up the last ulps where the density is representable.
    density = _INV_SQRT_2PI * math.exp(-0.5 * x * x)
    if density > 1e-290:
        x -= (0.5 * math.erfc(-x * _SQRT1_2) - p) / density
    return x


def norm_ppf(p: float) -> float:
    """Standard normal quantile (inverse CDF); p = 0 or 1 give -inf or inf."""
    pv = check_real("p", p)
    if not 0.0 <= pv <= 1.0:
        raise ValueError(f"p={p!r} is not allowed; expected 0 <= p <= 1")
    if pv == 0.0:
        return -math.inf
    if pv == 1.0:
        return math.inf
    if pv <= 0.5:
        return _ppf_lower(pv)
    # 1 - p is exact for p >= 0.5, so symmetry loses nothing.
    return -_ppf_lower(1.0 - pv)
