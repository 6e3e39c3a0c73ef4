"""ember.save / ember.load (safetensors): round trips, interop with the official
`safetensors` package and PyTorch, and hostile files (corrupted headers, fuzzing)."""
import collections
import json
import os
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember
from utils import to_np

st_numpy = pytest.importorskip("safetensors.numpy")

HERE = os.path.dirname(os.path.abspath(__file__))


def arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "w32": rng.standard_normal((3, 5)).astype(np.float32),
        "w64": rng.standard_normal((2, 3, 4)),
        "idx": rng.integers(-2**62, 2**62, size=(7,)),
        "mask": rng.random((4, 4)) > 0.5,
        "scalar": np.array(2.5, dtype=np.float32),
        "scalar_i": np.array(-7, dtype=np.int64),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "empty_b": np.zeros((2, 0), dtype=np.bool_),
        "ünïcødé/名前 \"q\" \\ \n\t\u2028 \U0001F600": np.arange(3, dtype=np.float64),
    }


def assert_same(loaded, expected):
    assert list(sorted(loaded)) == list(sorted(expected))
    for k, v in expected.items():
        got = to_np(loaded[k]) if isinstance(loaded[k], ember.Tensor) else loaded[k]
        assert got.dtype == v.dtype, k
        assert got.shape == v.shape, k
        assert got.tobytes() == np.ascontiguousarray(v).tobytes(), k


def raw_file(header, data=b"", pad=True):
    """A safetensors file from a header (dict, str or bytes) and a data buffer."""
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode()
    if pad:
        header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + data


def write(tmp_path, content, name="f.safetensors"):
    p = tmp_path / name
    p.write_bytes(content)
    return p


# ------------------------------------------------------------------ round trips

def test_round_trip_all_dtypes(tmp_path):
    a = arrays()
    p = tmp_path / "m.safetensors"
    assert ember.save({k: ember.from_numpy(v.copy()) for k, v in a.items()}, p) is None
    out = ember.load(p)
    assert all(isinstance(t, ember.Tensor) for t in out.values())
    assert out["w32"].dtype == ember.float32 and out["w64"].dtype == ember.float64
    assert out["idx"].dtype == ember.int64 and out["mask"].dtype == ember.bool
    assert out["scalar"].shape == () and out["empty"].shape == (0, 3)
    assert_same(out, a)
    assert all(t.is_contiguous() for t in out.values() if t.numel() > 0)
    assert not any(t.requires_grad for t in out.values())


def test_round_trip_metadata_and_order(tmp_path):
    p = tmp_path / "m.safetensors"
    meta = {"format": "pt", "ünï": "välue \"x\" \n", "empty": ""}
    ember.save(arrays(), str(p), metadata=meta)
    assert ember.serialization.load_metadata(p) == meta
    # File order: larger dtypes first (I64, F64, F32, BOOL), then by name, like safetensors.
    assert list(ember.load(p)) == ["idx", "scalar_i", "w64", "ünïcødé/名前 \"q\" \\ \n\t\u2028 \U0001F600",
                                   "empty", "scalar", "w32", "empty_b", "mask"]


def test_non_contiguous_inputs(tmp_path):
    base = np.arange(60, dtype=np.float32).reshape(6, 10)
    tt = ember.from_numpy(base.T)                 # transposed view
    sl = ember.from_numpy(base[1:5, 2:9:3])       # offset + step
    assert not tt.is_contiguous() and not sl.is_contiguous()
    p = tmp_path / "nc.safetensors"
    ember.save([("t", tt), ("s", sl), ("np_t", base.T[::2])], p)
    assert_same(ember.load(p), {"t": base.T, "s": base[1:5, 2:9:3], "np_t": base.T[::2]})


def test_input_kinds(tmp_path):
    a = np.arange(6, dtype=np.float64).reshape(2, 3)

    class HasArray:
        def __array__(self, dtype=None, copy=None):
            return a

    class HasNumpy:
        def numpy(self):
            return a + 1

    ro = np.arange(4, dtype=np.int64)
    ro.setflags(write=False)
    big_endian = np.arange(5, dtype=">f4")
    p = tmp_path / "k.safetensors"
    ember.save(collections.OrderedDict([("a", HasArray()), ("b", HasNumpy()), ("ro", ro),
                                        ("be", big_endian), ("t", ember.from_numpy(a))]), p)
    assert_same(ember.load(p), {"a": a, "b": a + 1, "ro": ro, "be": big_endian.astype(np.float32),
                                "t": a})
    # float16 and small integers are widened (ember has no such dtypes).
    ember.save({"h": np.array([1.5, -2], np.float16), "u8": np.array([255], np.uint8),
                "i32": np.array([-3], np.int32)}, p)
    assert_same(ember.load(p), {"h": np.array([1.5, -2], np.float32),
                                "u8": np.array([255], np.int64), "i32": np.array([-3], np.int64)})


