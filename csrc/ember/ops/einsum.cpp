// einsum (see einsum.h). Each operand is first brought to one shared layout: a dim per
// subscript ("label") of the whole equation, ellipsis dims first and right-aligned, size 1
// where the operand lacks the label. Pairs are then contracted by sum_product_pair (one bmm:
// batch = labels in both kept, sum = labels contracted), which keeps the layout.
#include "ember/ops/einsum.h"

#include <algorithm>

#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/scalar.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

constexpr int kEllipsis = -1;
constexpr int kLetters = 52;

int letter_id(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -2;
}

char letter_of(int id) { return static_cast<char>(id < 26 ? 'A' + id : 'a' + (id - 26)); }

// A term ("i...j") as letter ids with kEllipsis for the '...'.
std::vector<int> parse_term(const std::string& eq, size_t b, size_t e, const char* where) {
  std::vector<int> out;
  bool ellipsis = false;
  for (size_t i = b; i < e; ++i) {
    char c = eq[i];
    if (c == '.') {
      EMBER_CHECK(i + 2 < e && eq[i + 1] == '.' && eq[i + 2] == '.', ValueError,
                  "[einsum] expected '.' only as part of '...', got equation '", eq, "'");
      EMBER_CHECK(!ellipsis, ValueError, "[einsum] expected at most one '...' in each ", where,
                  " term, got equation '", eq, "'");
      ellipsis = true;
      out.push_back(kEllipsis);
      i += 2;
      continue;
    }
    int id = letter_id(c);
    EMBER_CHECK(id >= 0, ValueError, "[einsum] expected subscripts in [a-zA-Z], '...', ',' and "
                "'->', got '", std::string(1, c), "' in equation '", eq, "'");
    out.push_back(id);
  }
  return out;
}

// x with dims i and j (same size) replaced by their diagonal at i: sum_j x * eye.
Tensor diagonal_of(const Tensor& x, int64_t i, int64_t j) {
  const int64_t n = x.shape()[i];
  Shape ms(x.dim(), 1);
  ms[i] = n;
  ms[j] = n;
  Tensor mask = reshape(eye(n, n, x.dtype()), ms);
  return sum(mul(x, mask), {j});
}

// left and right share the layout; sums `sum_dims` and keeps every dim (size 1 there).
Tensor sum_product_pair(Tensor left, Tensor right, const std::vector<bool>& is_sum) {
  const int64_t nd = left.dim();
  // A summed label present in only one operand is summed out of it first.
  std::vector<int64_t> lsum, rsum;
  for (int64_t d = 0; d < nd; ++d) {
    if (!is_sum[d]) continue;
    const int64_t ls = left.shape()[d], rs = right.shape()[d];
    if (ls != 1 && rs == 1) lsum.push_back(d);
    if (rs != 1 && ls == 1) rsum.push_back(d);
  }
  if (!lsum.empty()) left = sum(left, lsum, true);
  if (!rsum.empty()) right = sum(right, rsum, true);
  std::vector<int64_t> batch, lo, ro, sm;
  int64_t B = 1, LO = 1, RO = 1, S = 1;
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t ls = left.shape()[d], rs = right.shape()[d];
    if (is_sum[d]) {
      sm.push_back(d);
      S *= ls;  // equal here, or both 1
    } else if (ls != 1 && rs == 1) {
      lo.push_back(d);
      LO *= ls;
    } else if (rs != 1 && ls == 1) {
      ro.push_back(d);
      RO *= rs;
    } else {
      batch.push_back(d);
      B *= ls;
    }
  }
  std::vector<int64_t> lp = batch, rp = batch;
  lp.insert(lp.end(), lo.begin(), lo.end());
  lp.insert(lp.end(), sm.begin(), sm.end());
  lp.insert(lp.end(), ro.begin(), ro.end());  // size 1 in left
  rp.insert(rp.end(), sm.begin(), sm.end());
  rp.insert(rp.end(), ro.begin(), ro.end());
  rp.insert(rp.end(), lo.begin(), lo.end());  // size 1 in right
  Tensor l3 = reshape(permute(left, lp), {B, LO, S});
  Tensor r3 = reshape(permute(right, rp), {B, S, RO});
  Tensor prod3 = bmm(l3, r3);  // (B, LO, RO)
  // Back to the layout: dims ordered batch, lo, ro, then the summed dims as size 1.
  std::vector<int64_t> order = batch;
  order.insert(order.end(), lo.begin(), lo.end());
  order.insert(order.end(), ro.begin(), ro.end());
  order.insert(order.end(), sm.begin(), sm.end());
  Shape s;
  for (int64_t d : batch) s.push_back(left.shape()[d]);
  for (int64_t d : lo) s.push_back(left.shape()[d]);
  for (int64_t d : ro) s.push_back(right.shape()[d]);
  for (size_t k = 0; k < sm.size(); ++k) s.push_back(1);
  std::vector<int64_t> inverse(order.size());
  for (size_t k = 0; k < order.size(); ++k) inverse[static_cast<size_t>(order[k])] = static_cast<int64_t>(k);
  return permute(reshape(prod3, s), inverse);
}

}  // namespace

