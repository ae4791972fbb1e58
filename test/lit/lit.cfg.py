# lit configuration for the obs suites: parse, sema, corpus, codegen, runtime.
import os
import shutil
import subprocess

import lit.formats

config.name = "obs"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".obs", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "README.md", "workloads"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.obs_binary_dir, "test", "lit")

bin_dir = config.obs_binary_dir
inputs = os.path.join(bin_dir, "test", "lit", "Inputs")
config.substitutions.append(("%obsc", os.path.join(bin_dir, "tools", "obsc", "obsc")))
config.substitutions.append(("%inputs", inputs))
config.substitutions.append(("%workloads", os.path.join(bin_dir, "test", "workloads")))
config.substitutions.append(("%hermetic",
    "--btf %s --tracefs %s" % (os.path.join(inputs, "mini_vmlinux.o"),
                               os.path.join(inputs, "tracefs"))))
config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["OBS_STDLIB"] = os.path.join(config.obs_source_dir, "stdlib")


def bpf_unavailable_reason():
    """Why runtime tests cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "not root (runtime tests load BPF programs)"
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        return "no kernel BTF at /sys/kernel/btf/vmlinux"
    if shutil.which("bpftool") is None:
        return "bpftool is not installed"
    try:
        subprocess.run(["bpftool", "prog", "show"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    except Exception as e:  # noqa: BLE001
        return "bpftool prog show failed: %s" % e
    return None


reason = bpf_unavailable_reason()
if reason is None:
    config.available_features.add("bpf")
else:
    lit_config.note("runtime tests (REQUIRES: bpf) are skipped: " + reason)
