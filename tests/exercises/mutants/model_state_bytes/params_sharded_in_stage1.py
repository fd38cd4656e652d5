"""Thinks stage 1 already partitions the parameters (with the optimizer states), stage 2 adds gradients."""


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    sharded = [0, 14, 16, 16][zero_stage]
    return (16 - sharded) * n_params + sharded * -(-n_params // n_gpus)