Tensor einsum(const std::string& eq_in, const std::vector<Tensor>& operands_in) {
  std::string eq;
  for (char c : eq_in)
    if (c != ' ') eq.push_back(c);
  EMBER_CHECK(!operands_in.empty(), ValueError, "[einsum] expected at least one operand, got none");
  for (size_t i = 0; i < operands_in.size(); ++i) check_defined(operands_in[i], "einsum", "operand");
  const size_t arrow = eq.find("->");
  EMBER_CHECK(eq.find('>') == std::string::npos || (arrow != std::string::npos &&
              eq.find('>') == arrow + 1 && eq.find('>', arrow + 2) == std::string::npos &&
              eq.find('-', arrow + 1) == std::string::npos), ValueError,
              "[einsum] expected at most one '->' in the equation, got '", eq, "'");
  EMBER_CHECK(eq.find('-') == std::string::npos || eq.find('-') == arrow, ValueError,
              "[einsum] expected '-' only as part of '->', got '", eq, "'");
  const std::string lhs = arrow == std::string::npos ? eq : eq.substr(0, arrow);
  // Terms of the left-hand side.
  std::vector<std::vector<int>> terms;
  size_t start = 0;
  for (size_t i = 0; i <= lhs.size(); ++i)
    if (i == lhs.size() || lhs[i] == ',') {
      terms.push_back(parse_term(lhs, start, i, "input"));
      start = i + 1;
    }
  const size_t n = operands_in.size();
  EMBER_CHECK(terms.size() == n, ValueError, "[einsum] expected ", terms.size(),
              " operands for equation '", eq, "', got ", n);
  DType dt = result_type(operands_in);
  EMBER_CHECK(dt != DType::Bool, TypeError, "[einsum] expected numeric operands, got bool");

  // Ellipsis dims of each operand; E = the most of any operand.
  int64_t E = 0;
  std::vector<int64_t> ell(n, 0);
  for (size_t k = 0; k < n; ++k) {
    const int64_t letters = static_cast<int64_t>(
        std::count_if(terms[k].begin(), terms[k].end(), [](int v) { return v != kEllipsis; }));
    const bool has_ell = letters != static_cast<int64_t>(terms[k].size());
    const int64_t nd = operands_in[k].dim();
    EMBER_CHECK(has_ell ? nd >= letters : nd == letters, ValueError, "[einsum] operand ", k,
                " has ", nd, " dims but its subscripts '", lhs, "' give it ", letters,
                has_ell ? " or more" : "", " (equation '", eq, "')");
    ell[k] = nd - letters;
    E = std::max(E, ell[k]);
  }
  // Label counts; the layout: E ellipsis dims, then the letters used, in letter order.
  std::vector<int> count(kLetters, 0);
  for (const auto& t : terms)
    for (int v : t)
      if (v != kEllipsis) ++count[v];
  std::vector<int64_t> pos(kLetters, -1);
  int64_t L = E;
  for (int id = 0; id < kLetters; ++id)
    if (count[id]) pos[id] = L++;
  // Output dims in the layout's numbering.
  std::vector<int64_t> out_dims;
  if (arrow != std::string::npos) {
    std::vector<int> ot = parse_term(eq, arrow + 2, eq.size(), "output");
    std::vector<bool> seen(kLetters, false);
    for (int v : ot) {
      if (v == kEllipsis) {
        for (int64_t d = 0; d < E; ++d) out_dims.push_back(d);
        continue;
      }
      EMBER_CHECK(count[v] > 0, ValueError, "[einsum] output subscript '", std::string(1, letter_of(v)),
                  "' does not appear in the inputs of equation '", eq, "'");
      EMBER_CHECK(!seen[v], ValueError, "[einsum] output subscript '", std::string(1, letter_of(v)),
                  "' appears more than once in equation '", eq, "'");
      seen[v] = true;
      out_dims.push_back(pos[v]);
    }
    EMBER_CHECK(E == 0 || std::count(ot.begin(), ot.end(), kEllipsis) == 1, ValueError,
                "[einsum] expected '...' in the output of equation '", eq,
                "' since the inputs use it");
  } else {
    for (int64_t d = 0; d < E; ++d) out_dims.push_back(d);
    for (int id = 0; id < kLetters; ++id)
      if (count[id] == 1) out_dims.push_back(pos[id]);
  }
  std::vector<bool> in_out(static_cast<size_t>(L), false);
  for (int64_t d : out_dims) in_out[static_cast<size_t>(d)] = true;

  // Each operand in the layout (diagonals taken, missing labels as size-1 dims).
  std::vector<Tensor> ops;
  std::vector<std::vector<bool>> has(n, std::vector<bool>(static_cast<size_t>(L), false));
  Shape sizes(static_cast<size_t>(L), 1);
  for (size_t k = 0; k < n; ++k) {
    Tensor x = to_dtype(operands_in[k], dt);
    std::vector<int64_t> lab;
    for (int v : terms[k]) {
      if (v == kEllipsis)
        for (int64_t d = 0; d < ell[k]; ++d) lab.push_back(E - ell[k] + d);
      else
        lab.push_back(pos[v]);
    }
    for (size_t i = 0; i < lab.size(); ++i)
      for (size_t j = lab.size() - 1; j > i; --j)
        if (lab[j] == lab[i]) {
          EMBER_CHECK(x.shape()[i] == x.shape()[j], ValueError, "[einsum] subscript '",
                      std::string(1, letter_of(static_cast<int>(std::find(pos.begin(), pos.end(), lab[i]) - pos.begin()))),
                      "' is repeated for operand ", k, " but its sizes differ: ", x.shape()[i],
                      " and ", x.shape()[j]);
          x = diagonal_of(x, static_cast<int64_t>(i), static_cast<int64_t>(j));
          lab.erase(lab.begin() + static_cast<int64_t>(j));
        }
    std::vector<int64_t> perm(lab.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
    std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return lab[a] < lab[b]; });
    Shape s(static_cast<size_t>(L), 1);
    for (size_t i = 0; i < lab.size(); ++i) {
      const int64_t d = lab[i], sz = x.shape()[i];
      s[static_cast<size_t>(d)] = sz;
      has[k][static_cast<size_t>(d)] = true;
      int64_t& g = sizes[static_cast<size_t>(d)];
      EMBER_CHECK(sz == 1 || g == 1 || sz == g, ValueError, "[einsum] operand ", k,
                  " has size ", sz, " for a subscript (or '...' dim) of size ", g,
                  " elsewhere in equation '", eq, "'");
      if (sz != 1) g = sz;
    }
    ops.push_back(reshape(permute(x, perm), s));
  }

  // Contract left to right; a label is summed once no later operand and not the output needs it.
  Tensor result = ops[0];
  for (size_t k = 1; k < n; ++k) {
    std::vector<bool> is_sum(static_cast<size_t>(L), false);
    for (int64_t d = 0; d < L; ++d) {
      bool later = false;
      for (size_t m = k + 1; m < n; ++m) later = later || has[m][static_cast<size_t>(d)];
      is_sum[static_cast<size_t>(d)] = !in_out[static_cast<size_t>(d)] && !later;
    }
    result = sum_product_pair(result, ops[k], is_sum);
  }
  std::vector<int64_t> rest;
  for (int64_t d = 0; d < L; ++d)
    if (!in_out[static_cast<size_t>(d)] && result.shape()[d] != 1) rest.push_back(d);
  if (!rest.empty()) result = sum(result, rest, true);
  // Output dims in order, then the (size-1) others dropped. Broadcast size-1 dims of the
  // output that some operand had larger are expanded (e.g. 'i,i->i' with sizes 1 and 3).
  std::vector<int64_t> perm = out_dims;
  for (int64_t d = 0; d < L; ++d)
    if (!in_out[static_cast<size_t>(d)]) perm.push_back(d);
  Shape os;
  for (int64_t d : out_dims) os.push_back(result.shape()[d]);
  Tensor r = reshape(permute(result, perm), os);
  Shape want;
  for (int64_t d : out_dims) want.push_back(sizes[static_cast<size_t>(d)]);
  return r.shape() == want ? r : expand(r, want);
}

}  // namespace ember
