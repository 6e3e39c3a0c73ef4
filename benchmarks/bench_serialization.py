"""ember.save / ember.load against the official safetensors package (torch and numpy
front ends) on a 100 MB state dict of 50 float32 tensors. Files live in a temporary
directory (page cache speed, no fsync by anyone). Note: safetensors.torch.load_file maps
the file lazily (zero-copy), while ember.load and safetensors.numpy.load_file copy every
tensor into memory of its own, so the torch load ratio compares different work."""
import atexit
import os
import shutil
import tempfile

import numpy as np

import ember


def cases():
    rng = np.random.default_rng(0)
    arrays = {f"layer{i}.weight": rng.standard_normal((512, 1024)).astype(np.float32)
              for i in range(50)}
    tensors = {k: ember.from_numpy(v) for k, v in arrays.items()}
    tmp = tempfile.mkdtemp(prefix="ember_bench_io_")
    atexit.register(shutil.rmtree, tmp, True)
    path = os.path.join(tmp, "m.safetensors")
    ember.save(tensors, path)

    torch_save = torch_load = np_save = np_load = None
    try:
        from safetensors.numpy import save_file, load_file
        np_save = lambda: save_file(arrays, os.path.join(tmp, "n.safetensors"))  # noqa: E731
        np_load = lambda: load_file(path)  # noqa: E731
    except ImportError:
        pass
    try:
        import torch
        from safetensors.torch import save_file as tsave, load_file as tload
        ttensors = {k: torch.from_numpy(v) for k, v in arrays.items()}
        torch_save = lambda: tsave(ttensors, os.path.join(tmp, "t.safetensors"))  # noqa: E731
        torch_load = lambda: tload(path)  # noqa: E731
    except ImportError:
        pass
    return [
        ("save safetensors 100MB (50 x f32 512x1024)",
         {"ember": lambda: ember.save(tensors, os.path.join(tmp, "e.safetensors")),
          "torch": torch_save, "numpy": np_save}),
        ("load safetensors 100MB (torch: lazy mmap)",
         {"ember": lambda: ember.load(path), "torch": torch_load, "numpy": np_load}),
    ]
