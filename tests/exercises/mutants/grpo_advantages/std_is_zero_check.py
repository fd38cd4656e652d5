"""Checks std == 0 instead of equal rewards: [0.1, 0.1, 0.1] gives a std of about 1e-17, so -1.0 each."""
import math


def grpo_advantages(rewards: list) -> list:
    mean = sum(rewards) / len(rewards)
    std = math.sqrt(sum((r - mean) ** 2 for r in rewards) / len(rewards))
    if std == 0:
        return [0.0] * len(rewards)
    return [(r - mean) / std for r in rewards]
