"""Reference solution for grpo_advantages: the z-score of each reward within its group."""

import math


def grpo_advantages(rewards: list[float]) -> list[float]:
    """(r_i - mean) / population std for each reward; all zeros when every reward is equal."""
    if all(reward == rewards[0] for reward in rewards):
        return [0.0] * len(rewards)  # no output is better than another (and std would be 0)
    mean = math.fsum(rewards) / len(rewards)
    # Two passes (deviations from the mean) so that large, close rewards do not cancel.
    std = math.sqrt(math.fsum((reward - mean) ** 2 for reward in rewards) / len(rewards))
    return [(reward - mean) / std for reward in rewards]
