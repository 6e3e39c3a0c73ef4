// Scalar special functions (see special_math.h). Methods: digamma by recurrence to x >= 10
// and the asymptotic series; zeta by Euler-Maclaurin summation; erfinv / ndtri from a
// rational first guess polished by Newton / Halley steps on erf / erfc; Bessel I0 / I1 by
// their power series for |x| <= 30 and the Hankel asymptotic expansion beyond.
#include "ember/cpu/special_math.h"

#include <cmath>
#include <limits>

namespace ember::cpu::special {

namespace {

constexpr double kPi = 3.14159265358979323846264338327950288;
constexpr double kSqrt2 = 1.41421356237309504880168872420969808;
constexpr double kSqrt2Pi = 2.50662827463100050241576528481104525;
constexpr double kEps = 1.1102230246251565e-16;
const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// A first guess of ndtri (relative error about 1e-9): rational approximations in the
// central region and in the tails (P. J. Acklam's coefficients).
double ndtri_guess(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  };
  constexpr double plow = 0.02425;
  if (p < plow) return tail(std::sqrt(-2.0 * std::log(p)));
  if (p > 1.0 - plow) return -tail(std::sqrt(-2.0 * std::log1p(-p)));
  double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

// Power series of I_nu(a), nu = 0 or 1, a >= 0.
double bessel_series(int nu, double a) {
  const double z = 0.25 * a * a;
  double term = nu == 0 ? 1.0 : 0.5 * a, sum = term;
  for (int k = 1; k < 500; ++k) {
    term *= z / (double(k) * double(k + nu));
    sum += term;
    if (term < kEps * 0.1 * sum) break;
  }
  return sum;
}

// exp(-a) I_nu(a) for large a by the Hankel expansion: mu = 4 nu^2,
// term_k = term_{k-1} * -(mu - (2k - 1)^2) / (8 k a).
double bessel_scaled_asymptotic(int nu, double a) {
  const double mu = 4.0 * nu * nu;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 200; ++k) {
    const double odd = 2.0 * k - 1.0;
    double next = term * -(mu - odd * odd) / (8.0 * k * a);
    if (std::fabs(next) >= std::fabs(term)) break;  // the asymptotic series starts diverging
    term = next;
    sum += term;
    if (std::fabs(term) < kEps * 0.1 * std::fabs(sum)) break;
  }
  return sum / std::sqrt(2.0 * kPi * a);
}

constexpr double kBesselSwitch = 30.0;

}  // namespace

double digamma(double x) {
  if (x == 0) return std::copysign(kInf, -x);  // PyTorch: digamma(+-0) = -+inf
  if (x < 0) {
    if (x == std::trunc(x)) return kNaN;
    // Reflection psi(1 - x) - pi / tan(pi x), with the fractional part keeping tan accurate.
    double whole;
    const double frac = std::modf(x, &whole);
    return digamma(1.0 - x) - kPi / std::tan(kPi * frac);
  }
  double result = 0.0;
  while (x < 10.0) {
    result -= 1.0 / x;
    x += 1.0;
  }
  if (std::isinf(x)) return x;
  // ln x - 1/(2x) - sum B_2k / (2k x^2k), Bernoulli numbers B_2 .. B_16.
  const double y = 1.0 / (x * x);
  const double series =
      y * (1.0 / 12 -
           y * (1.0 / 120 -
                y * (1.0 / 252 -
                     y * (1.0 / 240 -
                          y * (1.0 / 132 -
                               y * (691.0 / 32760 - y * (1.0 / 12 - y * (3617.0 / 8160))))))));
  return result + std::log(x) - 0.5 / x - series;
}

double zeta(double s, double q) {
  if (s == 1.0) return kInf;
  if (s < 1.0 || std::isnan(s) || std::isnan(q)) return kNaN;
  if (q <= 0.0) {
    if (q == std::floor(q)) return kInf;          // a pole of the sum
    if (s != std::floor(s)) return kNaN;          // (k + q)^-s is complex for k + q < 0
  }
  // (2k)! / B_2k, k = 1 .. 12: the Euler-Maclaurin correction terms.
  static const double A[] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0,
                             -1.8924375803183791606e9, 7.47242496e10, -2.950130727918164224e12,
                             1.1646782814350067249e14, -4.5979787224074726105e15,
                             1.8152105401943546773e17, -7.1661652561756670113e18};
  double sum = std::pow(q, -s), a = q, b = 0.0;
  int i = 0;
  while (i < 9 || a <= 9.0) {
    ++i;
    a += 1.0;
    b = std::pow(a, -s);
    sum += b;
    if (std::fabs(b / sum) < kEps) return sum;
  }
  const double w = a;
  sum += b * w / (s - 1.0) - 0.5 * b;
  double fac = 1.0, k = 0.0;
  for (double ak : A) {
    fac *= s + k;
    b /= w;
    const double t = fac * b / ak;
    sum += t;
    if (std::fabs(t / sum) < kEps) break;
    k += 1.0;
    fac *= s + k;
    b /= w;
    k += 1.0;
  }
  return sum;
}

