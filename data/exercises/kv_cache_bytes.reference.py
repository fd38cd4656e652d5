"""Reference solution for kv_cache_bytes: values cached per token per layer, times everything else."""


def kv_cache_bytes(config: dict[str, int], seq_len: int, batch: int, bytes_per_value: int) -> int:
    """Bytes of KV cache for `batch` sequences of `seq_len` tokens under `config`."""
    if "kv_lora_rank" in config:
        # MLA: one latent c^KV, shared by keys and values,
        # and one decoupled RoPE key, shared by all heads.
        per_layer = config["kv_lora_rank"] + config["qk_rope_head_dim"]
    else:
        # MHA, GQA, MQA: a key and a value per KV head; query heads sharing a KV head add nothing.
        per_layer = 2 * config["num_key_value_heads"] * config["head_dim"]
    return per_layer * config["num_hidden_layers"] * seq_len * batch * bytes_per_value
