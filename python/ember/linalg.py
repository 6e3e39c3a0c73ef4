"""ember.linalg: linear algebra with torch.linalg's names (the C++ ops of ember._C.linalg).

Norms: vector_norm, matrix_norm, norm. Matrix norms that need singular values ('nuc', 2,
-2) raise NotImplementedError. Products: cross (dim=-1), multi_dot (left to right).
"""
from ._C import linalg as _linalg

vector_norm = _linalg.vector_norm
matrix_norm = _linalg.matrix_norm
norm = _linalg.norm
cross = _linalg.cross
multi_dot = _linalg.multi_dot

__all__ = ["vector_norm", "matrix_norm", "norm", "cross", "multi_dot"]