double polygamma(int64_t n, double x) {
  if (n == 0) return digamma(x);
  // (-1)^(n+1) n! zeta(n + 1, x)
  const double nd = static_cast<double>(n);
  const double sign = (n % 2 == 1) ? 1.0 : -1.0;
  return sign * std::exp(std::lgamma(nd + 1.0)) * zeta(nd + 1.0, x);
}

double erfinv(double y) {
  if (std::isnan(y) || y < -1.0 || y > 1.0) return kNaN;
  if (y == 0.0) return y;
  if (y == 1.0 || y == -1.0) return std::copysign(kInf, y);
  const double a = std::fabs(y);
  // 1 - a is exact for a > 0.5, so the upper guess comes from the lower tail.
  double x = a > 0.5 ? ndtri_guess(0.5 * (1.0 - a)) / -kSqrt2 : ndtri_guess(0.5 * (1.0 + a)) / kSqrt2;
  constexpr double kTwoOverSqrtPi = 1.12837916709551257389615890312154517;
  for (int it = 0; it < 4; ++it) {
    // erf(x) - a, written through erfc where a is near 1 so the difference keeps its digits.
    const double f = a < 0.5 ? std::erf(x) - a : (1.0 - a) - std::erfc(x);
    const double df = kTwoOverSqrtPi * std::exp(-x * x);
    if (df == 0.0) break;
    const double step = f / df;
    x -= step;
    if (std::fabs(step) <= kEps * std::fabs(x)) break;
  }
  return std::copysign(x, y);
}

double ndtri(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return kNaN;
  if (p == 0.0) return -kInf;
  if (p == 1.0) return kInf;
  // 2p - 1 is exact for p >= 0.25, and erfinv keeps relative precision near p = 0.5,
  // where Phi(x) - p below would cancel.
  if (p >= 0.25) return kSqrt2 * erfinv(2.0 * p - 1.0);
  double x = ndtri_guess(p);
  for (int it = 0; it < 3; ++it) {
    // Phi(x) - p through erfc (relative precision in the lower tail); then a Halley step.
    const double e = 0.5 * std::erfc(-x / kSqrt2) - p;
    const double u = e * kSqrt2Pi * std::exp(0.5 * x * x);
    if (!std::isfinite(u)) break;
    const double step = u / (1.0 + 0.5 * x * u);
    x -= step;
    if (std::fabs(step) <= kEps * std::fabs(x)) break;
  }
  return x;
}

double log_ndtr(double x) {
  if (x > 0.0) return std::log1p(-0.5 * std::erfc(x / kSqrt2));
  if (x >= -20.0) return std::log(0.5 * std::erfc(-x / kSqrt2));
  if (std::isnan(x)) return x;
  // Far left tail: Phi(x) = phi(x) / (-x) * (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...).
  const double z = 1.0 / (x * x);
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 30; ++k) {
    term *= -(2.0 * k - 1.0) * z;
    sum += term;
    if (std::fabs(term) < kEps * 0.1) break;
  }
  return -0.5 * x * x - std::log(-x) - 0.5 * std::log(2.0 * kPi) + std::log(sum);
}

double i0e(double x) {
  const double a = std::fabs(x);
  if (std::isinf(a)) return 0.0;
  if (a <= kBesselSwitch) return bessel_series(0, a) * std::exp(-a);
  return bessel_scaled_asymptotic(0, a);
}

double i0(double x) {
  const double a = std::fabs(x);
  if (a <= kBesselSwitch) return bessel_series(0, a);
  if (std::isinf(a)) return kInf;
  return bessel_scaled_asymptotic(0, a) * std::exp(a);
}

double i1e(double x) {
  const double a = std::fabs(x);
  if (std::isinf(a)) return std::copysign(0.0, x);
  double r = a <= kBesselSwitch ? bessel_series(1, a) * std::exp(-a) : bessel_scaled_asymptotic(1, a);
  return std::copysign(r, x);
}

double i1(double x) {
  const double a = std::fabs(x);
  if (std::isinf(a)) return x;
  double r = a <= kBesselSwitch ? bessel_series(1, a) : bessel_scaled_asymptotic(1, a) * std::exp(a);
  return std::copysign(r, x);
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  const double y = kPi * x;
  return std::sin(y) / y;
}

}  // namespace ember::cpu::special
