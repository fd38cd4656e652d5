"""Reference solution for model_state_bytes: ZeRO's bytes per parameter, split into the states
every GPU keeps whole and the states it keeps one shard of."""

# Bytes per parameter of mixed-precision Adam (ZeRO §3): fp16 parameters, fp16 gradients, and
# the optimizer state K = 12 (fp32 parameters, momentum, variance).
PARAMS, GRADS, OPTIMIZER = 2, 2, 12


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    """Bytes of model states on one GPU, under ZeRO stage `zero_stage` (0: plain data parallel)."""
    sharded = [OPTIMIZER, OPTIMIZER + GRADS, OPTIMIZER + GRADS + PARAMS][zero_stage - 1] if zero_stage else 0
    whole = PARAMS + GRADS + OPTIMIZER - sharded
    shard = -(-n_params // n_gpus)  # ceil: all shards equal, the last one padded
    return whole * n_params + sharded * shard
