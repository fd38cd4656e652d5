"""Caches MLA's keys and values decompressed, per head (192-dim keys, 128-dim values), as a naive
implementation without absorbed projections does."""


def kv_cache_bytes(config: dict, seq_len: int, batch: int, bytes_per_value: int) -> int:
    if "qk_nope_head_dim" in config:
        key = config["qk_nope_head_dim"] + config["qk_rope_head_dim"]
        per_layer = config["num_key_value_heads"] * (key + config["v_head_dim"])
    elif "kv_lora_rank" in config:
        per_layer = config["kv_lora_rank"] + config["qk_rope_head_dim"]
    else:
        per_layer = 2 * config["num_key_value_heads"] * config["head_dim"]
    return per_layer * config["num_hidden_layers"] * seq_len * batch * bytes_per_value
