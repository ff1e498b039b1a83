"""PyTorch CPU side of the pipeline benchmark: the same MLP as pipeline_bench.cpp on the same file.

Reads the matrix pipeline_bench writes (uint32 train_rows, test_rows, cols, classes; float32
train; int32 train labels; float32 test; int32 test labels), trains features -> 32 -> 16 ->
classes (ReLU) with Adam and softmax cross-entropy on shuffled mini-batches for a fixed number of
epochs, times the training loop only, and prints one JSON object on the last line.
"""
import argparse
import json
import time

import numpy as np
import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("matrix")
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.002)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    raw = open(args.matrix, "rb").read()
    train_rows, test_rows, cols, classes = np.frombuffer(raw, dtype=np.uint32, count=4)
    offset = 16

    def take(dtype, count):
        nonlocal offset
        values = np.frombuffer(raw, dtype=dtype, count=int(count), offset=offset)
        offset += 4 * int(count)
        return values

    train_x = torch.from_numpy(take(np.float32, train_rows * cols).reshape(train_rows, cols).copy())
    train_y = torch.from_numpy(take(np.int32, train_rows).astype(np.int64))
    test_x = torch.from_numpy(take(np.float32, test_rows * cols).reshape(test_rows, cols).copy())
    test_y = torch.from_numpy(take(np.int32, test_rows).astype(np.int64))

    model = torch.nn.Sequential(
        torch.nn.Linear(int(cols), 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, int(classes)))
    # He-normal weights and zero biases, like DenseStack::Init.
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            torch.nn.init.zeros_(layer.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(int(train_rows))
        for begin in range(0, int(train_rows), args.batch_size):
            batch = order[begin:begin + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(train_x[batch]), train_y[batch])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start

    with torch.no_grad():
        accuracy = (model(test_x).argmax(dim=1) == test_y).float().mean().item()
    print(json.dumps({"seconds": seconds, "test_accuracy": accuracy,
                      "samples_per_second": int(train_rows) * args.epochs / seconds,
                      "threads": torch.get_num_threads(), "torch_version": torch.__version__}))


if __name__ == "__main__":
    main()