def test_overwrite_is_atomic_and_leaves_no_temp_files(tmp_path):
    p = tmp_path / "m.safetensors"
    ember.save({"x": np.ones(3, np.float32)}, p)
    ember.save({"y": np.zeros(2, np.int64)}, p)
    assert_same(ember.load(p), {"y": np.zeros(2, np.int64)})
    assert os.listdir(tmp_path) == ["m.safetensors"]
    # A failing save leaves the old file and no temporary behind.
    with pytest.raises(TypeError, match=r"\[save\]"):
        ember.save({"ok": np.ones(1), "bad": np.ones(1, np.complex64)}, p)
    with pytest.raises(ValueError, match=r"\[save\].*more than once"):
        ember.save([("x", np.ones(1)), ("x", np.ones(1, np.float32))], p)
    assert os.listdir(tmp_path) == ["m.safetensors"]
    assert_same(ember.load(p), {"y": np.zeros(2, np.int64)})


def test_loaded_tensors_own_their_memory(tmp_path):
    a = arrays()
    p = tmp_path / "m.safetensors"
    ember.save(a, p)
    out = ember.load(p)
    p.write_bytes(b"\0" * p.stat().st_size)  # overwrite in place, then delete
    os.remove(p)
    assert_same(out, a)
    out2 = ember.load(write(tmp_path, st_numpy.save(a)))
    out2["w32"].numpy()[:] = 0  # writable, and independent of other loads
    assert_same({k: v for k, v in out2.items() if k != "w32"},
                {k: v for k, v in a.items() if k != "w32"})


def test_save_bad_arguments(tmp_path):
    p = tmp_path / "b.safetensors"
    with pytest.raises(TypeError, match=r"\[save\] '.*b\.safetensors': tensor names must be str"):
        ember.save({1: np.ones(1)}, p)
    with pytest.raises(TypeError, match=r"\[save\] '.*': tensor 'x'.*got object"):
        ember.save({"x": object()}, p)
    with pytest.raises(TypeError, match=r"\[save\] '.*': tensor 'x': NumPy dtype uint64"):
        ember.save({"x": np.ones(1, np.uint64)}, p)
    with pytest.raises(TypeError, match=r"\[save\] '.*': metadata must map str to str"):
        ember.save({"x": np.ones(1)}, p, metadata={"k": 1})
    with pytest.raises(TypeError, match=r"\[save\] '.*': metadata must be a dict"):
        ember.save({"x": np.ones(1)}, p, metadata=[("k", "v")])
    with pytest.raises(TypeError, match=r"\[save\] '.*': expected a dict"):
        ember.save([np.ones(1)], p)
    with pytest.raises(ValueError, match=r"\[save\].*__metadata__.*reserved"):
        ember.save({"__metadata__": np.ones(1)}, p)
    with pytest.raises(FileNotFoundError, match=r"\[save\] '.*missing"):
        ember.save({"x": np.ones(1)}, tmp_path / "missing" / "x.safetensors")
    with pytest.raises(OSError, match=r"\[save\]"):
        ember.save({"x": np.ones(1)}, tmp_path)  # a directory
    with pytest.raises(FileNotFoundError, match=r"\[load\] '.*\\xff\\xfe\.st'"):
        ember.load(os.fsencode(str(tmp_path)) + b"/\xff\xfe.st")  # non-UTF-8 file name
    odd = os.fsencode(str(tmp_path)) + b"/\xff.st"
    ember.save({"x": np.ones(2)}, odd)
    assert_same(ember.load(odd), {"x": np.ones(2)})
    os.remove(odd)
    assert not os.path.exists(p)


# ------------------------------------------------------------------ interop

