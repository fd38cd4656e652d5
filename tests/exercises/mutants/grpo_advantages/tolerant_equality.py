"""Treats a group as all equal when its std is below 1e-6, so nearly equal rewards give zeros."""
import statistics


def grpo_advantages(rewards: list) -> list:
    mean = statistics.fmean(rewards)
    std = statistics.pstdev(rewards)
    if std < 1e-6:
        return [0.0] * len(rewards)
    return [(r - mean) / std for r in rewards]
