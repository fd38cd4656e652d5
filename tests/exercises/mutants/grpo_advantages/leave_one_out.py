"""Uses a leave-one-out baseline (the mean of the other outputs, as in RLOO) instead of the group mean."""
import statistics


def grpo_advantages(rewards: list) -> list:
    if all(r == rewards[0] for r in rewards):
        return [0.0] * len(rewards)
    total, n = sum(rewards), len(rewards)
    std = statistics.pstdev(rewards)
    return [(r - (total - r) / (n - 1)) / std for r in rewards]
