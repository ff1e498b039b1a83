#!/usr/bin/python3
"""Writes bench/results/tinyol.json: footprint and speed of TinyOL on the Cortex-M4 replay image of
the CWRU new-class stream (qemu-m4 m4run.py --json output + arm-none-eabi-size -A), the device
accuracy against the host's, and the host time per learn step against sklearn.

Four images are measured (scripts/run-tinyol.sh footprint): frozen model float or int8, each built
MinSizeRel (-Os) and Release (-O3). The top-level figures are the reported one (<main-tag>); every
variant is under "variants".

flash_bytes = .text + .data (+ .ARM.exidx, .init_array) of the image minus the embedded replay
stream (test data, not firmware); the frozen model blob stays in. ram_bytes = .data + .bss.

Usage: write_footprint.py <work-dir> <out.json> <main-tag>   (tag e.g. float-MinSizeRel)
"""
import glob
import json
import os
import sys

import numpy as np

FLASH_SECTIONS = [".text", ".data", ".ARM.exidx", ".init_array", ".rodata"]


def read_sections(path):
    sections = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[1].isdigit():
                sections[parts[0]] = int(parts[1])
    return sections


def read_build(path):
    build = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition(" ")
            build[key] = value.strip()
    return build


def host_accuracy(work, name):
    """Our host prequential accuracy on a stream (scored rows), from the driver's predictions."""
    with open(f"{work}/{name}.meta.json") as f:
        meta = json.load(f)
    with open(f"{work}/{name}.ours.json") as f:
        ours = json.load(f)
    raw = np.fromfile(f"{work}/{name}.stream.bin", dtype="<i4", offset=16, count=2 * meta["rows"])
    labels, scored = raw[:meta["rows"]], raw[meta["rows"]:]
    predictions = np.array(ours["predictions"])
    host_scored = int((scored == 1).sum())
    host_correct = int(((predictions == labels) & (scored == 1)).sum())
    return host_correct, host_scored, ours


def variant(work, tag):
    with open(f"{work}/m4_replay-{tag}.json") as f:
        run = json.load(f)
    sections = read_sections(f"{work}/m4_replay-{tag}.size")
    build = read_build(f"{work}/m4_replay-{tag}.build")
    kv, summary = run["kv"], run["summary"]
    image_flash = sum(sections.get(s, 0) for s in FLASH_SECTIONS)
    flash = image_flash - kv["embedded_stream_bytes"]
    stream = "cwru_new_class_hidden" + ("_int8" if build["frozen_model"] == "int8" else "")
    host_correct, host_scored, _ = host_accuracy(work, stream)
    return {
        "flash_bytes": flash,
        "ram_bytes": sections.get(".data", 0) + sections.get(".bss", 0),
        "update_instructions": round(summary["update"]["mean"]),
        "infer_instructions": round(summary["infer"]["mean"]),
        "frozen_model_instructions": round(summary["frozen"]["mean"]),
        "model_bytes": kv["model_bytes"],
        "flash_bytes_without_model": flash - kv["model_bytes"],
        "image_flash_bytes_with_embedded_stream": image_flash,
        "embedded_stream_bytes": kv["embedded_stream_bytes"],
        "learning_ram_bytes": kv["learner_bytes"],
        "learner_storage_bytes": kv["learner_storage_bytes"],
        "inference_arena_bytes": kv["arena_bytes"],
        "stack_high_water_bytes": kv["stack_bytes"],
        "build": build,
        "instructions": {k: summary[k] for k in ("update", "infer", "frozen")},
        "device_vs_host": {
            "stream": stream,
            "device_prequential_accuracy": kv["correct"] / kv["scored"],
            "host_prequential_accuracy": host_correct / host_scored,
            "prediction_mismatches": kv["prediction_mismatches_vs_host"],
            "hidden_activation_mismatches": kv["hidden_mismatches_vs_host"],
            "equal": kv["prediction_mismatches_vs_host"] == 0 and kv["correct"] == host_correct
                     and kv["hidden_mismatches_vs_host"] == 0,
        },
    }


def main():
    work, out_path, main_tag = sys.argv[1], sys.argv[2], sys.argv[3]
    tags = sorted(os.path.basename(p)[len("m4_replay-"):-len(".json")]
                  for p in glob.glob(f"{work}/m4_replay-*.json"))
    variants = {tag: variant(work, tag) for tag in tags}
    main = variants[main_tag]
    _, _, ours = host_accuracy(work, "cwru_new_class_hidden")
    with open(f"{work}/cwru_new_class_hidden.sklearn.json") as f:
        theirs = json.load(f)
    sgd_us = theirs["learners"]["sgd_log_loss"]["learn_us_per_sample"]
    result = {
        "image": "bench/m4/tinyol/tinyol_replay.elf (CWRU new-class stream, hidden-layer learner), "
                 f"{main_tag}",
        "flash_bytes": main["flash_bytes"],
        "ram_bytes": main["ram_bytes"],
        "update_instructions": main["update_instructions"],
        "infer_instructions": main["infer_instructions"],
        "details": dict(main, **{
            "learning_ram_note": "sizeof(StaticLearner<kClassification, 16, 8, 8>): state + "
                                 "storage; beyond the inference arena and static for its life",
            "counting": "qemu-m4 m4run.py --mode tb; update = Learner::Learn (standardize, "
                        "predict, Welford, SGD), infer = Learner::Predict; frozen = "
                        "Interpreter::Invoke of the hidden-layer model (not included above)",
            "flash_note": "text + data of the image minus the embedded replay stream; the frozen "
                          "model blob is included",
        }),
        "device_vs_host": main["device_vs_host"],
        "variants": {tag: {k: v for k, v in entry.items() if k not in ("instructions",)}
                     for tag, entry in variants.items()},
        "host_speed": {
            "tinyol_learn_us_per_sample": ours["learn_us_per_sample"],
            "tinyol_predict_us_per_sample": ours["predict_us_per_sample"],
            "sklearn_sgd_plus_scaler_partial_fit_us_per_sample": sgd_us,
            "speedup": sgd_us / ours["learn_us_per_sample"],
            "note": "same stream (cwru_new_class_hidden), one sample at a time, measured by "
                    "scripts/run-tinyol.sh in one run on a shared 2-core machine",
        },
        "goals": {"learning_ram_bytes_max": 4096, "flash_bytes_max": 32768, "speedup_min": 100},
    }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("details", "variants")},
                     indent=1))
    for tag, entry in variants.items():
        print(f"{tag:18s} flash {entry['flash_bytes']:6d} B (model {entry['model_bytes']} B)  "
              f"update {entry['update_instructions']}  infer {entry['infer_instructions']}  "
              f"frozen {entry['frozen_model_instructions']}  device==host "
              f"{entry['device_vs_host']['equal']} "
              f"acc {entry['device_vs_host']['device_prequential_accuracy']:.6f}")


if __name__ == "__main__":
    main()
