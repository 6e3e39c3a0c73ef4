"""parameters_to_vector / vector_to_parameters (torch.nn.utils): flatten parameters into
one vector and back. Thin compositions of ember ops (cat, slicing, copy), as in PyTorch."""


def parameters_to_vector(parameters):
    """One 1-D tensor holding every parameter, flattened, in order (differentiable)."""
    from ... import Tensor, cat  # ember's top level imports nn first
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not params:
        raise ValueError("[parameters_to_vector] expected at least one parameter, got none")
    dtype = params[0].dtype
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"[parameters_to_vector] expected tensors, got "
                            f"{type(p).__name__} at index {i}")
        if p.dtype != dtype:
            raise TypeError(f"[parameters_to_vector] parameter {i} has dtype {p.dtype}, "
                            f"expected {dtype} like the first")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copies consecutive slices of the 1-D vec into the parameters (in place, no grad)."""
    from ... import Tensor, no_grad
    if not isinstance(vec, Tensor):
        raise TypeError(f"[vector_to_parameters] expected vec to be a Tensor, got "
                        f"{type(vec).__name__}")
    if vec.dim() != 1:
        raise ValueError(f"[vector_to_parameters] expected a 1-D vec, got shape {tuple(vec.shape)}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise ValueError(f"[vector_to_parameters] vec has {vec.numel()} elements, the "
                         f"parameters {total}")
    off = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[off:off + n].reshape(p.shape))
            off += n
