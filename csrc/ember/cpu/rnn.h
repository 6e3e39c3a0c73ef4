// Fused CPU kernels of one recurrent layer-direction (ops/rnn.h, rnn_layer): forward with
// the input projection and the recurrent product per step (W_ih and W_hh packed once), then
// one fused gate kernel; backward (BPTT) the same way, with the weight gradients as one GEMM
// each over all steps. Batches of 16+ rows run their rows split between threads for the whole
// sequence (no barrier per step); a float32 batch of one takes cpu/rnn_row.h's path. Raw
// contiguous buffers, float or double; no argument checks (ops/rnn_fused.cpp does them).
// Bitwise identical for any thread count. Shape letters as in ops/rnn.h.
#pragma once
#include <cstdint>

namespace ember::cpu {

enum class RnnKind { tanh, relu, lstm, gru };

template <class T>
struct RnnForward {
  RnnKind kind;
  int64_t L, N, I, H, P;
  const int64_t* batch_sizes;  // L entries (rows active at step t, a prefix), or null: all N
  bool reverse;
  const T *x, *w_ih, *w_hh, *b_ih, *b_hh, *w_hr;  // biases and w_hr may be null
  T* h;      // (N, P): in h0, out h_n
  T* c;      // (N, H) LSTM: in c0, out c_n
  T* y;      // (L, N, P)
  T* gates;  // (L, N, G*H): receives the gate activations; null (inference): not kept
  // Saved for backward; all null for inference.
  T* hprev;  // (L, N, P) state before each step
  T* cprev;  // (L, N, H) LSTM
  T* tanhc;  // (L, N, H) LSTM: tanh(c_t)
  T* hn;     // (L, N, H) GRU: W_hn h + b_hn
  T* hraw;   // (L, N, H) LSTM with proj: o * tanh(c_t)
};

template <class T>
void rnn_forward(const RnnForward<T>& a);

template <class T>
struct RnnBackward {
  RnnKind kind;
  int64_t L, N, I, H, P;
  const int64_t* batch_sizes;
  bool reverse;
  const T *x, *w_ih, *w_hh, *w_hr;
  const T *gates, *hprev, *cprev, *tanhc, *hn, *hraw;  // saved by rnn_forward
  const T *dy, *dh_n, *dc_n;                           // (L,N,P), (N,P), (N,H); dc_n LSTM only
  // Results; null when not needed.
  T *dx, *dh0, *dc0, *dw_ih, *dw_hh, *db_ih, *db_hh, *dw_hr;
};

template <class T>
void rnn_backward(const RnnBackward<T>& a);

// The two directions of a bidirectional layer (independent problems): the same results as
// rnn_forward(a) then rnn_forward(b), but with 2+ threads each runs single-threaded on its own
// thread, which saves the per-step barriers of splitting one small step across threads.
template <class T>
void rnn_forward_pair(const RnnForward<T>& a, const RnnForward<T>& b);
template <class T>
void rnn_backward_pair(const RnnBackward<T>& a, const RnnBackward<T>& b);

}  // namespace ember::cpu
