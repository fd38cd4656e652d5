"""Returns int zeros for an all-equal group: [0, 0, 0] is not a list of floats."""
import statistics


def grpo_advantages(rewards: list) -> list:
    if all(r == rewards[0] for r in rewards):
        return [0] * len(rewards)
    mean = statistics.fmean(rewards)
    std = statistics.pstdev(rewards)
    return [(r - mean) / std for r in rewards]