def test_ember_file_loads_in_safetensors_and_is_byte_identical(tmp_path):
    a = arrays()
    p = tmp_path / "e.safetensors"
    ember.save(a, p, metadata={"format": "np"})
    assert_same(st_numpy.load_file(str(p)), a)
    assert p.read_bytes() == st_numpy.save(a, metadata={"format": "np"})


def test_safetensors_file_loads_in_ember(tmp_path):
    rng = np.random.default_rng(1)
    a = arrays()
    p = tmp_path / "s.safetensors"
    st_numpy.save_file(a, str(p), metadata={"m": "1"})
    assert_same(ember.load(p), a)
    assert ember.serialization.load_metadata(p) == {"m": "1"}
    # Narrow dtypes are widened exactly.
    narrow = {
        "f16": np.array([0, 1.5, -2.25, 65504, 6e-8, -6.1e-5, np.inf, -np.inf], np.float16),
        "f16_sub": (np.arange(0, 1024, dtype=np.uint16)).view(np.float16),
        "i8": rng.integers(-128, 128, 9).astype(np.int8),
        "u8": rng.integers(0, 256, 9).astype(np.uint8),
        "i16": rng.integers(-2**15, 2**15, 9).astype(np.int16),
        "u16": rng.integers(0, 2**16, 9).astype(np.uint16),
        "i32": rng.integers(-2**31, 2**31, 9).astype(np.int32),
        "u32": rng.integers(0, 2**32, 9).astype(np.uint32),
    }
    st_numpy.save_file(narrow, str(p))
    out = ember.load(p)
    for k, v in narrow.items():
        want = v.astype(np.float32 if v.dtype == np.float16 else np.int64)
        assert out[k].dtype == (ember.float32 if v.dtype == np.float16 else ember.int64)
        np.testing.assert_array_equal(to_np(out[k]), want)
    # NaN keeps being NaN.
    st_numpy.save_file({"n": np.array([np.nan], np.float16)}, str(p))
    assert np.isnan(to_np(ember.load(p)["n"])).all()


def test_bf16_hand_built(tmp_path):
    f = np.array([1.0, -2.5, 3.140625, 2.0**100, -0.0, np.inf], np.float32)  # exact in bf16
    bits = (f.view(np.uint32) >> 16).astype("<u2")
    hdr = {"b": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 12]}}
    out = ember.load(write(tmp_path, raw_file(hdr, bits.tobytes())))
    assert out["b"].dtype == ember.float32
    np.testing.assert_array_equal(to_np(out["b"]), f.reshape(2, 3))


def test_torch_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3),
                                torch.nn.Conv2d(3, 2, 3))
    sd = model.state_dict()
    extra = {"half": torch.randn(5).half(), "bf": torch.randn(2, 2).bfloat16(),
             "i32": torch.arange(4, dtype=torch.int32), "flag": torch.tensor([True, False])}
    p = tmp_path / "t.safetensors"
    st_torch.save_file({**sd, **extra}, str(p))
    out = ember.load(p)
    assert set(out) == set(sd) | set(extra)
    for k, v in sd.items():
        np.testing.assert_array_equal(to_np(out[k]), v.numpy())
    assert out["1.num_batches_tracked"].dtype == ember.int64
    np.testing.assert_array_equal(to_np(out["half"]), extra["half"].float().numpy())
    np.testing.assert_array_equal(to_np(out["bf"]), extra["bf"].float().numpy())
    np.testing.assert_array_equal(to_np(out["i32"]), np.arange(4))
    # ...and back: ember saves torch tensors (requires_grad ones included); torch loads them.
    ember.save({k: v for k, v in model.named_parameters()}, p)
    back = st_torch.load_file(str(p))
    for k, v in model.named_parameters():
        assert torch.equal(back[k], v.detach())


# ------------------------------------------------------------------ hostile files

GOOD = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}


def entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape) if isinstance(shape, tuple) else shape,
            "data_offsets": list(offsets)}


