"""ember.special: torch.special's common functions with its names and arguments.

Most are the top-level ops under their torch.special names (expit is sigmoid, gammaln is
lgamma, psi is digamma); ndtr, ndtri, log_ndtr, i0e, i1, i1e, xlog1py, entr and
multigammaln are implemented in C++ (ember._C.special) and have gradients like PyTorch's.
"""
from . import _C
from ._C import special as _special

ndtr = _special.ndtr
ndtri = _special.ndtri
log_ndtr = _special.log_ndtr
i0e = _special.i0e
i1 = _special.i1
i1e = _special.i1e
xlog1py = _special.xlog1py
entr = _special.entr
multigammaln = _special.multigammaln

expit = _C.sigmoid
logit = _C.logit
erf = _C.erf
erfc = _C.erfc
erfinv = _C.erfinv
gammaln = _C.lgamma
digamma = _C.digamma
psi = _C.digamma
polygamma = _C.polygamma
xlogy = _C.xlogy
sinc = _C.sinc
i0 = _C.i0
exp2 = _C.exp2
expm1 = _C.expm1
log1p = _C.log1p
round = _C.round  # noqa: A001 - torch.special.round


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over dim, computed stably."""
    return _C.logsumexp(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    """Softmax along dim (computed in dtype when given)."""
    return _C.softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    """log(softmax(input)) along dim (computed in dtype when given)."""
    return _C.log_softmax(input, dim, dtype)


__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "ndtr", "ndtri", "log_ndtr", "gammaln",
           "digamma", "psi", "polygamma", "multigammaln", "xlogy", "xlog1py", "entr", "sinc",
           "i0", "i0e", "i1", "i1e", "exp2", "expm1", "log1p", "logsumexp", "softmax",
           "log_softmax", "round"]
