"""The textbook 2 x layers x hidden_size per token: MHA's formula, applied to every model."""


def kv_cache_bytes(config: dict, seq_len: int, batch: int, bytes_per_value: int) -> int:
    if "kv_lora_rank" in config:
        per_layer = config["kv_lora_rank"] + config["qk_rope_head_dim"]
    else:
        per_layer = 2 * config["hidden_size"]
    return per_layer * config["num_hidden_layers"] * seq_len * batch * bytes_per_value