CORRUPT = [
    # (name, file bytes, exception, message regex)
    ("empty file", b"", ValueError, "fewer than the 8"),
    ("7 bytes", b"\x08\0\0\0\0\0\0", ValueError, "fewer than the 8"),
    ("header larger than file", struct.pack("<Q", 1000) + b"{}", ValueError, "exceeds the file size"),
    ("header over 100MB", struct.pack("<Q", 100_000_008) + b"{}", ValueError, "exceeds the limit"),
    ("header size 2^64-1", b"\xff" * 8 + b"{}", ValueError, "exceeds the limit"),
    ("invalid utf8", raw_file(b'{"a\xff": 1}'), ValueError, "invalid UTF-8"),
    ("overlong utf8", raw_file(b'{"\xc0\xaf": 1}'), ValueError, "invalid UTF-8"),
    ("not json", raw_file("hello"), ValueError, "invalid JSON"),
    ("truncated json", raw_file('{"a": {"dtype": "F32"'), ValueError, "invalid JSON"),
    ("trailing junk", raw_file('{} x'), ValueError, "after the end"),
    ("nul in padding", raw_file(b'{}\0\0\0\0\0\0', pad=False), ValueError, "after the end"),
    ("array header", raw_file("[1, 2]"), ValueError, "must be a JSON object, got an array"),
    ("null header", raw_file("null"), ValueError, "must be a JSON object, got null"),
    ("deep nesting", raw_file('{"a": {"x": ' + "[" * 100000), ValueError, "nesting deeper"),
    ("deep object", raw_file('{"a": {"x": ' + '{"y":' * 100000), ValueError, "nesting deeper"),
    ("repeated field", raw_file('{"a": {"dtype": "F32", "dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}',
                                b"\0" * 8), ValueError, "repeated field \"dtype\""),
    ("trailing comma", raw_file('{"a": %s,}' % json.dumps(entry()), b"\0" * 8), ValueError, "expected a string key"),
    ("missing comma", raw_file('{"a": %s "b": 1}' % json.dumps(entry()), b"\0" * 8), ValueError, "expected ','"),
    ("too many dims", raw_file({"a": entry(shape=[1] * 1025, offsets=(0, 4))}, b"\0" * 4), ValueError,
     "more than 1024 dims"),
    ("nested shape", raw_file({"a": entry(shape=[[2]])}, b"\0" * 8), ValueError, "non-negative integers, got an array"),
    ("raw control char", raw_file('{"a\n": 1}'), ValueError, "control character"),
    ("bad escape", raw_file(r'{"\q": 1}'), ValueError, "invalid escape"),
    ("lone surrogate", raw_file(r'{"\ud800": 1}'), ValueError, "surrogate"),
    ("lone low surrogate", raw_file(r'{"\udc00x": 1}'), ValueError, "surrogate"),
    ("leading zero", raw_file('{"a": {"dtype": "F32", "shape": [02], "data_offsets": [0, 8]}}', b"\0" * 8),
     ValueError, "leading zeros"),
    ("duplicate name", raw_file('{"a": %s, "a": %s}' % (json.dumps(entry()), json.dumps(entry(offsets=(8, 16)))),
                                b"\0" * 16), ValueError, "duplicate key"),
    ("tensor not object", raw_file({"a": [1]}), ValueError, "expected an object"),
    ("missing shape", raw_file({"a": {"dtype": "F32", "data_offsets": [0, 8]}}, b"\0" * 8),
     ValueError, "missing field \"shape\""),
    ("missing offsets", raw_file({"a": {"dtype": "F32", "shape": [2]}}, b"\0" * 8),
     ValueError, "missing field \"data_offsets\""),
    ("dtype not str", raw_file({"a": entry(dtype=3)}, b"\0" * 8), ValueError, "\"dtype\" to be a string"),
    ("negative dim", raw_file({"a": entry(shape=(-2,))}, b"\0" * 8), ValueError, "non-negative"),
    ("float dim", raw_file({"a": entry(shape=(2.0,))}, b"\0" * 8), ValueError, "non-negative integers, got the number 2.0"),
    ("huge dim", raw_file({"a": entry(shape=(2**64,))}, b"\0" * 8), ValueError, "non-negative integers"),
    ("shape not array", raw_file({"a": entry(shape=2)}, b"\0" * 8), ValueError, "array of integers"),
    ("numel overflow", raw_file({"a": entry(shape=(2**40, 2**40), offsets=(0, 0))}), ValueError, "too many elements"),
    ("overflow before zero", raw_file({"a": entry(shape=(2**62, 2**62, 0), offsets=(0, 0))}), ValueError,
     "too many elements"),
    ("huge declared size", raw_file({"a": entry(shape=(2**20, 2**20), offsets=(0, 2**42))}, b"\0" * 8),
     ValueError, "extend past the end"),
    ("one offset", raw_file({"a": entry(offsets=(0,))}, b"\0" * 8), ValueError, "two non-negative"),
    ("three offsets", raw_file({"a": entry(offsets=(0, 8, 8))}, b"\0" * 8), ValueError, "two non-negative"),
    ("negative offset", raw_file({"a": entry(offsets=(-8, 0))}, b"\0" * 8), ValueError, "two non-negative"),
    ("decreasing offsets", raw_file({"a": entry(shape=(0,), offsets=(8, 0))}, b"\0" * 8), ValueError,
     "end before they begin"),
    ("size mismatch", raw_file({"a": entry(offsets=(0, 4))}, b"\0" * 4), ValueError, "needs 8 bytes"),
    ("end past buffer", raw_file({"a": entry()}, b"\0" * 4), ValueError, "extend past the end"),
    ("hole at start", raw_file({"a": entry(offsets=(4, 12))}, b"\0" * 12), ValueError, "unused"),
    ("hole between", raw_file({"a": entry(), "b": entry(offsets=(12, 20))}, b"\0" * 20), ValueError, "unused"),
    ("overlap", raw_file({"a": entry(), "b": entry(offsets=(4, 12))}, b"\0" * 12), ValueError, "overlap"),
    ("same offsets", raw_file({"a": entry(), "b": entry()}, b"\0" * 8), ValueError, "overlap"),
    ("trailing data", raw_file(GOOD, b"\0" * 9), ValueError, "cover only 8"),
    ("data but no tensors", raw_file({}, b"\0"), ValueError, "cover only 0"),
    ("metadata not object", raw_file({"__metadata__": "x"}), ValueError, "must be an object"),
    ("metadata int value", raw_file({"__metadata__": {"k": 1}}), ValueError, "key \"k\" must be a string, got the integer 1"),
    ("metadata null value", raw_file({"__metadata__": {"k": None}}), ValueError, "must be a string, got null"),
    ("unknown dtype", raw_file({"a": entry(dtype="F31")}, b"\0" * 8), TypeError, "tensor \"a\" has unknown dtype \"F31\""),
    ("unsupported dtype", raw_file({"w": entry(dtype="F8_E4M3", shape=(8,))}, b"\0" * 8), TypeError,
     "tensor \"w\" has dtype F8_E4M3, which ember cannot load"),
    ("u64", raw_file({"w": entry(dtype="U64", shape=(1,))}, b"\0" * 8), TypeError, "dtype U64"),
    ("c64", raw_file({"w": entry(dtype="C64", shape=(1,))}, b"\0" * 8), TypeError, "dtype C64"),
    ("f4 odd", raw_file({"w": entry(dtype="F4", shape=(3,), offsets=(0, 1))}, b"\0"), ValueError,
     "not a whole number of bytes"),
]


