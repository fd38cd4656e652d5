"""Thinks stage 3 partitions the parameters and optimizer states but keeps the gradients whole."""


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    sharded = [0, 12, 14, 14][zero_stage]
    return (16 - sharded) * n_params + sharded * -(-n_params // n_gpus)
