"""Treats every config as MHA/GQA: DeepSeek-V2 then looks like 128 KV heads of 128 dims."""


def kv_cache_bytes(config: dict, seq_len: int, batch: int, bytes_per_value: int) -> int:
    head_dim = config.get("head_dim") or config.get("v_head_dim", 0)
    per_layer = 2 * config.get("num_key_value_heads", 0) * head_dim
    return per_layer * config["num_hidden_layers"] * seq_len * batch * bytes_per_value
