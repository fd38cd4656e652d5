"""Caches MLA's RoPE key once per attention head instead of once, shared by all heads."""


def kv_cache_bytes(config: dict, seq_len: int, batch: int, bytes_per_value: int) -> int:
    if "kv_lora_rank" in config:
        per_layer = config["kv_lora_rank"] + config.get("num_attention_heads", 1) * config["qk_rope_head_dim"]
    else:
        per_layer = 2 * config["num_key_value_heads"] * config["head_dim"]
    return per_layer * config["num_hidden_layers"] * seq_len * batch * bytes_per_value
