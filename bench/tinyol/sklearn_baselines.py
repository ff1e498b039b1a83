#!/usr/bin/python3
"""sklearn online baselines for the TinyOL experiments: replays <name>.stream.bin (written by
tinyol_experiments) one sample at a time, test then train, through SGDClassifier(loss='log_loss')
and PassiveAggressiveClassifier, each behind a StandardScaler updated by partial_fit, and writes
<name>.sklearn.json with each learner's per-row predictions and its time per learn step.

Order per row (the same as TinyOL's): predict with the current scaler and model, then
scaler.partial_fit(x), then clf.partial_fit(scaler.transform(x), y). Every class id of the stream
is passed to the first partial_fit (sklearn needs them up front; TinyOL adds classes as they come).

Usage: sklearn_baselines.py <out-dir> <stream-name> [--timing-rows N]
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import PassiveAggressiveClassifier, SGDClassifier
from sklearn.preprocessing import StandardScaler


def read_stream(path):
    with open(path, "rb") as f:
        head = f.read(16)
        if head[:4] != b"TOLS":
            raise SystemExit(f"{path}: not a TinyOL stream file")
        version, rows, cols = np.frombuffer(head[4:], dtype="<u4")
        if version != 1:
            raise SystemExit(f"{path}: version {version}, expected 1")
        labels = np.frombuffer(f.read(4 * rows), dtype="<i4")
        scored = np.frombuffer(f.read(4 * rows), dtype="<i4")
        features = np.frombuffer(f.read(4 * rows * cols), dtype="<f4").reshape(rows, cols)
    return labels, scored, features


def learners():
    return {
        "sgd_log_loss": lambda: SGDClassifier(loss="log_loss", random_state=0),
        "passive_aggressive": lambda: PassiveAggressiveClassifier(random_state=0),
    }


def replay(make, labels, features, classes):
    scaler = StandardScaler()
    clf = make()
    predictions = np.full(len(labels), -1, dtype=np.int64)
    fitted = False
    learn_seconds = 0.0
    for i in range(len(labels)):
        x = features[i:i + 1].astype(np.float64)
        if fitted:
            predictions[i] = clf.predict(scaler.transform(x))[0]
        start = time.perf_counter()
        scaler.partial_fit(x)
        clf.partial_fit(scaler.transform(x), labels[i:i + 1], classes=classes)
        learn_seconds += time.perf_counter() - start
        fitted = True
    return predictions, learn_seconds * 1e6 / len(labels)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out_dir, name = sys.argv[1], sys.argv[2]
    labels, scored, features = read_stream(f"{out_dir}/{name}.stream.bin")
    with open(f"{out_dir}/{name}.meta.json") as f:
        meta = json.load(f)
    classes = np.arange(len(meta["class_names"]))
    result = {"stream": name, "rows": int(len(labels)), "learners": {}}
    for learner, make in learners().items():
        predictions, learn_us = replay(make, labels, features, classes)
        mask = scored == 1
        accuracy = float(np.mean(predictions[mask] == labels[mask])) if mask.any() else 0.0
        result["learners"][learner] = {"predictions": predictions.tolist(),
                                       "learn_us_per_sample": learn_us}
        print(f"{name:28s} {learner:20s} prequential {accuracy:.4f}  learn {learn_us:.1f} us")
    import sklearn
    result["sklearn_version"] = sklearn.__version__
    result["numpy_version"] = np.__version__
    with open(f"{out_dir}/{name}.sklearn.json", "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
