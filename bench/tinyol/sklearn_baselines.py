#!/usr/bin/python3
"""sklearn online baselines for the TinyOL experiments: replays <name>.stream.bin (written by
tinyol_experiments) one sample at a time, test then train, through SGDClassifier(loss='log_loss')
and PassiveAggressiveClassifier, each behind a StandardScaler updated by partial_fit, and writes
<name>.sklearn.json with each learner's per-row predictions and its time per learn step.

Order per row (the same as TinyOL's): predict with the current scaler and model, then
scaler.partial_fit(x), then clf.partial_fit(scaler.transform(x), y). Every class id of the stream
is passed to the first partial_fit (sklearn needs them up front; TinyOL adds classes as they come).

Anomaly streams also get SGDOneClassSVM (nu 0.01) behind a StandardScaler, both fitted on the
normal rows only: the information our anomaly task uses.

A result already written for the very same stream file (sha256) is kept unless --rerun is given:
the learners are deterministic, only the timings would change.

Usage: sklearn_baselines.py <out-dir> <stream-name> [--rerun]
"""
import hashlib
import json
import sys
import time

import numpy as np
from sklearn.linear_model import PassiveAggressiveClassifier, SGDClassifier, SGDOneClassSVM
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


# Anomaly streams only: what our anomaly task gets, the normal labels and nothing else. nu bounds
# the fraction of normal training samples left outside (ours: mean + 3 sigma); 0.01, not tuned.
ONE_CLASS_NU = 0.01


def replay_one_class(labels, features):
    """SGDOneClassSVM behind a StandardScaler, both fitted (partial_fit) on normal rows only;
    predicts fault (1) where the model says outlier (-1). Normal (0) until the first fit."""
    scaler = StandardScaler()
    clf = SGDOneClassSVM(nu=ONE_CLASS_NU, random_state=0)
    predictions = np.zeros(len(labels), dtype=np.int64)
    fitted = False
    learn_seconds = 0.0
    for i in range(len(labels)):
        x = features[i:i + 1].astype(np.float64)
        if fitted:
            predictions[i] = 1 if clf.predict(scaler.transform(x))[0] == -1 else 0
        if labels[i] != 0:
            continue
        start = time.perf_counter()
        scaler.partial_fit(x)
        clf.partial_fit(scaler.transform(x))
        learn_seconds += time.perf_counter() - start
        fitted = True
    return predictions, learn_seconds * 1e6 / max(1, int((labels == 0).sum()))


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


def stream_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out_dir, name = sys.argv[1], sys.argv[2]
    stream_path = f"{out_dir}/{name}.stream.bin"
    digest = stream_sha256(stream_path)
    # sklearn is deterministic here (random_state 0): the same stream file gives the same
    # predictions, so a result for this exact file is kept (its timings are from that run).
    try:
        with open(f"{out_dir}/{name}.sklearn.json") as f:
            previous = json.load(f)
        if previous.get("stream_sha256") == digest and "--rerun" not in sys.argv:
            print(f"{name:28s} sklearn results of this exact stream file kept ({digest[:12]})")
            return
    except (FileNotFoundError, json.JSONDecodeError):
        pass
    labels, scored, features = read_stream(stream_path)
    with open(f"{out_dir}/{name}.meta.json") as f:
        meta = json.load(f)
    classes = np.arange(len(meta["class_names"]))
    result = {"stream": name, "rows": int(len(labels)), "stream_sha256": digest, "learners": {}}
    for learner, make in learners().items():
        predictions, learn_us = replay(make, labels, features, classes)
        mask = scored == 1
        accuracy = float(np.mean(predictions[mask] == labels[mask])) if mask.any() else 0.0
        result["learners"][learner] = {"predictions": predictions.tolist(),
                                       "learn_us_per_sample": learn_us}
        print(f"{name:28s} {learner:20s} prequential {accuracy:.4f}  learn {learn_us:.1f} us")
    if meta.get("task") == "anomaly":
        predictions, learn_us = replay_one_class(labels, features)
        mask = scored == 1
        accuracy = float(np.mean(predictions[mask] == labels[mask])) if mask.any() else 0.0
        result["learners"]["one_class_svm"] = {"predictions": predictions.tolist(),
                                               "learn_us_per_sample": learn_us,
                                               "nu": ONE_CLASS_NU,
                                               "labels_used": "normal only"}
        print(f"{name:28s} {'one_class_svm':20s} prequential {accuracy:.4f}  learn {learn_us:.1f} us")
    import sklearn
    result["sklearn_version"] = sklearn.__version__
    result["numpy_version"] = np.__version__
    with open(f"{out_dir}/{name}.sklearn.json", "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
