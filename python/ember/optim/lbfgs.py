"""LBFGS with torch.optim.LBFGS's algorithm, arguments and state layout (line_search_fn
None or 'strong_wolfe').

Written in Python over ember ops rather than in C++: every iteration calls the user's
Python closure (possibly many times inside the line search) and works on one flat vector
with a handful of dot products, so the Python loop costs nothing next to the closure, and
the two-loop recursion and the cubic-interpolating Wolfe search read much more clearly
here. Its history (lists of tensors) lives in a Python dict; state_dict() puts it under
state[0] as torch does.
"""
import ember

from .._C.optim import Optimizer


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to bounds."""
    lo, hi = bounds if bounds is not None else sorted((x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = disc ** 0.5
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _dot(a, b):
    return ember.dot(a, b).item()


def _strong_wolfe(obj, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Line search along d from x for a step t meeting the strong Wolfe conditions
    (bracketing, then zooming with cubic interpolation). obj(x, t, d) -> (loss, flat grad)."""
    d_norm = d.abs().max().item()
    g = g.clone()
    f_new, g_new = obj(x, t, d)
    evals = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    it = 0
    bracket = None
    while it < max_ls:
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            bracket = ([t_prev, t], [f_prev, f_new], [g_prev, g_new.clone()], [gtd_prev, gtd_new])
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = ([t], [f_new], [g_new]), True
            break
        if gtd_new >= 0:
            bracket = ([t_prev, t], [f_prev, f_new], [g_prev, g_new.clone()], [gtd_prev, gtd_new])
            break
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        step = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(lo, hi))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.clone(), gtd_new
        t = step
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = _dot(g_new, d)
        it += 1
    if it == max_ls:
        bracket = ([0.0, t], [f, f_new], [g, g_new], None)
    if done:
        return f_new, g_new, t, evals
    ts, fs, gs, gtds = bracket
    if gtds is None:  # ran out of evaluations while bracketing
        gtds = [gtd, gtd_new]
    # zoom
    insuf = False
    lo_i, hi_i = (0, 1) if fs[0] <= fs[-1] else (1, 0)
    while not done and it < max_ls:
        if abs(ts[1] - ts[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(ts[0], fs[0], gtds[0], ts[1], fs[1], gtds[1])
        b_lo, b_hi = min(ts), max(ts)
        eps = 0.1 * (b_hi - b_lo)
        if min(b_hi - t, t - b_lo) < eps:
            if insuf or t >= b_hi or t <= b_lo:
                t = b_hi - eps if abs(t - b_hi) < abs(t - b_lo) else b_lo + eps
                insuf = False
            else:
                insuf = True
        else:
            insuf = False
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = _dot(g_new, d)
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= fs[lo_i]:
            ts[hi_i], fs[hi_i], gs[hi_i], gtds[hi_i] = t, f_new, g_new.clone(), gtd_new
            lo_i, hi_i = (0, 1) if fs[0] <= fs[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (ts[hi_i] - ts[lo_i]) >= 0:
                ts[hi_i], fs[hi_i], gs[hi_i], gtds[hi_i] = ts[lo_i], fs[lo_i], gs[lo_i], gtds[lo_i]
            ts[lo_i], fs[lo_i], gs[lo_i], gtds[lo_i] = t, f_new, g_new.clone(), gtd_new
    return fs[lo_i], gs[lo_i], ts[lo_i], evals


class LBFGS(Optimizer):
    """L-BFGS (torch.optim.LBFGS): one parameter group; step(closure) re-evaluates the loss."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if isinstance(lr, (int, float)) and lr < 0:
            raise ValueError(f"[LBFGS] Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"[LBFGS] only 'strong_wolfe' is supported as line_search_fn, "
                             f"got {line_search_fn!r}")
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("[LBFGS] doesn't support per-parameter options (parameter groups)")
        self._params = list(self.param_groups[0]["params"])
        self._lbfgs = {}

    # ---- flat views of the parameters and their gradients ----
    def _flat_grad(self):
        return ember.cat([p.grad.reshape(-1) if p.grad is not None else ember.zeros(p.numel(), dtype=p.dtype)
                          for p in self._params])

    def _add(self, t, d):
        """params += t * d (d flat)."""
        with ember.no_grad():
            off = 0
            for p in self._params:
                n = p.numel()
                p.add_(d[off:off + n].reshape(p.shape), alpha=t)
                off += n

    def _snapshot(self):
        return [p.detach().clone() for p in self._params]

    def _restore(self, xs):
        with ember.no_grad():
            for p, x in zip(self._params, xs):
                p.copy_(x)

    def _eval_at(self, closure, x, t, d):
        self._add(t, d)
        with ember.enable_grad():
            loss = float(closure().item())
        g = self._flat_grad()
        self._restore(x)
        return loss, g

    def step(self, closure):
        """One L-BFGS step (up to max_iter iterations); returns the first loss."""
        if closure is None:
            raise ValueError("[LBFGS] step() requires a closure that re-evaluates the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history, ls_fn = group["history_size"], group["line_search_fn"]
        st = self._lbfgs
        st.setdefault("func_evals", 0)
        st.setdefault("n_iter", 0)
        with ember.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss.item())
        evals = 1
        st["func_evals"] += 1
        g = self._flat_grad()
        if g.abs().max().item() <= tol_grad:
            return orig_loss
        d, t = st.get("d"), st.get("t")
        old_dirs, old_stps, ro = st.get("old_dirs", []), st.get("old_stps", []), st.get("ro", [])
        h_diag, prev_g, prev_loss = st.get("H_diag"), st.get("prev_flat_grad"), st.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            st["n_iter"] += 1
            if st["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = g.neg(), [], [], [], 1.0
            else:
                y = g - prev_g
                s = d * t
                ys = _dot(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(y, y)
                # two-loop recursion: d = -H g
                al = [0.0] * len(old_dirs)
                q = g.neg()
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = _dot(old_stps[i], q) * ro[i]
                    q = q - old_dirs[i] * al[i]
                d = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = _dot(old_dirs[i], d) * ro[i]
                    d = d + old_stps[i] * (al[i] - be_i)
            prev_g = g.clone()
            prev_loss = loss
            if st["n_iter"] == 1:
                t = min(1.0, 1.0 / g.abs().sum().item()) * lr
            else:
                t = lr
            gtd = _dot(g, d)
            if gtd > -tol_change:
                break
            ls_evals = 0
            if ls_fn == "strong_wolfe":
                x0 = self._snapshot()
                loss, g, t, ls_evals = _strong_wolfe(
                    lambda x, tt, dd: self._eval_at(closure, x, tt, dd), x0, t, d, loss, g, gtd)
                self._add(t, d)
            else:
                self._add(t, d)
                if n_iter != max_iter:
                    with ember.enable_grad():
                        loss = float(closure().item())
                    g = self._flat_grad()
                    ls_evals = 1
            evals += ls_evals
            st["func_evals"] += ls_evals
            if n_iter == max_iter or evals >= max_eval:
                break
            if g.abs().max().item() <= tol_grad:
                break
            if d.abs().max().item() * abs(t) <= tol_change:
                break
            if abs(loss - prev_loss) < tol_change:
                break
        st.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                  prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss

    def state_dict(self):
        sd = super().state_dict()
        if self._lbfgs:
            sd["state"] = {0: dict(self._lbfgs)}
        return sd

    def load_state_dict(self, state_dict):
        state = dict(state_dict.get("state", {}))
        lb = state.pop(0, None)
        super().load_state_dict({"state": state, "param_groups": state_dict["param_groups"]})
        self._lbfgs = dict(lb) if lb else {}
