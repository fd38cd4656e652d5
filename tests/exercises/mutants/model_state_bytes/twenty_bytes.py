"""The write-up's accounting: 2 (fp16 weights) + 8 (Adam m, v) + 10 (mixed precision) = 20 B/param."""


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    sharded = [0, 18, 18, 20][zero_stage]
    return (20 - sharded) * n_params + sharded * -(-n_params // n_gpus)