@pytest.mark.parametrize("name,content,exc,msg", CORRUPT, ids=[c[0] for c in CORRUPT])
def test_corrupted_files(tmp_path, name, content, exc, msg):
    p = write(tmp_path, content)
    with pytest.raises(exc, match=r"^\[load\] '.*f\.safetensors': .*" + msg.replace("(", r"\(")):
        ember.load(p)


def test_official_package_agrees_on_corrupted_files(tmp_path):
    # Every file ember rejects as malformed, the official package rejects too (ember is
    # stricter only on repeated names and on dtypes it cannot hold).
    for name, content, exc, _ in CORRUPT:
        if exc is TypeError or name in ("duplicate name", "leading zero", "f4 odd", "deep nesting",
                                        "deep object", "repeated field", "too many dims"):
            continue
        with pytest.raises(Exception):
            st_numpy.load(content)


def test_accepted_variants(tmp_path):
    # Things the spec (and the official package) allow.
    d = b"\0\0\x80\x3f\0\0\0\x40"
    cases = [
        raw_file(' \n{"a": %s}\t' % json.dumps(entry()), d),              # surrounding whitespace
        raw_file('{"__metadata__": null, "a": %s}' % json.dumps(entry()), d),
        raw_file({"a": {**entry(), "extra": [1.5, {"x": True}]}}, d),       # unknown fields ignored
        raw_file('{"\\u0061": %s}' % json.dumps(entry()), d),               # escaped name
        raw_file({"a": entry()}, d, pad=False),                            # unpadded header
    ]
    for c in cases:
        out = ember.load(write(tmp_path, c))
        np.testing.assert_array_equal(to_np(out["a"]), [1, 2])
    # Empty tensors may share an offset; bool bytes other than 0/1 become True.
    out = ember.load(write(tmp_path, raw_file({"e": entry(shape=(0,), offsets=(0, 0)),
                                              "f": entry(shape=(0, 5), offsets=(0, 0)),
                                              "b": entry("BOOL", (3,), (0, 3))}, b"\x00\x07\x01")))
    assert out["e"].shape == (0,) and out["f"].shape == (0, 5)
    np.testing.assert_array_equal(to_np(out["b"]), [False, True, True])
    assert ember.load(write(tmp_path, raw_file({}))) == {}
    assert ember.load(write(tmp_path, raw_file({"d": entry(shape=[1] * 1024, offsets=(0, 4))},
                                               b"\0" * 4)))["d"].ndim == 1024
    assert ember.load(write(tmp_path, st_numpy.save({}))) == {}


