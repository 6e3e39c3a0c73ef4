// Scalar special functions in double precision for the unary kernels (float32 inputs are
// computed in double and rounded): digamma, Hurwitz zeta / polygamma, erfinv, ndtri,
// log_ndtr, modified Bessel I0 / I1 (and exponentially scaled forms). Poles and domain
// errors follow PyTorch: digamma(0) = -inf, digamma(negative integer) = NaN.
#pragma once
#include <cstdint>

namespace ember::cpu::special {

double digamma(double x);
// Hurwitz zeta(s, q) = sum_k (k + q)^-s for s > 1 (Euler-Maclaurin summation).
double zeta(double s, double q);
// polygamma(n, x) for integer n >= 0 (n = 0 is digamma).
double polygamma(int64_t n, double x);
double erfinv(double y);
double ndtri(double p);     // inverse of the standard normal CDF
double log_ndtr(double x);  // log of the standard normal CDF, accurate in both tails
double i0(double x);
double i0e(double x);  // exp(-|x|) i0(x)
double i1(double x);
double i1e(double x);  // exp(-|x|) i1(x)
double sinc(double x);  // sin(pi x) / (pi x), 1 at 0

}  // namespace ember::cpu::special
