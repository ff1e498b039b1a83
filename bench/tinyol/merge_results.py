#!/usr/bin/python3
"""Merges one TinyOL experiment: reads each stream's meta, our predictions (<name>.ours.json) and
the sklearn baselines (<name>.sklearn.json), computes every metric the same way for every learner
from the per-row predictions, and writes bench/results/tinyol_<experiment>.json plus SVG plots.

Usage: merge_results.py <experiment> <work-dir> <results-dir> <plot-dir>
"""
import glob
import json
import sys

import numpy as np

from svg_plot import line_plot

STREAMS = {
    "cwru-new-class": ["cwru_new_class_hidden", "cwru_new_class_features"],
    "cwru-new-bearing": ["cwru_new_bearing_hidden", "cwru_new_bearing_features"],
    "elec2": ["elec2_8", "elec2_6"],
    "anomaly": ["cwru_anomaly", "cwru_anomaly_normal"],
}
WINDOW = 20          # sliding window of the new-class recall goal
RECALL_GOAL = 0.9
CURVE_WINDOW = 200   # sliding window of the accuracy-over-time plots


def load(work, name):
    with open(f"{work}/{name}.meta.json") as f:
        meta = json.load(f)
    raw = np.fromfile(f"{work}/{name}.stream.bin", dtype="<i4", offset=16, count=2 * meta["rows"])
    labels, scored = raw[:meta["rows"]], raw[meta["rows"]:]
    with open(f"{work}/{name}.ours.json") as f:
        ours = json.load(f)
    with open(f"{work}/{name}.sklearn.json") as f:
        theirs = json.load(f)
    predictions = {"tinyol": np.array(ours["predictions"])}
    supervised_path = f"{work}/{name}.ours_supervised.json"
    if meta["task"] == "anomaly":
        with open(supervised_path) as f:
            supervised = json.load(f)
        predictions["tinyol_supervised"] = np.array(supervised["predictions"])
        ours["supervised_learn_us_per_sample"] = supervised["learn_us_per_sample"]
        # The kAnomaly detector variants (threshold rule x fault labels x debounce).
        ours["variants"] = {}
        for path in sorted(glob.glob(f"{work}/{name}.variant_*.json")):
            with open(path) as f:
                variant = json.load(f)
            if variant["learner"] in predictions:
                continue  # "tinyol" (the default config) is ours.json already
            predictions[variant["learner"]] = np.array(variant["predictions"])
            ours["variants"][variant["learner"]] = {
                "framing": variant["framing"], "config": variant["config"],
                "learn_us_per_sample": variant["learn_us_per_sample"]}
    for learner, result in theirs["learners"].items():
        predictions[f"sklearn_{learner}"] = np.array(result["predictions"])
    frozen = np.array(meta["frozen_predictions"])
    if (frozen[scored == 1] >= 0).any():
        predictions["frozen"] = frozen
    return meta, labels, scored, predictions, ours, theirs


def samples_to_recall(hits, window=WINDOW, goal=RECALL_GOAL):
    """Smallest k such that the predictions on the class's samples k+1..k+window (each made before
    that sample trained, i.e. after k+j-1 labelled samples) reach `goal` recall; None if never."""
    for k in range(0, len(hits) - window + 1):
        if np.mean(hits[k:k + window]) >= goal:
            return int(k)
    return None


def curve(correct, window=CURVE_WINDOW, points=150):
    xs, ys = [], []
    cumulative = np.concatenate([[0], np.cumsum(correct)])
    step = max(1, len(correct) // points)
    for end in range(window, len(correct) + 1, step):
        xs.append(end)
        ys.append((cumulative[end] - cumulative[end - window]) / window)
    return xs, ys


def classification(meta, labels, scored, predictions):
    mask = scored == 1
    y = labels[mask]
    initial = meta["initial_classes"]
    new_rows = np.nonzero(y >= initial)[0]
    first_new = int(new_rows[0]) if len(new_rows) else None
    segments = np.array(meta["segment"])[mask]
    out = {}
    curves = {}
    for learner, p in predictions.items():
        p = p[mask]
        correct = (p == y).astype(float)
        entry = {"prequential_accuracy": float(correct.mean()), "scored_rows": int(mask.sum())}
        if first_new is not None:
            entry["accuracy_after_new_class"] = float(correct[first_new:].mean())
            hits = correct[y >= initial]
            entry["new_class_recall"] = float(hits.mean())
            entry["new_class_samples_to_90pct_recall_window20"] = samples_to_recall(hits)
        if (segments >= 0).any():
            entry["accuracy_per_segment"] = {
                str(s): float(correct[segments == s].mean()) for s in sorted(set(segments.tolist()))}
        out[learner] = entry
        curves[learner] = curve(correct)
    return out, curves, first_new


def elec2_baselines(labels):
    """No-change (predict the previous label) and prequential majority class."""
    no_change = np.concatenate([[-1], labels[:-1]])
    counts = np.zeros(2)
    majority = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels):
        majority[i] = -1 if counts.sum() == 0 else int(np.argmax(counts))
        counts[label] += 1
    return {"no_change": no_change, "majority_class": majority}


