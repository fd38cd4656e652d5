"""Divides the partitioned bytes by the GPU count and truncates: no padding of the last shard."""


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    sharded = [0, 12, 14, 16][zero_stage]
    return int((16 - sharded) * n_params + sharded * n_params / n_gpus)
