"""Computes the variance in one pass as E[r^2] - mean^2, which cancels for large rewards."""
import math


def grpo_advantages(rewards: list) -> list:
    if all(r == rewards[0] for r in rewards):
        return [0.0] * len(rewards)
    mean = sum(rewards) / len(rewards)
    variance = sum(r * r for r in rewards) / len(rewards) - mean * mean
    std = math.sqrt(max(variance, 0.0))
    return [(r - mean) / std if std else 0.0 for r in rewards]
