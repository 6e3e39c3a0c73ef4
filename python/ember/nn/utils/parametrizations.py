"""ember.nn.utils.parametrizations: weight_norm and spectral_norm as parametrizations
(nn.utils.parametrize), with PyTorch's formulas and state_dict keys
(parametrizations.weight.original0 / original1; parametrizations.weight.original and
parametrizations.weight.0._u / _v). Written over ember ops (vector_norm, mv, normalize),
which hold the maths.
"""
from ... import _C
from ..parameter import Parameter  # noqa: F401  (re-exported for torch-style imports)
from . import parametrize


def _no_grad():
    from ... import no_grad
    return no_grad()


def _norm_except_dim(v, dim):
    # PyTorch's norm_except_dim(v, 2, dim): dim == -1 means the norm of the whole tensor.
    if dim == -1:
        return _C.linalg.vector_norm(v)
    dims = [d for d in range(v.dim()) if d != dim]
    if not dims:
        return _C.abs(v)
    return _C.linalg.vector_norm(v, 2.0, dims, True)


class _WeightNorm(_C.nn.Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def __call__(self, weight_g, weight_v):
        return self.forward(weight_g, weight_v)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrizes module.<name> as g * v / ||v|| (norm over every dim but dim; dim=None:
    the whole tensor): original0 = g, original1 = v, as PyTorch."""
    weight = getattr(module, name, None)
    if not isinstance(weight, _C.Tensor):
        raise ValueError(f"[weight_norm] module '{type(module).__name__}' has no parameter or "
                         f"buffer with name '{name}'")
    if dim is not None and not -weight.dim() <= dim < weight.dim():
        raise IndexError(f"[weight_norm] dim {dim} is out of range for a weight of "
                         f"{weight.dim()} dims")
    if dim is not None and dim < -1:
        dim += weight.dim()
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(_C.nn.Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"[spectral_norm] dim {dim} is out of range for a weight of "
                             f"{ndim} dims")
        if n_power_iterations <= 0:
            raise ValueError("[spectral_norm] expected n_power_iterations to be positive, got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = self._reshape_weight_to_matrix(weight)
            h, w = mat.shape
            self.register_buffer("_u", _C.normalize(_C.randn(h, dtype=weight.dtype), 2.0, 0, eps))
            self.register_buffer("_v", _C.normalize(_C.randn(w, dtype=weight.dtype), 2.0, 0, eps))
            self._power_method(mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, mat, n_power_iterations):
        # u, v updated in place (they are buffers): u = normalize(W v), v = normalize(W^T u).
        with _no_grad():
            mat = mat.detach()
            for _ in range(n_power_iterations):
                self._u.copy_(_C.normalize(_C.mv(mat, self._v), 2.0, 0, self.eps))
                self._v.copy_(_C.normalize(_C.mv(mat.t(), self._u), 2.0, 0, self.eps))

    def forward(self, weight):
        if weight.dim() == 1:
            return _C.normalize(weight, 2.0, 0, self.eps)
        mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = _C.dot(u, _C.mv(mat, v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrizes module.<name> as W / sigma(W), sigma estimated by power iteration
    (n_power_iterations per training-mode access; buffers _u, _v), as PyTorch. dim=None: 1
    for ConvTranspose layers, else 0."""
    weight = getattr(module, name, None)
    if not isinstance(weight, _C.Tensor):
        raise ValueError(f"[spectral_norm] module '{type(module).__name__}' has no parameter or "
                         f"buffer with name '{name}'")
    if dim is None:
        base = parametrize.type_before_parametrizations(module)
        dim = 1 if base.__name__ in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d") else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
