"""Counts MLA's latent and RoPE key twice, once "for K" and once "for V"."""


def kv_cache_bytes(config: dict, seq_len: int, batch: int, bytes_per_value: int) -> int:
    if "kv_lora_rank" in config:
        per_layer = 2 * (config["kv_lora_rank"] + config["qk_rope_head_dim"])
    else:
        per_layer = 2 * config["num_key_value_heads"] * config["head_dim"]
    return per_layer * config["num_hidden_layers"] * seq_len * batch * bytes_per_value
