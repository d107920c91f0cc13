#!/usr/bin/env python3
"""Peer for bench-learning: scikit-learn on the same Fashion-MNIST pool and test set.

Model: LogisticRegression (C = 0.1, lbfgs, multinomial) on raw pixels / 255.
Strategy: least-confidence top-k (as modAL's uncertainty_sampling): the unlabeled items
with the smallest top probability.  The first round (10 labels at the first budget) is
uniform random, drawn with numpy's default_rng(seed), so it differs from the C
benchmark's generator; both use the same seeds 0..N-1, pool, test set and budgets.

Prints one JSON object on stdout:
  {"budgets": [...], "seeds": [...], "accuracy": [[per budget] per seed]}
accuracies as fractions in 0..1.
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    n_dims = data[3]
    dims = struct.unpack(">" + "I" * n_dims, data[4:4 + 4 * n_dims])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: wrong data size")
    return arr.reshape(dims)


def fit_predict(x, y, x_eval_list):
    classes = np.unique(y)
    if classes.size < 2:
        return [np.full((xe.shape[0], 1), 1.0) for xe in x_eval_list], classes
    model = LogisticRegression(C=0.1, max_iter=200)
    model.fit(x, y)
    return [model.predict_proba(xe) for xe in x_eval_list], model.classes_


def run_seed(seed, pool_x, pool_y, test_x, test_y, budgets):
    rng = np.random.default_rng(seed)
    n = pool_x.shape[0]
    labeled = np.zeros(n, dtype=bool)
    accuracies = []
    proba = None
    for budget in budgets:
        batch = budget - int(labeled.sum())
        unlabeled = np.flatnonzero(~labeled)
        if proba is None:
            picks = rng.choice(unlabeled, size=batch, replace=False)
        else:
            confidence = proba[unlabeled].max(axis=1)
            order = np.argsort(confidence, kind="stable")
            picks = unlabeled[order[:batch]]
        labeled[picks] = True
        (proba, test_proba), classes = fit_predict(
            pool_x[labeled], pool_y[labeled], [pool_x, test_x])
        predicted = classes[np.argmax(test_proba, axis=1)]
        accuracies.append(float(np.mean(predicted == test_y)))
        print(f"  peer seed {seed}: {accuracies[-1] * 100:.1f}% at {budget}",
              file=sys.stderr)
    return accuracies


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="folder with the IDX .gz files")
    parser.add_argument("--pool", type=int, default=10000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budgets", default="10,20,30,40,50,60,80,100,150,200,300,400,500")
    args = parser.parse_args()

    budgets = [int(b) for b in args.budgets.split(",")]
    train_x = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    train_y = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"))
    test_x = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    test_y = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    pool = min(args.pool, train_x.shape[0])
    pool_x = train_x[:pool].reshape(pool, -1).astype(np.float64) / 255.0
    pool_y = train_y[:pool].astype(np.int64)
    test_x = test_x.reshape(test_x.shape[0], -1).astype(np.float64) / 255.0
    test_y = test_y.astype(np.int64)

    result = {"budgets": budgets, "seeds": list(range(args.seeds)), "accuracy": []}
    for seed in range(args.seeds):
        result["accuracy"].append(run_seed(seed, pool_x, pool_y, test_x, test_y, budgets))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
