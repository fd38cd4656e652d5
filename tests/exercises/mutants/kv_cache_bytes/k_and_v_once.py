"""Counts one vector per KV head and token instead of a key and a value."""


def kv_cache_bytes(config: dict, seq_len: int, batch: int, bytes_per_value: int) -> int:
    if "kv_lora_rank" in config:
        per_layer = config["kv_lora_rank"] + config["qk_rope_head_dim"]
    else:
        per_layer = config["num_key_value_heads"] * config["head_dim"]
    return per_layer * config["num_hidden_layers"] * seq_len * batch * bytes_per_value
