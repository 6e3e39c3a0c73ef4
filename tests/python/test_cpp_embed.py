"""The C++ core embedded in a user program: install it (the pip-installed copy found with
ember.cmake_dir(), or a developer build installed to a temporary prefix), build
examples/cpp with find_package(ember) as a user would, run train_mlp and serve, and check
parity with Python: the same model (examples/cpp/mlp.py; blocks.py for conv, LSTM and
Transformer layers) loaded from the same safetensors file gives bitwise identical outputs, and
training from the same seed gives identical weights.
Skipped only when cmake or a C++ compiler is missing. One configure + build per session.
"""
import glob
import importlib.util
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples", "cpp")


def _compiler():
    for c in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if c and shutil.which(c):
            return c
    return None


def _run(cmd, **kw):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert p.returncode == 0, f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    return p.stdout


def _example_module(name):
    spec = importlib.util.spec_from_file_location(f"ember_example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def mlp():
    return _example_module("mlp")


@pytest.fixture(scope="session")
def ember_dir(tmp_path_factory):
    if shutil.which("cmake") is None or _compiler() is None:
        pytest.skip("cmake or a C++ compiler is missing")
    try:
        return ember.cmake_dir()  # pip install . put the core inside the package
    except FileNotFoundError:
        pass
    # A developer build: ember._C sits in its CMake build directory; install that.
    build = os.path.dirname(os.path.realpath(ember._C.__file__))
    assert os.path.isfile(os.path.join(build, "cmake_install.cmake")), (
        f"ember is neither pip-installed (no core in the package) nor a CMake build ({build})")
    prefix = tmp_path_factory.mktemp("prefix")
    _run(["cmake", "--install", build, "--prefix", prefix])
    found = glob.glob(os.path.join(str(prefix), "lib*", "cmake", "ember", "emberConfig.cmake"))
    assert found, f"no emberConfig.cmake under {prefix}"
    return os.path.dirname(found[0])


@pytest.fixture(scope="session")
def examples(ember_dir, tmp_path_factory):
    """Paths of the built train_mlp, serve and blocks executables."""
    build = tmp_path_factory.mktemp("examples")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    _run(["cmake", "-S", EXAMPLES, "-B", build, *gen, "-DCMAKE_BUILD_TYPE=Release",
          f"-Dember_DIR={ember_dir}", f"-DCMAKE_CXX_COMPILER={_compiler()}"])
    _run(["cmake", "--build", build, "-j", "2"])
    exes = {}
    for name in ("train_mlp", "serve", "blocks"):
        exes[name] = os.path.join(str(build), name, name)
        assert os.access(exes[name], os.X_OK), f"{exes[name]} was not built"
    return exes


@pytest.fixture(scope="module")
def files(mlp, tmp_path_factory):
    # scikit-learn (for iris) is a test dependency (pyproject [test]): no skip without it.
    d = tmp_path_factory.mktemp("data")
    mlp.main(str(d))
    return {k: os.path.join(str(d), f"{k}.safetensors") for k in ("data", "model", "inputs")}


def _bytes(t):
    return np.ascontiguousarray(t.numpy()).tobytes()


def test_paths():
    try:
        cmake_dir = ember.cmake_dir()
    except FileNotFoundError as e:
        # Not pip-installed: every helper says so instead of returning a missing path.
        assert "cmake --install" in str(e)
        for f in (ember.include_dir, ember.lib_dir):
            with pytest.raises(FileNotFoundError, match=r"\[(include_dir|lib_dir)\]"):
                f()
        return
    assert os.path.isfile(os.path.join(cmake_dir, "emberConfig.cmake"))
    assert os.path.isfile(os.path.join(cmake_dir, "emberConfigVersion.cmake"))
    assert os.path.isfile(os.path.join(ember.include_dir(), "ember", "ember.h"))
    assert glob.glob(os.path.join(ember.lib_dir(), "libember.*"))


def test_train_in_cpp_serve_in_cpp_and_python(examples, files, mlp, tmp_path):
    model = tmp_path / "cpp_model.safetensors"
    out = _run([examples["train_mlp"], files["data"], model, 150])
    losses = [float(v) for v in re.findall(r"loss ([0-9.]+)", out)]
    accs = [float(v) for v in re.findall(r"accuracy ([0-9.]+)", out)]
    assert len(losses) >= 3 and losses[-1] < 0.3 * losses[0], out
    assert all(b < a for a, b in zip(losses, losses[1:])), out
    assert accs[-1] > 0.9, out

    logits_file = tmp_path / "logits.safetensors"
    printed = _run([examples["serve"], model, files["inputs"], logits_file]).split()
    cpp_logits = ember.load(str(logits_file))["logits"]

    py_model = mlp.from_state(ember.load(str(model)))
    x = ember.load(files["inputs"])["x"]
    with ember.no_grad():
        py_logits = py_model(x)
    assert py_logits.shape == cpp_logits.shape == (15, 3)
    assert _bytes(py_logits) == _bytes(cpp_logits)
    assert [int(p) for p in printed] == py_logits.argmax(1).numpy().tolist()


def test_python_model_served_by_cpp(examples, files, mlp, tmp_path):
    logits_file = tmp_path / "logits.safetensors"
    printed = _run([examples["serve"], files["model"], files["inputs"], logits_file]).split()
    cpp_logits = ember.load(str(logits_file))["logits"]
    py_model = mlp.from_state(ember.load(files["model"]))
    with ember.no_grad():
        py_logits = py_model(ember.load(files["inputs"])["x"])
    assert _bytes(py_logits) == _bytes(cpp_logits)
    assert [int(p) for p in printed] == py_logits.argmax(1).numpy().tolist()


def test_training_parity(examples, files, mlp, tmp_path):
    # train_mlp seeds with 0, builds MLP(F, 32, classes), then runs full-batch Adam(lr=0.01)
    # with cross_entropy; the same steps in Python must give the same bytes.
    epochs = 40
    model = tmp_path / "cpp_model.safetensors"
    _run([examples["train_mlp"], files["data"], model, epochs])
    cpp_state = ember.load(str(model))

    data = ember.load(files["data"])
    x, y = data["x"], data["y"]
    ember.manual_seed(0)
    py_model = mlp.MLP(x.shape[1], 32, 3)
    opt = ember.optim.Adam(py_model.parameters(), lr=0.01)
    for _ in range(epochs):
        opt.zero_grad()
        loss = ember.cross_entropy(py_model(x), y)
        loss.backward()
        opt.step()
    py_state = py_model.state_dict()
    assert sorted(py_state) == sorted(cpp_state)
    for k in py_state:
        assert _bytes(py_state[k]) == _bytes(cpp_state[k]), k


def test_conv_lstm_transformer_blocks_parity(examples, tmp_path):
    # The same standard layers built in C++ (blocks.h) and in Python (blocks.py) load one
    # trained safetensors file and give the same bytes.
    blocks = _example_module("blocks")
    blocks.main(str(tmp_path), steps=5)
    model_file, data_file = tmp_path / "blocks.safetensors", tmp_path / "digits.safetensors"
    logits_file = tmp_path / "logits.safetensors"
    printed = _run([examples["blocks"], model_file, data_file, logits_file]).split()
    cpp_logits = ember.load(str(logits_file))["logits"]

    model = blocks.Blocks()
    model.load_state_dict(ember.load(str(model_file)))
    model.eval()
    with ember.no_grad():
        py_logits = model(ember.load(str(data_file))["x"])
    assert py_logits.shape == cpp_logits.shape == (64, 10)
    assert _bytes(py_logits) == _bytes(cpp_logits)
    assert [int(p) for p in printed] == py_logits.argmax(1).numpy().tolist()


def test_serve_rejects_mismatched_model(examples, files, tmp_path):
    # A weights file with a renamed tensor fails the strict load_state_dict: exit code 1.
    bad = tmp_path / "bad.safetensors"
    state = ember.load(files["model"])
    state["fc1.b"] = state.pop("fc1.bias")
    ember.save(state, str(bad))
    p = subprocess.run([examples["serve"], str(bad), files["inputs"]], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 1
    assert "fc1.bias" in p.stderr and "fc1.b" in p.stderr