def score_summary(work, name, meta, labels, scored):
    """The anomaly score (mean squared residual) of the stream's rows: the distinct normal windows
    (warm-up + the first pass over the held-out ones), their skewness raw and in ln, and the gap
    to the fault scores. Quoted in docs/tinyol.md ("Anomaly threshold and alarm", "Why 0.911")."""
    rows, cols = meta["rows"], meta["cols"]
    features = np.fromfile(f"{work}/{name}.stream.bin", dtype="<f4", offset=16 + 8 * rows,
                           count=rows * cols).reshape(rows, cols).astype(np.float64)
    score = (features ** 2).mean(axis=1)
    held_out = score[(scored == 1) & (labels == 0)][:meta["built"]["normal_test_windows"]]
    normal = np.concatenate([score[scored == 0], held_out])

    def skew(v):
        return float(((v - v.mean()) ** 3).mean() / v.std() ** 3)

    out = {"distinct_normal_windows": int(len(normal)), "normal_max": float(normal.max()),
           "normal_skewness": skew(normal), "normal_ln_skewness": skew(np.log(normal))}
    fault = score[labels == 1]
    if len(fault):
        out.update({"fault_min": float(fault.min()), "fault_max": float(fault.max()),
                    "fault_min_over_normal_max": float(fault.min() / normal.max())})
        # How alike the faults' residual directions are: cosine between the mean fault residual
        # vectors of every pair of transitions (a linear layer on the residuals must learn each).
        segments = np.array(meta["segment"])
        directions = []
        for t in sorted(set(segments[labels == 1].tolist())):
            mean = features[(segments == t) & (labels == 1)].mean(axis=0)
            directions.append(mean / np.linalg.norm(mean))
        cosines = (np.array(directions) @ np.array(directions).T)[
            np.triu_indices(len(directions), 1)]
        out.update({"fault_direction_cosine_min": float(cosines.min()),
                    "fault_direction_cosine_median": float(np.median(cosines))})
    return out


