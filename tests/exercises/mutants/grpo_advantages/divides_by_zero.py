"""No special case: an all-equal group divides by a zero standard deviation."""
import statistics


def grpo_advantages(rewards: list) -> list:
    mean = statistics.fmean(rewards)
    std = statistics.pstdev(rewards)
    return [(r - mean) / std for r in rewards]