def test_missing_and_special_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"\[load\] '.*nope\.safetensors'"):
        ember.load(tmp_path / "nope.safetensors")
    with pytest.raises(FileNotFoundError, match=r"\[load_metadata\]"):
        ember.serialization.load_metadata(tmp_path / "nope.safetensors")
    with pytest.raises(OSError, match=r"\[load\].*directory"):
        ember.load(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"\[load\].*not a regular file"):
        ember.load(fifo)  # must not block waiting for a writer


FUZZ = textwrap.dedent("""
    import os, random, struct, sys
    import numpy as np
    import ember
    from safetensors.numpy import load as st_load, save as st_save

    rng = np.random.default_rng(0)
    base = st_save({"w": rng.standard_normal((3, 4)).astype(np.float32),
                    "b": np.arange(5, dtype=np.int64), "m": np.array([True, False]),
                    "h": np.ones(3, np.float16), "s": np.array(1.0)},
                   metadata={"k": "v"})
    r = random.Random(0)
    path = sys.argv[1]
    mismatches = []
    for case in range(int(sys.argv[2])):
        data = bytearray(base)
        kind = case % 4
        if kind == 0:    # flip bytes in the header area
            for _ in range(r.randint(1, 4)):
                i = r.randrange(min(len(data), 8 + struct.unpack("<Q", base[:8])[0]))
                data[i] = r.randrange(256)
        elif kind == 1:  # truncate
            data = data[:r.randrange(len(data))]
        elif kind == 2:  # replace a digit in the header by another number
            hdr = bytes(data[8:8 + struct.unpack("<Q", base[:8])[0]])
            digits = [i for i, c in enumerate(hdr) if 48 <= c <= 57]
            i = 8 + r.choice(digits)
            data[i:i + 1] = str(r.choice([0, 1, 7, 9, 99, 2**31, 2**63, 2**64])).encode()
            data[:8] = struct.pack("<Q", struct.unpack("<Q", base[:8])[0] + len(data) - len(base))
        else:            # flip anywhere, or grow the file
            if r.random() < 0.5:
                data[r.randrange(len(data))] ^= 1 << r.randrange(8)
            else:
                data += bytes(r.randrange(1, 16))
        with open(path, "wb") as f:
            f.write(data)
        try:
            ours = ember.load(path)
            ok = True
        except (ValueError, TypeError, OSError, MemoryError):
            ok = False
        try:
            theirs = st_load(bytes(data))
            ok2 = True
        except Exception:
            ok2 = False
        if ok and ok2:
            for k, v in theirs.items():
                got = ours[k].numpy()
                want = v.astype(got.dtype)
                if got.shape != want.shape or not np.array_equal(got, want, equal_nan=True):
                    mismatches.append((case, "values", k))
        elif ok != ok2:
            mismatches.append((case, "ember" if ok else "safetensors", bytes(data[:200])))
    print("MISMATCHES", mismatches)
    sys.exit(1 if mismatches else 0)
""")


def test_fuzz_no_crash_and_agrees_with_safetensors(tmp_path):
    # In a subprocess so a crash fails this test instead of killing pytest.
    script = tmp_path / "fuzz.py"
    script.write_text(FUZZ)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    res = subprocess.run([sys.executable, str(script), str(tmp_path / "f.safetensors"), "400"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