def anomaly(meta, labels, scored, predictions):
    mask = scored == 1
    y = labels[mask]
    segments = np.array(meta["segment"])[mask]
    hop_seconds = meta["built"]["hop"] / meta["built"]["sample_rate_hz"]
    normal_hours = (y == 0).sum() * hop_seconds / 3600.0
    out, curves = {}, {}
    for learner, p in predictions.items():
        p = p[mask]
        tp = int(((p == 1) & (y == 1)).sum())
        fp = int(((p == 1) & (y == 0)).sum())
        fn = int(((p != 1) & (y == 1)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        # Alarm onsets on normal windows: alarms that start while nothing is wrong (a run of
        # alarmed normal windows counts once; an alarm carried over from a fault does not count).
        onsets = int(sum(1 for i in range(len(p))
                         if p[i] == 1 and y[i] == 0 and (i == 0 or p[i - 1] != 1)))
        delays, missed = [], 0
        fault_segments = sorted(set(segments[y == 1].tolist()))
        for s in fault_segments:
            fault = np.nonzero((segments == s) & (y == 1))[0]
            alarms = np.nonzero(p[fault] == 1)[0]
            if len(alarms):
                delays.append(int(alarms[0]))
            else:
                missed += 1
        out[learner] = {
            "f1": f1, "precision": precision, "recall": recall,
            "accuracy": float((p == y).mean()),
            "detection_delay_windows_mean": float(np.mean(delays)) if delays else None,
            "detection_delay_seconds_mean": float(np.mean(delays)) * hop_seconds if delays else None,
            "missed_transitions": missed,
            "transitions": len(fault_segments),
            "false_alarms": fp,
            "false_alarms_per_hour": fp / normal_hours if normal_hours else None,
            "false_alarm_onsets": onsets,
            "detection_delay_ms_mean": float(np.mean(delays)) * hop_seconds * 1000 if delays else None,
        }
        curves[learner] = curve((p == y).astype(float), window=40)
    return out, curves, normal_hours


def main():
    experiment, work, results_dir, plot_dir = sys.argv[1:5]
    merged = {"experiment": experiment, "streams": {}}
    for name in STREAMS[experiment]:
        meta, labels, scored, predictions, ours, theirs = load(work, name)
        entry = {"rows": meta["rows"], "features": meta["cols"], "class_names": meta["class_names"],
                 "built": meta["built"], "tinyol_config": ours["config"],
                 "learn_us_per_sample": {"tinyol": ours["learn_us_per_sample"]},
                 "sklearn_version": theirs["sklearn_version"]}
        for learner, result in theirs["learners"].items():
            entry["learn_us_per_sample"][f"sklearn_{learner}"] = result["learn_us_per_sample"]
        marker = None
        if meta["task"] == "anomaly":
            entry["results"], curves, hours = anomaly(meta, labels, scored, predictions)
            entry["normal_signal_hours"] = hours
            entry["score_summary"] = score_summary(work, name, meta, labels, scored)
            # One false alarm window in this much normal signal is this many per hour; the
            # normal windows are few distinct ones reused cyclically (docs/tinyol.md).
            entry["false_alarms_per_hour_resolution"] = 1.0 / hours
            entry["distinct_normal_windows"] = meta["built"]["normal_test_windows"]
            entry["variants"] = ours["variants"]
            ylabel = "accuracy (sliding 40)"
        else:
            if experiment == "elec2":
                predictions.update(elec2_baselines(labels))
            entry["results"], curves, marker = classification(meta, labels, scored, predictions)
            entry["first_new_class_scored_row"] = marker
            ylabel = f"prequential accuracy (sliding {CURVE_WINDOW})"
        results = entry["results"]
        if meta["task"] == "anomaly" and meta["built"].get("normal_only"):
            entry["scored_normal_windows"] = meta["built"]["scored_normal_windows"]
            entry["distinct_signal_seconds"] = meta["built"]["distinct_signal_seconds"]
        elif meta["task"] == "anomaly":
            # Two like-for-like framings: the same labels for both sides.
            entry["learn_us_per_sample"]["tinyol_supervised"] = ours["supervised_learn_us_per_sample"]
            supervised_best = max(
                (k for k in results if k in ("sklearn_sgd_log_loss", "sklearn_passive_aggressive")),
                key=lambda k: results[k]["f1"])
            entry["framings"] = {
                "normal_labels_only": {
                    "what": "only normal samples train (ours: the kAnomaly threshold; sklearn: "
                            "SGDOneClassSVM nu=0.01 on normal rows); fault labels unused",
                    "tinyol": results["tinyol"]["f1"],
                    "sklearn_one_class_svm": results["sklearn_one_class_svm"]["f1"]},
                "every_label": {
                    "what": "every normal and fault label trains (ours: the kAnomaly task with "
                            "fault labels, tinyol_faults*, and the classification task on the "
                            "residuals, tinyol_supervised; sklearn: the two classifiers)",
                    "tinyol_supervised": results["tinyol_supervised"]["f1"],
                    supervised_best: results[supervised_best]["f1"]},
            }
            for learner, variant in ours["variants"].items():
                entry["framings"][variant["framing"]][learner] = results[learner]["f1"]
            every_label_ours = "tinyol_faults" if "tinyol_faults" in results else "tinyol_supervised"
            entry["tinyol_vs_best_sklearn"] = {
                "f1_normal_labels_only": [results["tinyol"]["f1"],
                                          results["sklearn_one_class_svm"]["f1"]],
                "f1_every_label": [results[every_label_ours]["f1"], results[supervised_best]["f1"]],
                "every_label_ours": every_label_ours}
        else:
            sklearn_best = max((v for k, v in results.items() if k.startswith("sklearn_")),
                               key=lambda v: v["prequential_accuracy"])
            entry["tinyol_vs_best_sklearn"] = {
                "prequential_accuracy": [results["tinyol"]["prequential_accuracy"],
                                         sklearn_best["prequential_accuracy"]]}
        plot = f"{plot_dir}/tinyol_{name}.svg"
        line_plot(plot, f"{name}: test-then-train", curves, "scored sample", ylabel, marker)
        entry["plot"] = plot
        merged["streams"][name] = entry
        for learner, result in entry["results"].items():
            shown = {k: v for k, v in result.items() if not isinstance(v, dict)}
            print(f"{name:26s} {learner:30s} {json.dumps(shown)}")
    with open(f"{results_dir}/tinyol_{experiment.replace('-', '_')}.json", "w") as f:
        json.dump(merged, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
