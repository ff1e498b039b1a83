// The mini-batch training loop shared by the built-in trainers: shuffled batches, one Adam step
// per batch, validation loss per epoch, early stopping that restores the best epoch's weights.
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_FIT_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_FIT_H_

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

#include "toolchain/train/dense_stack.h"
#include "toolchain/train/random.h"

namespace tinyforge::toolchain {

struct FitConfig {
  int epochs = 100;
  int batch_size = 32;
  int patience = 10;  // epochs without validation improvement before stopping
  AdamConfig adam;
  // Called after every epoch with its number (1-based) and validation loss: progress output for
  // the CLI. Does not influence training (same seed, same model with or without it).
  std::function<void(int epoch, float validation_loss)> on_epoch;
};

struct FitHistory {
  int epochs_run = 0;
  int best_epoch = 0;
  float best_validation_loss = std::numeric_limits<float>::infinity();
  std::vector<float> validation_losses;
};

// Model: copyable, with AdamStep(const AdamConfig&, int step).
// train_step(model, batch_row_indices): forward + loss + backward, returns the batch loss.
// validation_loss(model): the loss early stopping watches.
template <typename Model, typename TrainStep, typename ValidationLoss>
FitHistory Fit(Model& model, size_t train_rows, const FitConfig& config, Rng& rng,
               TrainStep train_step, ValidationLoss validation_loss) {
  FitHistory history;
  Model best = model;
  std::vector<size_t> order(train_rows);
  std::iota(order.begin(), order.end(), size_t{0});
  const size_t batch_size = static_cast<size_t>(std::max(config.batch_size, 1));
  int step = 0;
  int stale_epochs = 0;
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    rng.Shuffle(order);
    for (size_t start = 0; start < train_rows; start += batch_size) {
      const size_t end = std::min(train_rows, start + batch_size);
      const std::vector<size_t> batch(order.begin() + static_cast<std::ptrdiff_t>(start),
                                      order.begin() + static_cast<std::ptrdiff_t>(end));
      train_step(model, batch);
      model.AdamStep(config.adam, ++step);
    }
    const float loss = validation_loss(model);
    history.validation_losses.push_back(loss);
    history.epochs_run = epoch + 1;
    if (config.on_epoch) config.on_epoch(epoch + 1, loss);
    if (loss < history.best_validation_loss) {
      history.best_validation_loss = loss;
      history.best_epoch = epoch + 1;
      best = model;
      stale_epochs = 0;
    } else if (++stale_epochs >= config.patience) {
      break;
    }
  }
  model = std::move(best);
  return history;
}

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_FIT_H_
