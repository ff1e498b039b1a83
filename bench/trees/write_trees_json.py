#!/usr/bin/python3
"""Collects run_tree_bench.sh's images into bench/results/trees.json (and prints a table)."""
import json
import sys

work, out_path, trees, depth = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
names = {0: "tinyforge_runtime", 1: "emlearn_style_arrays", 2: "emlearn_style_inline", 3: "empty"}


def flash_bytes(size_txt):
    # Flash = what the linker script puts at 0x0: .text/.rodata (+ .data's load image).
    total = 0
    for line in open(size_txt):
        parts = line.split()
        if len(parts) == 3 and parts[0] in (".text", ".rodata", ".data", ".ARM.exidx", ".init_array", ".fini_array"):
            total += int(parts[1])
    return total


stats = json.load(open(f"{work}/data/forest_stats.json"))
result = {
    "benchmark": "TreeEnsemble random forest on the CWRU features of the demo pipeline "
                 "(examples/predictive_maintenance/cwru_pipeline.toml), Cortex-M4F under QEMU mps2-an386",
    "command": f"bench/trees/run_tree_bench.sh {trees} {depth}",
    "compiler": "arm-none-eabi-gcc 12.2.1, -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16, "
                "-ffunction-sections -fdata-sections -Wl,--gc-sections, nano.specs",
    "counting": "../shared/tools/qemu-m4 m4count plugin, mode=insn; region overhead 6 instructions included",
    "forest": stats,
    "variants": {},
}
failed = False
for opt in ("O2", "Os"):
    empty_flash = flash_bytes(f"{work}/{opt}-3/size.txt")
    for variant in (0, 1, 2, 3):
        run = json.load(open(f"{work}/{opt}-{variant}/run.json"))
        regions = run.get("summary", {})
        inference = regions.get("inference", {})
        entry = {
            "exit_code": run.get("exit_code"),
            "mismatches": int(run.get("kv", {}).get("mismatches", -1)),
            "instructions_per_inference_mean": inference.get("mean"),
            "instructions_per_inference_min": inference.get("min"),
            "instructions_per_inference_max": inference.get("max"),
            "flash_bytes_image": flash_bytes(f"{work}/{opt}-{variant}/size.txt"),
        }
        entry["flash_bytes_over_empty_image"] = entry["flash_bytes_image"] - empty_flash
        if variant == 0:
            entry["load_prepare_instructions"] = regions.get("load_prepare", {}).get("mean")
            entry["model_bytes"] = stats["model_bytes"]
        if entry["exit_code"] != 0 or entry["mismatches"] != 0:
            failed = True
        result["variants"][f"{names[variant]}_{opt}"] = entry
json.dump(result, open(out_path, "w"), indent=2)
open(out_path, "a").write("\n")
print(f"{'variant':32} {'insn/inference':>15} {'flash B':>9} {'over empty':>11} mismatches")
for key, e in result["variants"].items():
    print(f"{key:32} {e['instructions_per_inference_mean']!s:>15} {e['flash_bytes_image']:>9} "
          f"{e['flash_bytes_over_empty_image']:>11} {e['mismatches']}")
sys.exit(1 if failed else 0)
